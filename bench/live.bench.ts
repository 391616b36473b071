// The live benchmark (issue 3): the whole local stack (Graph simulator → webhook on the local
// Functions host → Azurite queue → processNotification → embedded Cosmos DB) measured in one run:
// Cosmos requests per tracked email as the store grows, notification → activity latency, Graph
// requests per tracked email with and without duplicated notifications, end-to-end emails/s
// against raw Cosmos upserts/s, and the webhook's ack latency at 50, 100 and 200 POSTs/s (live-webhook.ts).
import { DEFAULT_MAX_NOTIFICATIONS_PER_POST as MAX_NOTIFICATIONS_PER_POST } from "../local/graph-simulator/simulator.js";
import { startLocalStack, type LocalStack } from "../local/stack.js";
import { parseOrganizationSettings } from "../src/domain/settings.js";
import type { CrmRecord, ResolvedParty } from "../src/domain/types.js";
import { numberOption, type Benchmark, type BenchmarkOptions, type BenchmarkResult } from "./benchmark.js";
import {
  deliverPaced,
  historicActivity,
  percentile,
  preload,
  rawUpserts,
  round,
  watchDecisions,
} from "./live-support.js";
import { webhookLoad } from "./live-webhook.js";

const ANN = "ann@contoso.example.com";
const CUSTOMERS = 50;
const customerAddress = (n: number) => `customer${n % CUSTOMERS}@fabrikam.example.org`;

type Watcher = ReturnType<typeof watchDecisions>;

interface Context {
  stack: LocalStack;
  watcher: Watcher;
  log: (line: string) => void;
  results: BenchmarkResult[];
  /** Emails delivered so far: keeps subjects (and Message-IDs) unique across phases. */
  sequence: number;
}

function deliverOne(context: Context, label: string): string {
  const n = context.sequence++;
  return context.stack.graph.deliverExternal({
    to: [ANN],
    from: { address: customerAddress(n), name: `Customer ${n % CUSTOMERS}` },
    subject: `${label} ${n}`,
    body: `Benchmark email ${n}. `.repeat(20),
  }).internetMessageId;
}

/** Delivers `count` emails at `ratePerSecond`, waits for every decision and a quiet stack. */
async function deliverAndTrack(context: Context, options: { count: number; ratePerSecond: number; label: string }) {
  const delivered = await deliverPaced(options.count, options.ratePerSecond, () => deliverOne(context, options.label));
  await context.watcher.waitFor(delivered.map((d) => d.internetMessageId), { timeoutInMs: 120_000 + options.count * 200 });
  await context.stack.settle({ timeoutInMs: 120_000 });
  const decisions = delivered.map((d) => ({ ...d, decision: context.watcher.get(d.internetMessageId) }));
  return { delivered, decisions, created: decisions.filter((d) => d.decision?.created).length };
}

// ---- 4. Cosmos requests per tracked email as the store grows ------------------------------------

