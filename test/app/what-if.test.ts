// What-if runs over the in-memory run store with the real replay and MIME codec: a run started by
// one instance is replayed by a queue worker and read by another; redelivered work items (after
// the run finished, at the same time, after a worker died) never duplicate or corrupt a run; the
// replay limit holds across instances; only the creator sees a run.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { createMemoryWhatIfRunStore } from "../../src/adapters/memory/what-if-store.js";
import { mailCodec } from "../../src/adapters/mime/index.js";
import { AdminError } from "../../src/app/admin-errors.js";
import type { QueueItem, TrackingStore, WhatIfRunStore } from "../../src/app/ports.js";
import { createWhatIf, MAX_RUNNING_WHAT_IFS, type WhatIfRequest } from "../../src/app/what-if.js";
import { INPUT_TEXT, WHAT_IF_SLOT_MS } from "../../src/app/what-if-state.js";
import { createWhatIfWorker, WHAT_IF_LEASE_MS, type WhatIfWorkItem } from "../../src/app/what-if-worker.js";
import { parseRecords } from "../../src/app/replay/configuration.js";
import type { CrmRecord } from "../../src/domain/types.js";
import { capturingQueue } from "../support/admin-fixture.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
const MAILBOX = "dana.reyes@example.com";
const RITA = { oid: "0f0e0d0c-0000-4000-8000-000000000001", name: "Rita" };
const OTHER = { oid: "0f0e0d0c-0000-4000-8000-000000000002" };

let files: WhatIfRequest["files"];
let settings: { organization: Record<string, unknown>; mailbox: Record<string, unknown> };
let records: CrmRecord[];

beforeAll(async () => {
  const names = (await readdir(path.join(examples, "mailbox"))).filter((n) => n.endsWith(".eml")).sort();
  files = await Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join(examples, "mailbox", name)) })));
  settings = JSON.parse(await readFile(path.join(examples, "settings.json"), "utf8"));
  records = parseRecords(JSON.parse(await readFile(path.join(examples, "records.json"), "utf8")));
});

let now: Date;
let runs: WhatIfRunStore;
let queue: ReturnType<typeof capturingQueue>;
const clock = () => now;
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

beforeEach(() => {
  now = new Date("2025-06-01T10:00:00.000Z");
  runs = createMemoryWhatIfRunStore();
  queue = capturingQueue();
});

/** An API instance: its own WhatIf over the shared run store and queue. */
function instance() {
  const live = createMemoryTrackingStore();
  return { live, whatIf: createWhatIf({ settings: live.settings, runs, queue, codec: mailCodec, clock }) };
}

function worker(options: { newStore?: () => TrackingStore } = {}) {
  return createWhatIfWorker({ runs, newStore: options.newStore ?? (() => createMemoryTrackingStore()), codec: mailCodec, queue, clock });
}

const request = (overrides: Partial<WhatIfRequest> = {}): WhatIfRequest => ({
  mailbox: MAILBOX,
  files,
  settings,
  compare: { organization: { useSmartMatching: false } },
  records,
  crmSent: true,
  by: RITA,
  ...overrides,
});

const whatIfItems = (items = queue.take()) => items.map(({ item }) => item).filter((item): item is WhatIfWorkItem => item.kind === "whatIf");

/** A store whose first write waits for `open()`: its worker is stuck, as one whose instance froze. */
function stuckStore(): { store: () => TrackingStore; open(): void; reached: Promise<void> } {
  let open!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reachedGate = new Promise<void>((resolve) => (reached = resolve));
  return {
    open,
    reached: reachedGate,
    store: () => {
      const store = createMemoryTrackingStore();
      const putOrganization: TrackingStore["settings"]["putOrganization"] = async (organization) => {
        reached();
        await gate;
        return store.settings.putOrganization(organization);
      };
      return { ...store, settings: { ...store.settings, putOrganization } };
    },
  };
}

