// The monitoring stores' contract (alerts, mailbox health, the item-level log) against the in-memory store and the embedded Cosmos
// server, and what the memory store does with the containers' TTL.
import { CosmosClient } from "@azure/cosmos";
import { describe, expect, it } from "vitest";
import { createMemoryLiveTrackingStore } from "../../src/adapters/memory/index.js";
import { containerDefinitions } from "../../src/adapters/cosmos/index.js";
import { applyHealthEvent, type HealthEvent } from "../../src/domain/health.js";
import { openEmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { testDatabaseName } from "../support/cosmos.js";
import { describeMonitoringStoreContract } from "./monitoring-store-contract.js";

// The fixtures are dated March 2025: the memory store's clock stands there, so none has expired.
describeMonitoringStoreContract("in-memory adapter", async () => ({ live: createMemoryLiveTrackingStore({ clock: () => new Date("2025-03-05T00:00:00.000Z") }), dispose: async () => {} }));

describeMonitoringStoreContract("Cosmos DB adapter on the embedded server", () => openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() }));

describe("monitoring containers and expiry", () => {
  it.each([
    { container: "alerts", defaultTtl: 2_592_000 },
    { container: "itemLog", defaultTtl: 259_200 },
  ])("creates $container partitioned by /mailbox with defaultTtl $defaultTtl", async ({ container, defaultTtl }) => {
    expect(containerDefinitions.containers.find((definition) => definition.name === container)).toMatchObject({ partitionKeyPath: "/mailbox" });
    const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
    const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const { resource } = await client.database(opened.databaseName).container(container).read();
      expect(resource?.partitionKey?.paths).toEqual(["/mailbox"]);
      expect(resource?.defaultTtl).toBe(defaultTtl);
    } finally {
      client.dispose();
      await opened.dispose();
    }
  });

  it("the memory store drops an alert once the container's TTL has passed", async () => {
    let now = new Date("2025-03-01T10:00:00.000Z");
    const live = createMemoryLiveTrackingStore({ clock: () => now });
    const mailbox = "ttl@contoso.com";
    await live.alerts.putAlert({ id: "a1", mailbox, at: now.toISOString(), level: "error", code: "x", message: "m", ownerNotified: false });
    now = new Date(now.getTime() + 2_592_000_000 - 1);
    expect((await live.alerts.listAlerts({ mailbox }, { limit: 10 })).items).toHaveLength(1);
    now = new Date(now.getTime() + 1);
    expect((await live.alerts.listAlerts({ mailbox }, { limit: 10 })).items).toHaveLength(0);
  });

  it("the memory store drops an item-log entry once its retention has passed since it was written", async () => {
    let now = new Date("2025-03-01T10:00:00.000Z");
    const live = createMemoryLiveTrackingStore({ clock: () => now });
    const mailbox = "ttl@contoso.com";
    const entry = { id: "e1", mailbox, folder: "inbox", messageId: "m1", at: now.toISOString(), via: "notification" as const, outcome: "tracked" as const, reason: "acceptedByFilter" };
    await live.itemLog.putEntries(mailbox, [entry], { retentionInDays: 3 });
    now = new Date(now.getTime() + 3 * 86_400_000 - 1);
    expect((await live.itemLog.listEntries({ mailbox }, { limit: 10 })).items).toEqual([entry]);
    now = new Date(now.getTime() + 1);
    expect((await live.itemLog.listEntries({ mailbox }, { limit: 10 })).items).toEqual([]);
  });

  it("keeps a mailbox's health, processed markers and item-log entries in its one partition of itemLog; each listing reads only its own", async () => {
    const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
    const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const { live } = opened;
      const mailbox = "shared@contoso.com";
      const entry = { id: "e1", mailbox, folder: "inbox", messageId: "m1", at: "2025-03-01T10:00:00.000Z", via: "notification" as const, outcome: "tracked" as const, reason: "acceptedByFilter" };
      expect(await live.processed.claim(mailbox, "m-held", { leaseInMs: 60_000, now: new Date() })).toBe("claimed");
      await live.batches.commit(mailbox, {
        markers: [{ graphMessageId: "m1", reason: "acceptedByFilter", activityId: "a1" }],
        itemLog: { entries: [entry], retentionInDays: 3 },
        health: (current) => applyHealthEvent(current, items(1)),
      });
      expect((await live.itemLog.listEntries({ mailbox }, { limit: 10 })).items).toEqual([entry]);
      expect((await live.itemLog.listEntries({}, { limit: 10 })).items).toEqual([entry]);
      expect((await live.health.listHealth()).map((health) => [health.mailbox, health.folders.inbox?.tracked])).toEqual([[mailbox, 1]]);
      expect(await live.processed.wasProcessed(mailbox, "m1")).toBe(true);
      expect(await live.processed.claim(mailbox, "m-held", { leaseInMs: 60_000, now: new Date() })).toBe("busy");
      // Each kind carries its own expiry: the health never, markers 14 days, entries the retention.
      const { resources } = await client
        .database(opened.databaseName)
        .container("itemLog")
        .items.query<{ id: string; ttl: number }>({ query: "SELECT c.id, c.ttl FROM c WHERE c.mailbox = @mailbox", parameters: [{ name: "@mailbox", value: mailbox }] })
        .fetchAll();
      expect(resources.map((resource) => resource.ttl).sort((a, b) => a - b)).toEqual([-1, 259_200, 1_209_600, 1_209_600]);
    } finally {
      client.dispose();
      await opened.dispose();
    }
  });

  it("writes a batch of items in one request, and redoes it on a fresh read when the health changed elsewhere", async () => {
    const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
    try {
      const { live } = opened;
      const mailbox = "batched@contoso.com";
      const commit = (n: number) =>
        live.batches.commit(mailbox, {
          markers: [{ graphMessageId: `m${n}`, reason: "acceptedByFilter" }],
          itemLog: { entries: [{ id: `e${n}`, mailbox, folder: "inbox", messageId: `m${n}`, at: "2025-03-01T10:00:00.000Z", via: "notification", outcome: "tracked", reason: "acceptedByFilter" }], retentionInDays: 3 },
          health: (current) => applyHealthEvent(current, items(1)),
        });
      await commit(1); // the mailbox's first: a read (nothing there) and the batch that creates the health
      opened.resetRequestCount();
      await commit(2);
      expect(Object.fromEntries(opened.requestCountByOperation())).toEqual({ "batch itemLog": 1 });
      // Another writer (a gap, another instance) changes the health: the cached version is stale.
      await live.health.applyChanges(mailbox, [{ op: "set", path: ["folders", "inbox", "gaps", "missed"], value: { openedAt: "2025-03-01T11:00:00.000Z", detail: "x" } }]);
      opened.resetRequestCount();
      await commit(3);
      expect(Object.fromEntries(opened.requestCountByOperation())).toEqual({ "batch itemLog": 2, "read itemLog": 1 });
      // Three batches at once in this process: one after another, none lost.
      await Promise.all([commit(4), commit(5), commit(6)]);
      const health = await live.health.getHealth(mailbox);
      expect(health?.folders.inbox?.tracked).toBe(6);
      expect(health?.folders.inbox?.gaps.missed).toMatchObject({ detail: "x" });
      expect((await live.itemLog.listEntries({ mailbox }, { limit: 10 })).items).toHaveLength(6);
    } finally {
      await opened.dispose();
    }
  });
});

function items(tracked: number): HealthEvent {
  return { kind: "itemsProcessed", folder: "inbox", at: "2025-03-01T10:00:00.000Z", via: "notification", tracked, skipped: {}, failed: 0 };
}
