// How each kind of setting value is validated, described and shown as JSON Schema. The tables in
// settings.ts pick one of these per setting; the admin API's schemas and OpenAPI document take the
// JSON Schema fragment from here, so a range or a list of allowed values is written once.
import { RECORD_TYPES, type RecordType, type TrackedFolder } from "./types.js";
import { normalizeAddress } from "./address.js";
import { compileSubjectFilter, HASH_FILTER_FLAGS } from "./subject.js";

export { HASH_FILTER_FLAGS };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** A JSON Schema (draft 2020-12) fragment describing a value's shape. */
export type JsonSchemaFragment = Record<string, unknown>;

/** One kind of value: its description for people, its validator and its JSON Schema. */
export interface SettingValue<T> {
  allowed: string;
  parse(value: unknown, path: string): ParseResult<T>;
  jsonSchema: JsonSchemaFragment;
}

const MAX_SHOWN_VALUE = 80;

/** How a rejected value is shown in a message: JSON, shortened. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text;
}

const formatNumber = (n: number): string => n.toLocaleString("en-US");

export function fail<T>(path: string, requirement: string, value: unknown): ParseResult<T> {
  return { ok: false, problems: [`${path} ${requirement} (got ${describeValue(value)})`] };
}

export const booleanValue: SettingValue<boolean> = {
  allowed: "boolean",
  parse: (value, path) => (typeof value === "boolean" ? { ok: true, value } : fail(path, "must be true or false", value)),
  jsonSchema: { type: "boolean" },
};

export function integerRange(min: number, max: number): SettingValue<number> {
  const requirement = `must be an integer from ${formatNumber(min)} to ${formatNumber(max)}`;
  return {
    allowed: `integer, ${formatNumber(min)}–${formatNumber(max)}`,
    jsonSchema: { type: "integer", minimum: min, maximum: max },
    parse(value: unknown, path: string): ParseResult<number> {
      return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? { ok: true, value }
        : fail(path, requirement, value);
    },
  };
}

export function oneOf<T extends string>(values: readonly T[]): SettingValue<T> {
  const list = values.map((v) => `"${v}"`).join(", ");
  return {
    allowed: values.map((v) => `"${v}"`).join(" | "),
    jsonSchema: { type: "string", enum: [...values] },
    parse(value: unknown, path: string): ParseResult<T> {
      return typeof value === "string" && (values as readonly string[]).includes(value)
        ? { ok: true, value: value as T }
        : fail(path, `must be one of ${list}`, value);
    },
  };
}

const characterCount = (text: string): number => [...text].length;

const PREFIX_REQUIREMENT =
  "must be 1 to 20 characters without whitespace and must not end in a digit (a trailing digit would run into the token's number)";

function parseTrackingTokenPrefix(value: unknown, path: string): ParseResult<string> {
  if (
    typeof value !== "string" ||
    characterCount(value) < 1 ||
    characterCount(value) > 20 ||
    /\s/u.test(value) ||
    /\p{Nd}$/u.test(value)
  ) {
    return fail(path, PREFIX_REQUIREMENT, value);
  }
  return { ok: true, value };
}

export const trackingTokenPrefixValue: SettingValue<string> = {
  allowed: "string, 1–20 characters, no whitespace, not ending in a digit",
  parse: parseTrackingTokenPrefix,
  jsonSchema: { type: "string", minLength: 1, maxLength: 20, pattern: "^\\S*[^\\s0-9]$" },
};

export const MAX_PREFIX_HISTORY = 20;

function parsePrefixHistory(value: unknown, path: string): ParseResult<string[]> {
  if (!Array.isArray(value)) return fail(path, "must be a list of earlier tracking token prefixes", value);
  const problems: string[] = [];
  if (value.length > MAX_PREFIX_HISTORY) {
    problems.push(`${path} must have at most ${MAX_PREFIX_HISTORY} entries (got ${value.length})`);
  }
  value.forEach((entry, i) => {
    const result = parseTrackingTokenPrefix(entry, `${path}[${i}]`);
    if (!result.ok) problems.push(...result.problems);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: [...(value as string[])] };
}

function parseRegex(value: unknown, path: string): ParseResult<string> {
  const requirement = `must be a regular expression that compiles with flags "${HASH_FILTER_FLAGS}"`;
  if (typeof value !== "string") return fail(path, requirement, value);
  // The same compilation smart matching uses, so a value accepted here never fails there.
  const compiled = compileSubjectFilter(value);
  if (!compiled.ok) {
    const reason = compiled.reason.replace(/^.*?: /, "");
    return { ok: false, problems: [`${path} ${requirement} (got ${describeValue(value)}: ${reason})`] };
  }
  return { ok: true, value };
}

function parseTrackingCategory(value: unknown, path: string): ParseResult<string> {
  return typeof value === "string" &&
    value.trim().length > 0 &&
    characterCount(value) <= 255
    ? { ok: true, value }
    : fail(path, "must be 1 to 255 characters, not all whitespace", value);
}

/** local@domain, no whitespace or address-list punctuation; the domain has no empty labels. */
const EMAIL_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@(?!\.)(?!.*\.\.)[^\s@<>()[\]\\,;:"]+(?<!\.)$/u;

/** Whether a (trimmed) string looks like an email address: local@domain. */
export function looksLikeEmailAddress(text: string): boolean {
  return EMAIL_ADDRESS.test(text);
}

function parseEmailAddress(value: unknown, path: string): ParseResult<string> {
  if (typeof value === "string") {
    // A bare address only (no "<…>"), stored in the one normal form.
    if (looksLikeEmailAddress(value.trim())) return { ok: true, value: normalizeAddress(value) };
  }
  return fail(path, "must be an email address (local@domain)", value);
}

// ISO 8601 date-time with an explicit offset: a start date without one would depend on the server's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isIsoDateTime(text: string): boolean {
  return ISO_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text));
}

