// Test stores: a real Cosmos DB (emulator or Azure) when COSMOS_ENDPOINT is set, otherwise the
// embedded server. Each call gets its own random database so tests never see each other's data.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import https from "node:https";
import type { TrackingStore } from "../../src/app/ports.js";
import { openCosmosTrackingStore } from "../../src/adapters/cosmos/index.js";
import { startEmbeddedCosmos } from "../../local/embedded-cosmos.js";

export interface TestStore {
  store: TrackingStore;
  requestCount(): number;
  resetRequestCount(): void;
  dispose(): Promise<void>;
}

export function testDatabaseName(): string {
  return `test-${randomUUID()}`;
}

/** The embedded server, whatever the environment says (started per store, closed on dispose). */
export async function openEmbeddedTestStore(options: { protocol?: "https" | "http" } = {}): Promise<TestStore> {
  const server = await startEmbeddedCosmos(options);
  try {
    const opened = await openCosmosTrackingStore({
      endpoint: server.endpoint,
      key: server.key,
      databaseName: testDatabaseName(),
      ...(server.httpsAgent !== undefined && { httpsAgent: server.httpsAgent }),
    });
    return {
      ...opened,
      dispose: async () => {
        await opened.dispose();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * The Cosmos DB named by COSMOS_ENDPOINT and COSMOS_KEY; COSMOS_CA_FILE may name a PEM to trust
 * (the emulator's certificate). The test database is deleted on dispose.
 */
export async function openEnvironmentTestStore(): Promise<TestStore> {
  const endpoint = process.env.COSMOS_ENDPOINT;
  const key = process.env.COSMOS_KEY;
  if (!endpoint || !key) throw new Error("Set COSMOS_ENDPOINT and COSMOS_KEY to test against a real Cosmos DB or emulator");
  const caFile = process.env.COSMOS_CA_FILE;
  const httpsAgent = caFile ? new https.Agent({ ca: await readFile(caFile, "utf8"), keepAlive: true }) : undefined;
  const databaseName = testDatabaseName();
  const opened = await openCosmosTrackingStore({ endpoint, key, databaseName, ...(httpsAgent && { httpsAgent }) });
  return {
    ...opened,
    dispose: async () => {
      const { CosmosClient } = await import("@azure/cosmos");
      const client = new CosmosClient({ endpoint, key, ...(httpsAgent && { agent: httpsAgent }) });
      try {
        await client.database(databaseName).delete();
      } finally {
        client.dispose();
        await opened.dispose();
        httpsAgent?.destroy();
      }
    },
  };
}

/** COSMOS_ENDPOINT when set, else the embedded server. */
export function openTestStore(): Promise<TestStore> {
  return process.env.COSMOS_ENDPOINT ? openEnvironmentTestStore() : openEmbeddedTestStore();
}
