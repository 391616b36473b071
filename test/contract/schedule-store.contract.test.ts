// The ScheduleStore contract (src/app/ports.ts) against the in-memory store and the Cosmos adapter
// on the embedded server: buckets, idempotent entries, leases that expire, timer markers.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScheduleStore } from "../../src/app/ports.js";
import { createMemoryScheduleStore } from "../../src/adapters/memory/schedule-store.js";
import { bucketOf } from "../../src/domain/schedule.js";
import { openEmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { testDatabaseName } from "../support/cosmos.js";

const mailbox = () => `mbx-${randomUUID()}@contoso.com`;
const at = (iso: string) => new Date(iso);

describe.each([
  {
    name: "in-memory adapter",
    open: async () => ({ schedule: createMemoryScheduleStore(), dispose: async () => {} }),
  },
  {
    name: "Cosmos DB adapter on the embedded server",
    open: async () => {
      const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
      return { schedule: opened.live.schedule, dispose: opened.dispose };
    },
  },
])("ScheduleStore contract: $name", ({ open }) => {
  let schedule: ScheduleStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ schedule, dispose } = await open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  it("keeps an entry in the bucket of its due time, once per mailbox, with the mailbox lower-cased", async () => {
    const address = mailbox();
    const dueAt = "2026-12-01T13:20:00.000Z";
    await schedule.putEntry({ kind: "renew", mailbox: address.toUpperCase(), dueAt });
    await schedule.putEntry({ kind: "renew", mailbox: address, dueAt: "2026-12-01T13:25:00.000Z" });
    const bucket = bucketOf("renew", at(dueAt));
    expect((await schedule.listBucket(bucket, { limit: 100 })).filter((entry) => entry.mailbox === address)).toEqual([
      { kind: "renew", mailbox: address, dueAt: "2026-12-01T13:25:00.000Z" },
    ]);
    // Another kind, same time: another bucket.
    expect((await schedule.listBucket(bucketOf("sweep", at(dueAt)), { limit: 100 })).filter((entry) => entry.mailbox === address)).toEqual([]);
  });

  it("lists a bucket up to the limit, and nothing for an empty one", async () => {
    const dueAt = "2026-12-02T08:00:00.000Z";
    const addresses = [mailbox(), mailbox(), mailbox()];
    for (const address of addresses) await schedule.putEntry({ kind: "sweep", mailbox: address, dueAt });
    const bucket = bucketOf("sweep", at(dueAt));
    expect((await schedule.listBucket(bucket, { limit: 100 })).map((entry) => entry.mailbox).sort()).toEqual([...addresses].sort());
    expect(await schedule.listBucket(bucket, { limit: 2 })).toHaveLength(2);
    expect(await schedule.listBucket(bucketOf("sweep", at("2030-01-01T00:00:00.000Z")), { limit: 100 })).toEqual([]);
  });

  it("removes an entry from one bucket only; removing it again is not an error", async () => {
    const address = mailbox();
    await schedule.putEntry({ kind: "renew", mailbox: address, dueAt: "2026-12-03T10:00:00.000Z" });
    await schedule.putEntry({ kind: "renew", mailbox: address, dueAt: "2026-12-04T10:00:00.000Z" });
    const first = bucketOf("renew", at("2026-12-03T10:00:00.000Z"));
    await schedule.removeEntry(first, address.toUpperCase());
    await expect(schedule.removeEntry(first, address)).resolves.toBeUndefined();
    expect(await schedule.listBucket(first, { limit: 100 })).toEqual([]);
    expect(await schedule.listBucket(bucketOf("renew", at("2026-12-04T10:00:00.000Z")), { limit: 100 })).toHaveLength(1);
  });

  it.each([
    { case: "another holder within the lease", ageInMs: 1_000, other: true, claimed: false },
    { case: "another holder's expired lease (its worker died)", ageInMs: 60_001, other: true, claimed: true },
    { case: "the same holder again", ageInMs: 1_000, other: false, claimed: true },
  ])("a lease: $case", async ({ ageInMs, other, claimed }) => {
    const address = mailbox();
    const start = at("2026-12-01T12:00:00.000Z");
    expect(await schedule.claimLease(address, { holder: "first", leaseInMs: 60_000, now: start })).toBe(true);
    const later = new Date(start.getTime() + ageInMs);
    expect(await schedule.claimLease(address.toUpperCase(), { holder: other ? "second" : "first", leaseInMs: 60_000, now: later })).toBe(claimed);
  });

  it("a released lease can be claimed at once; releasing someone else's lease leaves it", async () => {
    const address = mailbox();
    const now = at("2026-12-01T12:00:00.000Z");
    expect(await schedule.claimLease(address, { holder: "a", leaseInMs: 60_000, now })).toBe(true);
    await schedule.releaseLease(address, "b");
    expect(await schedule.claimLease(address, { holder: "b", leaseInMs: 60_000, now })).toBe(false);
    await schedule.releaseLease(address, "a");
    expect(await schedule.claimLease(address, { holder: "b", leaseInMs: 60_000, now })).toBe(true);
    await expect(schedule.releaseLease(mailbox(), "nobody")).resolves.toBeUndefined();
  });

  it("of two workers claiming at once, exactly one gets the lease", async () => {
    const address = mailbox();
    const now = at("2026-12-01T12:00:00.000Z");
    const results = await Promise.all(["x", "y", "z"].map((holder) => schedule.claimLease(address, { holder, leaseInMs: 60_000, now })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("keeps markers by name", async () => {
    const name = `marker-${randomUUID()}`;
    expect(await schedule.getMarker(name)).toBeUndefined();
    await schedule.putMarker(name, { state: "paging", continuationToken: "abc/+=" });
    await schedule.putMarker(name, { state: "done", at: "2026-12-01T12:00:00.000Z" });
    expect(await schedule.getMarker(name)).toEqual({ state: "done", at: "2026-12-01T12:00:00.000Z" });
  });
});
