// The webhook load generator of the live benchmark, run as a child process (node:child_process
// fork) so that its timers and sockets do not share the event loop of the Functions host it
// measures. Open loop: request i is due at start + i / rate whatever earlier answers did, so a slow
// answer cannot hide the ones queued behind it (no coordinated omission). Keep-alive connections
// through undici. Talks to its parent over IPC: one LoadPlan in, one LoadReport out.
import { Agent, request } from "undici";

export interface LoadPlan {
  url: string;
  ratePerSecond: number;
  durationInMs: number;
  subscriptionId: string;
  clientState: string;
  tenantId: string;
  /** The mailbox GUID in resource paths ("Users/{guid}/Messages/{id}"). */
  mailboxId: string;
  /** Prefix for the message ids, one per request. */
  messageIdPrefix: string;
  /** Requests before measuring starts (connection set-up, JIT), not in the report. */
  warmup: number;
  connections: number;
  /** Notifications per POST, each for its own message (Graph puts several in one `value`); default 1. */
  notificationsPerRequest?: number;
}

export interface LoadReport {
  /** Per measured request: ms from sending to the end of the answer. */
  serviceInMs: number[];
  /** Per measured request: ms from when it was due to the end of the answer (includes sender lag). */
  fromDueInMs: number[];
  statuses: Record<string, number>;
  errors: number;
  /** How late the generator sent, at worst and at p99: large values mean the generator itself fell behind. */
  sendLagMaxInMs: number;
  sendLagP99InMs: number;
  elapsedInMs: number;
  /** POSTs sent, warm-up included (the work the other processes did for this run). */
  posts: number;
  /** This process's CPU time (user + system) from the first warm-up request to the last answer. */
  cpuInMs: number;
}

function body(plan: LoadPlan, n: number): string {
  const count = plan.notificationsPerRequest ?? 1;
  return JSON.stringify({
    value: Array.from({ length: count }, (_, k) => {
      const id = `${plan.messageIdPrefix}${n}${count > 1 ? `-${k}` : ""}`;
      return {
        subscriptionId: plan.subscriptionId,
        subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
        changeType: "created",
        resource: `Users/${plan.mailboxId}/Messages/${id}`,
        resourceData: { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": `Users/${plan.mailboxId}/Messages/${id}`, "@odata.etag": 'W/"1"', id },
        clientState: plan.clientState,
        tenantId: plan.tenantId,
      };
    }),
  });
}

export async function runLoad(plan: LoadPlan): Promise<LoadReport> {
  const dispatcher = new Agent({ connections: plan.connections, keepAliveTimeout: 30_000, pipelining: 1 });
  const post = async (n: number) => {
    const response = await request(plan.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(plan, n),
      dispatcher,
    });
    await response.body.text();
    return response.statusCode;
  };
  const cpuAtStart = process.cpuUsage();
  // Warm up sequentially-ish: opens connections and lets both sides compile their hot paths.
  for (let i = 0; i < plan.warmup; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, plan.warmup - i) }, (_, k) => post(-(i + k + 1)).catch(() => 0)));
  }

  const total = Math.round((plan.ratePerSecond * plan.durationInMs) / 1000);
  const interval = 1000 / plan.ratePerSecond;
  const serviceInMs: number[] = [];
  const fromDueInMs: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const due = start + n * interval;
    const wait = due - performance.now();
    // No busy-wait for the last millisecond: on 2 cores a spinning generator would steal CPU from
    // the host it measures. Latencies are taken from the actual send time, and from the due time.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    lags.push(sent - due);
    pending.push(
      post(n).then(
        (status) => {
          const done = performance.now();
          serviceInMs.push(done - sent);
          fromDueInMs.push(done - due);
          statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsedInMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuAtStart);
  await dispatcher.close();
  lags.sort((a, b) => a - b);
  return {
    serviceInMs,
    fromDueInMs,
    statuses,
    errors,
    sendLagMaxInMs: lags[lags.length - 1] ?? 0,
    sendLagP99InMs: lags[Math.min(lags.length - 1, Math.floor(lags.length * 0.99))] ?? 0,
    elapsedInMs,
    posts: plan.warmup + total,
    cpuInMs: (cpu.user + cpu.system) / 1000,
  };
}

// As a forked child: wait for the plan, run it, send the report, leave.
if (process.send) {
  process.once("message", (plan: LoadPlan) => {
    runLoad(plan).then(
      (report) => process.send?.({ ok: true, report }, () => process.disconnect()),
      (error: unknown) => process.send?.({ ok: false, error: String(error) }, () => process.disconnect()),
    );
  });
}