function parseIsoDateTime(value: unknown, path: string): ParseResult<string> {
  return typeof value === "string" && isIsoDateTime(value)
    ? { ok: true, value }
    : fail(path, 'must be an ISO 8601 date-time with a zone, e.g. "2024-01-31T00:00:00Z"', value);
}

export const MAX_TRACKED_FOLDERS = 25;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function unknownKeys(value: Record<string, unknown>, known: readonly string[], path: string): string[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => `${path}.${key} is not a known setting${suggestion(key, known)}`);
}

function suggestion(key: string, known: readonly string[]): string {
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase());
  return close ? ` (did you mean ${close}?)` : ` (known: ${known.join(", ")})`;
}

function parseTrackedFolders(value: unknown, path: string): ParseResult<TrackedFolder[]> {
  if (!Array.isArray(value)) return fail(path, "must be a list of {folder, regarding}", value);
  const problems: string[] = [];
  if (value.length > MAX_TRACKED_FOLDERS) {
    problems.push(`${path} must have at most ${MAX_TRACKED_FOLDERS} folders (got ${value.length})`);
  }
  const folders: TrackedFolder[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(entry)) {
      problems.push(`${at} must be an object {folder, regarding} (got ${describeValue(entry)})`);
      return;
    }
    problems.push(...unknownKeys(entry, ["folder", "regarding"], at));
    const { folder, regarding } = entry;
    let ok = true;
    if (typeof folder !== "string" || folder.trim().length === 0) {
      problems.push(`${at}.folder must be a non-empty folder name (got ${describeValue(folder)})`);
      ok = false;
    } else {
      const key = folder.trim().toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(`${at}.folder must be unique (case-insensitive) but repeats ${path}[${first}].folder (got ${describeValue(folder)})`);
        ok = false;
      } else {
        seen.set(key, i);
      }
    }
    if (!isPlainObject(regarding)) {
      problems.push(`${at}.regarding must be an object {type, id} (got ${describeValue(regarding)})`);
      ok = false;
    } else {
      problems.push(...unknownKeys(regarding, ["type", "id"], `${at}.regarding`));
      const type = oneOf(RECORD_TYPES).parse(regarding.type, `${at}.regarding.type`);
      if (!type.ok) {
        problems.push(...type.problems);
        ok = false;
      }
      if (typeof regarding.id !== "string" || regarding.id.trim().length === 0) {
        problems.push(`${at}.regarding.id must be a non-empty record id (got ${describeValue(regarding.id)})`);
        ok = false;
      }
      if (ok) {
        folders.push({
          folder: folder as string,
          regarding: { type: regarding.type as RecordType, id: regarding.id as string },
        });
      }
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: folders };
}

export const prefixHistoryValue: SettingValue<string[]> = {
  allowed: `list of prefixes, at most ${MAX_PREFIX_HISTORY}`,
  parse: parsePrefixHistory,
  jsonSchema: { type: "array", items: trackingTokenPrefixValue.jsonSchema, maxItems: MAX_PREFIX_HISTORY },
};

export const regexValue: SettingValue<string> = {
  allowed: `regular expression, compiles with flags "${HASH_FILTER_FLAGS}"`,
  parse: parseRegex,
  jsonSchema: { type: "string", format: "regex" },
};

export const trackingCategoryValue: SettingValue<string> = {
  allowed: "string, 1–255 characters",
  parse: parseTrackingCategory,
  jsonSchema: { type: "string", minLength: 1, maxLength: 255 },
};

export const emailAddressValue: SettingValue<string> = {
  allowed: "email address (local@domain)",
  parse: parseEmailAddress,
  jsonSchema: { type: "string", format: "email" },
};

export const isoDateTimeValue: SettingValue<string> = {
  allowed: "ISO 8601 date-time with a zone, optional",
  parse: parseIsoDateTime,
  jsonSchema: { type: "string", format: "date-time" },
};

export const trackedFoldersValue: SettingValue<TrackedFolder[]> = {
  allowed: `list of {folder, regarding: {type, id}}, at most ${MAX_TRACKED_FOLDERS}`,
  parse: parseTrackedFolders,
  jsonSchema: {
    type: "array",
    maxItems: MAX_TRACKED_FOLDERS,
    items: {
      type: "object",
      required: ["folder", "regarding"],
      additionalProperties: false,
      properties: {
        folder: { type: "string", minLength: 1 },
        regarding: {
          type: "object",
          required: ["type", "id"],
          additionalProperties: false,
          properties: { type: { type: "string", enum: [...RECORD_TYPES] }, id: { type: "string", minLength: 1 } },
        },
      },
    },
  },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An Entra object id, stored lower-cased. */
export const objectIdValue: SettingValue<string> = {
  allowed: "GUID (an Entra object id)",
  parse: (value, path) =>
    typeof value === "string" && GUID.test(value.trim()) ? { ok: true, value: value.trim().toLowerCase() } : fail(path, "must be an Entra object id (a GUID)", value),
  jsonSchema: { type: "string", format: "uuid" },
};