describe("a run across instances", () => {
  it("is stored and queued by one instance, replayed by the worker, and read whole from another", async () => {
    const a = instance();
    const b = instance();
    const started = await a.whatIf.start(request());
    expect(started).toMatchObject({ status: "running", progress: { done: 0, total: files.length * 2 } });
    expect(await b.whatIf.get(started.id, RITA)).toEqual(started);
    const [item, ...more] = whatIfItems();
    expect(more).toEqual([]);
    expect(item).toEqual({ kind: "whatIf", runId: started.id, mailbox: MAILBOX, requestedAt: now.toISOString() });

    expect(await worker().process(item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "done" });
    const done = await b.whatIf.get(started.id, RITA);
    expect(done).toMatchObject({ status: "done", progress: { done: files.length * 2, total: files.length * 2 }, summary: { messages: files.length } });
    expect(done.messages).toHaveLength(files.length);
    expect(done.messages?.find((m) => m.file === "12-smart-matching.eml")).toMatchObject({ changed: true, base: { correlation: { method: "smartMatching" } } });
    const lines = (await a.whatIf.jsonl(started.id, RITA)).trimEnd().split("\n").map((line) => JSON.parse(line) as { file: string });
    expect(lines.map((line) => line.file)).toEqual(done.messages?.map((m) => m.file));
    // Nothing was written to either instance's live store.
    for (const live of [a.live, b.live]) {
      expect(await live.settings.getMailbox(MAILBOX)).toBeUndefined();
      expect(await live.settings.getOrganization()).toBeUndefined();
    }
  });

  it("is the creator's only, on every instance", async () => {
    const started = await instance().whatIf.start(request({ files: files.slice(0, 1) }));
    await worker().process(whatIfItems()[0] as WhatIfWorkItem, { lastAttempt: false });
    const other = instance().whatIf;
    await expect(other.get(started.id, OTHER)).rejects.toMatchObject({ code: "notFound" });
    await expect(other.jsonl(started.id, OTHER)).rejects.toMatchObject({ code: "notFound" });
  });
});

