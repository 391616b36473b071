// The single source of truth for every setting: name, default, allowed values and meaning.
// The replay CLI, the admin API and docs/settings.md all derive from these tables.

import {
  RECORD_TYPES,
  type IncomingEmailFilter,
  type MailboxSettings,
  type OrganizationSettings,
  type RecordType,
  type SyncMethod,
  type TrackedFolder,
} from "./types.js";
import { compileSubjectFilter } from "./subject.js";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface SettingDefinition<T = unknown> {
  key: string;
  description: string;
  /** The Dynamics 365 setting this one mirrors, when there is one. */
  dynamicsName?: string;
  /** Type and allowed values, as shown in docs and error messages. */
  allowed: string;
  /** Absent for a required setting or an optional one without a default. */
  default?: T;
  required?: boolean;
  /** Validates one value; `path` is the name problems are reported under. */
  parse(value: unknown, path: string): ParseResult<T>;
}

export class SettingsError extends Error {
  /** The first setting with a problem, e.g. "organization.trackingTokenUserDigits". */
  readonly setting: string;
  /** Every setting with a problem, in the order they were found. */
  readonly settings: string[];
  readonly problems: string[];

  constructor(problems: Array<{ setting: string; message: string }>) {
    super(problems.map((p) => p.message).join("; "));
    this.name = "SettingsError";
    this.setting = problems[0]?.setting ?? "";
    this.settings = problems.map((p) => p.setting);
    this.problems = problems.map((p) => p.message);
  }
}

// ---- value descriptions and validators ------------------------------------------------------

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

function fail<T>(path: string, requirement: string, value: unknown): ParseResult<T> {
  return { ok: false, problems: [`${path} ${requirement} (got ${describeValue(value)})`] };
}

function booleanValue(value: unknown, path: string): ParseResult<boolean> {
  return typeof value === "boolean" ? { ok: true, value } : fail(path, "must be true or false", value);
}

