// Ports of rich notifications: encrypted content, encryption keys, validation tokens.

// ---- Rich notifications (resource data, src/app/resource-data.ts) ---------------------------

/** A notification item's `encryptedContent`, as Graph sends it. */
export interface EncryptedContent {
  /** Base64 AES-CBC ciphertext of the resource's JSON. */
  data: string;
  /** Base64 HMAC-SHA256 of the ciphertext bytes, keyed with the symmetric key. */
  dataSignature: string;
  /** Base64 symmetric key, RSA-OAEP-encrypted with the certificate's public key. */
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint?: string;
}

/** The certificate a subscription asks Graph to encrypt with: `encryptionCertificate(Id)`. */
export interface EncryptionCertificate {
  /** encryptionCertificateId: names the key pair (Key Vault: the certificate version). */
  id: string;
  /** Base64 DER of the X.509 certificate (the public key). */
  certificate: string;
}

/** The app's encryption key pairs (Key Vault, src/adapters/keyvault; locally local/encryption-keys.ts). */
export interface EncryptionKeyStore {
  /** The certificate new subscriptions are made with. */
  current(): Promise<EncryptionCertificate>;
  /** The private key (PEM) of a certificate still accepted (the current one or one kept during rotation); undefined for any other id. */
  privateKey(certificateId: string): Promise<string | undefined>;
}

/** Checks one `validationTokens` JWT of a rich notification (src/adapters/graph/validation-tokens.ts). */
export interface ValidationTokenVerifier {
  verify(token: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}
