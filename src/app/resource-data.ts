// Rich notifications (includeResourceData): the message arrives in the notification, encrypted
// for the app. Graph's scheme (spec administration.md §9): a random symmetric key, wrapped with
// the certificate's public key (RSA-OAEP); the resource's JSON encrypted with AES-CBC (PKCS7,
// IV = the key's first 16 bytes); HMAC-SHA256 over the ciphertext with the same key. These are
// the standard's primitives, so Node's crypto does them; nothing here is a JWT.
//
// The signature is checked (constant time) before anything is decrypted, so a tampered payload is
// never fed to the cipher. A payload that can't be opened is not an error: the worker fetches
// the message from Graph instead, as for a basic notification, and counts why.
import { constants, createDecipheriv, createHmac, createPrivateKey, privateDecrypt, timingSafeEqual, type KeyObject } from "node:crypto";
import { missingProperties } from "../domain/message-properties.js";
import type { GraphMessage } from "../domain/types.js";
import { isMessageId } from "./notification-fields.js";
import type { EncryptedContent, EncryptionKeyStore, MailFolderName } from "./ports.js";

/** Graph's limit for subscriptions with resource data: 1 day (1,440 minutes). */
export const RESOURCE_DATA_MAX_LIFETIME_MINUTES = 1_440;

/** Base64 of at most this many characters per field: Graph's notifications are at most 1 MB. */
const MAX_FIELD_CHARS = 1_400_000;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** encryptionCertificateId is the app's own label; Graph allows up to 128 characters. */
const CERTIFICATE_ID = /^[A-Za-z0-9._:/-]{1,128}$/;
const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;

/** Why a payload was not used; each is counted, and the message is fetched instead. */
export type ResourceDataFallback =
  | "unknownCertificate"
  | "badKey"
  | "badSignature"
  | "undecryptable"
  | "notAMessage"
  | "otherMessage"
  | "missingProperties";

/** The shape of `encryptedContent`, checked without I/O; undefined for anything else. */
export function parseEncryptedContent(value: unknown): EncryptedContent | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const item = value as Record<string, unknown>;
  const base64 = (field: unknown): field is string => typeof field === "string" && field.length <= MAX_FIELD_CHARS && field.length % 4 === 0 && BASE64.test(field);
  if (!base64(item.data) || !base64(item.dataSignature) || !base64(item.dataKey)) return undefined;
  if (typeof item.encryptionCertificateId !== "string" || !CERTIFICATE_ID.test(item.encryptionCertificateId)) return undefined;
  const thumbprint = item.encryptionCertificateThumbprint;
  if (thumbprint !== undefined && thumbprint !== null && !(typeof thumbprint === "string" && THUMBPRINT.test(thumbprint))) return undefined;
  return {
    data: item.data,
    dataSignature: item.dataSignature,
    dataKey: item.dataKey,
    encryptionCertificateId: item.encryptionCertificateId,
    ...(typeof thumbprint === "string" ? { encryptionCertificateThumbprint: thumbprint } : {}),
  };
}

/** Opens one payload with the private key: signature first, then decryption. Never throws. */
export function decryptResourceData(content: EncryptedContent, privateKey: KeyObject): { ok: true; value: unknown } | { ok: false; reason: ResourceDataFallback } {
  let key: Buffer;
  try {
    key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from(content.dataKey, "base64"));
  } catch {
    return { ok: false, reason: "badKey" };
  }
  if (key.length !== 32) return { ok: false, reason: "badKey" };
  const ciphertext = Buffer.from(content.data, "base64");
  const expected = createHmac("sha256", key).update(ciphertext).digest();
  const given = Buffer.from(content.dataSignature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "badSignature" };
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    return { ok: true, value: JSON.parse(plain) };
  } catch {
    return { ok: false, reason: "undecryptable" };
  }
}

export interface ResourceDataOpener {
  /**
   * The messages of a change item that its resource data supplies completely, by message id;
   * the rest are fetched. `fallbacks` says why each of the rest was not used.
   */
  open(
    encrypted: Record<string, EncryptedContent> | undefined,
    options: { folder: MailFolderName },
  ): Promise<{ messages: Map<string, GraphMessage>; fallbacks: Partial<Record<ResourceDataFallback, number>> }>;
}

/** Decrypts with the keys the store still accepts; private keys are parsed once per certificate. */
export function createResourceDataOpener(keys: EncryptionKeyStore): ResourceDataOpener {
  const parsed = new Map<string, Promise<KeyObject | undefined>>();
  const keyFor = (certificateId: string): Promise<KeyObject | undefined> => {
    let key = parsed.get(certificateId);
    if (!key) {
      key = keys.privateKey(certificateId).then((pem) => (pem === undefined ? undefined : createPrivateKey(pem)));
      // An unknown id is asked again next time (a rotation may have added it); a known one is kept.
      key.then((value) => value === undefined && parsed.delete(certificateId), () => parsed.delete(certificateId));
      parsed.set(certificateId, key);
    }
    return key;
  };

  return {
    async open(encrypted, options) {
      const messages = new Map<string, GraphMessage>();
      const fallbacks: Partial<Record<ResourceDataFallback, number>> = {};
      const fallBack = (reason: ResourceDataFallback) => {
        fallbacks[reason] = (fallbacks[reason] ?? 0) + 1;
      };
      for (const [messageId, content] of Object.entries(encrypted ?? {})) {
        const privateKey = await keyFor(content.encryptionCertificateId).catch(() => undefined);
        if (!privateKey) {
          fallBack("unknownCertificate");
          continue;
        }
        const opened = decryptResourceData(content, privateKey);
        if (!opened.ok) {
          fallBack(opened.reason);
          continue;
        }
        const value = opened.value;
        if (typeof value !== "object" || value === null || Array.isArray(value) || !isMessageId((value as { id?: unknown }).id)) {
          fallBack("notAMessage");
          continue;
        }
        // The payload must be the notified message: its id is what the claim and marker use.
        if ((value as { id: string }).id !== messageId) {
          fallBack("otherMessage");
          continue;
        }
        if (missingProperties(value as Record<string, unknown>, options.folder).length > 0) {
          fallBack("missingProperties");
          continue;
        }
        messages.set(messageId, value as GraphMessage);
      }
      return { messages, fallbacks };
    },
  };
}

/** Asked below Graph's maximum, so a clock a little ahead of Graph's is not refused. */
const RESOURCE_DATA_LIFETIME_MARGIN_MINUTES = 30;

/**
 * The lifetime subscriptions ask for and when they are renewed: the settings as they are, or with
 * resource data within Graph's 1-day limit, renewed at half their life (so the renewal timer has
 * many runs to do it in). The one place that knows about the shorter limit.
 */
export function subscriptionLifetime(options: { lifetimeInMinutes: number; renewBeforeInMinutes: number; resourceData: boolean }): {
  lifetimeInMinutes: number;
  renewBeforeInMinutes: number;
} {
  if (!options.resourceData) return { lifetimeInMinutes: options.lifetimeInMinutes, renewBeforeInMinutes: options.renewBeforeInMinutes };
  const lifetimeInMinutes = Math.min(options.lifetimeInMinutes, RESOURCE_DATA_MAX_LIFETIME_MINUTES - RESOURCE_DATA_LIFETIME_MARGIN_MINUTES);
  return { lifetimeInMinutes, renewBeforeInMinutes: Math.min(options.renewBeforeInMinutes, Math.floor(lifetimeInMinutes / 2)) };
}
