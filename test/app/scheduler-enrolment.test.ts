// The enrolment pass of the renew timer (src/app/scheduler.ts) over the memory stores: bounded
// per run, the first pass schedules renewals, every later one checks sweep entries.
import { describe, expect, it } from "vitest";
import { createMemoryLiveTrackingStore, createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import type { QueueItem, WorkQueue } from "../../src/app/ports.js";
import { createScheduler, ENROLMENT_PAGES_PER_RUN } from "../../src/app/scheduler.js";
import type { SubscriptionManager } from "../../src/app/subscriptions.js";
import { bucketOf, nextSweepAt } from "../../src/domain/schedule.js";
import { parseMailboxSettings } from "../../src/domain/settings.js";

const PAGE = 200;
const PER_RUN = ENROLMENT_PAGES_PER_RUN * PAGE;

async function setUp(mailboxes: number) {
  let now = Date.parse("2026-12-01T00:00:00.000Z");
  const clock = () => new Date(now);
  const store = createMemoryTrackingStore();
  const live = createMemoryLiveTrackingStore({ clock });
  for (let i = 0; i < mailboxes; i++) await store.settings.putMailbox(parseMailboxSettings({ address: `user${i}@contoso.com` }));
  // The audit has just run (before every run), so these runs are the enrolment pass alone.
  const auditJustRan = () => live.schedule.putMarker("orphanAudit", { at: clock().toISOString() });
  const queued: QueueItem[] = [];
  const queue: WorkQueue = {
    async enqueue(items) {
      queued.push(...items);
    },
  };
  const unused = () => {
    throw new Error("the enrolment pass does no subscription work");
  };
  const subscriptions = { auditOrphans: unused, maintainMailbox: unused, requestCatchUpForMailbox: unused } as unknown as SubscriptionManager;
  const scheduler = createScheduler({ store, live, queue, subscriptions, clock, policy: { renewBeforeInMinutes: 1440, sweepPeriodInHours: 24 } });
  const advance = async (minutes: number) => {
    now += minutes * 60_000;
    await auditJustRan();
  };
  await auditJustRan();
  return { scheduler, live, queued, advance, clock };
}

describe("enrolment pass", () => {
  it.each([
    { mailboxes: 0, runs: [0] },
    { mailboxes: 150, runs: [150, 0] },
    { mailboxes: PER_RUN, runs: [PER_RUN, 0] },
    { mailboxes: PER_RUN + 1, runs: [PER_RUN, 1, 0] },
    { mailboxes: 2 * PER_RUN + 450, runs: [PER_RUN, PER_RUN, 450, 0] },
  ])("$mailboxes mailboxes: a later pass checks $runs per run (never more than one run's pages)", async ({ mailboxes, runs }) => {
    const { scheduler, advance } = await setUp(mailboxes);
    // The first pass, the upgrade, takes every mailbox in one run (bounded by the time budget only).
    expect((await scheduler.queueDue("renew")).enrolled).toBe(mailboxes);
    await advance(24 * 60);
    const enrolled: number[] = [];
    for (let run = 0; run < runs.length; run++) {
      enrolled.push((await scheduler.queueDue("renew")).enrolled);
      await advance(30);
    }
    expect(enrolled).toEqual(runs);
  });

  it("the first pass puts each mailbox in the renew bucket; the pass a period later checks sweep entries, never renew again", async () => {
    const { scheduler, live, queued, advance, clock } = await setUp(3);
    const first = await scheduler.queueDue("renew");
    expect(first.enrolled).toBe(3);
    // Put in the current renew bucket and queued by the same run.
    expect(queued.map((item) => (item.kind === "maintain" ? item.task : item.kind))).toEqual(["renew", "renew", "renew"]);
    queued.length = 0;

    await advance(23 * 60);
    expect((await scheduler.queueDue("renew")).enrolled).toBe(0);
    await advance(60);
    const later = await scheduler.queueDue("renew");
    expect(later.enrolled).toBe(3);
    // Nothing made due for renewal: the pass put sweep entries at each mailbox's place in the period.
    expect(queued).toEqual([]);
    const mailbox = "user1@contoso.com";
    const sweep = nextSweepAt(mailbox, { now: clock(), periodInHours: 24 });
    const entries = await live.schedule.listBucket(bucketOf("sweep", sweep), { limit: 100 });
    expect(entries.map((entry) => entry.mailbox)).toContain(mailbox);

    // And so on every period after (an older marker said "renew" for good).
    await advance(24 * 60);
    expect((await scheduler.queueDue("renew")).enrolled).toBe(3);
    expect(queued).toEqual([]);
  });
});

describe("orphan audit", () => {
  async function withAuditDue(options: { elapsedMs: () => number }) {
    const store = createMemoryTrackingStore();
    const clock = () => new Date("2026-12-01T00:00:00.000Z");
    const live = createMemoryLiveTrackingStore({ clock });
    await store.settings.putMailbox(parseMailboxSettings({ address: "user0@contoso.com" }));
    const order: string[] = [];
    const queue: WorkQueue = {
      async enqueue(items) {
        order.push(...items.map(() => "queued"));
      },
    };
    const audit = { created: 0, renewed: 0, recreated: 0, deleted: 0, failed: 0 };
    const subscriptions = {
      auditOrphans: async () => {
        order.push("audit");
        return audit;
      },
    } as unknown as SubscriptionManager;
    const scheduler = createScheduler({ store, live, queue, subscriptions, clock, policy: { renewBeforeInMinutes: 1440, sweepPeriodInHours: 24 }, elapsedMs: options.elapsedMs, timerBudgetInMs: 1_000 });
    return { scheduler, order };
  }

  it("runs after the run has queued its due mailboxes, never before them", async () => {
    const { scheduler, order } = await withAuditDue({ elapsedMs: () => 0 });
    const report = await scheduler.queueDue("renew");
    expect(report.complete).toBe(true);
    expect(order).toEqual(["queued", "audit"]);
  });

  it("is left for the next run when this one stopped at its time budget", async () => {
    const { scheduler, order } = await withAuditDue({ elapsedMs: () => 2_000 });
    const report = await scheduler.queueDue("renew");
    expect(report.complete).toBe(false);
    expect(order).toEqual([]);
    expect(report.audit).toBeUndefined();
  });
});