async function cosmosGrowth(context: Context, options: { sizes: number[]; emails: number; preloadBudgetInMs: number; concurrency: number }) {
  const { stack, log, results } = context;
  const services = await stack.services();
  const mailbox: ResolvedParty = { address: ANN, name: "Ann", records: [{ type: "systemuser", id: "ann" }] };
  const customer = (n: number): ResolvedParty => ({ address: customerAddress(n), records: [{ type: "contact", id: `customer${n % CUSTOMERS}` }] });
  const from = Date.now() - 365 * 86_400_000;
  let stored = 0;
  let preloadInMs = 0;
  for (const size of options.sizes) {
    const started = performance.now();
    const written = await preload(services.store, {
      from: stored,
      to: size,
      concurrency: options.concurrency,
      deadline: started + options.preloadBudgetInMs,
      make: (n) => historicActivity({ n, mailbox, customer: customer(n), time: new Date(from + (n % 360) * 86_400_000 + n) }),
      log,
    });
    const elapsed = performance.now() - started;
    preloadInMs += elapsed;
    stored += written;
    const reached = stored >= size;
    log(`preloaded ${stored} activities (+${written} in ${(elapsed / 1000).toFixed(1)} s, ${Math.round(written / (elapsed / 1000))}/s)${reached ? "" : " — budget exhausted"}`);
    results.push(
      { metric: `store ${stored.toLocaleString("en-US")}: preload (+${written.toLocaleString("en-US")}, ${options.concurrency} in flight)`, value: round(elapsed / 1000, 1), unit: "s" },
      { metric: `store ${stored.toLocaleString("en-US")}: preload rate`, value: Math.round(written / (elapsed / 1000)), unit: "activities/s" },
    );
    await stack.settle();
    const before = services.cosmosRequestCount();
    const receivedBefore = stack.cosmosRequestsReceived();
    const beforeByOperation = services.cosmosRequestCountByOperation();
    // One email per notification POST, so one per queue item: the dearest case, and the same at
    // every size however the emails happen to gather (the burst below measures them gathered).
    stack.graph.setMaxNotificationsPerPost(1);
    const { created } = await deliverAndTrack(context, { count: options.emails, ratePerSecond: 50, label: `Growth ${stored}` }).finally(() =>
      stack.graph.setMaxNotificationsPerPost(MAX_NOTIFICATIONS_PER_POST),
    );
    const requests = services.cosmosRequestCount() - before;
    const received = stack.cosmosRequestsReceived() - receivedBefore;
    log(`  ${options.emails} emails with ${stored} stored: ${requests} Cosmos requests sent (${received} received by the server) for ${created} tracked`);
    const where = [...services.cosmosRequestCountByOperation()]
      .map(([operation, count]) => [operation, count - (beforeByOperation.get(operation) ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([operation, count]) => `${operation} ${round(count / Math.max(1, created))}`);
    log(`  per tracked email: ${where.join(", ")}`);
    const perEmail = (n: number) => round(n / Math.max(1, created));
    results.push(
      { metric: `store ${stored.toLocaleString("en-US")}: Cosmos requests per tracked email (one per notification)`, value: perEmail(requests), unit: "req", goal: "≤ 8, same at every size" },
      { metric: `store ${stored.toLocaleString("en-US")}:   the same, received by the Cosmos server (HTTP)`, value: perEmail(received), unit: "req" },
      { metric: `store ${stored.toLocaleString("en-US")}:   by operation, per tracked email`, value: where.join(", ") },
    );
    if (!reached) {
      results.push({ metric: `store: sizes above ${stored.toLocaleString("en-US")}`, value: `skipped: preload budget of ${options.preloadBudgetInMs / 1000} s exhausted` });
      break;
    }
  }
  results.push({ metric: "store: total preload time", value: round(preloadInMs / 1000, 1), unit: "s" });
}

// ---- 2. notification → stored activity latency ---------------------------------------------------

async function decisionLatency(context: Context, options: { emails: number; ratePerSecond: number }) {
  const { decisions } = await deliverAndTrack(context, { count: options.emails, ratePerSecond: options.ratePerSecond, label: "Latency" });
  const latencies = decisions.flatMap((d) => (d.decision ? [d.decision.at - d.at] : []));
  context.log(`latency: p50 ${percentile(latencies, 50).toFixed(1)} ms over ${latencies.length} emails`);
  context.results.push(
    { metric: `delivery → activity stored, p50 (${options.emails} at ${options.ratePerSecond}/s)`, value: round(percentile(latencies, 50), 1), unit: "ms" },
    { metric: "delivery → activity stored, p90", value: round(percentile(latencies, 90), 1), unit: "ms" },
    { metric: "delivery → activity stored, p99", value: round(percentile(latencies, 99), 1), unit: "ms" },
  );
}

// ---- 3. Graph requests per tracked email ---------------------------------------------------------

function messageReads(stack: LocalStack): number {
  // Message reads are what a tracked email costs; subscriptions, delta and tokens are per mailbox.
  // The simulator counts each item of a $batch as a read, so the $batch envelope is left out here.
  return Object.entries(stack.graph.stats.requests.byEndpoint)
    .filter(([endpoint]) => /\/messages\/\{id\}/.test(endpoint))
    .reduce((sum, [, count]) => sum + count, 0);
}

async function graphRequests(context: Context, options: { emails: number }) {
  const { stack, results, log } = context;
  for (const duplicates of [false, true]) {
    const label = duplicates ? "with duplicated notifications" : "without duplicates";
    stack.graph.faults.duplicateNotifications(duplicates);
    try {
      const { gateway } = await stack.services();
      const beforeMessages = messageReads(stack);
      const beforeHttp = gateway.requestCount();
      const beforeTotal = stack.graph.stats.requests.total;
      const beforeNotifications = stack.graph.stats.notifications.delivered;
      const beforeInvocations = stack.host.stats().invocations.processNotification ?? 0;
      const { created } = await deliverAndTrack(context, { count: options.emails, ratePerSecond: 50, label: `Graph ${duplicates ? "dup" : "plain"}` });
      const messages = messageReads(stack) - beforeMessages;
      // HTTP requests the app sent to Graph ($batch = 1), retries included.
      const http = gateway.requestCount() - beforeHttp;
      const total = stack.graph.stats.requests.total - beforeTotal;
      const notifications = stack.graph.stats.notifications.delivered - beforeNotifications;
      const invocations = (stack.host.stats().invocations.processNotification ?? 0) - beforeInvocations;
      log(`graph ${label}: ${http} HTTP requests, ${messages} message reads, ${total} simulator requests in all, ${notifications} notifications, ${invocations} queue invocations for ${created} tracked`);
      results.push(
        { metric: `Graph HTTP requests/tracked email, ${label}`, value: round(http / Math.max(1, created), 3), unit: "req", goal: "≤ 1.05" },
        { metric: `Graph message reads/tracked email, ${label}`, value: round(messages / Math.max(1, created), 3), unit: "read" },
        { metric: `Graph requests (all)/tracked email, ${label}`, value: round(total / Math.max(1, created), 3), unit: "req" },
        { metric: `  notifications delivered / queue invocations, ${label}`, value: `${notifications} / ${invocations} for ${created} emails` },
      );
    } finally {
      stack.graph.faults.duplicateNotifications(false);
    }
  }
}

// ---- 5. end-to-end emails/s against raw Cosmos upserts/s ------------------------------------------

async function throughput(context: Context, options: { emails: number; upserts: number; concurrency: number }) {
  const { stack, results, log } = context;
  const services = await stack.services();
  // Both sides measured warm: a burst as large first, not timed (20 warm-up emails leave the
  // first hundreds of a burst on colder code than the raw loop, which runs after it).
  await deliverAndTrack(context, { count: options.emails, ratePerSecond: Number.POSITIVE_INFINITY, label: "Burst warm-up" });
  const requestsBefore = services.cosmosRequestCount();
  const started = performance.now();
  const { decisions, created } = await deliverAndTrack(context, { count: options.emails, ratePerSecond: Number.POSITIVE_INFINITY, label: "Burst" });
  // Gathered as Graph gathers a burst: up to 20 messages a queue item, whose claims, mailbox index
  // items and final writes are one batch each.
  const burstRequests = services.cosmosRequestCount() - requestsBefore;
  const lastDecision = Math.max(...decisions.map((d) => d.decision?.at ?? Number.NaN));
  const e2eInMs = lastDecision - started;
  const e2ePerSecond = created / (e2eInMs / 1000);
  log(`e2e: ${created} emails tracked in ${(e2eInMs / 1000).toFixed(2)} s`);

  const sample = decisions.find((d) => d.decision?.created);
  const { activityIdFor } = await import("../src/domain/activity.js");
  const template = sample ? await services.store.activities.getActivity(activityIdFor({ internetMessageId: sample.internetMessageId.replace(/^<|>$/g, "") })) : undefined;
  if (!template) throw new Error("no tracked activity to copy for the raw upserts");
  const raw = await rawUpserts({
    template: template as unknown as Record<string, unknown>,
    count: options.upserts,
    warmUp: Math.round(options.upserts / 4),
    concurrency: options.concurrency,
    databaseName: services.settings.cosmos.databaseName,
  });
  const rawPerSecond = options.upserts / (raw.elapsedInMs / 1000);
  log(`raw: ${options.upserts} upserts of ${raw.documentBytes} B in ${(raw.elapsedInMs / 1000).toFixed(2)} s`);
  results.push(
    { metric: `end-to-end: ${options.emails} emails at once, until all tracked`, value: round(e2eInMs / 1000), unit: "s" },
    { metric: "end-to-end: emails/s", value: round(e2ePerSecond, 1), unit: "emails/s" },
    { metric: "end-to-end: Cosmos requests per tracked email (a burst, gathered per queue item)", value: round(burstRequests / Math.max(1, created)), unit: "req" },
    { metric: `raw Cosmos: ${options.upserts} upserts of ${raw.documentBytes} B, ${options.concurrency} in flight`, value: round(raw.elapsedInMs / 1000), unit: "s" },
    { metric: "raw Cosmos: upserts/s", value: round(rawPerSecond, 1), unit: "upserts/s" },
    { metric: "end-to-end emails/s ÷ raw upserts/s", value: round(e2ePerSecond / rawPerSecond, 3) },
  );
}

// ---- the benchmark --------------------------------------------------------------------------------

async function run(options: BenchmarkOptions): Promise<BenchmarkResult[]> {
  const { args, log } = options;
  const sizes = (typeof args.sizes === "string" ? args.sizes : "1000,10000,100000").split(",").map((s) => {
    const size = Number(s);
    if (!Number.isInteger(size) || size < 0) throw new Error(`--sizes must be whole numbers separated by commas (got ${s})`);
    return size;
  });
  const growthEmails = numberOption(args, "growth-emails", 200);
  const preloadBudgetInMs = numberOption(args, "preload-budget", 120) * 1000;
  const concurrency = numberOption(args, "concurrency", 32);
  const latencyEmails = numberOption(args, "latency-emails", 100);
  const graphEmails = numberOption(args, "graph-emails", 300);
  const burst = numberOption(args, "burst", 500);
  const upserts = numberOption(args, "upserts", 2_000);
  const rates = (typeof args.rates === "string" ? args.rates : String(numberOption(args, "rate", 0) || "50,100,200")).split(",").map((s) => {
    const rate = Number(s);
    if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rates must be positive numbers separated by commas (got ${s})`);
    return rate;
  });
  const perRequest = numberOption(args, "per-request", 1);
  const seconds = numberOption(args, "seconds", 10);
  const skip = new Set(typeof args.skip === "string" ? args.skip.split(",") : []);

  let errorLines = 0;
  const stack = await startLocalStack({
    port: 0,
    timers: "manual",
    queuePollIntervalInMs: 50,
    visibilityTimeoutInSeconds: 1,
    log: (line) => {
      if (/fail|error/i.test(line)) errorLines++;
    },
  });
  const watcher = watchDecisions();
  const results: BenchmarkResult[] = [
    { metric: "stack", value: "Graph simulator + local Functions host + Azurite + embedded Cosmos DB, one process; phase 1 (a) adds an HTTP-only host process" },
  ];
  const context: Context = { stack, watcher, log, results, sequence: 0 };
  try {
    const services = await stack.services();
    const mailboxId = stack.graph.addMailbox({ address: ANN, displayName: "Ann" });
    await services.store.settings.putOrganization(parseOrganizationSettings({ useSmartMatching: false, autoTrackSentFolderItems: true }));
    const records: CrmRecord[] = [
      { type: "systemuser", id: "ann", name: "Ann", emailAddresses: [ANN], createdOn: "2025-01-01T00:00:00.000Z" },
      ...Array.from({ length: CUSTOMERS }, (_, n): CrmRecord => ({
        type: "contact",
        id: `customer${n}`,
        name: `Customer ${n}`,
        emailAddresses: [customerAddress(n)],
        createdOn: "2025-01-01T00:00:00.000Z",
      })),
    ];
    await services.store.records.upsertRecords(records);
    await services.mailboxes.enableMailbox({ address: ANN, incomingEmailFilter: "all", processEmailReceivedAfter: new Date(Date.now() - 60_000).toISOString() });
    await stack.settle();
    // Warm-up: token, connections, JIT; not measured.
    await deliverAndTrack(context, { count: 20, ratePerSecond: 50, label: "Warm-up" });

    if (!skip.has("growth")) await cosmosGrowth(context, { sizes, emails: growthEmails, preloadBudgetInMs, concurrency });
    if (!skip.has("latency")) await decisionLatency(context, { emails: latencyEmails, ratePerSecond: 20 });
    if (!skip.has("graph")) await graphRequests(context, { emails: graphEmails });
    if (!skip.has("throughput")) {
      const batchSize = 16; // host.json extensions.queues.batchSize: the queue's concurrency
      await throughput(context, { emails: burst, upserts, concurrency: batchSize });
    }
    if (!skip.has("webhook")) {
      await webhookLoad(stack, results, log, { rates, seconds, notificationsPerRequest: perRequest, profile: args.profile === true, mailboxId, mailbox: ANN });
    }
    const failures = Object.values(stack.host.stats().failures).reduce((sum, n) => sum + n, 0);
    results.push({ metric: "host: failed invocations (retried) / error log lines", value: `${failures} / ${errorLines}` });
    return results;
  } finally {
    watcher.stop();
    await stack.close();
  }
}

export const benchmark: Benchmark = {
  name: "live",
  description:
    "the whole local stack: webhook ack latency, notification → activity latency, Graph and Cosmos requests per email, e2e vs raw Cosmos (options: --sizes 1000,10000,100000, --preload-budget S, --concurrency N, --growth-emails N, --latency-emails N, --graph-emails N, --burst N, --upserts N, --rates 50,100,200 (POSTs/s, each for --seconds; --rate N for one), --seconds N, --per-request N (notifications per POST), --skip growth,latency,graph,throughput,webhook, --profile)",
  run,
};
