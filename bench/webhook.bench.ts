// The webhook under forged traffic (issue 8): one 1 MiB POST of made-up subscription ids, as an
// attacker without any client state would send it. Goal: answered in about the time of one
// comparison per item, with no store reads. Measured in-process against the pure webhook (its
// store reads counted on a real Cosmos DB subscription store, the embedded server) and over HTTP
// through the local host (Cosmos requests counted by the SDK). The baseline is the same body's
// JSON.parse plus one HMAC-SHA256 per item: what "one comparison per item" costs.
import { createHmac } from "node:crypto";
import { createClientStates } from "../src/app/client-state.js";
import { createWebhook } from "../src/app/notifications.js";
import { createTtlCache } from "../src/app/ttl-cache.js";
import { startLocalStack } from "../local/stack.js";
import { openEmbeddedTrackingStore } from "../local/embedded-cosmos.js";
import { forgedItems } from "../test/support/webhook-fuzz-cases.js";
import { numberOption, type Benchmark, type BenchmarkResult } from "./benchmark.js";
import { percentile, round } from "./live-support.js";

const MIB = 1_048_576;
const TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95";

/** Items shaped like real ones (a GUID, a well-formed `nonce.mac` state, the tenant), so every item reaches the HMAC. */
function forgedWithStates(maxBytes: number): { body: string; items: number } {
  const items: string[] = [];
  let size = '{"value":[]}'.length;
  for (let n = 0; ; n++) {
    const id = `${n.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
    const state = `${n.toString(36).padStart(22, "A")}.${"B".repeat(42)}A`;
    const item = `{"subscriptionId":"${id}","clientState":"${state}","tenantId":"${TENANT}","changeType":"created"}`;
    if (size + item.length + 1 > maxBytes) break;
    items.push(item);
    size += item.length + 1;
  }
  return { body: `{"value":[${items.join(",")}]}`, items: items.length };
}

function timeMs(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

async function timeAsyncMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export const benchmark: Benchmark = {
  name: "webhook",
  description: "a 1 MiB POST of forged notifications: wall time and store reads, in-process and over HTTP",
  async run({ args, log }) {
    const rounds = numberOption(args, "rounds", 15);
    const results: BenchmarkResult[] = [];
    const shapes = [
      { label: "bare made-up ids", ...(() => { const body = forgedItems(MIB); return { body, items: (JSON.parse(body) as { value: unknown[] }).value.length }; })() },
      { label: "well-formed ids and states", ...forgedWithStates(MIB) },
    ];

    log("webhook: opening the embedded Cosmos DB store");
    const cosmos = await openEmbeddedTrackingStore({ protocol: "http" });
    try {
      let reads = 0;
      const webhook = createWebhook({
        subscriptions: createTtlCache({
          ttlInMs: 60_000,
          maxEntries: 10_000,
          clock: () => new Date(),
          load: (id) => {
            reads += 1;
            return cosmos.live.subscriptions.getSubscription(id);
          },
        }),
        clientStates: createClientStates(["bench-app-secret-0123456789abcdef"]),
        tenantId: TENANT,
        maxBodyBytes: MIB,
      });
      for (const shape of shapes) {
        const times: number[] = [];
        const baselines: number[] = [];
        for (let round = 0; round < rounds; round++) {
          times.push(await timeAsyncMs(() => webhook.handleChangeNotifications({ contentType: "application/json", body: shape.body })));
          baselines.push(
            timeMs(() => {
              const parsed = JSON.parse(shape.body) as { value: unknown[] };
              for (const item of parsed.value) createHmac("sha256", "k").update(JSON.stringify(item).slice(0, 22)).digest();
            }),
          );
        }
        const median = percentile(times, 50);
        results.push(
          { metric: `in-process, ${shape.label}: items in 1 MiB`, value: shape.items },
          { metric: `in-process, ${shape.label}: answer (median of ${rounds})`, value: round(median), unit: "ms" },
          { metric: `in-process, ${shape.label}: per item`, value: round((median * 1000) / shape.items), unit: "µs" },
          { metric: `in-process, ${shape.label}: JSON.parse + 1 HMAC per item (median)`, value: round(percentile(baselines, 50)), unit: "ms" },
        );
      }
      results.push({ metric: "in-process: store reads, all rounds", value: reads, goal: "0" });
    } finally {
      await cosmos.dispose();
    }

    if (args["skip-http"] === true) return results;
    log("webhook: starting the local stack for the HTTP measurement");
    const stack = await startLocalStack({ port: 0, timers: "manual", log: () => {} });
    try {
      const services = await stack.services();
      const shape = shapes[1] as (typeof shapes)[number];
      const times: number[] = [];
      const before = services.cosmosRequestCount();
      let status = 0;
      for (let round = 0; round < rounds; round++) {
        times.push(
          await timeAsyncMs(async () => {
            const response = await fetch(`${stack.host.baseUrl}/api/notifications`, { method: "POST", headers: { "content-type": "application/json" }, body: shape.body });
            status = response.status;
            await response.arrayBuffer();
          }),
        );
      }
      results.push(
        { metric: `HTTP (local host), ${shape.label}: answer (median of ${rounds})`, value: round(percentile(times, 50)), unit: "ms" },
        { metric: "HTTP: status", value: status, goal: "202" },
        { metric: "HTTP: Cosmos requests, all rounds", value: services.cosmosRequestCount() - before, goal: "0" },
      );
    } finally {
      await stack.close();
    }
    return results;
  },
};
