// The small interfaces the use cases depend on. Cosmos DB implements them in src/adapters/cosmos;
// one contract suite (test/contract) holds every implementation to the same behaviour.
import type { ActivityFilter } from "../domain/activity-index.js";
import type { Alert, AlertFilter } from "../domain/alerts.js";
import type { FailureCounter } from "../domain/error-policy.js";
import type { FolderStep } from "../domain/folder-placement.js";
import type { HealthChange, MailboxHealth } from "../domain/health.js";
import type { ScheduleKind } from "../domain/schedule.js";
import type {
  AddressEntry,
  CrmRecord,
  EmailActivity,
  GraphMessage,
  LookupEntry,
  MailboxSettings,
  OrganizationSettings,
  RecordRef,
} from "../domain/types.js";
import type { GraphFailure } from "./errors.js";
import type { WhatIfRunState } from "./what-if-state.js";

/** A correlation lookup entry (src/domain/types.ts: the tracking rules read them). */
export type { LookupEntry } from "../domain/types.js";

export interface ActivityStore {
  /**
   * Create if no activity has this id. Exactly once: `created: false` returns the stored one.
   * Sets `conversationId` (src/domain/activity-index.ts) and writes the activity's index entries.
   */
  createActivity(activity: EmailActivity): Promise<{ created: boolean; activity: EmailActivity }>;
  getActivity(id: string): Promise<EmailActivity | undefined>;
  /**
   * Read-modify-write with optimistic concurrency: `update` may run more than once (on a lost
   * race it sees the newer version) and returns the new activity, or undefined to leave it.
   * Index entries follow the change. Undefined when there is no such activity.
   */
  updateActivity(id: string, update: (current: EmailActivity) => EmailActivity | undefined): Promise<EmailActivity | undefined>;
  /**
   * Most recent first. A filter naming a mailbox, regarding record or conversation reads that
   * index partition only; a bare time range is the one listing that spans partitions.
   * A continuation token from another filter is refused with a RangeError.
   */
  listActivities(filter: ActivityFilter, page: { limit: number; continuationToken?: string }): Promise<ActivityPage>;
}

export interface ActivityPage {
  items: EmailActivity[];
  /** Present when there may be more. */
  continuationToken?: string;
}

export interface LookupStore {
  /**
   * Idempotent: writing the same (key, activityId) again leaves one entry as readers see it.
   * `absentKeys`: keys the caller just read and found empty, a hint that saves a request on
   * stores that would otherwise try an append first (a wrong hint costs a request, not an entry).
   */
  putEntries(entries: LookupEntry[], options?: { absentKeys?: ReadonlySet<string> }): Promise<void>;
  /** The most recent entry for the key (one point read; its cost does not grow with the store). */
  findLatest(key: string): Promise<LookupEntry | undefined>;
  /** Entries for the key with activityTime >= since, most recent first (one point read; at most the 100 most recent). */
  listSince(key: string, since: string): Promise<LookupEntry[]>;
}

export interface RecordDirectory {
  upsertRecords(records: CrmRecord[]): Promise<void>;
  getRecord(ref: RecordRef): Promise<CrmRecord | undefined>;
  /** Removes the records and their address index rows; returns those that existed. Idempotent. */
  deleteRecords(refs: RecordRef[]): Promise<RecordRef[]>;
  /** Every index row for the (case-insensitive) address, active or not. */
  findByAddress(address: string): Promise<AddressEntry[]>;
}

/** A stored value with its version, for optimistic concurrency (ETag / If-Match). */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** `ifMatch` undefined: save only if nothing is stored yet. `saved: false`: someone saved first. */
export type SaveResult = { saved: true; etag: string } | { saved: false };

/** One page of a list; `continuationToken` is present when there are more. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/** Test & Enable's result for one direction (Dynamics' Incoming / Outgoing Email Status). */
export interface MailboxTestResult {
  status: "notRun" | "success" | "failure";
  at?: string;
  reason?: string;
}

export interface MailboxStatus {
  incoming: MailboxTestResult;
  outgoing: MailboxTestResult;
}

