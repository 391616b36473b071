// Per-subscription client states. Each subscription gets its own clientState,
// `<nonce>.<mac>`: a random nonce and HMAC-SHA256(app secret, nonce), both base64url (66
// characters; Graph allows 128). The webhook verifies one with a hash and a constant-time
// comparison, no I/O; the subscription lookup that follows binds it to its subscription (the
// stored nonce must be the one presented). So a leaked notification opens one subscription, not
// all, and nobody without the app secret can make a state that passes.
//
// Rotation: the app secret is NOTIFICATION_CLIENT_STATE, the one before it
// NOTIFICATION_CLIENT_STATE_PREVIOUS. States made with either pass; the renewal timer replaces
// every subscription whose state was made with another secret than the current one.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const NONCE_BYTES = 16;
const MAC_BYTES = 32;
/** `<22 base64url>.<43 base64url>`: nothing else is even hashed. */
const CLIENT_STATE_SHAPE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
/** Domain separation: the app secret signs nothing else with this label. */
const MAC_LABEL = "graph-client-state:v1:";
const KEY_ID_LABEL = "graph-client-state-key-id:v1";

export interface IssuedClientState {
  /** Sent to Graph; never stored, never logged. */
  clientState: string;
  /** Stored on the subscription record: binds the state to its subscription. */
  nonce: string;
  /** Which app secret made it (an HMAC of a label, not the secret), so rotation knows what to replace. */
  keyId: string;
}

export interface VerifiedClientState {
  nonce: string;
  keyId: string;
}

export interface ClientStates {
  /** A fresh state for a new subscription, made with the current secret. */
  issue(): IssuedClientState;
  /** The nonce and key of a state made with an accepted secret; undefined for anything else. */
  verify(value: unknown): VerifiedClientState | undefined;
  /** The key id of the current secret. */
  readonly currentKeyId: string;
}

/** `secrets`: the current app secret first, then any still accepted during a rotation. */
export function createClientStates(secrets: readonly string[]): ClientStates {
  const keys = secrets
    .filter((secret) => secret.length > 0)
    .map((secret) => ({ secret: Buffer.from(secret, "utf8"), keyId: hmac(Buffer.from(secret, "utf8"), KEY_ID_LABEL).subarray(0, 9).toString("base64url") }));
  const current = keys[0];
  if (!current) throw new TypeError("at least one client state secret is required");

  return {
    currentKeyId: current.keyId,
    issue() {
      const nonce = randomBytes(NONCE_BYTES).toString("base64url");
      return { clientState: `${nonce}.${hmac(current.secret, MAC_LABEL + nonce).toString("base64url")}`, nonce, keyId: current.keyId };
    },
    verify(value) {
      if (typeof value !== "string") return undefined;
      const shape = CLIENT_STATE_SHAPE.exec(value);
      if (!shape) return undefined;
      const nonce = shape[1] as string;
      const given = Buffer.from(shape[2] as string, "base64url");
      // Only the canonical spelling: the last character's spare bits must be zero.
      if (given.length !== MAC_BYTES || given.toString("base64url") !== shape[2]) return undefined;
      // Every accepted secret is tried, always, so timing says nothing about which one matched.
      let matched: string | undefined;
      for (const key of keys) {
        const same = timingSafeEqual(given, hmac(key.secret, MAC_LABEL + nonce));
        if (same && matched === undefined) matched = key.keyId;
      }
      return matched === undefined ? undefined : { nonce, keyId: matched };
    },
  };
}

/** Constant-time equality of two short strings (a stored nonce and a presented one). */
export function sameSecretString(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

/**
 * How logs and error messages name a subscription: a one-way tag, never the id itself (an id
 * and a client state together are what a forged notification needs).
 */
export function subscriptionTag(id: string): string {
  return `subscription#${createHash("sha256").update(id, "utf8").digest("base64url").slice(0, 8)}`;
}
