// Cosmos DB rejects items over 2 MB (413). The embedded server accepts them, so the adapter
// enforces the limit itself: an oversized activity is shrunk, never refused, because failing
// the track would lose the email for good.
import type { EmailActivity, ResolvedParty } from "../../domain/types.js";

/** Cosmos DB's maximum item size. */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** What the adapter aims for: leaves room for the system properties Cosmos DB adds (_rid, _etag, …). */
export const DOCUMENT_BYTES_BUDGET = Math.floor(1.9 * 1024 * 1024);

/** References kept (the most recent ones, at the end) when the body and recipients were not enough. */
const REFERENCES_KEPT = 32;
const SUBJECT_CHARS_KEPT = 1024;

export function documentBytes(document: unknown): number {
  return Buffer.byteLength(JSON.stringify(document), "utf8");
}

export interface FitDocumentSizeOptions {
  /** Default: DOCUMENT_BYTES_BUDGET. */
  maxBytes?: number;
}

/**
 * Returns the activity unchanged when its JSON fits in `maxBytes`; otherwise a copy shrunk in this
 * order until it fits: body content cut (bodyTruncated), recipient lists cut keeping the first
 * ones in To, Cc, Bcc order (recipientsTruncated), then references (keeping the most recent) and
 * the subject. The result may still exceed the budget only for pathological input (huge sender).
 */
export function fitDocumentSize(activity: EmailActivity, options: FitDocumentSizeOptions = {}): EmailActivity {
  const maxBytes = options.maxBytes ?? DOCUMENT_BYTES_BUDGET;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  if (documentBytes(activity) <= maxBytes) return activity;

  let result: EmailActivity = { ...activity };

  if (result.body && result.body.content.length > 0) {
    result = truncateBody(result, maxBytes);
    if (documentBytes(result) <= maxBytes) return result;
  }

  result = truncateRecipients(result, maxBytes);
  if (documentBytes(result) <= maxBytes) return result;

  if (result.references.length > REFERENCES_KEPT) {
    result = { ...result, references: result.references.slice(-REFERENCES_KEPT) };
    if (documentBytes(result) <= maxBytes) return result;
  }
  if (result.subject.length > SUBJECT_CHARS_KEPT) {
    result = { ...result, subject: sliceWholeCharacters(result.subject, SUBJECT_CHARS_KEPT) };
  }
  return result;
}

function truncateBody(activity: EmailActivity, maxBytes: number): EmailActivity {
  const body = activity.body!;
  const withoutContent: EmailActivity = { ...activity, body: { ...body, content: "" }, bodyTruncated: true };
  const budget = maxBytes - documentBytes(withoutContent);
  if (budget <= 0) return withoutContent;
  // Longest prefix whose JSON-escaped form fits the budget (escaping makes bytes ≠ characters).
  const length = longestFitting(body.content.length, (n) => jsonStringBytes(sliceWholeCharacters(body.content, n)) <= budget);
  return { ...withoutContent, body: { ...body, content: sliceWholeCharacters(body.content, length) } };
}

function truncateRecipients(activity: EmailActivity, maxBytes: number): EmailActivity {
  const lists = [activity.toRecipients, activity.ccRecipients, activity.bccRecipients];
  const total = lists.reduce((sum, list) => sum + list.length, 0);
  if (total === 0) return activity;
  const keepFirst = (count: number): EmailActivity => {
    const [to, cc, bcc] = splitPrefix(lists, count);
    return { ...activity, toRecipients: to, ccRecipients: cc, bccRecipients: bcc, recipientsTruncated: true };
  };
  const count = longestFitting(total, (n) => documentBytes(keepFirst(n)) <= maxBytes);
  return keepFirst(count);
}

/** The first `count` recipients across the lists, in order, as three lists. */
function splitPrefix(lists: ResolvedParty[][], count: number): [ResolvedParty[], ResolvedParty[], ResolvedParty[]] {
  let remaining = count;
  const kept = lists.map((list) => {
    const part = list.slice(0, Math.max(0, remaining));
    remaining -= part.length;
    return part;
  });
  return [kept[0] ?? [], kept[1] ?? [], kept[2] ?? []];
}

/** Largest n in [0, max] with fits(n), assuming fits is monotonic and fits(0) holds or nothing does. */
function longestFitting(max: number, fits: (n: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Bytes the string takes inside JSON, without the quotes. */
function jsonStringBytes(value: string): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8") - 2;
}

/** A prefix of at most `length` UTF-16 units that never ends inside a surrogate pair. */
function sliceWholeCharacters(value: string, length: number): string {
  if (length >= value.length) return value;
  const last = value.charCodeAt(length - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? length - 1 : length;
  return value.slice(0, Math.max(0, cut));
}