export interface SettingsStore {
  getOrganization(): Promise<OrganizationSettings | undefined>;
  putOrganization(settings: OrganizationSettings): Promise<void>;
  getMailbox(address: string): Promise<MailboxSettings | undefined>;
  putMailbox(settings: MailboxSettings): Promise<void>;
  listMailboxes(): Promise<MailboxSettings[]>;
  getOrganizationVersion(): Promise<Versioned<OrganizationSettings> | undefined>;
  saveOrganization(settings: OrganizationSettings, options: { ifMatch: string | undefined }): Promise<SaveResult>;
  getMailboxVersion(address: string): Promise<Versioned<MailboxSettings> | undefined>;
  saveMailbox(settings: MailboxSettings, options: { ifMatch: string | undefined }): Promise<SaveResult>;
  /** Deletes the mailbox and its status; false when there was none. */
  deleteMailbox(address: string): Promise<boolean>;
  /** A page of mailboxes (cross-partition: there is no partition to name), optionally by state. */
  listMailboxPage(options: { limit: number; continuationToken?: string; enabled?: boolean; approvalStatus?: string }): Promise<Page<MailboxSettings>>;
  getMailboxStatus(address: string): Promise<MailboxStatus | undefined>;
  putMailboxStatus(address: string, status: MailboxStatus): Promise<void>;
}

export interface TokenCounterStore {
  /** A stable number for the user (1, 2, 3, … in order of first use). */
  getUserNumber(userId: string): Promise<number>;
  /** The next value of the user's counter; never the same value twice, even concurrently. */
  nextCounter(userNumber: number): Promise<number>;
}

/** Everything the tracking pipeline reads and writes. */
export interface TrackingStore {
  activities: ActivityStore;
  lookups: LookupStore;
  records: RecordDirectory;
  settings: SettingsStore;
  counters: TokenCounterStore;
  outgoing: OutgoingEmailStore;
}

// ---- Outgoing email (sent by the app through Graph, src/app/outgoing-email.ts) ----------------

/** Dynamics' status reasons of an outgoing email (spec administration.md §7). */
export type OutgoingStatus = "draft" | "pendingSend" | "sending" | "sent" | "failed";

export interface OutgoingRecipient {
  address: string;
  /** The record the address was taken from, when the caller named a record. */
  record?: RecordRef;
}

/** An email the app sends, from creation to Sent (or Failed); the activity is tracked once sent. */
export interface OutgoingEmail {
  id: string;
  mailbox: string;
  status: OutgoingStatus;
  /** Graph send attempts made (Dynamics' delivery attempts). */
  deliveryAttempts: number;
  to: OutgoingRecipient[];
  cc: OutgoingRecipient[];
  bcc: OutgoingRecipient[];
  /** As sent: the caller's subject with the tracking token appended (within 255 characters). */
  subject: string;
  trackingToken?: string;
  body: { contentType: "text" | "html"; content: string };
  regarding?: RecordRef;
  inReplyTo?: string;
  /** Chosen by the app before the draft exists, so a retry can find the draft or the sent copy. */
  internetMessageId: string;
  draftId?: string;
  conversationIndex?: string;
  activityId?: string;
  sentOn?: string;
  /** While `sending`: when the current attempt began (a lease; an older one was abandoned). */
  sendingSince?: string;
  /** While `sending`: which attempt holds it (unique per attempt, so two workers never both think they won). */
  sendingAttempt?: string;
  /** When the next attempt is due after a transient failure. */
  nextAttemptAt?: string;
  lastError?: { at: string; code: string; message: string };
  createdBy: { oid: string; name?: string };
  createdOn: string;
  modifiedOn: string;
  /** The caller's Idempotency-Key and a hash of the request it came with. */
  idempotency?: { key: string; requestHash: string };
}

export interface OutgoingEmailStore {
  /** Create if no email has this id; `created: false` returns the stored one (exactly once). */
  createOutgoing(email: OutgoingEmail): Promise<{ created: boolean; email: OutgoingEmail }>;
  getOutgoing(id: string): Promise<OutgoingEmail | undefined>;
  /** Read-modify-write as ActivityStore.updateActivity: `update` sees the latest version. */
  updateOutgoing(id: string, update: (current: OutgoingEmail) => OutgoingEmail | undefined): Promise<OutgoingEmail | undefined>;
}

