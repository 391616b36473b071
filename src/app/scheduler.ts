// Sharded subscription upkeep and the slow catch-up sweep. Mailboxes sit in time buckets of the
// schedule store (src/domain/schedule.ts); a timer reads only the due buckets and queues one
// "maintain" item per mailbox, paced within Graph's subscription write limit; queue workers do the
// work in parallel, one worker per mailbox (a lease). Nothing here reads every mailbox except the
// enrolment pass (store only, once per sweep period, at most 2,000 mailboxes a run), which finds
// mailboxes without an entry.
import { randomUUID } from "node:crypto";
import type { LiveTrackingStore, QueueItem, TrackingStore, WorkQueue } from "./ports.js";
import type { SubscriptionManager, SubscriptionReport } from "./subscriptions.js";
import { dueBuckets, nextSweepAt, paceDelayInSeconds, type ScheduleKind } from "../domain/schedule.js";

/**
 * Graph throttles subscription writes at 1,000 requests per 20 s per app and tenant (2,000 per
 * tenant for all apps; docs/scaling.md). A maintain item makes at most about two writes (one per
 * folder), so 12 items a second stay under half of the app's share, leaving room for enabling,
 * lifecycle events and other apps.
 */
export const MAINTAIN_ITEMS_PER_SECOND = 12;

/** One worker per mailbox: longer than a maintain item takes (a few Graph calls per folder). */
const LEASE_IN_MS = 5 * 60_000;

/** Entries read from a bucket at a time. */
const PAGE_SIZE = 200;

/**
 * Mailbox pages (PAGE_SIZE each) the enrolment pass reads in one renew run: 2,000 mailboxes, a few
 * seconds of upserts; a larger organization's pass spans runs.
 */
export const ENROLMENT_PAGES_PER_RUN = 10;

/** A timer run stops queueing after this long; the rest stays in its bucket for the next run. */
const DEFAULT_TIMER_BUDGET_IN_MS = 4 * 60_000;

const ENROLMENT_MARKER = "enrolment";
const AUDIT_MARKER = "orphanAudit";

export interface SchedulerDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  queue: WorkQueue;
  subscriptions: SubscriptionManager;
  clock: () => Date;
  policy: { renewBeforeInMinutes: number; sweepPeriodInHours: number };
  /** Wall time of a timer run so far (injectable for benchmarks). */
  elapsedMs?: () => number;
  timerBudgetInMs?: number;
  log?: (line: string) => void;
}

export interface TimerReport {
  /** Buckets read. */
  buckets: number;
  /** Maintain items queued. */
  queued: number;
  /** Mailboxes put on the schedule by the one-time enrolment. */
  enrolled: number;
  /** False when the run stopped at its time budget (the rest is queued by the next run). */
  complete: boolean;
  audit?: SubscriptionReport;
}

export type MaintainOutcome =
  | { kind: "maintained"; report: SubscriptionReport | undefined; catchUps: number }
  | { kind: "skipped"; reason: string };

