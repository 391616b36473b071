// The scale benchmark: the real scheduler (src/app/scheduler.ts), subscription upkeep
// (src/app/subscriptions.ts) and queue worker (src/app/process-work.ts) over the in-memory stores,
// for N idle mailboxes on a simulated clock. Simulated: the clock (advanced timer period by timer
// period), Graph (an in-process MailGateway that counts each call and answers at once: no mail,
// every subscription kept) and the queue (in memory, drained in visibility order by calling the
// worker). Not simulated: every decision the product makes about what to call and when.
// Goal (issue 13): the per-mailbox figures are the same at 1,000 and 10,000 mailboxes.
import { createMemoryLiveTrackingStore, createMemoryTrackingStore } from "../src/adapters/memory/index.js";
import { createClientStates } from "../src/app/client-state.js";
import type { DeltaPage, LiveTrackingStore, MailGateway, QueueItem, SubscriptionRecord, SubscriptionStore, TrackingStore, WorkQueue } from "../src/app/ports.js";
import { createWorkProcessor } from "../src/app/process-work.js";
import { createScheduler } from "../src/app/scheduler.js";
import { createSubscriptionManager } from "../src/app/subscriptions.js";
import { createTracker } from "../src/app/track-message.js";
import { DEFAULT_SWEEP_PERIOD_IN_HOURS } from "../src/domain/schedule.js";
import { defaultOrganizationSettings, parseMailboxSettings } from "../src/domain/settings.js";
import { numberOption, type Benchmark, type BenchmarkOptions, type BenchmarkResult } from "./benchmark.js";

/** The settings' defaults (src/config/definitions.ts): lifetime, renew margin, timer periods. */
const LIFETIME_MINUTES = 4230;
const RENEW_BEFORE_MINUTES = 1440;
const CATCH_UP_TIMER_MINUTES = 15;
const RENEW_TIMER_MINUTES = 30;
/** Graph pages GET /subscriptions; counted as one request per this many subscriptions. */
const LIST_PAGE_SIZE = 100;
const START = Date.parse("2026-12-01T00:00:00Z");

type Counts = Map<string, number>;

