// When each mailbox's subscription upkeep and slow catch-up sweep are due, as pure arithmetic on
// times: the schedule store keeps mailboxes in fixed time buckets (one partition each), so a
// timer reads only the buckets that are due, never every mailbox.
import { createHash } from "node:crypto";

/** The width of a schedule bucket. Timers run every 15 or 30 minutes: each reads a few buckets. */
export const BUCKET_MINUTES = 15;
const BUCKET_MS = BUCKET_MINUTES * 60_000;

/** The app setting CATCH_UP_SWEEP_PERIOD_HOURS defaults to this (src/config/definitions.ts). */
export const DEFAULT_SWEEP_PERIOD_IN_HOURS = 24;

export type ScheduleKind = "renew" | "sweep";

/** The bucket a due time falls in: its kind and the bucket's start, e.g. `renew:2026-12-01T13:15Z`. */
export function bucketOf(kind: ScheduleKind, dueAt: Date): string {
  const start = Math.floor(dueAt.getTime() / BUCKET_MS) * BUCKET_MS;
  return `${kind}:${new Date(start).toISOString().slice(0, 16)}Z`;
}

/**
 * The buckets from `now - windowInMinutes` up to and including now's, oldest first. Entries older
 * than the window can only be left by a timer that did not run for that long; the sweep finds
 * their mailboxes anyway.
 */
export function dueBuckets(kind: ScheduleKind, options: { now: Date; windowInMinutes: number }): string[] {
  const last = Math.floor(options.now.getTime() / BUCKET_MS);
  const count = Math.max(1, Math.ceil(options.windowInMinutes / BUCKET_MINUTES));
  const buckets: string[] = [];
  for (let index = last - count + 1; index <= last; index++) buckets.push(bucketOf(kind, new Date(index * BUCKET_MS)));
  return buckets;
}

/**
 * Renewals are spread over this share of the renew margin, by mailbox: a mailbox renews between
 * the full margin and half of it before its earliest expiry. Mailboxes enrolled together (the
 * first enrolment, a mass enable) would otherwise all fall due in one bucket, one timer run
 * queueing every one of them, at every renewal for good.
 */
export const RENEWAL_SPREAD_SHARE = 0.5;

/** A mailbox's fixed place within the renewal spread, in [0, 1); another hash than its sweep's. */
export function renewalPhase(mailbox: string): number {
  const digest = createHash("sha256").update(`renew\n${mailbox.trim().toLowerCase()}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/**
 * When a mailbox's subscriptions next need renewing: the earliest expiry less the renew margin,
 * plus the mailbox's place in the spread (`mailbox` given). A renewal already due at `now` is not
 * put off: it stays due now.
 */
export function renewalDueAt(
  expirations: readonly string[],
  options: { renewBeforeInMinutes: number; spread?: { mailbox: string; now: Date } },
): Date | undefined {
  const times = expirations.map((expiry) => Date.parse(expiry)).filter((time) => Number.isFinite(time));
  if (times.length === 0) return undefined;
  const margin = options.renewBeforeInMinutes * 60_000;
  const earliest = Math.min(...times) - margin;
  if (!options.spread || earliest <= options.spread.now.getTime()) return new Date(earliest);
  return new Date(earliest + Math.floor(renewalPhase(options.spread.mailbox) * RENEWAL_SPREAD_SHARE * margin));
}

/**
 * A mailbox's fixed place within the sweep period, as a fraction in [0, 1): a hash of its address,
 * so sweeps spread evenly over the period and the same mailbox keeps the same time of day.
 */
export function sweepPhase(mailbox: string): number {
  const digest = createHash("sha256").update(mailbox.trim().toLowerCase()).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The mailbox's next sweep strictly after `now`: its phase within each period. */
export function nextSweepAt(mailbox: string, options: { now: Date; periodInHours: number }): Date {
  const period = options.periodInHours * 3_600_000;
  const offset = Math.floor(sweepPhase(mailbox) * period);
  const now = options.now.getTime();
  const cycle = Math.floor((now - offset) / period);
  return new Date((cycle + 1) * period + offset);
}

/**
 * The mailbox's next sweep after an upkeep at `now`: the first one after now's bucket ends. A timer
 * reads the current bucket, so a mailbox is swept up to a bucket early; a next sweep placed in that
 * same bucket would be read again by the following run and sweep the mailbox twice in one period.
 */
export function nextSweepAfterUpkeep(mailbox: string, options: { now: Date; periodInHours: number }): Date {
  const bucketEnd = (Math.floor(options.now.getTime() / BUCKET_MS) + 1) * BUCKET_MS;
  return nextSweepAt(mailbox, { now: new Date(bucketEnd - 1), periodInHours: options.periodInHours });
}

/**
 * Visibility delays that keep work within a request rate: item `index` of a timer run becomes
 * visible at `index / perSecond` seconds, so Graph sees at most `perSecond` items' requests a second.
 */
export function paceDelayInSeconds(index: number, options: { perSecond: number }): number {
  return Math.floor(index / options.perSecond);
}
