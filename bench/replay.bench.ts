// The replay benchmark. Generates a seeded synthetic mailbox and replays it through runReplay on
// each store — the in-memory store (the replay's default) and Cosmos DB (the embedded server, or
// COSMOS_ENDPOINT) — with smart matching off and on, splitting the time into MIME parsing, setup
// and tracking. Goals: 4,000 messages in under 60 s on Cosmos DB (a 2-core machine), a mailbox of
// tens of thousands of messages in seconds on the memory store, and Cosmos DB requests per message
// that do not grow with the store's size.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openReplayStore, type OpenedReplayStore } from "../local/replay.js";
import { createMemoryTrackingStore } from "../src/adapters/memory/index.js";
import type { TrackingStore } from "../src/app/ports.js";
import { runReplay, type ReplaySummary } from "../src/cli/replay.js";
import { activityIdFor, lookupEntriesFor } from "../src/domain/activity.js";
import { appendChildBlock, createConversationIndex, parseConversationIndex } from "../src/domain/conversation-index.js";
import { parseOrganizationSettings } from "../src/domain/settings.js";
import { smartMatchHashes } from "../src/domain/smart-matching.js";
import type { CrmRecord, EmailActivity, IncomingEmailFilter, OrganizationSettings, ResolvedParty } from "../src/domain/types.js";
import { numberOption, type Benchmark, type BenchmarkOptions, type BenchmarkResult } from "./benchmark.js";
import { createRandom, generateMailbox, MAILBOX, writeMailbox, type Random } from "./synthetic-mailbox.js";

const GOAL_SECONDS = 60;

/** The stores a run can use: "memory" (the replay's default) and "cosmos" (--cosmos). */
type StoreKind = "memory" | "cosmos";
const STORE_LABELS: Record<StoreKind, string> = { memory: "memory", cosmos: "Cosmos DB" };

interface VariantSettings {
  label: string;
  smartMatching: boolean;
  filter: IncomingEmailFilter;
}

function settingsFileContent(variant: Pick<VariantSettings, "smartMatching" | "filter">) {
  return {
    organization: { useSmartMatching: variant.smartMatching, autoTrackSentFolderItems: true, skipAutomatedEmail: true },
    mailbox: { address: MAILBOX.address, kind: "user", incomingEmailFilter: variant.filter },
  };
}

interface Measured {
  summary: ReplaySummary;
  totalInMs: number;
  setupInMs: number;
}

/** One runReplay over `mailDir` against `store`; times the store setup writes separately. */
async function measuredReplay(options: {
  mailDir: string;
  settingsFile: string;
  recordsFile: string;
  store: TrackingStore;
  requestCount?: () => number;
}): Promise<Measured> {
  let setupInMs = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      setupInMs += performance.now() - started;
    }
  };
  const { store } = options;
  // Setup writes (settings, records) happen between parsing and tracking: time them apart.
  const timedStore: TrackingStore = {
    ...store,
    records: {
      ...store.records,
      upsertRecords: (records) => timed(() => store.records.upsertRecords(records)),
      findByAddress: (address) => store.records.findByAddress(address),
    },
    settings: {
      ...store.settings,
      putOrganization: (settings) => timed(() => store.settings.putOrganization(settings)),
      putMailbox: (settings) => timed(() => store.settings.putMailbox(settings)),
      getOrganization: () => store.settings.getOrganization(),
      getMailbox: (address) => store.settings.getMailbox(address),
      listMailboxes: () => store.settings.listMailboxes(),
    },
  };
  const started = performance.now();
  const summary = await runReplay({
    paths: [options.mailDir],
    settingsFile: options.settingsFile,
    recordsFile: options.recordsFile,
    store: timedStore,
    ...(options.requestCount ? { requestCount: options.requestCount } : {}),
    progress: false,
    details: false,
    log: () => {},
    warn: () => {},
  });
  return { summary, totalInMs: performance.now() - started, setupInMs };
}

