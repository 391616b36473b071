// The lookups document of a busy key stays bounded: appended to by patches, compacted back to the
// 100 most recent entries once it holds 200 (adapter-level: the port cannot see the document).
import { CosmosClient } from "@azure/cosmos";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_ENTRIES_PER_KEY } from "../../src/adapters/cosmos/lookup-store.js";
import { openEmbeddedTrackingStore, type EmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { testDatabaseName } from "../support/cosmos.js";

let opened: EmbeddedTrackingStore;
beforeAll(async () => {
  opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
});
afterAll(async () => {
  await opened?.dispose();
});

it("never holds more than twice the kept entries, and readers always see the most recent 100", async () => {
  const key = "addr:busy";
  const sizes: number[] = [];
  const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
  try {
    const document = client.database(opened.databaseName).container("lookups").item("entries", key);
    for (let n = 0; n < 450; n++) {
      await opened.store.lookups.putEntries([
        { key, activityId: `a${String(n).padStart(4, "0")}`, internetMessageId: `m${n}`, activityTime: new Date(1e12 + n * 1000).toISOString() },
      ]);
      const { resource } = await document.read<{ entries: unknown[] }>();
      sizes.push(resource?.entries.length ?? 0);
    }
  } finally {
    client.dispose();
  }
  expect(Math.max(...sizes)).toBeLessThan(2 * MAX_ENTRIES_PER_KEY);
  // Compacted back to 100 each time it reached 200: after writes 200, 300 and 400.
  expect(sizes.filter((size, i) => i > 0 && size < (sizes[i - 1] ?? 0))).toHaveLength(3);
  const seen = await opened.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z");
  expect(seen).toHaveLength(MAX_ENTRIES_PER_KEY);
  expect(seen[0]?.activityId).toBe("a0449");
  expect(seen.at(-1)?.activityId).toBe("a0350");
});
