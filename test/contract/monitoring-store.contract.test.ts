// The monitoring stores' contract (alerts) against the in-memory store and the embedded Cosmos
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

describe("alert expiry", () => {
  it("the alerts container is created with its TTL (30 days)", async () => {
    expect(containerDefinitions.containers.find((definition) => definition.name === "alerts")).toMatchObject({ partitionKeyPath: "/mailbox", defaultTtl: 2_592_000 });
    const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
    const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const { resource } = await client.database(opened.databaseName).container("alerts").read();
      expect(resource?.defaultTtl).toBe(2_592_000);
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
});