// ---- Live tracking (Graph subscriptions, notifications, catch-up) -------------------------------

/** The well-known folders every mailbox may have subscribed. */
export type WellKnownFolderName = "inbox" | "sentitems";
/**
 * A tracked folder under the Inbox, keyed by its (URI-encoded) name in the mailbox's settings;
 * make and read keys with src/app/folder-keys.ts. Graph knows it by the subscription's folderId.
 */
export type TrackedFolderKey = `tracked:${string}`;
/** A folder that is subscribed to and caught up: Inbox, Sent Items, or a tracked folder. */
export type MailFolderName = WellKnownFolderName | TrackedFolderKey;

/** A Graph change-notification subscription this app created, keyed by Graph's subscription id. */
export interface SubscriptionRecord {
  id: string;
  mailbox: string;
  folder: MailFolderName;
  resource: string;
  /** As returned by Graph (it may be shorter than asked). */
  expirationDateTime: string;
  createdOn: string;
  renewedOn?: string;
  /**
   * The nonce of this subscription's own clientState (src/app/client-state.ts). The state itself
   * is never stored: the webhook verifies it with the app secret and compares this nonce.
   */
  clientStateNonce?: string;
  /** Which app secret made the clientState; the renewal timer replaces the others (rotation). */
  clientStateKeyId?: string;
  /** Graph's id of the subscribed folder: a fetched message's parentFolderId must be this. */
  folderId?: string;
  /** The mailbox user's object id, as notification resources name it (`Users/{id}/Messages/…`). */
  userId?: string;
  /** Rich notifications: the certificate Graph encrypts this subscription's resource data with. */
  encryptionCertificateId?: string;
  /** As created; absent: "created" (subscriptions made before category tracking). */
  changeType?: "created" | "created,updated";
}

export interface SubscriptionStore {
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  putSubscription(subscription: SubscriptionRecord): Promise<void>;
  deleteSubscription(id: string): Promise<void>;
  listSubscriptions(options?: { mailbox?: string }): Promise<SubscriptionRecord[]>;
}

/** Everything live tracking stores besides what the tracking pipeline needs. */
export interface LiveTrackingStore {
  subscriptions: SubscriptionStore;
  syncState: SyncStateStore;
  processed: ProcessedMessageStore;
  alerts: AlertStore;
  health: HealthStore;
  itemLog: ItemLogStore;
  /** The processed markers, item-log entries and health change of a batch of items, together. */
  batches: MailboxBatchStore;
  schedule: ScheduleStore;
}

/** A mailbox due for upkeep (`renew`) or for its slow catch-up sweep (`sweep`) at `dueAt`. */
export interface ScheduleEntry {
  kind: ScheduleKind;
  mailbox: string;
  dueAt: string;
}

/**
 * Mailboxes by due time, in fixed buckets (src/domain/schedule.ts), one partition each: a timer
 * reads the due buckets only. A mailbox has at most one entry per (kind, bucket); an entry left in
 * an older bucket is harmless (its work finds nothing due).
 */
export interface ScheduleStore {
  /** Puts the mailbox in the bucket of `dueAt` (idempotent). */
  putEntry(entry: ScheduleEntry): Promise<void>;
  /** One bucket's entries (one partition), in no particular order; `limit` bounds one read. */
  listBucket(bucket: string, options: { limit: number }): Promise<ScheduleEntry[]>;
  /** Removes the mailbox from one bucket; removing what is not there is not an error. */
  removeEntry(bucket: string, mailbox: string): Promise<void>;
  /**
   * Takes the mailbox's upkeep lease for `holder`: false while another holder's lease is younger
   * than `leaseInMs`. An expired lease (its worker died) is taken over.
   */
  claimLease(mailbox: string, options: { holder: string; leaseInMs: number; now: Date }): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  releaseLease(mailbox: string, holder: string): Promise<void>;
  /** A small named state of the timers (the orphan audit's last run, the enrolment's page). */
  getMarker(name: string): Promise<Record<string, string> | undefined>;
  putMarker(name: string, value: Record<string, string>): Promise<void>;
}

