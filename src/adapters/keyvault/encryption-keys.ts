// The encryption certificate of rich notifications, kept in Key Vault. Each version of the
// certificate is one key pair; its version id is the subscription's encryptionCertificateId, so a
// notification names the key that opens it. Rotation: add a version (or let Key Vault renew it);
// new subscriptions use it at once, the renewal timer replaces the older ones, and older versions
// stay accepted until they are disabled or expire. The Function App's identity reads the
// certificate's secret (Key Vault Secrets User): PEM, content type application/x-pem-file.
import type { TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { EncryptionCertificate, EncryptionKeyStore } from "../../app/ports.js";
import { chooseVersions, splitCertificatePem, type CertificateVersion } from "./certificate-versions.js";

/** How long the list of versions is reused; an unknown version asks again, at most this often. */
const VERSIONS_TTL_IN_MS = 10 * 60_000;
const UNKNOWN_VERSION_RECHECK_IN_MS = 60_000;

export interface KeyVaultEncryptionKeysOptions {
  vaultUrl: string;
  certificateName: string;
  credential: TokenCredential;
  clock?: () => Date;
}

export function createKeyVaultEncryptionKeys(options: KeyVaultEncryptionKeysOptions): EncryptionKeyStore {
  const client = new SecretClient(options.vaultUrl, options.credential);
  const clock = options.clock ?? (() => new Date());
  const name = options.certificateName;
  let versions: { at: number; value: Promise<{ current: string | undefined; accepted: Set<string> }> } | undefined;
  const pems = new Map<string, Promise<{ certificate: string; privateKeyPem: string }>>();

  function listVersions(maxAgeInMs: number) {
    const now = clock().getTime();
    if (!versions || now - versions.at > maxAgeInMs) {
      const value = (async () => {
        const found: CertificateVersion[] = [];
        for await (const v of client.listPropertiesOfSecretVersions(name)) {
          if (v.version) found.push({ version: v.version, enabled: v.enabled !== false, createdOn: v.createdOn, notBefore: v.notBefore, expiresOn: v.expiresOn });
        }
        return chooseVersions(found, clock());
      })();
      value.catch(() => {
        if (versions?.value === value) versions = undefined;
      });
      versions = { at: now, value };
    }
    return versions.value;
  }

  function read(version: string) {
    let pem = pems.get(version);
    if (!pem) {
      pem = client.getSecret(name, { version }).then((secret) => splitCertificatePem(secret.value ?? "", { name }));
      pem.catch(() => pems.delete(version));
      pems.set(version, pem);
    }
    return pem;
  }

  return {
    async current(): Promise<EncryptionCertificate> {
      const { current } = await listVersions(VERSIONS_TTL_IN_MS);
      if (!current) throw new Error(`Key Vault certificate ${name} has no enabled, unexpired version`);
      return { id: current, certificate: (await read(current)).certificate };
    },
    async privateKey(certificateId) {
      let { accepted } = await listVersions(VERSIONS_TTL_IN_MS);
      // A version made since the last listing (a rotation): look again, not more than once a minute.
      if (!accepted.has(certificateId)) ({ accepted } = await listVersions(UNKNOWN_VERSION_RECHECK_IN_MS));
      if (!accepted.has(certificateId)) return undefined;
      return (await read(certificateId)).privateKeyPem;
    },
  };
}
