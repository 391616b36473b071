// The small interfaces the use cases depend on. Cosmos DB implements them in src/adapters/cosmos;
// one contract suite (test/contract) holds every implementation to the same behaviour.
import type {
  AddressEntry,
  CrmRecord,
  EmailActivity,
  MailboxSettings,
  OrganizationSettings,
} from "../domain/types.js";

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
  /** Smart matching needs these on `addr:` entries to compare without reading the activity. */
  subjectHashes?: string[];
  addressHashes?: string[];
}

export interface ActivityStore {
  /** Create if no activity has this id. Exactly once: `created: false` returns the stored one. */
  createActivity(activity: EmailActivity): Promise<{ created: boolean; activity: EmailActivity }>;
  getActivity(id: string): Promise<EmailActivity | undefined>;
}

export interface LookupStore {
  /** Idempotent: writing the same (key, activityId) twice leaves one entry. */
  putEntries(entries: LookupEntry[]): Promise<void>;
  /** The most recent entry for the key (a single-partition read). */
  findLatest(key: string): Promise<LookupEntry | undefined>;
  /** Entries for the key with activityTime >= since, most recent first (a single-partition query). */
  listSince(key: string, since: string): Promise<LookupEntry[]>;
}

export interface RecordDirectory {
  upsertRecords(records: CrmRecord[]): Promise<void>;
  /** Every index row for the (case-insensitive) address, active or not. */
  findByAddress(address: string): Promise<AddressEntry[]>;
}

export interface SettingsStore {
  getOrganization(): Promise<OrganizationSettings | undefined>;
  putOrganization(settings: OrganizationSettings): Promise<void>;
  getMailbox(address: string): Promise<MailboxSettings | undefined>;
  putMailbox(settings: MailboxSettings): Promise<void>;
  listMailboxes(): Promise<MailboxSettings[]>;
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
}