/** Each mailbox's health (src/domain/health.ts), one document per mailbox, kept by processing. */
export interface HealthStore {
  getHealth(mailbox: string): Promise<MailboxHealth | undefined>;
  /** Changes that need no read (set a field, add to a count): one request. */
  applyChanges(mailbox: string, changes: readonly HealthChange[]): Promise<void>;
  /** Read-modify-write with optimistic concurrency: `update` may run more than once. */
  updateHealth(mailbox: string, update: (current: MailboxHealth) => MailboxHealth): Promise<MailboxHealth>;
  /** Every mailbox's health (the organization overview; cross-partition). */
  listHealth(): Promise<MailboxHealth[]>;
}

/** One processed item and its decision (Dynamics' item-level monitoring). */
export interface ItemLogEntry {
  id: string;
  mailbox: string;
  folder: string;
  /** Graph's message id. */
  messageId: string;
  at: string;
  via: "notification" | "catchUp";
  outcome: "tracked" | "skipped" | "failed";
  /** The decision's reason (tracked or skipped), or the failure code. */
  reason: string;
  subject?: string;
  internetMessageId?: string;
  activityId?: string;
  error?: { code: string; message: string };
}

export interface ItemLogFilter {
  mailbox?: string;
  outcome?: ItemLogEntry["outcome"];
  since?: string;
  until?: string;
}

export interface ItemLogStore {
  /** Idempotent per id; entries expire after `retentionInDays` (Cosmos DB TTL). One request per call. */
  putEntries(mailbox: string, entries: readonly ItemLogEntry[], options: { retentionInDays: number }): Promise<void>;
  /** Newest first; a continuation token from another filter is refused with a RangeError. */
  listEntries(filter: ItemLogFilter, page: { limit: number; continuationToken?: string }): Promise<Page<ItemLogEntry>>;
}

/** Mailbox alerts (src/app/alerts.ts). Kept 30 days (the container's TTL). */
export interface AlertStore {
  /** Idempotent: an alert with the same id is overwritten. */
  putAlert(alert: Alert): Promise<void>;
  /**
   * Newest first. With `mailbox` one partition is read; without, the list spans mailboxes. A
   * continuation token from another filter is refused with a RangeError.
   */
  listAlerts(filter: AlertFilter, page: { limit: number; continuationToken?: string }): Promise<Page<Alert>>;
  /** Deletes what the filter covers; returns how many. Idempotent. */
  deleteAlerts(filter: AlertFilter): Promise<number>;
}

/** A problem or event recorded on a mailbox for admins (Dynamics' mailbox alerts). */
export interface MailboxEvent {
  at: string;
  level: "error" | "warning" | "information";
  code: string;
  message: string;
  messageId?: string;
  /** What an admin does about it (alerts raised by the error policy). */
  whatToDo?: string;
}

export interface MailboxSyncState {
  mailbox: string;
  /** Per folder: the whole @odata.deltaLink URL Graph returned last. */
  deltaLinks: Partial<Record<MailFolderName, string>>;
  /** Per folder: when a catch-up last completed. */
  caughtUpAt: Partial<Record<MailFolderName, string>>;
  /** The most recent events, newest first, bounded. */
  events: MailboxEvent[];
  /** The error policy's count of consecutive failures; absent since the last success. */
  failures?: FailureCounter;
}

export type ClaimResult = "claimed" | "processed" | "busy";

/** A message done with (tracked or decided against), as its processed marker records it. */
export interface ProcessedMark {
  graphMessageId: string;
  reason: string;
  activityId?: string;
}

/**
 * What processing writes after one batch of a mailbox's items: the processed markers, the
 * item-log entries and the change to the mailbox's health. In Cosmos DB the three share the
 * mailbox's partition and go as one transactional batch, one request (docs/data-model.md), so a
 * batch's counts are written exactly when its markers are.
 */
