// Which versions of the Key Vault certificate the app uses, and how a version's PEM is split. Pure:
// the adapter (encryption-keys.ts) lists and reads, these decide.
import { X509Certificate } from "node:crypto";

export interface CertificateVersion {
  version: string;
  enabled: boolean;
  createdOn?: Date | undefined;
  notBefore?: Date | undefined;
  expiresOn?: Date | undefined;
}

/**
 * The current version (the newest usable one: new subscriptions are made with it) and every
 * accepted version (usable now: its key still opens notifications of subscriptions made with it
 * until the renewal timer replaces them). Disabling a version in Key Vault retires its key.
 */
export function chooseVersions(versions: readonly CertificateVersion[], now: Date): { current: string | undefined; accepted: Set<string> } {
  const usable = versions.filter(
    (v) => v.enabled && (v.notBefore === undefined || v.notBefore.getTime() <= now.getTime()) && (v.expiresOn === undefined || v.expiresOn.getTime() > now.getTime()),
  );
  const newestFirst = [...usable].sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0) || b.version.localeCompare(a.version));
  return { current: newestFirst[0]?.version, accepted: new Set(usable.map((v) => v.version)) };
}

/**
 * A certificate secret in PEM (content type application/x-pem-file): the certificate as base64
 * DER (what Graph's encryptionCertificate takes) and the private key's PEM. Throws naming what is
 * missing; a PKCS#12 secret is refused with the content type to use.
 */
export function splitCertificatePem(value: string, options: { name: string }): { certificate: string; privateKeyPem: string } {
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(value)?.[0];
  const privateKeyPem = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(value)?.[0];
  if (!certificate || !privateKeyPem) {
    throw new Error(`Key Vault certificate ${options.name} is not PEM with its private key: create it with content type application/x-pem-file`);
  }
  const x509 = new X509Certificate(certificate);
  const size = x509.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  // Graph takes RSA keys of 2048 to 4096 bits.
  if (x509.publicKey.asymmetricKeyType !== "rsa" || size < 2048 || size > 4096) {
    throw new Error(`Key Vault certificate ${options.name} must have an RSA key of 2048 to 4096 bits`);
  }
  return { certificate: x509.raw.toString("base64"), privateKeyPem };
}
