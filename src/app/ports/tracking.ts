// Ports of the tracking pipeline's store: activities, correlation lookups, CRM records, token counters.
import type { ActivityFilter } from "../../domain/activity-index.js";
import type { AddressEntry, CrmRecord, EmailActivity, LookupEntry, RecordRef } from "../../domain/types.js";
import type { OutgoingEmailStore } from "./outgoing.js";
import type { SettingsStore } from "./settings.js";

/** A correlation lookup entry (src/domain/types.ts: the tracking rules read them). */
export type { LookupEntry } from "../../domain/types.js";

export interface ActivityStore {
  /**
   * Create if no activity has this id. Exactly once: `created: false` returns the stored one.
   * Sets `conversationId` (src/domain/activity-index.ts) and writes the activity's index entries.
   */
  createActivity(activity: EmailActivity, options?: CreateActivityOptions): Promise<{ created: boolean; activity: EmailActivity }>;
  /**
   * Writes the mailbox index entries of these activities (each under its receiving mailbox),
   * idempotently: in Cosmos DB one transactional batch per mailbox, so a queue item's new
   * activities cost one request here instead of one each. For activities created with
   * `mailboxIndex: "deferred"`, before their messages are recorded as processed.
   */
  putMailboxIndex(activities: readonly EmailActivity[]): Promise<void>;
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

export interface CreateActivityOptions {
  /**
   * "deferred": leave the mailbox index entry to the caller's putMailboxIndex (the live path
   * writes a queue item's entries together). Until then the activity is not listed for its
   * mailbox; a crash before it leaves the message unprocessed, and processing it again writes it.
   */
  mailboxIndex?: "deferred";
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
