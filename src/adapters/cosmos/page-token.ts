// Continuation tokens handed to API callers: the SDK's token wrapped with the listing it belongs
// to, so a token is refused (RangeError) when replayed against another filter or tampered with.
import { indexKeyFor, type ActivityFilter } from "../../domain/activity-index.js";

/** What an activity listing's token is bound to: the index key (or none) and the time range. */
export function listingScope(filter: ActivityFilter): string {
  return JSON.stringify([indexKeyFor(filter) ?? null, filter.from ?? null, filter.to ?? null]);
}

/** Where a listing goes on: the SDK's token, and for a conversation where its first email stands. */
export interface PageState {
  /** The SDK's continuation token; "" once the index query is exhausted. */
  sdkToken: string;
  /** A conversation's first email has been listed (it has no index entry of its own). */
  starterListed?: boolean;
  /** Activities the previous page had no room for, listed first on this one. */
  carried?: string[];
}

interface PageToken {
  /** The listing (index key or time range) the token continues. */
  s: string;
  /** The SDK's continuation token. */
  c: string;
  d?: 1;
  r?: string[];
}

export function encodePageState(state: PageState, options: { scope: string }): string {
  const token: PageToken = {
    s: options.scope,
    c: state.sdkToken,
    ...(state.starterListed ? { d: 1 as const } : {}),
    ...(state.carried && state.carried.length > 0 ? { r: state.carried } : {}),
  };
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

export function decodePageState(token: string, options: { scope: string }): PageState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new RangeError("continuationToken is not a token this API returned");
  }
  const { s, c, d, r } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Partial<PageToken>;
  const carriedOk = r === undefined || (Array.isArray(r) && r.every((id) => typeof id === "string"));
  if (typeof s !== "string" || typeof c !== "string" || (d !== undefined && d !== 1) || !carriedOk) {
    throw new RangeError("continuationToken is not a token this API returned");
  }
  if (s !== options.scope) throw new RangeError("continuationToken belongs to another listing (other filter or time range)");
  return { sdkToken: c, ...(d === 1 ? { starterListed: true } : {}), ...(r && r.length > 0 ? { carried: r } : {}) };
}

export function encodePageToken(sdkToken: string, options: { scope: string }): string {
  return encodePageState({ sdkToken }, options);
}

export function decodePageToken(token: string, options: { scope: string }): string {
  return decodePageState(token, options).sdkToken;
}