function replayResults(label: string, measured: Measured, goal: string): BenchmarkResult[] {
  const { summary, totalInMs, setupInMs } = measured;
  const trackingInMs = summary.elapsedInMs;
  const parseInMs = totalInMs - trackingInMs - setupInMs;
  const seconds = (ms: number) => Math.round(ms / 10) / 100;
  const results: BenchmarkResult[] = [
    { metric: `${label}: messages`, value: summary.messages },
    { metric: `${label}: total wall time`, value: seconds(totalInMs), unit: "s", goal },
    { metric: `${label}: messages/s (total)`, value: Math.round((summary.messages / totalInMs) * 10_000) / 10, unit: "msg/s" },
    { metric: `${label}: read + parse MIME + sort`, value: seconds(parseInMs), unit: "s" },
    { metric: `${label}: store setup (settings, records)`, value: seconds(setupInMs), unit: "s" },
    { metric: `${label}: tracking`, value: seconds(trackingInMs), unit: "s" },
    { metric: `${label}: tracking per message`, value: Math.round((trackingInMs / Math.max(1, summary.messages)) * 100) / 100, unit: "ms" },
    ...(summary.requestsPerMessage !== undefined
      ? [{ metric: `${label}: Cosmos requests/message`, value: round2(summary.requestsPerMessage), unit: "req" }]
      : []),
    { metric: `${label}: tracked (created)`, value: `${summary.tracked} (${summary.created})` },
  ];
  for (const [reason, count] of Object.entries(summary.byReason).sort((a, b) => b[1] - a[1])) {
    results.push({ metric: `${label}: decision ${reason}`, value: count });
  }
  for (const [method, count] of Object.entries(summary.byMethod).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))) {
    results.push({ metric: `${label}: correlation ${method}`, value: count ?? 0 });
  }
  return results;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function withStore<T>(kind: StoreKind, work: (opened: OpenedReplayStore) => Promise<T>): Promise<T> {
  // Memory means memory even when COSMOS_ENDPOINT is set: both stores are measured side by side.
  const opened: OpenedReplayStore =
    kind === "memory" ? { store: createMemoryTrackingStore(), dispose: async () => {} } : await openReplayStore({ cosmos: true });
  try {
    return await work(opened);
  } finally {
    await opened.dispose();
  }
}

// ---- growth with store size ---------------------------------------------------------------------

/**
 * Activities as the tracker would have stored them for earlier mail with the same customers,
 * written directly (create + lookups): far faster than replaying that many messages.
 */