export function createScheduler(deps: SchedulerDeps) {
  const { live, clock } = deps;
  const log = deps.log ?? (() => {});
  const started = () => {
    const start = performance.now();
    return deps.elapsedMs ?? (() => performance.now() - start);
  };
  const budget = deps.timerBudgetInMs ?? DEFAULT_TIMER_BUDGET_IN_MS;

  /**
   * The timers' job: queue a maintain item for each mailbox in a due bucket of `kind`, and take it
   * out of the bucket (its work puts it in the next one). An entry is removed after its item is
   * queued, so a crash in between queues it twice, which the lease and "nothing due" make cheap.
   */
  async function queueDue(kind: ScheduleKind): Promise<TimerReport> {
    const elapsed = started();
    const report: TimerReport = { buckets: 0, queued: 0, enrolled: 0, complete: true };
    if (kind === "renew") report.enrolled = await enrolUnscheduled(elapsed);
    // The renew window is the renew margin: a mailbox left longer has expired subscriptions, which
    // its sweep finds (and the other way round: each kind's work reschedules both).
    const windowInMinutes = kind === "renew" ? deps.policy.renewBeforeInMinutes : deps.policy.sweepPeriodInHours * 60;
    const now = clock();
    for (const bucket of dueBuckets(kind, { now, windowInMinutes })) {
      report.buckets += 1;
      for (;;) {
        if (elapsed() > budget) {
          report.complete = false;
          return report;
        }
        const entries = await live.schedule.listBucket(bucket, { limit: PAGE_SIZE });
        if (entries.length === 0) break;
        const requestedAt = clock().toISOString();
        // Items with the same delay go in one call.
        const byDelay = new Map<number, QueueItem[]>();
        entries.forEach((entry, index) => {
          const delay = paceDelayInSeconds(report.queued + index, { perSecond: MAINTAIN_ITEMS_PER_SECOND });
          const items = byDelay.get(delay) ?? [];
          items.push({ kind: "maintain", task: kind, mailbox: entry.mailbox, requestedAt });
          byDelay.set(delay, items);
        });
        for (const [delayInSeconds, items] of byDelay) await deps.queue.enqueue(items, delayInSeconds > 0 ? { delayInSeconds } : {});
        for (const entry of entries) await live.schedule.removeEntry(bucket, entry.mailbox);
        report.queued += entries.length;
        if (entries.length < PAGE_SIZE) break;
      }
    }
    // Last, and only in a run that queued all it had: the audit lists every subscription at Graph
    // (2,000 pages at 100,000 mailboxes, docs/scaling.md §5), which must not hold up renewals.
    if (kind === "renew") report.audit = await auditWhenDue();
    return report;
  }

  /**
   * Mailboxes configured before the schedule existed, or written to the store by hand, have no
   * entry. The first pass pages through the mailboxes, putting each in the current renew bucket
   * (their first upkeep schedules them properly); after that a pass starts once per sweep period
   * and puts each enabled mailbox's sweep entry, which is idempotent (the same bucket and id as the
   * one it has) and gives a mailbox that lost its entry an upkeep within the period. Such a pass
   * reads at most ENROLMENT_PAGES_PER_RUN pages a renew run and goes on in the next, so no run
   * grows with the number of mailboxes (docs/scaling.md: 100,000 mailboxes take 50 runs, 25 hours).
   */
  async function enrolUnscheduled(elapsed: () => number): Promise<number> {
    const marker = await live.schedule.getMarker(ENROLMENT_MARKER);
    const periodInMs = deps.policy.sweepPeriodInHours * 3_600_000;
    const paging = marker?.state === "paging";
    if (marker?.state === "done") {
      // A period from the start of the last pass (older markers have only its end).
      const since = Date.parse(marker.startedAt ?? marker.at ?? "");
      if (clock().getTime() - since < periodInMs) return 0;
    }
    // No marker at all: the first pass after upgrading, which schedules every mailbox now. Every
    // later pass checks sweep entries, whatever the mode of the pass before.
    const mode = marker === undefined ? "renew" : paging ? (marker.mode ?? "sweep") : "sweep";
    const startedAt = (paging ? marker.startedAt : undefined) ?? clock().toISOString();
    let continuationToken = paging ? marker.continuationToken : undefined;
    let enrolled = 0;
    // The first pass is the upgrade: mailboxes whose subscriptions nothing renews until they have
    // an entry, so it is bounded by the time budget only; later passes are a safety net.
    const pageLimit = mode === "renew" ? Number.POSITIVE_INFINITY : ENROLMENT_PAGES_PER_RUN;
    for (let pages = 0; pages < pageLimit; pages++) {
      if (elapsed() > budget) break;
      const page = await deps.store.settings.listMailboxPage({
        limit: PAGE_SIZE,
        ...(mode === "sweep" ? { enabled: true } : {}),
        ...(continuationToken ? { continuationToken } : {}),
      });
      const now = clock();
      for (const mailbox of page.items) {
        const dueAt = mode === "renew" ? now : nextSweepAt(mailbox.address, { now, periodInHours: deps.policy.sweepPeriodInHours });
        await live.schedule.putEntry({ kind: mode === "renew" ? "renew" : "sweep", mailbox: mailbox.address, dueAt: dueAt.toISOString() });
      }
      enrolled += page.items.length;
      continuationToken = page.continuationToken;
      await live.schedule.putMarker(
        ENROLMENT_MARKER,
        continuationToken ? { state: "paging", mode, startedAt, continuationToken } : { state: "done", mode, startedAt, at: now.toISOString() },
      );
      if (!continuationToken) break;
    }
    if (enrolled > 0) log(`schedule: ${mode === "renew" ? "enrolled" : "checked the sweep entries of"} ${enrolled} mailbox(es)`);
    return enrolled;
  }

  /** Orphans (at Graph, unknown to the store) are looked for once per sweep period. */
  async function auditWhenDue(): Promise<SubscriptionReport | undefined> {
    const marker = await live.schedule.getMarker(AUDIT_MARKER);
    const periodInMs = deps.policy.sweepPeriodInHours * 3_600_000;
    if (marker?.at && clock().getTime() - Date.parse(marker.at) < periodInMs) return undefined;
    const audit = await deps.subscriptions.auditOrphans();
    await live.schedule.putMarker(AUDIT_MARKER, { at: clock().toISOString() });
    return audit;
  }

  /**
   * A queue worker's part: one mailbox's upkeep (`renew`), or its sweep: the same upkeep with its
   * subscriptions checked at Graph, then a catch-up of each watched folder. One worker per mailbox.
   */
  async function maintain(item: Extract<QueueItem, { kind: "maintain" }>): Promise<MaintainOutcome> {
    const holder = randomUUID();
    if (!(await live.schedule.claimLease(item.mailbox, { holder, leaseInMs: LEASE_IN_MS, now: clock() }))) {
      // Another worker is keeping this mailbox now and reschedules it when done.
      return { kind: "skipped", reason: "another worker holds the mailbox" };
    }
    try {
      const report = await deps.subscriptions.maintainMailbox(item.mailbox, { verifyAtGraph: item.task === "sweep" });
      const catchUps = item.task === "sweep" && report ? await deps.subscriptions.requestCatchUpForMailbox(item.mailbox, "sweep") : 0;
      return { kind: "maintained", report, catchUps };
    } finally {
      await live.schedule.releaseLease(item.mailbox, holder);
    }
  }

  return { queueDue, maintain };
}

export type Scheduler = ReturnType<typeof createScheduler>;
