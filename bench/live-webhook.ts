// Phase 1 of the live benchmark: the webhook's ack latency, on two hosts, at a ladder of rates.
// For each rate it reports the ack percentiles, the rate achieved, the machine's load average at
// the start, and where the CPU went (ms per POST for the webhook host, Azurite, the stack's own
// process and the load generator): latencies move with the machine's load, CPU per request much
// less, so the second says why the first is what it is.
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { QueueClient } from "@azure/storage-queue";
import type { LocalStack } from "../local/stack.js";
import type { BenchmarkResult } from "./benchmark.js";
import type { LoadPlan, LoadReport } from "./live-load.js";
import { percentile, profiled, round, runLoadInChild, startHttpOnlyHost } from "./live-support.js";
import { childProcesses, socketsTo, startCpuMeter } from "./process-stats.js";

export interface WebhookLoadOptions {
  /** Offered rates (POSTs/s), lowest first; each runs for `seconds`. */
  rates: number[];
  seconds: number;
  /** Notifications per POST (1: the worst case for the queue; Graph often sends several). */
  notificationsPerRequest: number;
  profile: boolean;
  mailboxId: string;
  mailbox: string;
}

/**
 * A rate counts as sustained when the host kept up with it: at least 97 % of the offered rate
 * achieved and a p99 under one second (past that, requests are queueing behind each other).
 */
const SUSTAINED = { achievedShare: 0.97, p99InMs: 1_000 };

const azuritePort = (connectionString: string | undefined): number | undefined => {
  const endpoint = /QueueEndpoint=([^;]+)/.exec(connectionString ?? "")?.[1];
  return endpoint ? Number(new URL(endpoint).port) : undefined;
};

/** The `--queuePort` an Azurite process was started with (local/azurite.ts passes one). */
function queuePortOf(pid: number): number | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const port = Number(args[args.indexOf("--queuePort") + 1]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** The two round trips an ack waits for, alone and one at a time. */
async function ackParts(stack: LocalStack, subscriptionId: string, results: BenchmarkResult[]) {
  const services = await stack.services();
  const sequential = async (count: number, step: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await step();
      times.push(performance.now() - started);
    }
    return `${round(percentile(times, 50), 1)} / ${round(percentile(times, 99), 1)}`;
  };
  // The subscription read (Cosmos; cached by the webhook for a minute, so usually skipped) and the
  // enqueue (Azurite; a scratch queue so nothing gets processed).
  const scratch = new QueueClient(process.env.AzureWebJobsStorage ?? "", "bench-scratch");
  await scratch.createIfNotExists();
  const message = Buffer.from(JSON.stringify({ kind: "change", n: 1 })).toString("base64");
  results.push(
    { metric: "ack parts alone: Cosmos subscription read p50 / p99 (100 sequential)", value: await sequential(100, () => services.live.subscriptions.getSubscription(subscriptionId)), unit: "ms" },
    { metric: "ack parts alone: Azurite enqueue p50 / p99 (100 sequential)", value: await sequential(100, () => scratch.sendMessage(message)), unit: "ms" },
  );
  // The same enqueues 32 at a time: with one append slot (Azurite's default) this was no faster.
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next++ < 500) await scratch.sendMessage(message);
  }));
  results.push({ metric: "ack parts alone: Azurite enqueues/s, 500 with 32 in flight", value: round(500 / ((performance.now() - started) / 1000), 0), unit: "msg/s" });
  await scratch.delete();
}

