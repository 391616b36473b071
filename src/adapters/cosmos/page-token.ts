// Continuation tokens handed to API callers: the SDK's token wrapped with the listing it belongs
// to, so a token is refused (RangeError) when replayed against another filter or tampered with.
import { indexKeyFor, type ActivityFilter } from "../../domain/activity-index.js";

/** What an activity listing's token is bound to: the index key (or none) and the time range. */
export function listingScope(filter: ActivityFilter): string {
  return JSON.stringify([indexKeyFor(filter) ?? null, filter.from ?? null, filter.to ?? null]);
}

interface PageToken {
  /** The listing (index key or time range) the token continues. */
  s: string;
  /** The SDK's continuation token. */
  c: string;
}

export function encodePageToken(sdkToken: string, options: { scope: string }): string {
  const token: PageToken = { s: options.scope, c: sdkToken };
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

export function decodePageToken(token: string, options: { scope: string }): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new RangeError("continuationToken is not a token this API returned");
  }
  const { s, c } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Partial<PageToken>;
  if (typeof s !== "string" || typeof c !== "string") throw new RangeError("continuationToken is not a token this API returned");
  if (s !== options.scope) throw new RangeError("continuationToken belongs to another listing (other filter or time range)");
  return c;
}
