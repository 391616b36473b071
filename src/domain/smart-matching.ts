// Smart matching: correlation by subject words and shared addresses, when no header or token
// correlates. Hashes are made once per activity and stored, so candidates compare without
// reading their activities.
//
// Match rules (project decision): both subject-hash sets are non-empty; their sizes differ by at
// most hashDeltaSubjectCount; the smaller set is contained in the larger (with delta 0 the sets
// are equal); and the two emails share at least hashMinAddressCount address hashes.
// Among matching candidates the most recent wins (ties: the greater activityId).
import { createHash } from "node:crypto";
import { normalizeAddress } from "./address.js";
import { subjectWords } from "./subject.js";
import type { SmartMatchRejection } from "./trace.js";

/** Short, stable hash: the first 16 hex characters of SHA-256 over the UTF-8 text. */
export function hashValue(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
}

export interface SmartMatchHashes {
  subjectHashes: string[];
  addressHashes: string[];
}

export interface SmartMatchHashOptions {
  hashFilterKeywords: string;
  hashMaxCount: number;
}

export interface SmartMatchInput {
  subject: string | null | undefined;
  /** Every address on the email: from, to, cc and bcc, in that order. */
  addresses: string[];
}

/**
 * Subject hashes in word order; address hashes of the first hashMaxCount distinct addresses
 * (lower-cased, trimmed, empty ones dropped; input order decides which are kept), sorted.
 */
export function smartMatchHashes(
  input: SmartMatchInput,
  options: SmartMatchHashOptions,
): SmartMatchHashes {
  const subjectHashes = subjectWords(input.subject, options).map(hashValue);
  const addresses: string[] = [];
  const seen = new Set<string>();
  for (const raw of input.addresses) {
    if (addresses.length >= options.hashMaxCount) break;
    const address = normalizeAddress(raw);
    if (address.length === 0 || seen.has(address)) continue;
    seen.add(address);
    addresses.push(address);
  }
  const addressHashes = addresses.map(hashValue).sort();
  return { subjectHashes, addressHashes };
}

/** The lookup key under which activities are found by one of their address hashes. */
export function addressKey(addressHash: string): string {
  return `addr:${addressHash}`;
}

export interface SmartMatchOptions {
  hashDeltaSubjectCount: number;
  hashMinAddressCount: number;
}

/** Why `candidate` does not smart-match `current`, or undefined when it does. */
export function smartMatchMismatch(
  current: SmartMatchHashes,
  candidate: SmartMatchHashes,
  options: SmartMatchOptions,
): { reason?: Extract<SmartMatchRejection, "noSubjectWords" | "subjectCountDiffers" | "subjectWordsDiffer" | "tooFewSharedAddresses">; sharedAddresses: number } {
  const candidateAddresses = new Set(candidate.addressHashes);
  let shared = 0;
  for (const hash of new Set(current.addressHashes)) if (candidateAddresses.has(hash)) shared += 1;
  const a = new Set(current.subjectHashes);
  const b = new Set(candidate.subjectHashes);
  if (a.size === 0 || b.size === 0) return { reason: "noSubjectWords", sharedAddresses: shared };
  if (Math.abs(a.size - b.size) > options.hashDeltaSubjectCount) return { reason: "subjectCountDiffers", sharedAddresses: shared };
  const [smaller, larger] = a.size <= b.size ? [a, b] : [b, a];
  for (const hash of smaller) if (!larger.has(hash)) return { reason: "subjectWordsDiffer", sharedAddresses: shared };
  if (shared < options.hashMinAddressCount) return { reason: "tooFewSharedAddresses", sharedAddresses: shared };
  return { sharedAddresses: shared };
}

export function isSmartMatch(
  current: SmartMatchHashes,
  candidate: SmartMatchHashes,
  options: SmartMatchOptions,
): boolean {
  return smartMatchMismatch(current, candidate, options).reason === undefined;
}

export interface SmartMatchCandidate {
  activityId: string;
  activityTime: string;
  subjectHashes?: string[];
  addressHashes?: string[];
}

export interface ChooseSmartMatchOptions extends SmartMatchOptions {
  /** ISO date-time: older candidates are outside the matching window and ignored. */
  notBefore: string;
  /** The activity being correlated, which must not match itself. */
  excludeActivityId?: string;
}

/**
 * The most recent candidate that smart-matches `current`, with every candidate passed over and
 * why (a candidate found under several address keys is judged once).
 */
export function traceSmartMatch<T extends SmartMatchCandidate>(
  current: SmartMatchHashes,
  candidates: T[],
  options: ChooseSmartMatchOptions,
): { best?: { candidate: T; sharedAddresses: number }; passedOver: Array<{ activityId: string; reason: SmartMatchRejection; sharedAddresses?: number }>; candidates: number } {
  const notBefore = Date.parse(options.notBefore);
  if (Number.isNaN(notBefore)) throw new RangeError(`notBefore is not a date-time: ${options.notBefore}`);
  let best: { candidate: T; time: number; sharedAddresses: number } | undefined;
  const passedOver: Array<{ activityId: string; reason: SmartMatchRejection; sharedAddresses?: number }> = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.activityId)) continue;
    seen.add(candidate.activityId);
    if (candidate.activityId === options.excludeActivityId) {
      passedOver.push({ activityId: candidate.activityId, reason: "self" });
      continue;
    }
    const time = Date.parse(candidate.activityTime);
    // A candidate with an unreadable time cannot be ranked: skip it rather than guess.
    if (Number.isNaN(time)) {
      passedOver.push({ activityId: candidate.activityId, reason: "unreadableTime" });
      continue;
    }
    if (time < notBefore) {
      passedOver.push({ activityId: candidate.activityId, reason: "outsideWindow" });
      continue;
    }
    const hashes = { subjectHashes: candidate.subjectHashes ?? [], addressHashes: candidate.addressHashes ?? [] };
    const { reason, sharedAddresses } = smartMatchMismatch(current, hashes, options);
    if (reason) {
      passedOver.push({ activityId: candidate.activityId, reason, sharedAddresses });
      continue;
    }
    if (!best || time > best.time || (time === best.time && candidate.activityId > best.candidate.activityId)) {
      if (best) passedOver.push({ activityId: best.candidate.activityId, reason: "lessRecent", sharedAddresses: best.sharedAddresses });
      best = { candidate, time, sharedAddresses };
    } else {
      passedOver.push({ activityId: candidate.activityId, reason: "lessRecent", sharedAddresses });
    }
  }
  return { ...(best ? { best: { candidate: best.candidate, sharedAddresses: best.sharedAddresses } } : {}), passedOver, candidates: seen.size };
}

/** The most recent candidate that smart-matches `current`, or undefined. */
export function chooseSmartMatch<T extends SmartMatchCandidate>(
  current: SmartMatchHashes,
  candidates: T[],
  options: ChooseSmartMatchOptions,
): T | undefined {
  return traceSmartMatch(current, candidates, options).best?.candidate;
}
