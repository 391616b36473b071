// The replay of a what-if run, from a work item of kind "whatIf" (src/app/what-if.ts queued it).
// One worker at a time: it claims the run with a lease (a write guarded by the run's version), and
// every progress write renews the lease under the same guard, so a worker whose lease was taken
// over finds out at its next write and stops without writing anything more. A redelivered item
// finds the run finished (nothing to do), held by a live lease (looked at again when the lease
// would end), or abandoned (its lease ended): then it replays it again from scratch, as the next
// attempt, whose results are a text of their own. The replay writes only into fresh stores of its
// own (`newStore`), never the live data.
import { randomUUID } from "node:crypto";
import type { MailCodec, QueueItem, TrackingStore, Versioned, WhatIfRunStore, WorkQueue } from "./ports.js";
import { errorMessage, type ReplayConfiguration } from "./replay/configuration.js";
import { compareLines } from "./replay/lines.js";
import { messagesOfFile, parseMail, type MailInput } from "./replay/mail.js";
import { replayMail } from "./replay/run.js";
import { releaseSlot } from "./what-if.js";
import { INPUT_TEXT, WHAT_IF_KEPT_MS, messagesText, resultText, type WhatIfInput, type WhatIfMessage, type WhatIfRunState } from "./what-if-state.js";

/** How long a claim holds without a write; each progress write renews it. */
export const WHAT_IF_LEASE_MS = 2 * 60_000;
/** Progress is written at most this often (and at the end of each side). */
export const WHAT_IF_PROGRESS_INTERVAL_MS = 1_000;
/** A duplicate item waits for a live lease this many times at most (each wait: the lease's rest). */
const MAX_DEFERRALS = 20;

export interface WhatIfWorkerDeps {
  runs: WhatIfRunStore;
  /** A fresh, empty store for one side of one run (never the live store). */
  newStore(): TrackingStore;
  codec: MailCodec;
  /** Where a duplicate item goes back to, to look again when the lease ends. */
  queue: WorkQueue;
  clock?: () => Date;
  /** Names this worker in leases; default a random id per item. */
  holder?: () => string;
  log?: (line: string) => void;
}

export type WhatIfWorkItem = Extract<QueueItem, { kind: "whatIf" }>;

export type WhatIfWorkStatus = "done" | "failed" | "alreadyFinished" | "gone" | "deferred" | "leaseLost" | "givenUp";

/** Thrown from inside the replay when another worker has taken the run over. */
class LeaseLost extends Error {}

export type WhatIfWorker = ReturnType<typeof createWhatIfWorker>;