export async function webhookLoad(stack: LocalStack, results: BenchmarkResult[], log: (line: string) => void, options: WebhookLoadOptions) {
  const services = await stack.services();
  const [subscription] = (await services.live.subscriptions.listSubscriptions({ mailbox: options.mailbox })).filter((s) => s.folder === "inbox");
  if (!subscription) throw new Error(`no inbox subscription stored for ${options.mailbox}`);
  const basePlan = {
    durationInMs: options.seconds * 1000,
    subscriptionId: subscription.id,
    // Each subscription has its own clientState: the one Graph (the simulator) holds for it.
    clientState: stack.graph.listSubscriptions().find((s) => s.id === subscription.id)?.clientState ?? "",
    tenantId: stack.graph.tenantId,
    mailboxId: options.mailboxId,
    warmup: 200,
    connections: 64,
    notificationsPerRequest: options.notificationsPerRequest,
  };
  await ackParts(stack, subscription.id, results);
  const cores = cpus().length;

  interface Host {
    label: string;
    short: string;
    baseUrl: string;
    pid: number | undefined;
    /** The Azurite this host enqueues to, and its queue port. */
    azurite: { pid: number | undefined; port: number | undefined };
    profile: boolean;
  }
  const measure = async (host: Host) => {
    const plan = { ...basePlan, url: `${host.baseUrl}/api/notifications`, messageIdPrefix: `AAMkUnknown-${Date.now()}-${host.short}-` };
    // A light load first: what one ack costs when the host is not saturated.
    const light = await runLoadInChild({ ...plan, ratePerSecond: 20, durationInMs: 3_000, warmup: 20, messageIdPrefix: `${plan.messageIdPrefix}light-` });
    await stack.settle({ timeoutInMs: 120_000 });
    results.push({ metric: `${host.label}: ack p50 / p99 at 20/s for 3 s (reference)`, value: `${round(percentile(light.serviceInMs, 50), 1)} / ${round(percentile(light.serviceInMs, 99), 1)}`, unit: "ms" });
    let sustained: number | undefined;
    for (const [index, rate] of options.rates.entries()) {
      const step = `${host.label} at ${rate}/s`;
      const load = round(loadavg()[0] ?? Number.NaN, 2);
      log(`webhook, ${step} for ${options.seconds} s from a child process (load average ${load})…`);
      const stepPlan: LoadPlan = { ...plan, ratePerSecond: rate, messageIdPrefix: `${plan.messageIdPrefix}${rate}-` };
      const invocationsBefore = stack.host.stats().invocations.processNotification ?? 0;
      // The stack's process (queue worker, Graph simulator, Cosmos server; in (b) the webhook too),
      // Azurite, and in (a) the HTTP-only host; the load generator reports its own.
      const meter = startCpuMeter({
        stack: process.pid,
        azurite: stack.azuritePid,
        ...(host.pid !== process.pid ? { host: host.pid } : {}),
        ...(host.azurite.pid !== stack.azuritePid ? { "host's azurite": host.azurite.pid } : {}),
      });
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const profileThis = host.profile && index === options.rates.length - 1;
      const measured: { value: LoadReport; top: Array<{ where: string; selfPercent: number }> } = profileThis
        ? await profiled(() => runLoadInChild(stepPlan))
        : { value: await runLoadInChild(stepPlan), top: [] };
      loopDelay.disable();
      const sockets = host.pid !== undefined && host.azurite.port !== undefined ? socketsTo(host.pid, host.azurite.port) : undefined;
      const report = measured.value;
      const drainStarted = performance.now();
      await stack.settle({ timeoutInMs: 300_000 });
      const drainInMs = performance.now() - drainStarted;
      const cpu = meter.stop();
      const processed = (stack.host.stats().invocations.processNotification ?? 0) - invocationsBefore;
      const sent = report.serviceInMs.length;
      const achieved = sent / (report.elapsedInMs / 1000);
      const p99 = percentile(report.serviceInMs, 99);
      if (achieved >= SUSTAINED.achievedShare * rate && p99 < SUSTAINED.p99InMs && report.errors === 0) sustained = rate;
      const perPost = (ms: number | undefined) => (ms === undefined ? "n/a" : String(round(ms / report.posts, 2)));
      const cpuParts = { ...cpu, "load generator": report.cpuInMs };
      const cpuTotal = Object.values(cpuParts).reduce((sum, ms) => sum + ms, 0);
      const statuses = `${Object.entries(report.statuses).map(([s, c]) => `${s}×${c}`).join(" ")}${report.errors ? ` errors×${report.errors}` : ""}`;
      log(`webhook, ${step}: p50 ${percentile(report.serviceInMs, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ${achieved.toFixed(1)} req/s; statuses ${statuses}`);
      results.push(
        { metric: `${step}: load average (1 min) at the start`, value: load },
        {
          metric: `${step}: ack p50 / p90 / p99 / max (${sent} requests${options.notificationsPerRequest > 1 ? `, ${options.notificationsPerRequest} notifications each` : ""})`,
          value: [50, 90, 99, 100].map((p) => round(percentile(report.serviceInMs, p), 1)).join(" / "),
          unit: "ms",
          ...(index === options.rates.length - 1 ? { goal: "p99 < 50 ms" } : {}),
        },
        { metric: `${step}: achieved rate; ack p99 from due time (incl. generator lag)`, value: `${round(achieved, 1)} req/s; ${round(percentile(report.fromDueInMs, 99), 1)} ms` },
        { metric: `${step}: statuses; generator send lag p99 / max`, value: `${statuses}; ${round(report.sendLagP99InMs, 1)} / ${round(report.sendLagMaxInMs, 1)} ms` },
        {
          metric: `${step}: CPU ms per POST, load and queue drain (${report.posts} POSTs, ${processed} queue items)`,
          value: `${Object.entries(cpuParts).map(([name, ms]) => `${name} ${perPost(ms)}`).join(", ")}; total ${perPost(cpuTotal)} → at most ${Math.round((cores * 1000 * report.posts) / Math.max(1, cpuTotal))} POSTs/s on ${cores} cores`,
        },
        {
          metric: `${step}: stack process event-loop delay p50 / p99; host sockets to Azurite after the load; queue drained in`,
          value: `${round(loopDelay.percentile(50) / 1e6, 1)} / ${round(loopDelay.percentile(99) / 1e6, 1)} ms; ${sockets ?? "n/a"}; ${round(drainInMs / 1000, 1)} s`,
        },
      );
      for (const [i, entry] of measured.top.entries()) {
        results.push({ metric: `  profile #${i + 1} (self time, stack process)`, value: `${entry.selfPercent}% ${entry.where}` });
      }
    }
    results.push({
      metric: `${host.label}: highest rate sustained (≥ ${SUSTAINED.achievedShare * 100} % achieved, p99 < ${SUSTAINED.p99InMs} ms)`,
      value: sustained === undefined ? `none of ${options.rates.join(", ")}` : `${sustained}/s`,
    });
  };

  const stackAzurite = { pid: stack.azuritePid, port: azuritePort(process.env.AzureWebJobsStorage) };
  // (c) The ack alone, as in Azure, where the queue's consumers and the storage account are other
  // machines: an HTTP-only host with an Azurite of its own (runHost starts one when
  // AzureWebJobsStorage is unset) that nothing drains, so no queue work competes for the 2 cores.
  const { AzureWebJobsStorage: _storage, ...withoutStorage } = process.env;
  const isolated = await startHttpOnlyHost({ env: withoutStorage });
  try {
    const [isolatedAzurite] = isolated.pid === undefined ? [] : childProcesses(isolated.pid, "azurite");
    const port = isolatedAzurite === undefined ? undefined : queuePortOf(isolatedAzurite);
    await measure({ label: "webhook (c) HTTP-only host, own Azurite, no queue work", short: "c", baseUrl: isolated.baseUrl, pid: isolated.pid, azurite: { pid: isolatedAzurite, port }, profile: false });
  } finally {
    await isolated.close();
  }
  // (a) The webhook on its own event loop while the stack's host processes what it enqueues, on the same 2 cores.
  const httpOnly = await startHttpOnlyHost();
  try {
    await measure({ label: "webhook (a) HTTP-only host", short: "a", baseUrl: httpOnly.baseUrl, pid: httpOnly.pid, azurite: stackAzurite, profile: false });
  } finally {
    await httpOnly.close();
  }
  // (b) One process doing everything, as `npm start` does.
  await measure({ label: "webhook (b) shared host", short: "b", baseUrl: stack.host.baseUrl, pid: process.pid, azurite: stackAzurite, profile: options.profile });
}
