// The single source of truth for every setting: name, default, allowed values and meaning.
// The replay CLI, the admin API and docs/settings.md all derive from these tables.

import { APPROVAL_STATUSES, type IncomingEmailFilter, type MailboxSettings, type OrganizationSettings, type SyncMethod } from "./types.js";
import {
  booleanValue,
  describeValue,
  emailAddressValue,
  integerRange,
  isoDateTimeValue,
  isPlainObject,
  objectIdValue,
  oneOf,
  prefixHistoryValue,
  regexValue,
  trackedFoldersValue,
  trackingCategoryValue,
  trackingTokenPrefixValue,
  unknownKeys,
  HASH_FILTER_FLAGS,
  type JsonSchemaFragment,
  type ParseResult,
} from "./setting-values.js";

/** The default body cap: bodies keep at most this many UTF-8 bytes, so an activity fits in a Cosmos DB item. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

export { describeValue, HASH_FILTER_FLAGS, isIsoDateTime, looksLikeEmailAddress } from "./setting-values.js";
export type { JsonSchemaFragment, ParseResult } from "./setting-values.js";

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
  /** The value's shape as JSON Schema (the admin API's schemas and OpenAPI document use it). */
  jsonSchema: JsonSchemaFragment;
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
  ...booleanValue,
  default: defaultValue,
  ...(dynamicsName ? { dynamicsName } : {}),
});

const int = (min: number, max: number, defaultValue: number, description: string, dynamicsName?: string) => ({
  description,
  ...integerRange(min, max),
  default: defaultValue,
  ...(dynamicsName ? { dynamicsName } : {}),
});

const SYNC_METHODS: readonly SyncMethod[] = ["serverSideSync", "none"];
export const INCOMING_EMAIL_FILTERS: readonly IncomingEmailFilter[] = [
  "all",
  "responsesToTrackedEmail",
  "fromLeadsContactsAccounts",
  "fromEmailEnabledRecords",
  "none",
];

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
    ...trackingTokenPrefixValue,
    default: "CRM:",
  },
  trackingTokenPrefixHistory: {
    description: "Earlier prefixes, newest first: tokens with them are still recognised. Each must be valid as a prefix.",
    dynamicsName: "organization.TrackingPrefix (history list)",
    ...prefixHistoryValue,
    default: [],
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
    description: `Regular expression (flags "${HASH_FILTER_FLAGS}") whose matches are removed from a subject before hashing its words; strips "RE:", "FW: RE:".`,
    dynamicsName: "HashFilterKeywords",
    ...regexValue,
    default: "^[\\s]*([\\w]+\\s?:[\\s]*)+",
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
    ...trackingCategoryValue,
    default: "Tracked to Dynamics 365",
  },
  categoryRetryIntervalInMinutes: int(
    1,
    1440,
    15,
    "A categorised email that could not be tracked is tried again this many minutes later (5 attempts in all, then it is marked Undeliverable).",
    "Category tracking: retry interval (about every 15 minutes, not configurable in Dynamics)",
  ),
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
    DEFAULT_MAX_BODY_BYTES,
    "Bodies are truncated to this many UTF-8 bytes so activities stay under Cosmos DB's 2 MB item limit.",
  ),
  processEmailOnlyForApprovedUsers: bool(
    true,
    "Mail of a user mailbox whose address is not approved is neither processed nor sent.",
    "Process emails only for approved users",
  ),
  processEmailOnlyForApprovedQueues: bool(
    true,
    "Mail of a queue mailbox whose address is not approved is neither processed nor sent.",
    "Process emails only for approved queues",
  ),
  defaultIncomingSyncMethod: {
    description: "The incoming synchronization method given to mailboxes created from now on.",
    dynamicsName: "Email settings: Incoming email (default synchronization method)",
    ...oneOf(SYNC_METHODS),
    default: "serverSideSync",
  },
  defaultOutgoingSyncMethod: {
    description: "The outgoing synchronization method given to mailboxes created from now on.",
    dynamicsName: "Email settings: Outgoing email (default synchronization method)",
    ...oneOf(SYNC_METHODS),
    default: "serverSideSync",
  },
  defaultIncomingEmailFilter: {
    description: "The incoming email filter given to mailboxes created from now on.",
    dynamicsName: "Email settings: default IncomingEmailFilteringMethod",
    ...oneOf(INCOMING_EMAIL_FILTERS),
    default: "responsesToTrackedEmail",
  },
  mailboxFailureLimit: int(
    1,
    1000,
    10,
    "A mailbox is disabled after this many consecutive transient failures (each counted at least the interval after the one before).",
    "Number of retries before a mailbox is disabled (server-side sync error policy)",
  ),
  mailboxFailureIntervalInMinutes: int(
    0,
    1440,
    5,
    "A failure sooner than this after the last counted one is not counted again (the queue's quick retries are one failure).",
    "Interval between retries (server-side sync error policy)",
  ),
  recordErrorAlerts: bool(true, "Record Error alerts on mailboxes (src/app/alerts.ts).", "Email settings: Alerts: Error"),
  recordWarningAlerts: bool(true, "Record Warning alerts on mailboxes.", "Email settings: Alerts: Warning"),
  recordInformationAlerts: bool(true, "Record Information alerts on mailboxes.", "Email settings: Alerts: Information"),
  notifyMailboxOwnerOfAlerts: bool(
    false,
    "Flag each recorded alert for the mailbox's owner, who then sees it on their own API view (GET /api/admin/mailboxes/{address}/alerts).",
    "Email settings: Alerts: Notify mailbox owner",
  ),
  itemLogRetentionInDays: int(
    1,
    30,
    3,
    "Entries of the item-level log (one per processed item and decision) expire after this many days (Cosmos DB TTL; 7 or less recommended).",
    "Item-level monitoring: retention of failed items",
  ),
};

const MAILBOX_TABLE: Table<MailboxSettings> = {
  address: {
    description: "The mailbox's email address (stored lower-cased).",
    dynamicsName: "mailbox.EmailAddress",
    ...emailAddressValue,
    required: true,
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
    ...trackedFoldersValue,
    default: [],
  },
  processEmailReceivedAfter: {
    description: "Mail received (or, in Sent Items, sent) before this time is not processed.",
    dynamicsName: "ProcessEmailReceivedAfter",
    ...isoDateTimeValue,
  },
  approvalStatus: {
    description:
      'Whether the address is approved: "empty", "approved", "pendingApproval" or "rejected". Set by the approve/reject commands; absent on mailboxes configured before approval existed, which are not held back.',
    dynamicsName: "mailbox.EmailRouterAccessApproval (Email Address Status)",
    ...oneOf(APPROVAL_STATUSES),
  },
  ownerObjectId: {
    description: "The Entra object id (oid) of the mailbox's owner, who may read and act on its activities without an app role.",
    dynamicsName: "mailbox.OwnerId",
    ...objectIdValue,
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

/** Stored settings as read: a document saved before a setting existed gets that setting's default. */
export function withOrganizationDefaults(stored: Partial<OrganizationSettings>): OrganizationSettings {
  return { ...defaultOrganizationSettings(), ...stored };
}

/** Every prefix a token may carry: the current one first, then the history, without duplicates. */
export function trackingTokenPrefixes(settings: Pick<OrganizationSettings, "trackingTokenPrefix" | "trackingTokenPrefixHistory">): string[] {
  return [...new Set([settings.trackingTokenPrefix, ...settings.trackingTokenPrefixHistory])];
}
