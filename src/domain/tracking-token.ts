// Tracking tokens: the short identifier appended to the subject of email sent from the CRM, so
// that a reply (which keeps the subject) can be correlated with the tracked email.
//
// Layout (project decision): prefix + String(baseNumber) + userNumber zero-padded to userDigits
// + (counter modulo 10^counterDigits) zero-padded to counterDigits.
// With the defaults (prefix "CRM:", base 0, 3 user digits, 3 counter digits) user 1 / counter 1
// gives "CRM:0001001", the documented "CRM:" + 7 digits. The counter wraps 999 → 000 → 001.
//
// Parsing (project decision): a token is `<prefix><digits>` where the prefix is any prefix in
// the prefix history (case-insensitive), it is not glued to a preceding letter, digit or "_",
// and the digits run is maximal. The digits are not checked against the current layout because
// the digit settings may have changed since the token was issued. The last token in the subject
// wins, since tokens are appended at the end.

export interface FormatTrackingTokenOptions {
  prefix: string;
  baseNumber: number;
  userNumber: number;
  counter: number;
  userDigits: number;
  counterDigits: number;
}

const MAX_BASE_NUMBER = 2_147_483_647;

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

export function formatTrackingToken(options: FormatTrackingTokenOptions): string {
  const { prefix, baseNumber, userNumber, counter, userDigits, counterDigits } = options;
  if (prefix.length < 1 || prefix.length > 20) {
    throw new RangeError(`prefix must be 1 to 20 characters, got ${prefix.length}`);
  }
  requireInteger("baseNumber", baseNumber, 0, MAX_BASE_NUMBER);
  requireInteger("userDigits", userDigits, 1, 10);
  requireInteger("counterDigits", counterDigits, 1, 9);
  const userLimit = 10 ** userDigits;
  if (!Number.isSafeInteger(userNumber) || userNumber < 0 || userNumber >= userLimit) {
    throw new RangeError(
      `userNumber ${userNumber} does not fit in ${userDigits} digit(s) (0 to ${userLimit - 1})`,
    );
  }
  requireInteger("counter", counter, 0, Number.MAX_SAFE_INTEGER);
  const wrapped = counter % 10 ** counterDigits;
  return (
    prefix +
    String(baseNumber) +
    String(userNumber).padStart(userDigits, "0") +
    String(wrapped).padStart(counterDigits, "0")
  );
}

export interface AppendTrackingTokenOptions {
  /** Exchange's MaximumSubjectLengthOnMailServer, in UTF-16 code units. Default 255. */
  maxSubjectLength?: number;
}

const DEFAULT_MAX_SUBJECT_LENGTH = 255;

/** Cuts to at most `length` code units without splitting a surrogate pair, then trims the end. */
function truncateSubject(subject: string, length: number): string {
  if (subject.length <= length) return subject.trimEnd();
  let end = Math.max(0, length);
  const last = subject.charCodeAt(end - 1);
  // A high surrogate as the last kept unit would leave half a character.
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return subject.slice(0, end).trimEnd();
}

function escapeRegExp(text: string): string {
  // Only syntax characters: the "u" flag rejects identity escapes such as "\-".
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Not glued to a preceding word character; the digits run must be maximal. */
const BEFORE_TOKEN = "(?<![\\p{L}\\p{N}_])";
const AFTER_TOKEN = "(?!\\d)";

function containsToken(subject: string, token: string): boolean {
  return new RegExp(BEFORE_TOKEN + escapeRegExp(token) + AFTER_TOKEN, "u").test(subject);
}

/**
 * Appends " " + token to the end of the subject, truncating the subject so the result fits.
 * Trailing whitespace of the subject is dropped. A subject that already carries the token is
 * returned unchanged (apart from that trim); a token that cannot fit on its own is not added.
 */
export function appendTrackingToken(
  subject: string,
  token: string,
  options: AppendTrackingTokenOptions = {},
): string {
  const max = options.maxSubjectLength ?? DEFAULT_MAX_SUBJECT_LENGTH;
  requireInteger("maxSubjectLength", max, 1, Number.MAX_SAFE_INTEGER);
  const trimmed = subject.trimEnd();
  if (token.length === 0) return truncateSubject(trimmed, max);
  if (containsToken(trimmed, token)) return trimmed;
  if (token.length > max) return truncateSubject(trimmed, max);
  const room = max - token.length - 1;
  const kept = trimmed.length <= room ? trimmed : truncateSubject(trimmed, room);
  return kept.length === 0 ? token : `${kept} ${token}`;
}

export interface TrackingTokenPrefixes {
  /** The current prefix followed by every earlier prefix (the prefix history). */
  prefixes: string[];
}

interface TokenMatcher {
  regex: RegExp;
  /** The same tokens with the whitespace before them, for stripping. */
  stripRegex: RegExp;
  /** Configured spelling for each capture group, in group order. */
  spellings: string[];
}

const matcherCache = new Map<string, TokenMatcher | undefined>();

function tokenMatcher(prefixes: string[]): TokenMatcher | undefined {
  const cacheKey = JSON.stringify(prefixes);
  if (matcherCache.has(cacheKey)) return matcherCache.get(cacheKey);
  // Case-insensitive duplicates keep the first (newest) spelling.
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const prefix of prefixes) {
    const folded = prefix.toLowerCase();
    if (prefix.length === 0 || seen.has(folded)) continue;
    seen.add(folded);
    unique.push(prefix);
  }
  // Longer prefixes first so that "XCRM:" is preferred to "CRM:" at the same position
  // (Array.prototype.sort is stable: equal lengths keep history order).
  const spellings = [...unique].sort((a, b) => b.length - a.length);
  const token = `${BEFORE_TOKEN}(?:${spellings.map((p) => `(${escapeRegExp(p)})`).join("|")})(\\d+)${AFTER_TOKEN}`;
  const matcher =
    spellings.length === 0
      ? undefined
      : {
          regex: new RegExp(token, "giu"),
          stripRegex: new RegExp(`\\s*${token}`, "giu"),
          spellings,
        };
  if (matcherCache.size > 100) matcherCache.clear();
  matcherCache.set(cacheKey, matcher);
  return matcher;
}

function canonicalToken(match: RegExpMatchArray, spellings: string[]): string | undefined {
  const digits = match[spellings.length + 1];
  const index = spellings.findIndex((_, i) => match[i + 1] !== undefined);
  const spelling = spellings[index];
  return spelling === undefined || digits === undefined ? undefined : spelling + digits;
}

/**
 * The last tracking token in the subject, spelled with the configured prefix, or undefined.
 */
export function findTrackingToken(
  subject: string | null | undefined,
  options: TrackingTokenPrefixes,
): string | undefined {
  if (!subject) return undefined;
  const matcher = tokenMatcher(options.prefixes);
  if (!matcher) return undefined;
  let last: RegExpMatchArray | undefined;
  for (const match of subject.matchAll(matcher.regex)) last = match;
  return last ? canonicalToken(last, matcher.spellings) : undefined;
}

/** The correlation lookup key of a token: tokens compare case-insensitively. */
export function trackingTokenKey(token: string): string {
  return `tok:${token.toUpperCase()}`;
}

/** The subject without any tracking token (and the whitespace before each), trimmed. */
export function stripTrackingTokens(
  subject: string | null | undefined,
  options: TrackingTokenPrefixes,
): string {
  if (!subject) return "";
  const matcher = tokenMatcher(options.prefixes);
  if (!matcher) return subject;
  return subject.replace(matcher.stripRegex, "").trim();
}
