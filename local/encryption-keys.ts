// The local stand-in for the Key Vault certificate of rich notifications: self-signed RSA key
// pairs made in memory, with rotation as Key Vault versions give it (a new current one; the older
// ones still open notifications until retired). Local code only.
import { X509Certificate } from "node:crypto";
import type { EncryptionCertificate, EncryptionKeyStore } from "../src/app/ports.js";
import { createLocalCertificate } from "./certificates.js";

export interface LocalEncryptionKeys extends EncryptionKeyStore {
  /** Makes a new key pair the current one; returns its id. */
  rotate(): Promise<string>;
  /** Stops accepting a key pair (as disabling a Key Vault version does). */
  retire(certificateId: string): void;
  /** Ids of the accepted key pairs, the current one first. */
  ids(): string[];
}

export async function createLocalEncryptionKeys(): Promise<LocalEncryptionKeys> {
  const pairs: Array<{ id: string; certificate: string; privateKeyPem: string }> = [];
  let made = 0;
  async function rotate(): Promise<string> {
    const pems = await createLocalCertificate({ commonName: "rich-notifications.local", hosts: ["localhost"] });
    made += 1;
    const id = `local-${made}-${Date.now().toString(36)}`;
    pairs.unshift({ id, certificate: new X509Certificate(pems.cert).raw.toString("base64"), privateKeyPem: pems.key });
    return id;
  }
  await rotate();
  return {
    async current(): Promise<EncryptionCertificate> {
      const current = pairs[0];
      if (!current) throw new Error("no local encryption key pair is accepted: rotate() makes one");
      return { id: current.id, certificate: current.certificate };
    },
    async privateKey(certificateId) {
      return pairs.find((pair) => pair.id === certificateId)?.privateKeyPem;
    },
    rotate,
    retire(certificateId) {
      const index = pairs.findIndex((pair) => pair.id === certificateId);
      if (index >= 0) pairs.splice(index, 1);
    },
    ids: () => pairs.map((pair) => pair.id),
  };
}