export interface MailboxBatchStore {
  /** Markers are idempotent; `health` may run more than once (optimistic concurrency). */
  commit(
    mailbox: string,
    batch: {
      markers: readonly ProcessedMark[];
      itemLog?: { entries: readonly ItemLogEntry[]; retentionInDays: number };
      health?: (current: MailboxHealth) => MailboxHealth;
    },
  ): Promise<void>;
}

/**
 * Which Graph messages of a mailbox were already handled (tracked or decided against), so
 * duplicate notifications and catch-up passes don't fetch them from Graph again.
 */
export interface ProcessedMessageStore {
  wasProcessed(mailbox: string, graphMessageId: string): Promise<boolean>;
  /**
   * Takes a message for processing, so concurrent duplicates don't each fetch it from Graph:
   * "claimed" (go ahead), "processed" (already done) or "busy" (another worker holds a claim
   * younger than the lease). An expired claim — its worker died — is taken over.
   */
  claim(mailbox: string, graphMessageId: string, options: { leaseInMs: number; now: Date }): Promise<ClaimResult>;
  markProcessed(mailbox: string, graphMessageId: string, outcome: { reason: string; activityId?: string }): Promise<void>;
}

export interface SyncStateStore {
  getSyncState(mailbox: string): Promise<MailboxSyncState | undefined>;
  putDeltaLink(mailbox: string, folder: MailFolderName, deltaLink: string | undefined, options: { caughtUpAt: string }): Promise<void>;
  recordEvent(mailbox: string, event: MailboxEvent): Promise<void>;
  /** Sets (or, with undefined, clears) the error policy's failure counter: one patch. */
  putFailureCounter(mailbox: string, counter: FailureCounter | undefined): Promise<void>;
}

/** One page of a per-folder delta query. */
export interface DeltaPage {
  messages: GraphMessage[];
  /** Ids reported `@removed`. */
  removedIds: string[];
  /** Present on the last page only. */
  deltaLink?: string;
}

/**
 * Graph's JSON $batch holds at most 20 requests, so getMessages takes at most this many ids and a
 * "change" work item carries at most this many (one $batch each).
 */
export const MAX_MESSAGES_PER_BATCH = 20;

/** Microsoft Graph, as the use cases need it. Failures are thrown as GraphFailure (src/app/errors.ts). */
export interface MailGateway {
  getMessage(mailbox: string, messageId: string, options: { folder: MailFolderName }): Promise<GraphMessage>;
  /** Many messages of one mailbox, fetched with $batch (≤ MAX_MESSAGES_PER_BATCH per request); failed items retried one by one. */
  getMessages(
    mailbox: string,
    messageIds: string[],
    options: { folder: MailFolderName },
  ): Promise<Array<{ messageId: string; message?: GraphMessage; failure?: GraphFailure }>>;
  createSubscription(options: {
    mailbox: string;
    folder: MailFolderName;
    /** The Graph id of a tracked folder (Inbox and Sent Items go by name). */
    folderId?: string;
    /** Default "created"; "created,updated" where category changes must be seen. */
    changeType?: "created" | "created,updated";
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    clientState: string;
    expirationDateTime: string;
    /** Rich notifications: the message arrives encrypted with this certificate (src/app/resource-data.ts). */
    resourceData?: EncryptionCertificate;
  }): Promise<{ id: string; resource: string; expirationDateTime: string }>;
  renewSubscription(id: string, options: { expirationDateTime: string }): Promise<{ expirationDateTime: string }>;
  reauthorizeSubscription(id: string): Promise<void>;
  deleteSubscription(id: string): Promise<void>;
  /** The subscription as Graph has it now; undefined when Graph no longer has it (404). */
  getSubscription(id: string): Promise<{ id: string; expirationDateTime: string } | undefined>;
  /**
   * The subscribed folder's id, and the mailbox user's object id when the app may read users
   * (undefined without that permission). Asked once when subscribing. A tracked folder is found by
   * `folderId` when known (it may have been renamed), else by its settings name as a path below the
   * Inbox ("Customers/Contoso"); a GraphFailure "notFound" says it is not there.
   */
  describeFolder(mailbox: string, folder: MailFolderName, options?: { folderId?: string }): Promise<{ folderId: string; userId?: string; displayName?: string }>;
  /** Every subscription this app has at Graph (all pages; Graph does not return clientState). */
  listSubscriptions(): Promise<Array<{ id: string; resource: string; notificationUrl: string; expirationDateTime: string }>>;
  /** Pages of changes since `deltaLink`, or a fresh delta bounded by `receivedAfter` when none. */
  delta(mailbox: string, folder: MailFolderName, options: { deltaLink?: string; receivedAfter?: string; pageSize?: number; folderId?: string }): AsyncIterable<DeltaPage>;
  /** Draft + send, so the sent message's Message-ID is known. */
  sendMail(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }>;
  /** A draft in the mailbox's Drafts; with `internetMessageId` the draft gets that Message-ID. */
  createDraft(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }>;
  /** Sends a draft (one attempt; a transient failure is thrown as GraphFailure for the caller to retry). */
  sendDraft(mailbox: string, draftId: string): Promise<void>;
  /** The mailbox's messages with this Message-ID (any folder, drafts included): `$filter=internetMessageId eq '…'`. */
  findMessagesByInternetMessageId(
    mailbox: string,
    internetMessageId: string,
  ): Promise<Array<{ id: string; isDraft: boolean; parentFolderId?: string; conversationIndex?: string }>>;
  /** The id of a well-known folder of the mailbox. */
  getFolderId(mailbox: string, folder: MailFolderName): Promise<string>;
  /** One folder, by id or well-known name ("inbox"): id, display name, parent's id. A GraphFailure "notFound" when it is gone. */
  getFolder(mailbox: string, folder: string): Promise<FolderStep>;
  /** Replaces a message's categories (PATCH; needs Mail.ReadWrite): how an untrackable item is marked Undeliverable. */
  setCategories(mailbox: string, messageId: string, categories: string[]): Promise<void>;
}

