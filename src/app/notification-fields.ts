// What a notification item's fields must look like before anything is looked up. Pure checks of
// shape only: an id outside its alphabet, a resource with a bad %-escape or a lone surrogate is
// refused here, so nothing malformed reaches the store, the queue or a Graph URL.
import { normalizeAddress } from "../domain/address.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Graph message ids are base64 (REST ids use `-` and `_`, older ones `+` and `/`, padded with
 * `=`), about 150 characters. Anything else — `.`, `..`, empty, spaces, %-escapes — is refused.
 */
const MESSAGE_ID = /^[A-Za-z0-9_=+/-]{1,512}$/;
/** `Users/{user}/Messages/{id}` in Graph's casing, or any casing. */
const MESSAGE_RESOURCE = /^\/?users\/([^/]{1,320})\/messages\/([^/]{1,1600})$/i;
/** A mailbox address as it may appear in a resource: no spaces, slashes or control characters. */
const ADDRESS = /^[^\s/\\@"<>()]{1,64}@[A-Za-z0-9.-]{1,255}$/;

export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}

export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && MESSAGE_ID.test(value);
}

/** Who a resource names: Graph writes the user's object id, sometimes `{user id}@{tenant id}`, or an address. */
export type ResourceUser = { kind: "objectId"; userId: string; tenantId?: string } | { kind: "address"; address: string };

export interface MessageResource {
  user: ResourceUser;
  messageId: string;
}

/** Parses `Users/{user}/Messages/{id}`; undefined for anything else (bad escapes included). */
export function parseMessageResource(resource: unknown): MessageResource | undefined {
  if (typeof resource !== "string") return undefined;
  const match = MESSAGE_RESOURCE.exec(resource);
  if (!match) return undefined;
  const userPart = safeDecode(match[1] as string);
  const messageId = safeDecode(match[2] as string);
  if (userPart === undefined || messageId === undefined || !isMessageId(messageId)) return undefined;
  const user = parseResourceUser(userPart);
  return user ? { user, messageId } : undefined;
}

function parseResourceUser(part: string): ResourceUser | undefined {
  if (GUID.test(part)) return { kind: "objectId", userId: part.toLowerCase() };
  const at = part.indexOf("@");
  const [left, right] = [part.slice(0, at), part.slice(at + 1)];
  if (at > 0 && GUID.test(left) && GUID.test(right)) return { kind: "objectId", userId: left.toLowerCase(), tenantId: right.toLowerCase() };
  if (ADDRESS.test(part)) return { kind: "address", address: normalizeAddress(part) };
  return undefined;
}

/** Whether the resource's user is the subscription's mailbox, as far as the app knows it. */
export function resourceUserMatches(
  user: ResourceUser,
  subscription: { mailbox: string; userId?: string },
  tenantId: string,
): boolean {
  if (user.kind === "address") return user.address === normalizeAddress(subscription.mailbox);
  if (user.tenantId !== undefined && user.tenantId !== tenantId.toLowerCase()) return false;
  // A subscription made before user ids were resolved (or without permission to read users)
  // has none: the message is then fetched from the subscription's own mailbox, which is what
  // binds it (a message id of another mailbox is not found there).
  return subscription.userId === undefined || subscription.userId.toLowerCase() === user.userId;
}

/** Graph writes resources in printable ASCII; anything else (lone surrogates included) is refused. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** decodeURIComponent without throwing; undefined for a bad escape or a non-ASCII result. */
export function safeDecode(value: string): string | undefined {
  try {
    const decoded = decodeURIComponent(value);
    return PRINTABLE_ASCII.test(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}
