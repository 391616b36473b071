// Subject handling for correlation: the words smart matching hashes, and forward detection.

/** The flags hashFilterKeywords is compiled with: global, case-insensitive, Unicode. */
export const HASH_FILTER_FLAGS = "giu";

export interface SubjectWordsOptions {
  /** Regex (compiled with HASH_FILTER_FLAGS); every match is removed before splitting into words. */
  hashFilterKeywords: string;
  hashMaxCount: number;
}

export type SubjectFilterResult = { ok: true; regex: RegExp } | { ok: false; reason: string };

/** Settings validation: is `pattern` usable as `hashFilterKeywords`? */
export function compileSubjectFilter(pattern: string): SubjectFilterResult {
  try {
    return { ok: true, regex: new RegExp(pattern, HASH_FILTER_FLAGS) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `hashFilterKeywords is not a valid regular expression: ${detail}` };
  }
}

const filterCache = new Map<string, RegExp>();

function subjectFilter(pattern: string): RegExp {
  const cached = filterCache.get(pattern);
  if (cached) return cached;
  const compiled = compileSubjectFilter(pattern);
  // Settings are validated when they are parsed (settings.ts), so an invalid pattern here is a bug.
  if (!compiled.ok) throw new TypeError(compiled.reason);
  if (filterCache.size > 100) filterCache.clear();
  filterCache.set(pattern, compiled.regex);
  return compiled.regex;
}

// Words are runs of letters, numbers, combining marks and "_". Marks are kept inside words so
// that decomposed accents and Indic/Thai vowel signs do not split a word.
const WORD_SEPARATORS = /[^\p{L}\p{M}\p{N}_]+/u;

/**
 * The distinct words of a subject, as smart matching hashes them: filter matches removed,
 * NFC-normalised, lower-cased (locale-independent), first occurrence kept, at most hashMaxCount.
 */
export function subjectWords(
  subject: string | null | undefined,
  options: SubjectWordsOptions,
): string[] {
  if (!subject || options.hashMaxCount <= 0) return [];
  const filtered = subject.normalize("NFC").replace(subjectFilter(options.hashFilterKeywords), "");
  const words: string[] = [];
  const seen = new Set<string>();
  for (const part of filtered.split(WORD_SEPARATORS)) {
    const word = part.toLowerCase();
    if (word.length === 0 || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
    if (words.length >= options.hashMaxCount) break;
  }
  return words;
}

/**
 * Forward prefixes, upper-case: English FW/FWD, German WG, French TR, Spanish RV,
 * Danish/Norwegian VS, Swedish VB, Finnish VL, Portuguese ENC, Polish PD, Italian I,
 * Dutch DOORST. "VS" is also the Finnish reply prefix; Danish/Norwegian usage wins here.
 */
export const FORWARD_PREFIXES: readonly string[] = [
  "FW",
  "FWD",
  "WG",
  "TR",
  "RV",
  "VS",
  "VB",
  "VL",
  "ENC",
  "PD",
  "I",
  "DOORST",
];

const FORWARD_SET = new Set(FORWARD_PREFIXES);

// Leading "[EXTERNAL]"-style tags added by gateways are skipped; then the first prefix is a
// word, an optional counter ("Fwd[2]", "RE(3)"), optional whitespace and ":".
const FIRST_PREFIX = /^\s*(?:\[[^\]]*\]\s*)*([\p{L}]+)(?:\[\d+\]|\(\d+\))?\s*:/u;

/**
 * True when the subject's FIRST prefix is a forward prefix (project decision): "FW: RE: x" is a
 * forward, "RE: FW: x" is a reply to a forward and is not. Case-insensitive.
 */
export function isForward(subject: string | null | undefined): boolean {
  if (!subject) return false;
  const word = FIRST_PREFIX.exec(subject)?.[1];
  return word !== undefined && FORWARD_SET.has(word.toUpperCase());
}
