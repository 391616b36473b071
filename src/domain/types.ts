// The vocabulary shared by the tracking rules, the use cases and the adapters.
// Pure data: no behaviour lives here.
import type { DecisionTrace } from "./trace.js";

/** A Graph `emailAddress` wrapper, as in `from`, `toRecipients`, … */
export interface GraphRecipient {
  emailAddress: { name?: string | null; address?: string | null };
}

export interface GraphHeader {
  name: string;
  value: string;
}

export interface GraphExtendedProperty {
  id: string;
  value: string;
}

/**
 * A message in the shape Microsoft Graph returns it (`$select` of the properties tracking needs).
 * Inbox messages carry `internetMessageHeaders`; Sent Items messages carry the MAPI extended
 * properties In-Reply-To (0x1042), References (0x1039) and Message-ID (0x1035) instead.
 */
export interface GraphMessage {
  id: string;
  internetMessageId?: string | null;
  conversationId?: string | null;
  /** Base64, 22 + 5n bytes; the same bytes as the MIME `Thread-Index` header. */
  conversationIndex?: string | null;
  internetMessageHeaders?: GraphHeader[] | null;
  singleValueExtendedProperties?: GraphExtendedProperty[] | null;
  subject?: string | null;
  from?: GraphRecipient | null;
  sender?: GraphRecipient | null;
  toRecipients?: GraphRecipient[] | null;
  ccRecipients?: GraphRecipient[] | null;
  bccRecipients?: GraphRecipient[] | null;
  replyTo?: GraphRecipient[] | null;
  receivedDateTime?: string | null;
  sentDateTime?: string | null;
  parentFolderId?: string | null;
  categories?: string[] | null;
  isDraft?: boolean | null;
  hasAttachments?: boolean | null;
  body?: { contentType: "text" | "html"; content: string } | null;
}