describe("redelivered work items", () => {
  it("after the run finished: nothing happens, the results stay as they were", async () => {
    const a = instance();
    const started = await a.whatIf.start(request());
    const [item] = whatIfItems();
    await worker().process(item as WhatIfWorkItem, { lastAttempt: false });
    const first = await a.whatIf.get(started.id, RITA);
    advance(60_000);
    expect(await worker().process(item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "alreadyFinished" });
    expect(await a.whatIf.get(started.id, RITA)).toEqual(first);
    expect((await runs.getRun(started.id, { now }))?.value.attempt).toBe(1);
    expect(queue.take()).toEqual([]);
  });

  it("at the same time: one worker replays, the other's item waits for the lease and then finds the run finished", async () => {
    const a = instance();
    const started = await a.whatIf.start(request());
    const [item] = whatIfItems();
    const outcomes = await Promise.all([worker().process(item as WhatIfWorkItem, { lastAttempt: false }), worker().process(item as WhatIfWorkItem, { lastAttempt: false })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["deferred", "done"]);
    const [deferred, ...more] = queue.take();
    expect(more).toEqual([]);
    expect(deferred?.item).toMatchObject({ kind: "whatIf", runId: started.id, deferrals: 1 });
    expect(deferred?.delayInSeconds).toBeGreaterThan(0);
    expect(deferred?.delayInSeconds).toBeLessThanOrEqual(WHAT_IF_LEASE_MS / 1000 + 1);
    expect(await worker().process(deferred?.item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "alreadyFinished" });
    const run = await runs.getRun(started.id, { now });
    expect(run?.value).toMatchObject({ status: "done", attempt: 1 });
    expect((await a.whatIf.get(started.id, RITA)).messages).toHaveLength(files.length);
  });

  it("after a worker died: waits while its lease lasts, then replays from scratch; the old worker, back, writes nothing", async () => {
    const a = instance();
    const started = await a.whatIf.start(request());
    const [item] = whatIfItems();
    const stuck = stuckStore();
    const first = worker({ newStore: stuck.store }).process(item as WhatIfWorkItem, { lastAttempt: false });
    await stuck.reached;
    expect((await runs.getRun(started.id, { now }))?.value).toMatchObject({ attempt: 1, lease: { until: new Date(now.getTime() + WHAT_IF_LEASE_MS).toISOString() } });

    // Redelivered while the lease lasts: put back to look again when it ends.
    advance(WHAT_IF_LEASE_MS - 10_000);
    expect(await worker().process(item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "deferred" });
    const [again] = queue.take();
    expect(again?.delayInSeconds).toBe(11);

    // The lease has ended: the next attempt replays the run from scratch and finishes it.
    advance(11_000);
    expect(await worker().process(again?.item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "done" });
    const finished = await a.whatIf.get(started.id, RITA);
    expect(finished).toMatchObject({ status: "done", progress: { done: files.length * 2 } });
    expect((await runs.getRun(started.id, { now }))?.value).toMatchObject({ attempt: 2, results: "result-2" });

    // The first worker wakes up: its first write finds the run changed, and it stops.
    advance(5_000);
    stuck.open();
    expect(await first).toEqual({ status: "leaseLost" });
    expect(await a.whatIf.get(started.id, RITA)).toEqual(finished);
    expect(await runs.getText(started.id, "result-1", { now })).toBeUndefined();
  });

  it("a store failure gives the lease back, so the queue's retry replays at once", async () => {
    const a = instance();
    const started = await a.whatIf.start(request({ files: files.slice(0, 2) }));
    const [item] = whatIfItems();
    let failing = true;
    const flaky: WhatIfRunStore = {
      ...runs,
      putText: async (...args) => {
        if (failing) throw Object.assign(new Error("Cosmos DB putWhatIfText failed: temporary failure (503)"), { name: "StoreError" });
        return runs.putText(...args);
      },
    };
    const failingWorker = createWhatIfWorker({ runs: flaky, newStore: () => createMemoryTrackingStore(), codec: mailCodec, queue, clock });
    await expect(failingWorker.process(item as WhatIfWorkItem, { lastAttempt: false })).rejects.toThrow(/503/);
    expect((await runs.getRun(started.id, { now }))?.value).toMatchObject({ status: "running", attempt: 1 });
    expect((await runs.getRun(started.id, { now }))?.value.lease).toBeUndefined();
    failing = false;
    expect(await failingWorker.process(item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "done" });
    expect((await runs.getRun(started.id, { now }))?.value).toMatchObject({ status: "done", attempt: 2 });
  });

  it("a store failure on the queue's last attempt marks the run failed and gives its slot back", async () => {
    const a = instance();
    const started = await a.whatIf.start(request({ files: files.slice(0, 1), compare: undefined }));
    const [item] = whatIfItems();
    const flaky: WhatIfRunStore = {
      ...runs,
      putText: async () => {
        throw Object.assign(new Error("Cosmos DB putWhatIfText failed: temporary failure (503)"), { name: "StoreError" });
      },
    };
    const failingWorker = createWhatIfWorker({ runs: flaky, newStore: () => createMemoryTrackingStore(), codec: mailCodec, queue, clock });
    await expect(failingWorker.process(item as WhatIfWorkItem, { lastAttempt: true })).rejects.toThrow(/503/);
    expect(await a.whatIf.get(started.id, RITA)).toMatchObject({ status: "failed", error: expect.stringMatching(/could not be saved.*503/) });
    expect(await runs.updateSlots((slots) => slots)).toEqual([]);
  });

  it("the uploaded mail expired before the replay: the run fails saying so", async () => {
    const a = instance();
    const started = await a.whatIf.start(request({ files: files.slice(0, 1) }));
    const [item] = whatIfItems();
    // The run itself is still there (it was written since); its mail is not.
    await runs.putText(started.id, INPUT_TEXT, "{}", { expiresOn: now.toISOString() });
    expect(await worker().process(item as WhatIfWorkItem, { lastAttempt: false })).toEqual({ status: "failed" });
    expect(await a.whatIf.get(started.id, RITA)).toMatchObject({ status: "failed", error: expect.stringMatching(/uploaded mail expired/) });
  });
});

describe("the replay limit across instances", () => {
  it(`refuses a run while ${MAX_RUNNING_WHAT_IFS} replay on any instance, and takes one once a run finishes or its slot has lapsed`, async () => {
    const [a, b] = [instance(), instance()];
    const small = request({ files: files.slice(0, 1), compare: undefined });
    await a.whatIf.start(small);
    await b.whatIf.start(small);
    for (const one of [a, b]) {
      const refused = await one.whatIf.start(small).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AdminError);
      expect(refused).toMatchObject({ code: "refused" });
    }
    const items = whatIfItems();
    expect(items).toHaveLength(2);
    await worker().process(items[0] as WhatIfWorkItem, { lastAttempt: false });
    await expect(b.whatIf.start(small)).resolves.toMatchObject({ status: "running" });
    await expect(a.whatIf.start(small)).rejects.toMatchObject({ code: "refused" });
    // A run that never finishes (its work item given up) stops holding its slot.
    advance(WHAT_IF_SLOT_MS + 1);
    await expect(a.whatIf.start(small)).resolves.toMatchObject({ status: "running" });
  });

  it("gives the slot back when the run could not be queued", async () => {
    const failingQueue = { enqueue: async (_items: QueueItem[]) => Promise.reject(new Error("queue unreachable")) };
    const live = createMemoryTrackingStore();
    const whatIf = createWhatIf({ settings: live.settings, runs, queue: failingQueue, codec: mailCodec, clock });
    const small = request({ files: files.slice(0, 1), compare: undefined });
    for (let i = 0; i < MAX_RUNNING_WHAT_IFS + 1; i++) await expect(whatIf.start(small)).rejects.toThrow("queue unreachable");
    expect(await runs.updateSlots((slots) => slots)).toEqual([]);
  });
});
