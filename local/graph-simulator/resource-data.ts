// Rich notifications, as Graph makes them: the selected properties of the message as JSON,
// encrypted with a fresh AES-256 key (CBC, PKCS7, IV = the key's first 16 bytes), signed with
// HMAC-SHA256 over the ciphertext, the key wrapped with the subscriber's certificate (RSA-OAEP).
// Local code only: it is the other side of src/app/resource-data.ts.
import { constants, createCipheriv, createHash, createHmac, publicEncrypt, randomBytes, X509Certificate } from "node:crypto";

/** The subscriber's encryptionCertificate (base64 DER), checked as Graph does; a reason when refused. */
export function parseEncryptionCertificate(value: unknown): X509Certificate | string {
  if (typeof value !== "string" || value.length === 0) return "encryptionCertificate is required when includeResourceData is true.";
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(value, "base64"));
  } catch {
    return "encryptionCertificate must be a base64-encoded X.509 certificate.";
  }
  const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (certificate.publicKey.asymmetricKeyType !== "rsa" || bits < 2048 || bits > 4096) {
    return "encryptionCertificate must have an RSA key of 2048 to 4096 bits.";
  }
  return certificate;
}

export interface SimEncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint: string;
}

export function encryptResourceData(value: unknown, options: { certificate: X509Certificate; certificateId: string }): SimEncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return {
    data: ciphertext.toString("base64"),
    dataSignature: createHmac("sha256", key).update(ciphertext).digest("base64"),
    dataKey: publicEncrypt({ key: options.certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, key).toString("base64"),
    encryptionCertificateId: options.certificateId,
    encryptionCertificateThumbprint: createHash("sha1").update(options.certificate.raw).digest("hex").toUpperCase(),
  };
}
