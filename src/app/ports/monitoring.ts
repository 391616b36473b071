// Ports of monitoring: mailbox health, the item log and alerts.
import type { Alert, AlertFilter } from "../../domain/alerts.js";
import type { HealthChange, MailboxHealth } from "../../domain/health.js";
import type { Page } from "./common.js";

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