function bump(counts: Counts, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Counts every call of every method of each part of a store (the port calls; each is about one Cosmos DB request). */
function countingParts<T extends object>(parts: T, counts: Counts): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, part] of Object.entries(parts)) {
    wrapped[name] = new Proxy(part as object, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          bump(counts, `${name}.${String(property)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
  return wrapped as T;
}

/**
 * The memory store answers "this mailbox's subscriptions" by scanning all of them (fine for tests,
 * quadratic here); Cosmos DB reads one partition. This keeps an index by mailbox beside it so the
 * wall times are not the scan's. Calls are counted outside it, so the counts are unchanged.
 */
function indexedByMailbox(inner: SubscriptionStore): SubscriptionStore {
  const byMailbox = new Map<string, Map<string, SubscriptionRecord>>();
  const mailboxOf = new Map<string, string>();
  const key = (mailbox: string) => mailbox.trim().toLowerCase();
  const forget = (id: string) => {
    const mailbox = mailboxOf.get(id);
    if (mailbox !== undefined) byMailbox.get(mailbox)?.delete(id);
    mailboxOf.delete(id);
  };
  return {
    getSubscription: (id) => inner.getSubscription(id),
    async putSubscription(subscription) {
      await inner.putSubscription(subscription);
      forget(subscription.id);
      const mailbox = key(subscription.mailbox);
      const records = byMailbox.get(mailbox) ?? new Map<string, SubscriptionRecord>();
      records.set(subscription.id, structuredClone({ ...subscription, mailbox }));
      byMailbox.set(mailbox, records);
      mailboxOf.set(subscription.id, mailbox);
    },
    async deleteSubscription(id) {
      await inner.deleteSubscription(id);
      forget(id);
    },
    async listSubscriptions(options = {}) {
      if (options.mailbox === undefined) return inner.listSubscriptions(options);
      return [...(byMailbox.get(key(options.mailbox))?.values() ?? [])]
        .map((record) => structuredClone(record))
        .sort((a, b) => a.folder.localeCompare(b.folder) || a.id.localeCompare(b.id));
    },
  };
}

/** Graph as an idle tenant: subscriptions kept until deleted, no mail. Counts each request by kind. */
function countingGateway(counts: Counts): MailGateway {
  const subscriptions = new Map<string, { id: string; resource: string; notificationUrl: string; expirationDateTime: string }>();
  let next = 0;
  const notSimulated = (name: string) => () => {
    throw new Error(`the scale benchmark does not simulate ${name}`);
  };
  return {
    async createSubscription(options) {
      bump(counts, "createSubscription");
      const id = `sub-${++next}`;
      const resource = `users/${options.mailbox}/mailFolders('${options.folderId ?? options.folder}')/messages`;
      subscriptions.set(id, { id, resource, notificationUrl: options.notificationUrl, expirationDateTime: options.expirationDateTime });
      return { id, resource, expirationDateTime: options.expirationDateTime };
    },
    async renewSubscription(id, options) {
      bump(counts, "renewSubscription");
      const found = subscriptions.get(id);
      if (found) found.expirationDateTime = options.expirationDateTime;
      return { expirationDateTime: options.expirationDateTime };
    },
    async reauthorizeSubscription() {
      bump(counts, "reauthorizeSubscription");
    },
    async deleteSubscription(id) {
      bump(counts, "deleteSubscription");
      subscriptions.delete(id);
    },
    async getSubscription(id) {
      bump(counts, "getSubscription");
      const found = subscriptions.get(id);
      return found ? { id: found.id, expirationDateTime: found.expirationDateTime } : undefined;
    },
    async listSubscriptions() {
      bump(counts, "listSubscriptions", Math.max(1, Math.ceil(subscriptions.size / LIST_PAGE_SIZE)));
      return [...subscriptions.values()].map((subscription) => ({ ...subscription }));
    },
    async describeFolder(_mailbox, folder) {
      bump(counts, "describeFolder");
      return { folderId: `folder-${folder}` };
    },
    async getFolderId(_mailbox, folder) {
      bump(counts, "getFolderId");
      return `folder-${folder}`;
    },
    delta(mailbox, folder): AsyncIterable<DeltaPage> {
      return (async function* () {
        bump(counts, "delta");
        yield { messages: [], removedIds: [], deltaLink: `delta:${mailbox}:${folder}:${Date.now()}` };
      })();
    },
    getMessage: notSimulated("getMessage"),
    getMessages: notSimulated("getMessages"),
    sendMail: notSimulated("sendMail"),
    createDraft: notSimulated("createDraft"),
    sendDraft: notSimulated("sendDraft"),
    findMessagesByInternetMessageId: notSimulated("findMessagesByInternetMessageId"),
    setCategories: notSimulated("setCategories"),
    getFolder: notSimulated("getFolder"),
  };
}

interface Queued {
  item: QueueItem;
  visibleAt: number;
  order: number;
}

interface Measurement {
  mailboxes: number;
  days: number;
  enrolment: { graph: Counts; queued: number; simulatedMinutes: number };
  graph: Counts;
  store: Counts;
  longestTimer: { wallMs: number; queued: number; enrolled: number; kind: string };
  maxQueuedPerTimer: { renew: number; sweep: number };
  longestWorkItem: { wallMs: number; kind: string };
  workItems: number;
}

async function simulate(options: { mailboxes: number; days: number; log: (line: string) => void }): Promise<Measurement> {
  let now = START;
  const clock = () => new Date(now);
  const graphCounts: Counts = new Map();
  const storeCounts: Counts = new Map();
  const store: TrackingStore = countingParts(createMemoryTrackingStore(), storeCounts);
  const memoryLive = createMemoryLiveTrackingStore({ clock });
  const live: LiveTrackingStore = countingParts({ ...memoryLive, subscriptions: indexedByMailbox(memoryLive.subscriptions) }, storeCounts);
  const gateway = countingGateway(graphCounts);
  const pending: Queued[] = [];
  let order = 0;
  let unsorted = false;
  const queue: WorkQueue = {
    async enqueue(items, enqueueOptions) {
      const visibleAt = now + (enqueueOptions?.delayInSeconds ?? 0) * 1000;
      for (const item of items) pending.push({ item, visibleAt, order: order++ });
      unsorted = true;
    },
  };
  const policy = { renewBeforeInMinutes: RENEW_BEFORE_MINUTES, sweepPeriodInHours: DEFAULT_SWEEP_PERIOD_IN_HOURS };
  const subscriptions = createSubscriptionManager({
    store,
    live,
    gateway,
    queue,
    clock,
    policy: {
      notificationUrl: "https://tracker.example/api/notifications",
      lifecycleNotificationUrl: "https://tracker.example/api/lifecycle",
      clientStates: createClientStates(["scale-benchmark-client-state-secret-0123456789"]),
      lifetimeInMinutes: LIFETIME_MINUTES,
      renewBeforeInMinutes: RENEW_BEFORE_MINUTES,
      sweepPeriodInHours: policy.sweepPeriodInHours,
    },
  });
  const scheduler = createScheduler({ store, live, queue, subscriptions, clock, policy });
  const work = createWorkProcessor({ store, live, gateway, tracker: createTracker({ store, clock }), queue, subscriptions, clock, maxDequeueCount: 5, maintenance: scheduler });

  // Inbox and Sent Items per mailbox, as docs/scaling.md's derivation assumes.
  await store.settings.putOrganization({ ...defaultOrganizationSettings(), autoTrackSentFolderItems: true });
  for (let index = 0; index < options.mailboxes; index++) {
    await store.settings.putMailbox(parseMailboxSettings({ address: `user${index}@scale.example`, incomingEmailFilter: "all" }));
  }

  const result: Measurement = {
    mailboxes: options.mailboxes,
    days: options.days,
    enrolment: { graph: new Map(), queued: 0, simulatedMinutes: 0 },
    graph: graphCounts,
    store: storeCounts,
    longestTimer: { wallMs: 0, queued: 0, enrolled: 0, kind: "" },
    maxQueuedPerTimer: { renew: 0, sweep: 0 },
    longestWorkItem: { wallMs: 0, kind: "" },
    workItems: 0,
  };
  const measuring = { on: false };

  /** Runs the visible items in visibility order, the clock at each item's time, until `until`. */
  async function drain(until: number): Promise<void> {
    for (;;) {
      if (unsorted) pending.sort((a, b) => a.visibleAt - b.visibleAt || a.order - b.order);
      unsorted = false;
      const first = pending[0];
      if (!first || first.visibleAt > until) return;
      pending.shift();
      now = Math.max(now, first.visibleAt);
      const started = performance.now();
      await work.process(first.item, { dequeueCount: 1 });
      const wallMs = performance.now() - started;
      if (measuring.on) {
        result.workItems += 1;
        if (wallMs > result.longestWorkItem.wallMs) result.longestWorkItem = { wallMs, kind: first.item.kind };
      }
    }
  }

  async function tick(minute: number): Promise<void> {
    now = START + minute * 60_000;
    const kinds: Array<"renew" | "sweep"> = minute % RENEW_TIMER_MINUTES === 0 ? ["renew", "sweep"] : ["sweep"];
    for (const kind of kinds) {
      const started = performance.now();
      const report = await scheduler.queueDue(kind);
      const wallMs = performance.now() - started;
      if (!measuring.on) {
        result.enrolment.queued += report.queued;
        continue;
      }
      result.maxQueuedPerTimer[kind] = Math.max(result.maxQueuedPerTimer[kind], report.queued);
      if (wallMs > result.longestTimer.wallMs) result.longestTimer = { wallMs, queued: report.queued, enrolled: report.enrolled, kind };
    }
    await drain(START + (minute + CATCH_UP_TIMER_MINUTES) * 60_000 - 1);
  }

  // Enrolment: the first timer runs put every mailbox on the schedule and subscribe it, until the
  // first pass is done (a pass may span runs) and the queue is empty.
  let minute = 0;
  const firstPassDone = async () => (await memoryLive.schedule.getMarker("enrolment"))?.state === "done";
  do {
    await tick(minute);
    minute += CATCH_UP_TIMER_MINUTES;
  } while (pending.length > 0 || !(await firstPassDone()));
  result.enrolment.simulatedMinutes = minute;
  result.enrolment.graph = new Map(graphCounts);
  graphCounts.clear();
  storeCounts.clear();
  options.log(`${options.mailboxes} mailboxes enrolled in ${minute} simulated minutes; measuring ${options.days} day(s)`);

  measuring.on = true;
  const end = minute + options.days * 24 * 60;
  for (; minute < end; minute += CATCH_UP_TIMER_MINUTES) await tick(minute);
  return result;
}

function sum(counts: Counts, keys?: readonly string[]): number {
  let total = 0;
  for (const [key, value] of counts) if (!keys || keys.includes(key)) total += value;
  return total;
}

const RENEWAL_KINDS = ["createSubscription", "renewSubscription", "deleteSubscription", "reauthorizeSubscription", "describeFolder", "getFolderId"] as const;
const SWEEP_KINDS = ["getSubscription", "delta"] as const;

function report(measured: Measurement): BenchmarkResult[] {
  const { mailboxes, days } = measured;
  const perMailboxDay = (value: number) => value / mailboxes / days;
  const label = (metric: string) => `${mailboxes.toLocaleString("en-US")} mailboxes: ${metric}`;
  const graphTotal = sum(measured.graph);
  const results: BenchmarkResult[] = [
    { metric: label("enrolment Graph requests per mailbox (once)"), value: sum(measured.enrolment.graph) / mailboxes, unit: "requests" },
    { metric: label("renewal requests per mailbox per day"), value: perMailboxDay(sum(measured.graph, RENEWAL_KINDS)), unit: "requests", goal: "flat" },
    { metric: label("sweep requests per mailbox per day"), value: perMailboxDay(sum(measured.graph, SWEEP_KINDS)), unit: "requests", goal: "flat" },
    { metric: label("orphan audit (list) requests per mailbox per day"), value: perMailboxDay(measured.graph.get("listSubscriptions") ?? 0), unit: "requests", goal: "flat" },
    { metric: label("Graph requests per mailbox per day"), value: perMailboxDay(graphTotal), unit: "requests", goal: "flat" },
  ];
  for (const [kind, count] of [...measured.graph].sort()) {
    results.push({ metric: label(`  ${kind} per mailbox per day`), value: perMailboxDay(count), unit: "requests" });
  }
  results.push(
    { metric: label("store operations per mailbox per day"), value: perMailboxDay(sum(measured.store)), unit: "operations", goal: "flat" },
    { metric: label("longest timer invocation: items queued"), value: measured.longestTimer.queued, unit: "items" },
    { metric: label("longest timer invocation: mailboxes enrolled"), value: measured.longestTimer.enrolled, unit: "mailboxes" },
    { metric: label("longest timer invocation: wall time"), value: Math.round(measured.longestTimer.wallMs * 10) / 10, unit: `ms (${measured.longestTimer.kind})` },
    ...(["renew", "sweep"] as const).flatMap((kind): BenchmarkResult[] => [
      { metric: label(`max items queued by one ${kind} timer invocation`), value: measured.maxQueuedPerTimer[kind], unit: "items" },
      { metric: label(`  the same per mailbox`), value: measured.maxQueuedPerTimer[kind] / mailboxes, unit: "ratio", goal: "flat" },
    ]),
    { metric: label("longest work item: wall time"), value: Math.round(measured.longestWorkItem.wallMs * 10) / 10, unit: `ms (${measured.longestWorkItem.kind})` },
    { metric: label("work items per mailbox per day"), value: perMailboxDay(measured.workItems), unit: "items" },
  );
  return results;
}

export const benchmark: Benchmark = {
  name: "scale",
  description:
    "Real scheduler, upkeep and worker over the memory stores with N idle mailboxes on a simulated clock; Graph and the queue are in-process stand-ins that count calls (--mailboxes 1000,10000 --days 4)",
  async run({ args, log }: BenchmarkOptions): Promise<BenchmarkResult[]> {
    const raw = args.mailboxes;
    const sizes =
      typeof raw === "string"
        ? raw.split(",").map((part) => numberOption({ mailboxes: part.trim() }, "mailboxes", 0))
        : [numberOption(args, "mailboxes", 10_000)];
    if (sizes.some((size) => size < 1)) throw new Error("--mailboxes must be whole numbers of at least 1 (e.g. 1000,10000)");
    const days = numberOption(args, "days", 4);
    if (days < 1) throw new Error("--days must be at least 1");
    const results: BenchmarkResult[] = [];
    for (const mailboxes of sizes) {
      const started = performance.now();
      const measured = await simulate({ mailboxes, days, log });
      log(`${mailboxes} mailboxes, ${days} simulated day(s): ${((performance.now() - started) / 1000).toFixed(1)} s of wall time`);
      results.push(...report(measured));
    }
    return results;
  },
};
