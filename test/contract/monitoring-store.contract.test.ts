// The monitoring stores' contract (alerts, mailbox health, the item-level log) against the in-memory store and the embedded Cosmos
// server, and what the memory store does with the containers' TTL.
import { CosmosClient } from "@azure/cosmos";
import { describe, expect, it } from "vitest";
import { createMemoryLiveTrackingStore } from "../../src/adapters/memory/index.js";
import { containerDefinitions } from "../../src/adapters/cosmos/index.js";
import { openEmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { testDatabaseName } from "../support/cosmos.js";
import { describeMonitoringStoreContract } from "./monitoring-store-contract.js";

// The fixtures are dated March 2025: the memory store's clock stands there, so none has expired.
describeMonitoringStoreContract("in-memory adapter", async () => ({ live: createMemoryLiveTrackingStore({ clock: () => new Date("2025-03-05T00:00:00.000Z") }), dispose: async () => {} }));

describeMonitoringStoreContract("Cosmos DB adapter on the embedded server", () => openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() }));

describe("monitoring containers and expiry", () => {
  it.each([
    { container: "alerts", defaultTtl: 2_592_000 },
    { container: "health", defaultTtl: undefined },
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
});
