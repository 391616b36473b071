// The LiveTrackingStore contract against the in-memory store, the embedded Cosmos server, and a
// real Cosmos DB (emulator or Azure) when COSMOS_ENDPOINT is set.
import { CosmosClient } from "@azure/cosmos";
import { describe, expect, it } from "vitest";
import type { LiveTrackingStore } from "../../src/app/ports.js";
import { containerDefinitions } from "../../src/adapters/cosmos/index.js";
import { createMemoryLiveTrackingStore } from "../../src/adapters/memory/index.js";
import { openEmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { openEnvironmentTestStore, testDatabaseName, type TestStore } from "../support/cosmos.js";
import { describeLiveTrackingStoreContract, type LiveContractStore } from "./live-tracking-store-contract.js";

function openEmbeddedLiveStore() {
  return openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
}

/** The environment's test store carries the adapter's `live` stores; TestStore does not declare them. */
function requireLive(opened: TestStore): LiveContractStore {
  const { live } = opened as TestStore & { live?: LiveTrackingStore };
  if (!live) throw new Error("The test store was not opened with openCosmosTrackingStore: it has no live stores");
  return { live, requestCount: opened.requestCount, resetRequestCount: opened.resetRequestCount, dispose: opened.dispose };
}

describeLiveTrackingStoreContract("in-memory adapter", async () => ({ live: createMemoryLiveTrackingStore(), dispose: async () => {} }));

describeLiveTrackingStoreContract("Cosmos DB adapter on the embedded server", openEmbeddedLiveStore, { requestCosts: true });

if (process.env.COSMOS_ENDPOINT) {
  describeLiveTrackingStoreContract(`Cosmos DB adapter on ${process.env.COSMOS_ENDPOINT}`, async () => requireLive(await openEnvironmentTestStore()), { requestCosts: true });
}

describe("live tracking containers", () => {
  it.each([
    { container: "subscriptions", partitionKey: "/id", defaultTtl: undefined },
    { container: "syncState", partitionKey: "/mailbox", defaultTtl: undefined },
    { container: "schedule", partitionKey: "/bucket", defaultTtl: undefined },
  ])("creates $container with partition key $partitionKey and defaultTtl $defaultTtl", async ({ container, partitionKey, defaultTtl }) => {
    expect(containerDefinitions.containers.find((definition) => definition.name === container)).toMatchObject({ partitionKeyPath: partitionKey });
    const opened = await openEmbeddedLiveStore();
    const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const { resource } = await client.database(opened.databaseName).container(container).read();
      expect(resource?.partitionKey?.paths).toEqual([partitionKey]);
      expect(resource?.defaultTtl).toBe(defaultTtl);
    } finally {
      client.dispose();
      await opened.dispose();
    }
  });
});