export interface OutgoingMessage {
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  toRecipients: string[];
  ccRecipients?: string[];
  bccRecipients?: string[];
  /** With angle brackets, e.g. "<x@contoso.com>"; Graph lets a draft's Message-ID be set. */
  internetMessageId?: string;
  /** A reply's parent Message-ID, sent as In-Reply-To/References. */
  inReplyTo?: string;
}

/** A unit of background work on the notifications queue. */
export type QueueItem =
  | {
      kind: "change";
      subscriptionId: string;
      mailbox: string;
      folder: MailFolderName;
      /** "updated": the messages changed (a category, perhaps); absent: they arrived. */
      changeType?: "updated";
      /** The subscribed folder's Graph id, when known: a message elsewhere is not tracked. */
      folderId?: string;
      /** 1 to 20 Graph message ids: a burst in one notification POST is fetched with one $batch. */
      messageIds: string[];
      /** How often this work was put back because another worker held its messages. */
      deferrals?: number;
      /**
       * Rich notifications: the encrypted message by message id, as Graph sent it (only those
       * whose validation tokens passed; decrypted by the worker, src/app/resource-data.ts).
       */
      encryptedContent?: Record<string, EncryptedContent>;
      /** When the webhook accepted it. */
      acceptedAt: string;
    }
  | {
      kind: "lifecycle";
      subscriptionId: string;
      mailbox: string;
      folder: MailFolderName;
      lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed";
      acceptedAt: string;
    }
  | { kind: "catchUp"; mailbox: string; folder: MailFolderName; reason: string; requestedAt: string }
  /** Track a categorised message again after a failed attempt (src/app/categories.ts). */
  | { kind: "category"; mailbox: string; folder: MailFolderName; messageId: string; attempt: number; requestedAt: string }
  /** Keep one mailbox's subscriptions (`renew`), or also verify them at Graph and catch its folders up (`sweep`). */
  | { kind: "maintain"; task: ScheduleKind; mailbox: string; requestedAt: string }
  /** Send an outgoing email (src/app/outgoing-email.ts); duplicates are harmless. */
  | { kind: "send"; mailbox: string; outgoingId: string; requestedAt: string }
  /** Replay a what-if run (src/app/what-if-worker.ts); `mailbox` is the replayed one, for logs only. */
  | { kind: "whatIf"; runId: string; mailbox: string; requestedAt: string; deferrals?: number };