export function createWhatIfWorker(deps: WhatIfWorkerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? (() => {});
  const later = (ms: number) => new Date(clock().getTime() + ms).toISOString();

  /** The run as this worker last wrote it, and the writes that keep the lease. */
  function holding(start: Versioned<WhatIfRunState>, holder: string) {
    let current = start;
    let lost = false;
    let writing: Promise<void> = Promise.resolve();
    let lastWriteAt = clock().getTime();

    async function write(change: (state: WhatIfRunState) => WhatIfRunState): Promise<void> {
      if (lost) throw new LeaseLost();
      const next = change(structuredClone(current.value));
      const saved = await deps.runs.replaceRun(next, { ifMatch: current.etag });
      if (!saved.saved) {
        lost = true;
        throw new LeaseLost();
      }
      current = { value: next, etag: saved.etag };
      lastWriteAt = clock().getTime();
    }
    const renewed = (state: WhatIfRunState): WhatIfRunState => ({ ...state, lease: { holder, until: later(WHAT_IF_LEASE_MS) }, expiresOn: later(WHAT_IF_KEPT_MS) });

    return {
      /** Writes the progress now, after any write in flight. */
      async progress(done: number): Promise<void> {
        writing = writing.then(() => write((state) => renewed({ ...state, progress: { ...state.progress, done } })));
        await writing;
      },
      /** Called after each message: writes the progress when the last write is old enough, without waiting. */
      tick(done: number): void {
        if (lost) throw new LeaseLost();
        if (clock().getTime() - lastWriteAt < WHAT_IF_PROGRESS_INTERVAL_MS) return;
        lastWriteAt = clock().getTime();
        writing = writing.then(() => write((state) => renewed({ ...state, progress: { ...state.progress, done } }))).catch(() => undefined);
      },
      /** The last write: the outcome, the lease given back. */
      async finish(change: (state: WhatIfRunState) => WhatIfRunState): Promise<void> {
        await writing.catch(() => undefined);
        await write((state) => {
          const { lease: _lease, ...rest } = change(state);
          return { ...rest, finishedOn: clock().toISOString(), expiresOn: later(WHAT_IF_KEPT_MS) };
        });
      },
      /** Gives the lease back after a failure the queue will retry, so the retry need not wait for it. */
      async release(): Promise<void> {
        await writing.catch(() => undefined);
        if (lost) return;
        await write(({ lease: _lease, ...state }) => state).catch(() => undefined);
      },
      get lost() {
        return lost;
      },
    };
  }

  async function replay(input: WhatIfInput, lease: ReturnType<typeof holding>): Promise<{ state: Partial<WhatIfRunState>; messages: WhatIfMessage[] }> {
    const inputs: MailInput[] = [];
    for (const file of input.files) {
      for (const message of messagesOfFile(file.name, Buffer.from(file.contentBase64, "base64"), deps.codec)) inputs.push({ ...message, order: inputs.length });
    }
    const parsed = await parseMail(inputs, deps.codec);
    const configuration = (side: WhatIfInput["base"]): ReplayConfiguration => ({ ...side, records: input.records });
    const side = async (config: ReplayConfiguration, offset: number, release: boolean) => {
      const result = await replayMail(parsed, {
        configuration: config,
        store: { store: deps.newStore() },
        seeds: [],
        crmSent: input.crmSent,
        codec: deps.codec,
        release,
        onProgress: ({ done }) => lease.tick(offset + done),
      });
      await lease.progress(offset + parsed.length);
      return result;
    };
    const base = await side(configuration(input.base), 0, !input.compare);
    const { lines: _l, ...summary } = base;
    if (!input.compare) return { state: { summary }, messages: base.lines.map((line) => ({ file: line.file, base: line })) };
    const compared = await side(configuration(input.compare), parsed.length, true);
    const messages = compareLines(base.lines, compared.lines).map((m) => ({ file: m.file, base: m.base, compare: m.compare, changed: m.changed }));
    const { lines: _c, ...compareSummary } = compared;
    return { state: { summary, comparison: { summary: compareSummary, changed: messages.filter((m) => m.changed).length } }, messages };
  }

  /**
   * One work item. Throws only what the queue should retry (the store failing); the run then has
   * its lease given back, and the retry replays it again. `lastAttempt`: the queue gives the item
   * up after this one, so a failure is written on the run instead.
   */
  async function process(item: WhatIfWorkItem, options: { lastAttempt: boolean }): Promise<{ status: WhatIfWorkStatus }> {
    const holder = deps.holder?.() ?? randomUUID();
    const found = await deps.runs.getRun(item.runId, { now: clock() });
    if (!found) return { status: "gone" };
    if (found.value.status !== "running") {
      await releaseSlot(deps.runs, item.runId);
      return { status: "alreadyFinished" };
    }
    const { lease } = found.value;
    const leaseLeftInMs = lease && lease.holder !== holder ? Date.parse(lease.until) - clock().getTime() : 0;
    if (leaseLeftInMs > 0) return defer(item, leaseLeftInMs);

    // The claim: the next attempt, from scratch, under a lease; another worker claiming at the same time loses.
    const claimed: WhatIfRunState = {
      ...found.value,
      attempt: found.value.attempt + 1,
      progress: { ...found.value.progress, done: 0 },
      lease: { holder, until: later(WHAT_IF_LEASE_MS) },
      expiresOn: later(WHAT_IF_KEPT_MS),
    };
    delete claimed.summary;
    delete claimed.comparison;
    delete claimed.results;
    const saved = await deps.runs.replaceRun(claimed, { ifMatch: found.etag });
    if (!saved.saved) return defer(item, WHAT_IF_LEASE_MS);
    const run = holding({ value: claimed, etag: saved.etag }, holder);

    let status: WhatIfWorkStatus;
    try {
      const text = await deps.runs.getText(item.runId, INPUT_TEXT, { now: clock() });
      let outcome: Awaited<ReturnType<typeof replay>> | { error: string };
      if (text === undefined) {
        outcome = { error: "the uploaded mail expired before the run could replay it; start the run again" };
      } else {
        try {
          outcome = await replay(JSON.parse(text) as WhatIfInput, run);
        } catch (error) {
          if (error instanceof LeaseLost || isStoreFailure(error)) throw error;
          // A failure of the replay itself (not of the run store): retrying would fail the same way.
          outcome = { error: errorMessage(error) };
        }
      }
      if ("error" in outcome) {
        const { error } = outcome;
        await run.finish((state) => ({ ...state, status: "failed", error }));
      } else {
        const results = resultText(claimed.attempt);
        await deps.runs.putText(item.runId, results, messagesText(outcome.messages), { expiresOn: later(WHAT_IF_KEPT_MS) });
        await run.finish((state) => ({ ...state, ...outcome.state, status: "done", results }));
      }
      status = "error" in outcome ? "failed" : "done";
    } catch (error) {
      if (error instanceof LeaseLost) {
        log(`what-if run ${item.runId}: another worker took it over; this one stopped`);
        return { status: "leaseLost" };
      }
      if (options.lastAttempt) {
        await run.finish((state) => ({ ...state, status: "failed", error: `the run could not be saved: ${errorMessage(error)}` })).catch(() => undefined);
        await releaseSlot(deps.runs, item.runId).catch(() => undefined);
      } else {
        await run.release();
      }
      throw error;
    }
    // Finished: a failure here is retried, and the retry finds the run finished and gives the slot back.
    await releaseSlot(deps.runs, item.runId);
    return { status };
  }

  async function defer(item: WhatIfWorkItem, waitInMs: number): Promise<{ status: WhatIfWorkStatus }> {
    const deferrals = (item.deferrals ?? 0) + 1;
    if (deferrals > MAX_DEFERRALS) return { status: "givenUp" };
    await deps.queue.enqueue([{ ...item, deferrals }], { delayInSeconds: Math.ceil(waitInMs / 1000) + 1 });
    return { status: "deferred" };
  }

  return { process };
}

/** The run store failing (a StoreError of the adapter, by name: the app does not import adapters). */
function isStoreFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "StoreError";
}
