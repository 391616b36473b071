// Helpers of the live benchmark: percentiles, decision watching, paced delivery, preloading the
// store, raw Cosmos upserts and a CPU profile summary. Kept apart so live.bench.ts reads as the
// list of measurements.
import { fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import https from "node:https";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CosmosClient } from "@azure/cosmos";
import type { TrackingStore } from "../src/app/ports.js";
import { activityIdFor, lookupEntriesFor } from "../src/domain/activity.js";
import { parseOrganizationSettings } from "../src/domain/settings.js";
import { smartMatchHashes } from "../src/domain/smart-matching.js";
import type { EmailActivity, ResolvedParty } from "../src/domain/types.js";
import { trackingEvents, type TrackingDecisionEvent } from "../src/host/services.js";
import type { LoadPlan, LoadReport } from "./live-load.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const bareId = (internetMessageId: string) => internetMessageId.trim().replace(/^<|>$/g, "");

export interface Decision {
  at: number;
  created: boolean;
  reason: string;
}

/** Every tracking decision the host's functions make, by Message-ID, with its time. */
export function watchDecisions() {
  const decisions = new Map<string, Decision>();
  /** Waiters: the ids still missing, and what to call once none are. */
  const waiters = new Set<{ missing: Set<string>; done: () => void }>();
  const listener = (event: TrackingDecisionEvent) => {
    const id = bareId(event.result.internetMessageId);
    // The first decision is the one that stored the activity; later ones would be duplicates.
    if (decisions.has(id)) return;
    decisions.set(id, { at: performance.now(), created: event.result.created, reason: event.result.reason });
    for (const waiter of waiters) if (waiter.missing.delete(id) && waiter.missing.size === 0) waiter.done();
  };
  trackingEvents.on("decision", listener);
  return {
    get: (internetMessageId: string) => decisions.get(bareId(internetMessageId)),
    /**
     * Resolves when every id has a decision; throws naming how many are missing after the timeout.
     * Told by each decision, not polling: a poll over a thousand ids every 10 ms took 4% of the
     * CPU the end-to-end figure measures.
     */
    async waitFor(ids: string[], options: { timeoutInMs: number }) {
      const missing = new Set(ids.map(bareId).filter((id) => !decisions.has(id)));
      if (missing.size === 0) return;
      const total = ids.length;
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          missing,
          done: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${missing.size} of ${total} emails got no tracking decision within ${options.timeoutInMs} ms`));
        }, options.timeoutInMs);
        waiters.add(waiter);
      });
    },
    stop: () => trackingEvents.off("decision", listener),
  };
}

export interface Delivered {
  internetMessageId: string;
  at: number;
}

/** Calls `deliver` `count` times, `ratePerSecond` apart (Infinity: all at once). */
export async function deliverPaced(count: number, ratePerSecond: number, deliver: (n: number) => string): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  const start = performance.now();
  for (let n = 0; n < count; n++) {
    if (Number.isFinite(ratePerSecond)) {
      const wait = start + (n * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const at = performance.now();
    delivered.push({ internetMessageId: deliver(n), at });
  }
  return delivered;
}

const defaultOrganization = parseOrganizationSettings({});

/** What the tracker would have stored for earlier mail of the mailbox, for preloading. */
export function historicActivity(options: { n: number; mailbox: ResolvedParty; customer: ResolvedParty; time: Date }): EmailActivity {
  const { n, mailbox, customer, time } = options;
  const outgoing = n % 2 === 0;
  const internetMessageId = `history.${n}@${outgoing ? "contoso.example.com" : "fabrikam.example.org"}`;
  const subject = `${n % 3 === 0 ? "RE: " : ""}Order ${100_000 + n}`;
  return {
    id: activityIdFor({ internetMessageId }),
    internetMessageId,
    internetMessageIdSynthetic: false,
    direction: outgoing ? "outgoing" : "incoming",
    subject,
    sender: outgoing ? mailbox : customer,
    toRecipients: [outgoing ? customer : mailbox],
    ccRecipients: [],
    bccRecipients: [],
    sentOn: time.toISOString(),
    activityTime: time.toISOString(),
    references: [],
    regarding: customer.records[0] ?? { type: "contact", id: "unknown" },
    correlation: { method: "none" },
    receivingMailbox: mailbox.address,
    acceptingEntity: mailbox.records[0] ?? { type: "systemuser", id: "unknown" },
    folder: outgoing ? { kind: "sentitems" } : { kind: "inbox" },
    decisionReason: "acceptedByFilter",
    automated: { autoReply: false, bulk: false, evidence: [] },
    smartMatch: smartMatchHashes({ subject, addresses: [mailbox.address, customer.address] }, defaultOrganization),
    body: { contentType: "text", content: `Preloaded activity ${n}. `.repeat(40) },
    bodyTruncated: false,
    recipientsTruncated: false,
    createdOn: time.toISOString(),
  };
}

/**
 * Writes activities `from`..`to`-1 and their lookup entries straight into the store, `concurrency`
 * at a time, stopping early at `deadline` (performance.now() ms). Returns how many it wrote.
 */
export async function preload(
  store: TrackingStore,
  options: { from: number; to: number; concurrency: number; deadline: number; make: (n: number) => EmailActivity; log: (line: string) => void },
): Promise<number> {
  let next = options.from;
  let written = 0;
  const worker = async () => {
    while (next < options.to && performance.now() < options.deadline) {
      const activity = options.make(next++);
      const { activity: stored } = await store.activities.createActivity(activity);
      await store.lookups.putEntries(lookupEntriesFor(stored, { smartMatching: false }));
      written++;
      if (written % 10_000 === 0) options.log(`  preloaded ${options.from + written}/${options.to}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return written;
}

/** `count` upserts of copies of `template` into a scratch container, `concurrency` in flight. */
export async function rawUpserts(options: {
  template: Record<string, unknown>;
  count: number;
  concurrency: number;
  databaseName: string;
  /** Upserts first, not timed: the client's connections and code paths warm, as the pipeline's are. */
  warmUp?: number;
}): Promise<{ elapsedInMs: number; documentBytes: number }> {
  const endpoint = process.env.COSMOS_ENDPOINT ?? "";
  const caFile = process.env.COSMOS_CA_FILE;
  const ca = caFile ? await readFile(caFile, "utf8") : undefined;
  const client = new CosmosClient({
    endpoint,
    key: process.env.COSMOS_KEY ?? "",
    ...(ca ? { agent: new https.Agent({ ca, keepAlive: true }) } : {}),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  try {
    const { database } = await client.databases.createIfNotExists({ id: options.databaseName });
    const { container } = await database.containers.createIfNotExists({ id: "bench-raw", partitionKey: { paths: ["/id"] } });
    const { _rid, _self, _etag, _ts, _attachments, ...template } = options.template;
    void [_rid, _self, _etag, _ts, _attachments];
    const upsertAll = async (count: number, prefix: string) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const n = next++;
          await container.items.upsert({ ...template, id: `${prefix}-${n}` });
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    };
    await upsertAll(options.warmUp ?? 0, "raw-warm-up");
    const started = performance.now();
    await upsertAll(options.count, "raw");
    return { elapsedInMs: performance.now() - started, documentBytes: Buffer.byteLength(JSON.stringify(template)) };
  } finally {
    client.dispose();
  }
}

/** Runs the webhook load generator in a child process and returns its report. */
export function runLoadInChild(plan: LoadPlan): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(BENCH_DIR, "live-load.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let settled = false;
    child.once("message", (message: { ok: true; report: LoadReport } | { ok: false; error: string }) => {
      settled = true;
      if (message.ok) resolve(message.report);
      else reject(new Error(`load generator failed: ${message.error}`));
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} before reporting`));
    });
    child.send(plan);
  });
}

const REPO_ROOT = path.resolve(BENCH_DIR, "..");

export interface HttpOnlyHost {
  baseUrl: string;
  pid: number | undefined;
  close(): Promise<void>;
}

/**
 * A second Functions host, in a child process, serving only the HTTP functions (`local/host/main.ts
 * --roles http`), with this process's environment (the stack's Cosmos, Azurite, Graph and
 * notification settings): the webhook on instances of its own, as Flex Consumption's per-function
 * scaling runs it, while this process's host keeps the queue and timer work.
 */
export function startHttpOnlyHost(options: { env?: NodeJS.ProcessEnv; timeoutInMs?: number } = {}): Promise<HttpOnlyHost> {
  const child = fork(path.join(REPO_ROOT, "local", "host", "main.ts"), ["--roles", "http", "--quiet"], {
    cwd: REPO_ROOT,
    env: { ...(options.env ?? process.env), PORT: "0" },
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The host stops when its parent disconnects; SIGTERM (this child only) if it does not.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill("SIGTERM"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`the HTTP-only host did not report its address within ${options.timeoutInMs ?? 60_000} ms`));
    }, options.timeoutInMs ?? 60_000);
    child.once("message", (message: { baseUrl?: string }) => {
      clearTimeout(timer);
      if (typeof message.baseUrl === "string") resolve({ baseUrl: message.baseUrl, pid: child.pid, close });
      else reject(new Error(`the HTTP-only host sent ${JSON.stringify(message)} instead of its address`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP-only host exited with code ${code} before reporting its address`));
    });
  });
}

