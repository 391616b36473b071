// The behaviour every WhatIfRunStore (src/app/ports.ts) owes: runs versioned for a guarded claim,
// expiry, texts of any size replaced whole, and slots updated under concurrency. Register it once
// per implementation: describeWhatIfRunStoreContract("name", open).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatIfRunStore } from "../../src/app/ports.js";
import type { WhatIfRunState } from "../../src/app/what-if-state.js";

export type OpenWhatIfRunStore = () => Promise<{ runs: WhatIfRunStore; dispose(): Promise<void> }>;

// Real time: a Cosmos DB's TTL counts in real time, so the fixtures live an hour from now.
const HOUR = 3_600_000;
const inAnHour = () => new Date(Date.now() + HOUR).toISOString();

export function runState(overrides: Partial<WhatIfRunState> = {}): WhatIfRunState {
  return {
    id: randomUUID(),
    status: "running",
    createdOn: new Date().toISOString(),
    mailbox: "dana@contoso.com",
    progress: { done: 0, total: 4 },
    warnings: ["a warning"],
    owner: "0f0e0d0c-0000-4000-8000-000000000001",
    expiresOn: inAnHour(),
    attempt: 0,
    ...overrides,
  };
}

/** Texts that reach every piece boundary case: several pieces, escapes, non-ASCII, surrogate pairs. */
const bigText = (units: number) => {
  const pattern = "line \"quoted\" \\ tab\t é 😀 \u0001\n";
  return pattern.repeat(Math.ceil(units / pattern.length)).slice(0, units).replace(/[\ud800-\udbff]$/, "x");
};

export function describeWhatIfRunStoreContract(name: string, open: OpenWhatIfRunStore): void {
  describe(`WhatIfRunStore contract: ${name}`, () => {
    let runs: WhatIfRunStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ runs, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });
    const now = () => new Date();

    it("creates a run once and reads it back with a version", async () => {
      const run = runState();
      const created = await runs.createRun(run);
      expect(created.saved).toBe(true);
      const found = await runs.getRun(run.id, { now: now() });
      expect(found?.value).toEqual(run);
      expect(found?.etag).toBe(created.saved ? created.etag : undefined);
      expect(await runs.createRun({ ...run, attempt: 9 })).toEqual({ saved: false });
      expect((await runs.getRun(run.id, { now: now() }))?.value.attempt).toBe(0);
      expect(await runs.getRun(randomUUID(), { now: now() })).toBeUndefined();
    });

    it("replaces a run only at the version read: of two claims from the same read, one wins", async () => {
      const run = runState();
      await runs.createRun(run);
      const read = await runs.getRun(run.id, { now: now() });
      if (!read) throw new Error("not created");
      const claims = await Promise.all(
        ["first", "second"].map((holder) => runs.replaceRun({ ...run, attempt: 1, lease: { holder, until: inAnHour() } }, { ifMatch: read.etag })),
      );
      expect(claims.filter((claim) => claim.saved)).toHaveLength(1);
      const after = await runs.getRun(run.id, { now: now() });
      const winner = claims[0]?.saved ? "first" : "second";
      expect(after?.value.lease?.holder).toBe(winner);
      expect(after?.etag).not.toBe(read.etag);
      // The loser's version is stale for good; a run that is not there cannot be replaced.
      expect(await runs.replaceRun({ ...run, status: "done" }, { ifMatch: read.etag })).toEqual({ saved: false });
      expect(await runs.replaceRun(runState(), { ifMatch: read.etag })).toEqual({ saved: false });
    });

    it("finds nothing of a run or its texts past expiresOn", async () => {
      const expiresOn = inAnHour();
      const run = runState({ expiresOn });
      await runs.createRun(run);
      await runs.putText(run.id, "input", "the mail", { expiresOn });
      const justBefore = new Date(Date.parse(expiresOn) - 1);
      const atExpiry = new Date(Date.parse(expiresOn));
      expect((await runs.getRun(run.id, { now: justBefore }))?.value.id).toBe(run.id);
      expect(await runs.getText(run.id, "input", { now: justBefore })).toBe("the mail");
      expect(await runs.getRun(run.id, { now: atExpiry })).toBeUndefined();
      expect(await runs.getText(run.id, "input", { now: atExpiry })).toBeUndefined();
    });

    it.each([
      { what: "an empty text", units: 0 },
      { what: "a short text", units: 100 },
      { what: "a text of several pieces (escapes, accents, emoji, control characters)", units: 700_000 },
    ])("keeps $what whole", async ({ units }) => {
      const runId = randomUUID();
      const text = bigText(units);
      await runs.putText(runId, "result-1", text, { expiresOn: inAnHour() });
      expect(await runs.getText(runId, "result-1", { now: now() })).toBe(text);
    });

    it("replaces a text whole, keeps each name and run apart, and has no text never written", async () => {
      const runId = randomUUID();
      await runs.putText(runId, "result-1", bigText(600_000), { expiresOn: inAnHour() });
      await runs.putText(runId, "result-1", "shorter", { expiresOn: inAnHour() });
      await runs.putText(runId, "input", "mail", { expiresOn: inAnHour() });
      await runs.putText(randomUUID(), "input", "another run's mail", { expiresOn: inAnHour() });
      expect(await runs.getText(runId, "result-1", { now: now() })).toBe("shorter");
      expect(await runs.getText(runId, "input", { now: now() })).toBe("mail");
      expect(await runs.getText(runId, "result-2", { now: now() })).toBeUndefined();
      expect(await runs.getText(randomUUID(), "input", { now: now() })).toBeUndefined();
    });

    it("updates the slots: concurrent updates are all kept, and an update that throws changes nothing", async () => {
      const ids = Array.from({ length: 5 }, () => randomUUID());
      await runs.updateSlots(() => []);
      const results = await Promise.all(ids.map((runId) => runs.updateSlots((slots) => [...slots, { runId, until: inAnHour() }])));
      expect(results.every((slots) => slots.length >= 1)).toBe(true);
      const all = await runs.updateSlots((slots) => slots);
      expect(all.map((slot) => slot.runId).sort()).toEqual([...ids].sort());
      await expect(runs.updateSlots(() => { throw new Error("refused"); })).rejects.toThrow("refused");
      expect((await runs.updateSlots((slots) => slots)).map((slot) => slot.runId).sort()).toEqual([...ids].sort());
      expect(await runs.updateSlots((slots) => slots.filter((slot) => slot.runId !== ids[0]))).toHaveLength(4);
    });
  });
}
