// The decision trace: what the tracking rules looked at and why they decided as they did, as
// data. The decision functions (decision.ts) build it; explain.ts renders it as sentences; the
// activity stores a size-bounded copy (compactTrace) so the answer to "why?" outlives the run.
import type { CorrelationMethod, DecisionReason, Direction, Folder, IncomingEmailFilter, RecordRef, RecordType } from "./types.js";

/** The gates, in the order they are checked (filtering.ts). */
export type GateName =
  | "mailboxConfigured"
  | "mailboxEnabled"
  | "mailboxApproved"
  | "incomingSync"
  | "startDate"
  | "draft"
  | "manualTracking"
  | "trackedFolder"
  | "trackingCategory"
  | "folderTracked"
  | "sentItems"
  | "automatedEmail";

export interface GateStep {
  gate: GateName;
  /** pass: go on; fail: not tracked; bypass: tracked without the filter (manual tracking). */
  outcome: "pass" | "fail" | "bypass";
  /** What the gate saw, e.g. the folder name or the automated-mail evidence. */
  detail?: string;
}

/** A record as the trace names it: the type, the id and, when the directory has one, the name. */
export interface TracedRecord extends RecordRef {
  name?: string;
}

/**
 * How an address's records were chosen (resolution.ts):
 * - noRecords: the directory has no record with the address;
 * - onlyInactive: every record with it is inactive;
 * - single: exactly one active record;
 * - typePrecedence: the record type ranks first (system user, contact, account, lead, …);
 * - mailboxOwner: within the best type, the record owned by the mailbox's owner;
 * - firstCreated: within the best type, the first created;
 * - allMatches: a recipient resolves to every active record;
 * - ambiguousUnresolved: several matched and the unresolve-if-multiple setting is on;
 * - tooManyMatches: more than MAX_RESOLVED_MATCHES matched.
 */
export type ResolutionRule =
  | "noRecords"
  | "onlyInactive"
  | "single"
  | "typePrecedence"
  | "mailboxOwner"
  | "firstCreated"
  | "allMatches"
  | "ambiguousUnresolved"
  | "tooManyMatches";

export interface AddressResolution {
  role: "from" | "to" | "cc" | "bcc";
  address: string;
  /** Active records with the address, in precedence order (bounded in the stored form). */
  found: TracedRecord[];
  /** Inactive records with the address: never resolved, counted so the trace can say so. */
  inactive: number;
  chosen: TracedRecord[];
  rule: ResolutionRule;
  /** The best-ranked record the rule passed over, when one did (e.g. the Lead a Contact outranked). */
  passedOver?: TracedRecord;
}

export interface MailboxOwnerStep {
  /** The system user (user mailbox) or queue (queue mailbox) that owns the receiving mailbox. */
  owner?: TracedRecord;
  rule: "noRecord" | "single" | "firstCreated";
  /** Records of the owner's type with the mailbox address: more than one means the rule chose. */
  candidates: number;
}

export type CorrelationStepOutcome =
  /** The key's newest entry is an earlier activity: correlated. */
  | "matched"
  /** No activity was tracked under the key. */
  | "noEntry"
  /** The only entry is this very activity (a copy already tracked): passed over. */
  | "self";

export interface CorrelationStep {
  method: Exclude<CorrelationMethod, "smartMatching" | "none">;
  /** The lookup key probed, e.g. `mid:<Message-ID>`. */
  key: string;
  outcome: CorrelationStepOutcome;
  candidate?: CandidateSummary;
}

export interface CandidateSummary {
  activityId: string;
  internetMessageId: string;
  activityTime: string;
  subject?: string;
  regarding?: RecordRef;
}

/** Why smart matching passed a candidate over (smart-matching.ts). */
export type SmartMatchRejection =
  | "self"
  | "outsideWindow"
  | "unreadableTime"
  | "noSubjectWords"
  | "subjectCountDiffers"
  | "subjectWordsDiffer"
  | "tooFewSharedAddresses"
  | "lessRecent";

export interface SmartMatchStep {
  /** Address keys listed (the receiving mailbox's own address is never indexed). */
  keys: number;
  notBefore: string;
  /** Distinct candidates read from those keys. */
  candidates: number;
  matched?: CandidateSummary & { sharedAddresses: number };
  /** Candidates passed over and why (bounded in the stored form). */
  passedOver: Array<{ activityId: string; reason: SmartMatchRejection; sharedAddresses?: number }>;
  /** Set when smart matching was not tried, e.g. "off" or "noSubjectWords". */
  skipped?: "off" | "noSubjectWords" | "alreadyCorrelated";
}

export interface MailboxJudgement {
  mailbox: string;
  filter: IncomingEmailFilter;
  outcome: "accepted" | "rejected" | "disabled" | "notSynchronised" | "notConfigured" | "sameMailbox";
  owner?: TracedRecord;
}

export interface AcceptanceStep {
  accepted: boolean;
  /** filter: a mailbox's incoming email filter accepted; bypass: a gate tracked it manually. */
  rule: "filter" | "bypass";
  /** The gate that bypassed the filter (trackedFolder, trackingCategory, sentByApp). */
  bypass?: DecisionReason;
  /** The receiving mailbox first, then other organization mailboxes among the recipients. */
  judged: MailboxJudgement[];
  acceptingEntity?: TracedRecord;
  /** Other mailboxes among the recipients beyond MAX_OTHER_MAILBOXES, not judged. */
  othersNotJudged?: number;
}

export interface DecisionTrace {
  /** Bumped when the shape changes in a way readers must know. */
  version: 1;
  mailbox: string;
  folder: Folder;
  direction: Direction;
  internetMessageId: string;
  subject: string;
  gates: GateStep[];
  mailboxOwner?: MailboxOwnerStep;
  addresses: AddressResolution[];
  /** Set when the activity already existed (redelivery, catch-up, another mailbox's copy). */
  existingActivity?: { activityId: string; createdOn: string; why?: string };
  /** Set when that activity was moved into a tracked folder: its regarding became the folder's (src/domain/refile.ts). */
  refiled?: { folder: string; from?: RecordRef; to: RecordRef };
  correlation: CorrelationStep[];
  /** In-Reply-To / References entries that are addresses, not Message-IDs, and were not probed. */
  ignoredIds?: Array<{ header: "In-Reply-To" | "References"; value: string; reason: "knownAddress" | "addressContext" }>;
  smartMatching?: SmartMatchStep;
  /** The method that correlated, or none. */
  correlatedBy: CorrelationMethod;
  regarding?: { record: RecordRef; from: "correlation" | "trackedFolder" | "manual" };
  acceptance?: AcceptanceStep;
  outcome: { tracked: boolean; reason: DecisionReason; activityId?: string };
  /** How many list items the stored (compact) form left out; absent in a full trace. */
  omitted?: Partial<Record<"addresses" | "found" | "correlation" | "ignoredIds" | "passedOver" | "judged", number>>;
}

/** At most `max` characters (an ellipsis marks a cut), never ending inside a surrogate pair. */
export function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, cut)}…`;
}