/** Which part of the system a script belongs to: a package, a folder of this repository, Node. */
function componentOf(url: string): string | undefined {
  if (!url) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith("node:")) return undefined; // charged to the caller, like native frames
  const own = /\/(local\/[^/]+|src\/[^/]+|functions|bench)\//.exec(url);
  return own?.[1] ?? url;
}

/**
 * A CPU profile of this process while `work` runs, summarised as self time per component (a
 * package or a folder of this repository); native and node: frames (GC aside) are charged to the nearest
 * JavaScript caller, so TLS, JSON and socket writes land on whoever asked for them.
 */
export async function profiled<T>(work: () => Promise<T>): Promise<{ value: T; top: Array<{ where: string; selfPercent: number }> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  try {
    const value = await work();
    const { profile } = await session.post("Profiler.stop");
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const componentFor = (id: number): string => {
      const node = byId.get(id);
      const name = node?.callFrame.functionName ?? "";
      if (name === "(idle)" || name === "(garbage collector)" || name === "(program)") return name;
      for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
        const component = componentOf(byId.get(current)?.callFrame.url ?? "");
        if (component) return component;
      }
      return "node internals with no package caller (sockets, TLS, HTTP parsing, timers)";
    };
    const self = new Map<string, number>();
    const samples = profile.samples ?? [];
    for (const id of samples) {
      const where = componentFor(id);
      self.set(where, (self.get(where) ?? 0) + 1);
    }
    const top = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([where, count]) => ({ where, selfPercent: round((count / Math.max(1, samples.length)) * 100, 1) }));
    return { value, top };
  } finally {
    session.disconnect();
  }
}