/** Whether the work queue answers, and how many items its poison queue holds (the health endpoint). */
export interface QueueProbe {
  probe(): Promise<{ reachable: boolean; poisonCount?: number }>;
}

export interface WorkQueue {
  /** `delayInSeconds`: the items stay invisible that long (work to look at again later). */
  enqueue(items: QueueItem[], options?: { delayInSeconds?: number }): Promise<void>;
}

// ---- What-if runs (src/app/what-if.ts, src/app/what-if-worker.ts) -------------------------------

/** A run holding one of the replay slots until `until` (the limit counts across instances). */
export interface WhatIfSlot {
  runId: string;
  until: string;
}

/**
 * What-if runs, apart from the live data: each run's state (one document, versioned), its texts of
 * any size (the uploaded mail, the results; kept in pieces under the document limit) and the slots.
 * Everything of a run is gone after its `expiresOn` (reads at `now` past it find nothing).
 */
export interface WhatIfRunStore {
  /** `saved: false`: a run with that id exists. */
  createRun(run: WhatIfRunState): Promise<SaveResult>;
  getRun(id: string, options: { now: Date }): Promise<Versioned<WhatIfRunState> | undefined>;
  /** Saves only if the run is still at version `ifMatch` (`saved: false` otherwise, or if it is gone). */
  replaceRun(run: WhatIfRunState, options: { ifMatch: string }): Promise<SaveResult>;
  /** Writing a name again replaces the text at once: a reader sees the old text or the new, never a mix. */
  putText(runId: string, name: string, text: string, options: { expiresOn: string }): Promise<void>;
  getText(runId: string, name: string, options: { now: Date }): Promise<string | undefined>;
  /** Read-modify-write of the slots with optimistic concurrency: `update` may run more than once, and may throw to refuse. */
  updateSlots(update: (slots: WhatIfSlot[]) => WhatIfSlot[]): Promise<WhatIfSlot[]>;
}

/** Recorded mail (.eml, mbox) as Graph-shaped messages: the replay's MIME adapter (src/adapters/mime). */
export interface MailCodec {
  /** Never throws: unreadable input is `ok: false` with a reason. */
  parseEml(source: Buffer): Promise<{ ok: true; message: GraphMessage; date?: Date } | { ok: false; reason: string }>;
  splitMbox(source: Buffer): Buffer[];
  /** The message as Graph lists it in Sent Items. */
  toSentItemsShape(message: GraphMessage): GraphMessage;
}

// ---- Rich notifications (resource data, src/app/resource-data.ts) ---------------------------

/** A notification item's `encryptedContent`, as Graph sends it. */
export interface EncryptedContent {
  /** Base64 AES-CBC ciphertext of the resource's JSON. */
  data: string;
  /** Base64 HMAC-SHA256 of the ciphertext bytes, keyed with the symmetric key. */
  dataSignature: string;
  /** Base64 symmetric key, RSA-OAEP-encrypted with the certificate's public key. */
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint?: string;
}

/** The certificate a subscription asks Graph to encrypt with: `encryptionCertificate(Id)`. */
export interface EncryptionCertificate {
  /** encryptionCertificateId: names the key pair (Key Vault: the certificate version). */
  id: string;
  /** Base64 DER of the X.509 certificate (the public key). */
  certificate: string;
}

/** The app's encryption key pairs (Key Vault, src/adapters/keyvault; locally local/encryption-keys.ts). */
export interface EncryptionKeyStore {
  /** The certificate new subscriptions are made with. */
  current(): Promise<EncryptionCertificate>;
  /** The private key (PEM) of a certificate still accepted (the current one or one kept during rotation); undefined for any other id. */
  privateKey(certificateId: string): Promise<string | undefined>;
}

/** Checks one `validationTokens` JWT of a rich notification (src/adapters/graph/validation-tokens.ts). */
export interface ValidationTokenVerifier {
  verify(token: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}