/** CRM record types that carry email addresses, in sender-resolution precedence order. */
export const RECORD_TYPES = [
  "systemuser",
  "contact",
  "account",
  "lead",
  "equipment",
  "team",
  "businessunit",
  "queue",
  "custom",
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface RecordRef {
  type: RecordType;
  id: string;
}

/** A CRM record as it is stored and as the replay's `--records` file lists it. */
export interface CrmRecord extends RecordRef {
  name?: string;
  emailAddresses: string[];
  /** Inactive or disabled records are never resolved. Default: true. */
  active?: boolean;
  /** ISO date-time; within a type the first-created record wins. */
  createdOn: string;
  /** The system user (or team) that owns the record. */
  ownerId?: string;
  /** For `custom` records: the email-enabled table's logical name, e.g. "new_project". */
  entityName?: string;
}

/** One row of the address index: what resolution needs about a record with that address. */
export interface AddressEntry extends RecordRef {
  address: string; // lower-cased
  name?: string;
  active: boolean;
  createdOn: string;
  ownerId?: string;
}

/** An address as it appears on the activity, with the records it resolved to (empty: unresolved). */
export interface ResolvedParty {
  address: string;
  name?: string;
  records: RecordRef[];
}

export type Folder =
  | { kind: "inbox" }
  | { kind: "sentitems" }
  /** A tracked folder under the Inbox, named as in the mailbox's `trackedFolders`. */
  | { kind: "tracked"; name: string };

export type CorrelationMethod =
  | "inReplyTo"
  | "references"
  | "trackingToken"
  | "conversationIndex"
  | "smartMatching"
  | "none";

export interface Correlation {
  method: CorrelationMethod;
  /** The earlier activity this one correlates with. */
  correlatedActivityId?: string;
  /** That activity's Message-ID. */
  internetMessageId?: string;
  /** Set only for the header methods (inReplyTo, references, conversationIndex). */
  parentActivityId?: string;
}

export type IncomingEmailFilter =
  | "all"
  | "responsesToTrackedEmail"
  | "fromLeadsContactsAccounts"
  | "fromEmailEnabledRecords"
  | "none";

export type SyncMethod = "none" | "serverSideSync";

export interface TrackedFolder {
  /** The folder's display path under the Inbox, e.g. "Customers/Contoso". */
  folder: string;
  regarding: RecordRef;
}

export interface OrganizationSettings {
  useCorrelation: boolean;
  useTrackingTokens: boolean;
  trackingTokenPrefix: string;
  /** Earlier prefixes, still recognised when parsing tokens back (newest first). */
  trackingTokenPrefixHistory: string[];
  trackingTokenBaseNumber: number;
  trackingTokenUserDigits: number;
  trackingTokenCounterDigits: number;
  useSmartMatching: boolean;
  hashFilterKeywords: string;
  hashMaxCount: number;
  hashDeltaSubjectCount: number;
  hashMinAddressCount: number;
  smartMatchingWindowDays: number;
  useFolderLevelTracking: boolean;
  trackCategorizedItems: boolean;
  trackingCategory: string;
  /** Minutes between attempts to track a categorised email that failed (Dynamics: about 15). */
  categoryRetryIntervalInMinutes: number;
  autoTrackSentFolderItems: boolean;
  trackEmailsBetweenUsersAsTwoActivities: boolean;
  doNotCorrelateForwardedEmailsAsReplies: boolean;
  unresolveEmailAddressIfMultipleMatch: boolean;
  unresolveSenderIfMultipleMatch: boolean;
  skipAutomatedEmail: boolean;
  maxBodyBytes: number;
  processEmailOnlyForApprovedUsers: boolean;
  processEmailOnlyForApprovedQueues: boolean;
  /** Applied to mailboxes created from now on (not to existing ones). */
  defaultIncomingSyncMethod: SyncMethod;
  defaultOutgoingSyncMethod: SyncMethod;
  defaultIncomingEmailFilter: IncomingEmailFilter;
  /** Consecutive transient failures (counted at most once per interval) that disable a mailbox. */
  mailboxFailureLimit: number;
  mailboxFailureIntervalInMinutes: number;
  /** Which alert levels are recorded (Dynamics' three alert switches) and whether owners are notified. */
  recordErrorAlerts: boolean;
  recordWarningAlerts: boolean;
  recordInformationAlerts: boolean;
  notifyMailboxOwnerOfAlerts: boolean;
  /** Days an item-level log entry is kept (the entry's Cosmos DB TTL). */
  itemLogRetentionInDays: number;
}

/** Dynamics' "Email Address Status" of a mailbox. */
export const APPROVAL_STATUSES = ["empty", "approved", "pendingApproval", "rejected"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface MailboxSettings {
  address: string; // lower-cased
  kind: "user" | "queue";
  enabled: boolean;
  incomingSyncMethod: SyncMethod;
  outgoingSyncMethod: SyncMethod;
  incomingEmailFilter: IncomingEmailFilter;
  trackedFolders: TrackedFolder[];
  /** ISO date-time: mail received before it is not processed (Dynamics' ProcessEmailReceivedAfter). */
  processEmailReceivedAfter?: string;
  /**
   * Absent on mailboxes configured before approval existed (and by the break-glass CLI and the
   * replay): they are not held back. Every mailbox the admin API creates carries one.
   */
  approvalStatus?: ApprovalStatus;
  /** Entra object id (oid) of the user who owns the mailbox: they may act on its activities. */
  ownerObjectId?: string;
}

/** Why a message was or was not tracked: the rule that decided. */
export type DecisionReason =
  // tracked
  | "acceptedByFilter"
  | "trackedFolder"
  | "trackingCategory"
  | "sentByApp"
  /** Tracked on a user's request (the API's "track this message", as the App for Outlook does). */
  | "trackedByUser"
  | "alreadyTracked"
  // not tracked
  | "mailboxNotConfigured"
  | "mailboxDisabled"
  | "mailboxNotApproved"
  | "incomingSyncDisabled"
  | "beforeStartDate"
  | "sentItemsNotAutoTracked"
  | "folderNotTracked"
  | "draft"
  | "automatedEmail"
  | "rejectedByFilter";

export interface AutomatedEmail {
  autoReply: boolean;
  bulk: boolean;
  /** The headers that told, e.g. "Auto-Submitted: auto-replied". */
  evidence: string[];
}

export type Direction = "incoming" | "outgoing";

/** The email activity as stored in Cosmos DB. */
export interface EmailActivity {
  id: string;
  /** Normalised Message-ID (without angle brackets). */
  internetMessageId: string;
  internetMessageIdSynthetic: boolean;
  /** The mailbox address when the activity belongs to one user (email between users), else absent. */
  scope?: string;
  direction: Direction;
  subject: string;
  sender?: ResolvedParty;
  toRecipients: ResolvedParty[];
  ccRecipients: ResolvedParty[];
  bccRecipients: ResolvedParty[];
  sentOn?: string;
  receivedOn?: string;
  /** The time correlation ranks by: sent, else received, else processing time. */
  activityTime: string;
  inReplyTo?: string;
  references: string[];
  conversationIndex?: string;
  /** Hex of the 22-byte ConversationIndex header. */
  threadKey?: string;
  trackingToken?: string;
  regarding?: RecordRef;
  correlation: Correlation;
  receivingMailbox: string;
  acceptingEntity?: RecordRef;
  folder: Folder;
  decisionReason: DecisionReason;
  automated: AutomatedEmail;
  smartMatch: { subjectHashes: string[]; addressHashes: string[] };
  body?: { contentType: "text" | "html"; content: string };
  bodyTruncated: boolean;
  recipientsTruncated: boolean;
  graphMessageId?: string;
  createdOn: string;
  /**
   * The activity this one's conversation started with, inherited from the correlated activity;
   * absent when it started one itself. Set by the store on create (src/domain/activity-index.ts).
   */
  conversationId?: string;
  /** Every change of `regarding` made by a person after tracking, oldest first. */
  regardingChanges?: RegardingChange[];
  /**
   * Set while the item is untracked: the tracking category that tracked it was removed. The
   * activity (the record) is kept, as Dynamics keeps it; giving the category back clears this.
   */
  untracked?: { at: string; reason: "categoryRemoved" };
  /**
   * Why it was tracked and linked as it was: the decision trace in its size-bounded form
   * (compactTrace) and the sentence explainDecision made of it. Absent on activities stored
   * before explanations existed.
   */
  explanation?: { trace: DecisionTrace; why: string };
}

/** Who changed an activity's regarding record, when, why, and from what to what. */
export interface RegardingChange {
  at: string;
  by: { oid: string; name?: string };
  action: "relink" | "unlink";
  /** "conversation": the change was made to every activity of the conversation at once. */
  scope: "activity" | "conversation";
  from?: RecordRef;
  to?: RecordRef;
  reason?: string;
}

/**
 * A correlation lookup entry. `key` names what is looked up, with a kind prefix:
 * `mid:<Message-ID>`, `tok:<TRACKING TOKEN>`, `cix:<thread key hex>`, `addr:<address hash>`.
 * One entry per (key, activity); `activityTime` orders candidates (most recent wins).
 */
export interface LookupEntry {
  key: string;
  activityId: string;
  internetMessageId: string;
  activityTime: string;
  regarding?: EmailActivity["regarding"];
  /** The activity's subject, shortened: lets a decision name the email it linked to without reading it. */
  subject?: string;
  /** Smart matching needs these on `addr:` entries to compare without reading the activity. */
  subjectHashes?: string[];
  addressHashes?: string[];
}
