// Ports of the upkeep schedule: due buckets, leases and timer markers.
import type { ScheduleKind } from "../../domain/schedule.js";

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
