// Ports of live tracking: folders, subscriptions, sync state, processed markers and mailbox batches.
import type { FailureCounter } from "../../domain/error-policy.js";
import type { MailboxHealth } from "../../domain/health.js";
import type { AlertStore, HealthStore, ItemLogEntry, ItemLogStore } from "./monitoring.js";
import type { ScheduleStore } from "./schedule.js";

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
  /**
   * claim for several messages of one mailbox (a queue item's, at most MAX_MESSAGES_PER_BATCH),
   * results in the same order. In Cosmos DB one transactional batch when none is claimed yet (the
   * usual case), so a queue item's claims cost one request, not one per message.
   */
  claimMany(mailbox: string, graphMessageIds: readonly string[], options: { leaseInMs: number; now: Date }): Promise<ClaimResult[]>;
  markProcessed(mailbox: string, graphMessageId: string, outcome: { reason: string; activityId?: string }): Promise<void>;
}

export interface SyncStateStore {
  getSyncState(mailbox: string): Promise<MailboxSyncState | undefined>;
  putDeltaLink(mailbox: string, folder: MailFolderName, deltaLink: string | undefined, options: { caughtUpAt: string }): Promise<void>;
  recordEvent(mailbox: string, event: MailboxEvent): Promise<void>;
  /** Sets (or, with undefined, clears) the error policy's failure counter: one patch. */
  putFailureCounter(mailbox: string, counter: FailureCounter | undefined): Promise<void>;
}