function integerRange(min: number, max: number) {
  const requirement = `must be an integer from ${formatNumber(min)} to ${formatNumber(max)}`;
  return {
    allowed: `integer, ${formatNumber(min)}–${formatNumber(max)}`,
    parse(value: unknown, path: string): ParseResult<number> {
      return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
        ? { ok: true, value }
        : fail(path, requirement, value);
    },
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  const list = values.map((v) => `"${v}"`).join(", ");
  return {
    allowed: values.map((v) => `"${v}"`).join(" | "),
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

function trackingTokenPrefixValue(value: unknown, path: string): ParseResult<string> {
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

const MAX_PREFIX_HISTORY = 20;

function prefixHistoryValue(value: unknown, path: string): ParseResult<string[]> {
  if (!Array.isArray(value)) return fail(path, "must be a list of earlier tracking token prefixes", value);
  const problems: string[] = [];
  if (value.length > MAX_PREFIX_HISTORY) {
    problems.push(`${path} must have at most ${MAX_PREFIX_HISTORY} entries (got ${value.length})`);
  }
  value.forEach((entry, i) => {
    const result = trackingTokenPrefixValue(entry, `${path}[${i}]`);
    if (!result.ok) problems.push(...result.problems);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: [...(value as string[])] };
}

/** The flags the subject filter is compiled with (see subject.ts). */
export const HASH_FILTER_FLAGS = "giu";

function regexValue(value: unknown, path: string): ParseResult<string> {
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

function trackingCategoryValue(value: unknown, path: string): ParseResult<string> {
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

function emailAddressValue(value: unknown, path: string): ParseResult<string> {
  if (typeof value === "string") {
    const address = value.trim().toLowerCase();
    if (looksLikeEmailAddress(address)) return { ok: true, value: address };
  }
  return fail(path, "must be an email address (local@domain)", value);
}

// ISO 8601 date-time with an explicit offset: a start date without one would depend on the server's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isIsoDateTime(text: string): boolean {
  return ISO_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text));
}

function isoDateTimeValue(value: unknown, path: string): ParseResult<string> {
  return typeof value === "string" && isIsoDateTime(value)
    ? { ok: true, value }
    : fail(path, 'must be an ISO 8601 date-time with a zone, e.g. "2024-01-31T00:00:00Z"', value);
}

const MAX_TRACKED_FOLDERS = 25;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function unknownKeys(value: Record<string, unknown>, known: readonly string[], path: string): string[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => `${path}.${key} is not a known setting${suggestion(key, known)}`);
}

function suggestion(key: string, known: readonly string[]): string {
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase());
  return close ? ` (did you mean ${close}?)` : ` (known: ${known.join(", ")})`;
}

function trackedFoldersValue(value: unknown, path: string): ParseResult<TrackedFolder[]> {
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

// ---- the tables -------------------------------------------------------------------------------

type Table<T> = { [K in keyof T]-?: Omit<SettingDefinition<T[K]>, "key"> };

function toList<T>(table: Table<T>): ReadonlyArray<SettingDefinition> {
  return Object.entries(table).map(([key, definition]) => ({
    key,
    ...(definition as Omit<SettingDefinition, "key">),
  }));
}

const bool = (defaultValue: boolean, description: string, dynamicsName?: string) => ({
  description,
  allowed: "boolean",
  default: defaultValue,
  parse: booleanValue,
  ...(dynamicsName ? { dynamicsName } : {}),
});

const int = (min: number, max: number, defaultValue: number, description: string, dynamicsName?: string) => ({
  description,
  ...integerRange(min, max),
  default: defaultValue,
  ...(dynamicsName ? { dynamicsName } : {}),
});

const ORGANIZATION_TABLE: Table<OrganizationSettings> = {
  useCorrelation: bool(
    true,
    "Correlate by the hidden headers: In-Reply-To (and References) and ConversationIndex.",
    "Use correlation to track email conversations",
  ),
  useTrackingTokens: bool(true, "Correlate by the tracking token in the subject, and add tokens to mail sent by the tracker.", "Use tracking token"),
  trackingTokenPrefix: {
    description: "The token's prefix. Choose one unique to the environment so that two systems mailing each other don't clash.",
    dynamicsName: "Tracking token prefix (organization.TrackingPrefix)",
    allowed: "string, 1–20 characters, no whitespace, not ending in a digit",
    default: "CRM:",
    parse: trackingTokenPrefixValue,
  },
  trackingTokenPrefixHistory: {
    description: "Earlier prefixes, newest first: tokens with them are still recognised. Each must be valid as a prefix.",
    dynamicsName: "organization.TrackingPrefix (history list)",
    allowed: `list of prefixes, at most ${MAX_PREFIX_HISTORY}`,
    default: [],
    parse: prefixHistoryValue,
  },
  trackingTokenBaseNumber: int(
    0,
    2_147_483_647,
    0,
    "Deployment base tracking number, written before the user number in every token; identifies an environment.",
    "Deployment base tracking number (TrackingTokenIdBase)",
  ),
  trackingTokenUserDigits: int(1, 9, 3, "Digits of the user number in a token.", "User number digit range (TrackingTokenIdDigits)"),
  trackingTokenCounterDigits: int(
    1,
    9,
    3,
    "Digits of the message counter in a token; the counter wraps (999 → 000 with 3 digits).",
    "Incremental message counter digit range",
  ),
  useSmartMatching: bool(false, "Correlate by subject words and shared addresses (prone to false matches).", "EnableSmartMatching"),
  hashFilterKeywords: {
    description: 'Regular expression (flags "giu") whose matches are removed from a subject before hashing its words; strips "RE:", "FW: RE:".',
    dynamicsName: "HashFilterKeywords",
    allowed: 'regular expression, compiles with flags "giu"',
    default: "^[\\s]*([\\w]+\\s?:[\\s]*)+",
    parse: regexValue,
  },
  hashMaxCount: int(1, 100, 20, "At most this many subject-word hashes (and address hashes) per email.", "HashMaxCount"),
  hashDeltaSubjectCount: int(0, 100, 0, "Largest allowed difference between two emails' subject-hash counts.", "HashDeltaSubjectCount"),
  hashMinAddressCount: int(1, 100, 2, "Fewest shared address hashes for a smart match.", "HashMinAddressCount"),
  smartMatchingWindowDays: int(1, 3650, 90, "Smart matching only considers emails of this many last days."),
  useFolderLevelTracking: bool(true, "Track mail moved into the mailboxes' tracked folders, regarding the folder's record.", "Enable folder-level tracking"),
  trackCategorizedItems: bool(false, "Track mail that has the tracking category, in any folder.", "People can use categories to track emails"),
  trackingCategory: {
    description: "The Outlook category that marks mail for tracking (compared case-insensitively).",
    dynamicsName: "Tracked to Dynamics 365 (category name)",
    allowed: "string, 1–255 characters",
    default: "Tracked to Dynamics 365",
    parse: trackingCategoryValue,
  },
  autoTrackSentFolderItems: bool(false, "Also process Sent Items, applying each mailbox's filter to the recipients.", "AutoTrackSentFolderItems"),
  trackEmailsBetweenUsersAsTwoActivities: bool(
    true,
    "Mail between two tracked users becomes one activity for the sender and one for the recipient.",
    "Track emails sent between users as two activities",
  ),
  doNotCorrelateForwardedEmailsAsReplies: bool(
    false,
    "Forwards (FW:) don't correlate with the email they forward.",
    "DoNotCorrelateForwardedEmailsAsReplies",
  ),
  unresolveEmailAddressIfMultipleMatch: bool(
    false,
    "Leave a To/Cc/Bcc address unresolved when it matches more than one record.",
    "Set To, cc, bcc fields as unresolved values if multiple matches are found",
  ),
  unresolveSenderIfMultipleMatch: bool(
    false,
    "Leave the sender unresolved when its address matches more than one record.",
    "UnresolveSenderInCaseOfMultipleMatch",
  ),
  skipAutomatedEmail: bool(false, "Don't track auto-replies and bulk mail (our addition; detected from headers)."),
  maxBodyBytes: int(
    1_000,
    1_500_000,
    1_000_000,
    "Bodies are truncated to this many UTF-8 bytes so activities stay under Cosmos DB's 2 MB item limit.",
  ),
};

const SYNC_METHODS: readonly SyncMethod[] = ["serverSideSync", "none"];
export const INCOMING_EMAIL_FILTERS: readonly IncomingEmailFilter[] = [
  "all",
  "responsesToTrackedEmail",
  "fromLeadsContactsAccounts",
  "fromEmailEnabledRecords",
  "none",
];

const MAILBOX_TABLE: Table<MailboxSettings> = {
  address: {
    description: "The mailbox's email address (stored lower-cased).",
    dynamicsName: "mailbox.EmailAddress",
    allowed: "email address (local@domain)",
    required: true,
    parse: emailAddressValue,
  },
  kind: {
    description: 'A user\'s mailbox or a queue (shared mailbox). Queues can\'t have tracked folders.',
    dynamicsName: "mailbox.RegardingObjectId (systemuser or queue)",
    ...oneOf(["user", "queue"] as const),
    default: "user",
  },
  enabled: bool(true, "Whether the mailbox is processed at all.", "mailbox status (Test & Enable)"),
  incomingSyncMethod: {
    description: 'How incoming mail is processed; "none": the mailbox is not processed (Inbox nor Sent Items).',
    dynamicsName: "IncomingEmailDeliveryMethod",
    ...oneOf(SYNC_METHODS),
    default: "serverSideSync",
  },
  outgoingSyncMethod: {
    description: "How mail sent by the tracker from this mailbox is delivered.",
    dynamicsName: "OutgoingEmailDeliveryMethod",
    ...oneOf(SYNC_METHODS),
    default: "serverSideSync",
  },
  incomingEmailFilter: {
    description: "Which mail is tracked automatically (Inbox: by sender; Sent Items: by recipients).",
    dynamicsName: "IncomingEmailFilteringMethod",
    ...oneOf(INCOMING_EMAIL_FILTERS),
    default: "responsesToTrackedEmail",
  },
  trackedFolders: {
    description: "Folders under the Inbox whose mail is tracked regarding a record. Folder names are unique, case-insensitively. Not for queues.",
    dynamicsName: "mailboxtrackingfolder",
    allowed: `list of {folder, regarding: {type, id}}, at most ${MAX_TRACKED_FOLDERS}`,
    default: [],
    parse: trackedFoldersValue,
  },
  processEmailReceivedAfter: {
    description: "Mail received (or, in Sent Items, sent) before this time is not processed.",
    dynamicsName: "ProcessEmailReceivedAfter",
    allowed: "ISO 8601 date-time with a zone, optional",
    parse: isoDateTimeValue,
  },
};

export const ORGANIZATION_SETTINGS: ReadonlyArray<SettingDefinition> = toList(ORGANIZATION_TABLE);
export const MAILBOX_SETTINGS: ReadonlyArray<SettingDefinition> = toList(MAILBOX_TABLE);

// ---- parsing ------------------------------------------------------------------------------------

interface Problem {
  setting: string;
  message: string;
}

/** The setting a problem message is about: its leading path, without list indexes. */
function settingOf(message: string): string {
  const path = message.split(" ", 1)[0] ?? "";
  const [scope, key] = path.split(".");
  return key ? `${scope}.${key.replace(/\[.*$/, "")}` : path;
}

function parseTable(
  input: unknown,
  table: ReadonlyArray<SettingDefinition>,
  scope: string,
): { value: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const value: Record<string, unknown> = {};
  if (!isPlainObject(input)) {
    return {
      value,
      problems: [{ setting: scope, message: `${scope} must be an object of settings (got ${describeValue(input)})` }],
    };
  }
  const known = table.map((d) => d.key);
  for (const message of unknownKeys(input, known, scope)) problems.push({ setting: settingOf(message), message });
  for (const definition of table) {
    const path = `${scope}.${definition.key}`;
    const raw = input[definition.key];
    if (raw === undefined) {
      if (definition.required) {
        problems.push({ setting: path, message: `${path} is required (${definition.description})` });
      } else if (definition.default !== undefined) {
        value[definition.key] = structuredClone(definition.default);
      }
      continue;
    }
    const result = definition.parse(raw, path);
    if (result.ok) value[definition.key] = result.value;
    else for (const message of result.problems) problems.push({ setting: path, message });
  }
  return { value, problems };
}

function organizationOrProblems(input: unknown, scope: string) {
  const { value, problems } = parseTable(input, ORGANIZATION_SETTINGS, scope);
  return { settings: value as unknown as OrganizationSettings, problems };
}

function mailboxOrProblems(input: unknown, scope: string) {
  const { value, problems } = parseTable(input, MAILBOX_SETTINGS, scope);
  const settings = value as unknown as MailboxSettings;
  // Dynamics has no folder-level tracking for queues.
  if (settings.kind === "queue" && Array.isArray(settings.trackedFolders) && settings.trackedFolders.length > 0) {
    problems.push({
      setting: `${scope}.trackedFolders`,
      message: `${scope}.trackedFolders must be empty for a queue mailbox: folder-level tracking is not supported for queues (got ${settings.trackedFolders.length} folders)`,
    });
  }
  return { settings, problems };
}

/** Validates organization settings, filling defaults; throws SettingsError listing every problem. */
export function parseOrganizationSettings(input: unknown): OrganizationSettings {
  const { settings, problems } = organizationOrProblems(input, "organization");
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Validates one mailbox's settings (address required), filling defaults; throws SettingsError. */
export function parseMailboxSettings(input: unknown): MailboxSettings {
  const { settings, problems } = mailboxOrProblems(input, "mailbox");
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** A settings file: `{"organization": {...}, "mailbox": {...}}`; both parts optional. */
export function parseSettingsFile(input: unknown): { organization: OrganizationSettings; mailbox?: MailboxSettings } {
  if (!isPlainObject(input)) {
    throw new SettingsError([
      { setting: "", message: `the settings file must be an object {"organization": {...}, "mailbox": {...}} (got ${describeValue(input)})` },
    ]);
  }
  const problems: Problem[] = [];
  for (const key of Object.keys(input)) {
    if (key !== "organization" && key !== "mailbox") {
      problems.push({ setting: key, message: `${key} is not a known section of the settings file (known: organization, mailbox)` });
    }
  }
  const organization = organizationOrProblems(input.organization === undefined ? {} : input.organization, "organization");
  problems.push(...organization.problems);
  const mailbox = input.mailbox === undefined ? undefined : mailboxOrProblems(input.mailbox, "mailbox");
  if (mailbox) problems.push(...mailbox.problems);
  if (problems.length > 0) throw new SettingsError(problems);
  return mailbox ? { organization: organization.settings, mailbox: mailbox.settings } : { organization: organization.settings };
}

export function defaultOrganizationSettings(): OrganizationSettings {
  return parseOrganizationSettings({});
}

/** Every prefix a token may carry: the current one first, then the history, without duplicates. */
export function trackingTokenPrefixes(settings: Pick<OrganizationSettings, "trackingTokenPrefix" | "trackingTokenPrefixHistory">): string[] {
  return [...new Set([settings.trackingTokenPrefix, ...settings.trackingTokenPrefixHistory])];
}