async function preloadActivities(
  store: TrackingStore,
  options: { count: number; records: CrmRecord[]; organization: OrganizationSettings; random: Random; from: number; days: number; log: (line: string) => void },
): Promise<void> {
  const { random, organization } = options;
  const customers = options.records.filter((r) => r.type === "contact" || r.type === "lead" || r.type === "account");
  const party = (record: CrmRecord): ResolvedParty => ({ address: record.emailAddresses[0] as string, ...(record.name ? { name: record.name } : {}), records: [{ type: record.type, id: record.id }] });
  const owner: ResolvedParty = { address: MAILBOX.address, name: MAILBOX.name, records: [{ type: "systemuser", id: MAILBOX.userId }] };
  let written = 0;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const n = next++;
      const customer = random.pick(customers);
      const outgoing = random.chance(0.5);
      const time = new Date(options.from + random.next() * options.days * 86_400_000);
      const subject = `${random.chance(0.5) ? "RE: " : ""}Order ${10_000 + n} delivery for ${customer.name ?? customer.id}`;
      const internetMessageId = `preload.${n}@${outgoing ? "northwind.example.com" : "customer.example.org"}`;
      const header = random.chance(0.5) ? createConversationIndex({ time, guid: random.bytes(16) }) : undefined;
      const index = header && random.chance(0.5) ? appendChildBlock(header, { time, random: 1 }) : header;
      const parsedIndex = index ? parseConversationIndex(index) : undefined;
      const sender = outgoing ? owner : party(customer);
      const to = outgoing ? [party(customer)] : [owner];
      const activity: EmailActivity = {
        id: activityIdFor({ internetMessageId }),
        internetMessageId,
        internetMessageIdSynthetic: false,
        direction: outgoing ? "outgoing" : "incoming",
        subject,
        sender,
        toRecipients: to,
        ccRecipients: [],
        bccRecipients: [],
        sentOn: time.toISOString(),
        activityTime: time.toISOString(),
        references: [],
        ...(parsedIndex?.ok ? { conversationIndex: parsedIndex.index.base64, threadKey: parsedIndex.index.threadKey } : {}),
        ...(outgoing && n % 3 === 0 ? { trackingToken: `CRM:0002${String(n % 1000).padStart(3, "0")}` } : {}),
        regarding: { type: customer.type, id: customer.id },
        correlation: { method: "none" },
        receivingMailbox: MAILBOX.address,
        acceptingEntity: { type: "systemuser", id: MAILBOX.userId },
        folder: outgoing ? { kind: "sentitems" } : { kind: "inbox" },
        decisionReason: "acceptedByFilter",
        automated: { autoReply: false, bulk: false, evidence: [] },
        smartMatch: smartMatchHashes({ subject, addresses: [sender.address, ...to.map((p) => p.address)] }, organization),
        body: { contentType: "text", content: "Preloaded activity body. ".repeat(random.int(10, 80)) },
        bodyTruncated: false,
        recipientsTruncated: false,
        createdOn: time.toISOString(),
      };
      const { activity: stored } = await store.activities.createActivity(activity);
      await store.lookups.putEntries(lookupEntriesFor(stored, { smartMatching: organization.useSmartMatching }));
      written++;
      if (written % 2_000 === 0) options.log(`  preloaded ${written}/${options.count}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function growthRun(options: {
  preload: number;
  messages: number;
  smartMatching: boolean;
  seed: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<{ requestsPerMessage: number; trackingMsPerMessage: number; preloadInMs: number; summary: ReplaySummary }> {
  const dir = await mkdtemp(path.join(options.workDir, `growth-${options.preload}-`));
  // Fresh mail a week after the preloaded history ends, inside the smart-matching window.
  const mailbox = generateMailbox({ messages: options.messages, seed: options.seed, start: new Date(Date.UTC(2025, 6, 7)), days: 7 });
  const { mailDir, recordsFile } = await writeMailbox(mailbox, dir);
  const settingsFile = path.join(dir, "settings.json");
  const settings = settingsFileContent({ smartMatching: options.smartMatching, filter: "fromLeadsContactsAccounts" });
  await writeFile(settingsFile, JSON.stringify(settings));
  const organization = parseOrganizationSettings(settings.organization);
  return withStore("cosmos", async (opened) => {
    await opened.store.records.upsertRecords(mailbox.records);
    const started = performance.now();
    await preloadActivities(opened.store, {
      count: options.preload,
      records: mailbox.records,
      organization,
      random: createRandom(options.seed + 1),
      from: Date.UTC(2025, 0, 1),
      days: 180,
      log: options.log,
    });
    const preloadInMs = performance.now() - started;
    const { summary } = await measuredReplay({
      mailDir,
      settingsFile,
      recordsFile,
      store: opened.store,
      ...(opened.requestCount ? { requestCount: opened.requestCount } : {}),
    });
    return {
      requestsPerMessage: summary.requestsPerMessage ?? Number.NaN,
      trackingMsPerMessage: summary.elapsedInMs / Math.max(1, summary.messages),
      preloadInMs,
      summary,
    };
  });
}

// ---- the benchmark --------------------------------------------------------------------------------

async function run(options: BenchmarkOptions): Promise<BenchmarkResult[]> {
  const { log, args } = options;
  const messages = numberOption(args, "messages", 4_000);
  const seed = numberOption(args, "seed", 20_250_601);
  const preload = numberOption(args, "preload", 20_000);
  const growthMessages = numberOption(args, "growth-messages", 200);
  const skipGrowth = args["skip-growth"] === true;
  const skipReplay = args["skip-replay"] === true;
  const growthVariants = (typeof args["growth-smart"] === "string" ? args["growth-smart"] : "off,on")
    .split(",")
    .map((v) => v.trim());
  if (growthVariants.some((v) => v !== "off" && v !== "on")) throw new Error(`--growth-smart must be off, on or off,on (got ${String(args["growth-smart"])})`);
  const filter = (typeof args.filter === "string" ? args.filter : "fromLeadsContactsAccounts") as IncomingEmailFilter;
  const stores = (typeof args.stores === "string" ? args.stores : "memory,cosmos").split(",").map((v) => v.trim());
  if (stores.length === 0 || stores.some((v) => v !== "memory" && v !== "cosmos")) {
    throw new Error(`--stores must list memory and/or cosmos (got ${String(args.stores)})`);
  }
  const large = args["skip-large"] === true ? 0 : numberOption(args, "large", 20_000);
  if (process.env.COSMOS_ENDPOINT) {
    log(`COSMOS_ENDPOINT is set: replaying into ${process.env.REPLAY_DATABASE || "tracking-replay"} there; its contents must be empty for comparable figures`);
  }

  const workDir = await mkdtemp(path.join(tmpdir(), "bench-replay-"));
  const results: BenchmarkResult[] = [
    { metric: "stores", value: stores.map((kind) => (kind === "cosmos" ? (process.env.COSMOS_ENDPOINT ? "Cosmos DB account" : "Cosmos DB (embedded @vercel/cosmosdb-server)") : "memory")).join(", ") },
    { metric: "incoming email filter", value: filter },
  ];
  try {
    const mailbox = generateMailbox({ messages, seed });
    const { mailDir, recordsFile } = await writeMailbox(mailbox, workDir);
    const bytes = mailbox.files.reduce((sum, file) => sum + Buffer.byteLength(file.source), 0);
    log(`generated ${mailbox.files.length} messages (${(bytes / 2 ** 20).toFixed(1)} MiB), ${mailbox.records.length} records in ${workDir}`);
    results.push(
      { metric: "mailbox: messages", value: mailbox.files.length },
      { metric: "mailbox: size", value: round2(bytes / 2 ** 20), unit: "MiB" },
      { metric: "mailbox: records", value: mailbox.records.length },
    );
    for (const [what, count] of Object.entries(mailbox.composition).sort((a, b) => b[1] - a[1])) {
      results.push({ metric: `mailbox: ${what}`, value: count });
    }

    const variants: VariantSettings[] = [
      { label: "smart matching off", smartMatching: false, filter },
      { label: "smart matching on", smartMatching: true, filter },
    ];
    const settingsFileFor = async (variant: VariantSettings) => {
      const file = path.join(workDir, `settings-${variant.smartMatching ? "smart" : "plain"}.json`);
      await writeFile(file, JSON.stringify(settingsFileContent(variant)));
      return file;
    };
    for (const kind of skipReplay ? [] : (stores as StoreKind[])) {
      for (const variant of variants) {
        const settingsFile = await settingsFileFor(variant);
        const label = `${STORE_LABELS[kind]}, ${variant.label}`;
        log(`replaying ${messages} messages, ${label}…`);
        const measured = await withStore(kind, (opened) =>
          measuredReplay({ mailDir, settingsFile, recordsFile, store: opened.store, ...(opened.requestCount ? { requestCount: opened.requestCount } : {}) }),
        );
        log(`  ${(measured.totalInMs / 1000).toFixed(1)} s${measured.summary.requestsPerMessage !== undefined ? `, ${measured.summary.requestsPerMessage.toFixed(2)} requests/message` : ""}`);
        results.push(...replayResults(label, measured, kind === "cosmos" ? `< ${GOAL_SECONDS} s for 4,000` : "seconds"));
      }
    }

    if (large > 0 && !skipReplay && stores.includes("memory")) {
      // Tens of thousands of messages: the memory store only (the embedded server would take minutes).
      const largeDir = await mkdtemp(path.join(workDir, "large-"));
      const largeMailbox = generateMailbox({ messages: large, seed: seed + 3 });
      const written = await writeMailbox(largeMailbox, largeDir);
      const largeBytes = largeMailbox.files.reduce((sum, file) => sum + Buffer.byteLength(file.source), 0);
      log(`generated ${largeMailbox.files.length} messages (${(largeBytes / 2 ** 20).toFixed(1)} MiB) for the large run`);
      const variant = variants[1] as VariantSettings;
      const settingsFile = await settingsFileFor(variant);
      const label = `memory, ${large.toLocaleString("en-US")} messages, ${variant.label}`;
      log(`replaying ${label}…`);
      const measured = await withStore("memory", (opened) =>
        measuredReplay({ mailDir: written.mailDir, settingsFile, recordsFile: written.recordsFile, store: opened.store }),
      );
      log(`  ${(measured.totalInMs / 1000).toFixed(1)} s`);
      results.push({ metric: `${label}: mailbox size`, value: round2(largeBytes / 2 ** 20), unit: "MiB" });
      results.push(...replayResults(label, measured, "seconds, not minutes"));
      await rm(largeDir, { recursive: true, force: true });
    }

    if (!skipGrowth && stores.includes("cosmos")) {
      for (const smartMatching of growthVariants.map((v) => v === "on")) {
        const label = `growth (smart matching ${smartMatching ? "on" : "off"})`;
        for (const count of [0, preload]) {
          log(`${label}: ${growthMessages} fresh messages after preloading ${count} activities…`);
          const growth = await growthRun({ preload: count, messages: growthMessages, smartMatching, seed: seed + 7, workDir, log });
          log(`  preload ${(growth.preloadInMs / 1000).toFixed(1)} s; ${growth.requestsPerMessage.toFixed(2)} requests/message`);
          results.push(
            { metric: `${label}, ${count} activities: Cosmos requests/message`, value: round2(growth.requestsPerMessage), unit: "req", goal: "equal for both sizes" },
            { metric: `${label}, ${count} activities: tracking per message`, value: round2(growth.trackingMsPerMessage), unit: "ms" },
            { metric: `${label}, ${count} activities: smart matches`, value: growth.summary.byMethod.smartMatching ?? 0 },
          );
        }
      }
    }
    return results;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: "replay",
  description:
    "runReplay over a synthetic 4,000-message mailbox on the memory store and Cosmos DB, and a 20,000-message one on memory (options: --stores memory,cosmos, --messages N, --large N, --skip-large, --seed N, --filter F, --preload N, --growth-messages N, --growth-smart off,on, --skip-growth, --skip-replay)",
  run,
};
