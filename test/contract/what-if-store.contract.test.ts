// The WhatIfRunStore contract against the in-memory store and the Cosmos adapter on the embedded
// server; and what only the Cosmos container shows: its definition, every item under Cosmos DB's
// 2 MB limit whatever a text holds, each with a ttl to the run's expiry.
import { CosmosClient } from "@azure/cosmos";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryWhatIfRunStore } from "../../src/adapters/memory/what-if-store.js";
import { containerDefinitions, documentBytes, MAX_DOCUMENT_BYTES } from "../../src/adapters/cosmos/index.js";
import { splitText, TEXT_PIECE_UNITS } from "../../src/adapters/cosmos/what-if-store.js";
import { openEmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { testDatabaseName } from "../support/cosmos.js";
import { describeWhatIfRunStoreContract, runState } from "./what-if-store-contract.js";

describeWhatIfRunStoreContract("in-memory adapter", async () => ({ runs: createMemoryWhatIfRunStore(), dispose: async () => {} }));

describeWhatIfRunStoreContract("Cosmos DB adapter on the embedded server", async () => {
  const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
  return { runs: opened.whatIf, dispose: opened.dispose };
});

describe("splitText", () => {
  const pair = "😀"; // two UTF-16 units
  it.each([
    { what: "nothing", text: "", max: 4, pieces: [] as string[] },
    { what: "less than a piece", text: "abc", max: 4, pieces: ["abc"] },
    { what: "exactly a piece", text: "abcd", max: 4, pieces: ["abcd"] },
    { what: "pieces and a rest", text: "abcdefghij", max: 4, pieces: ["abcd", "efgh", "ij"] },
    { what: "a surrogate pair across a boundary (kept together in the next piece)", text: `abc${pair}d`, max: 4, pieces: ["abc", `${pair}d`] },
    { what: "a surrogate pair ending a piece", text: `ab${pair}cd`, max: 4, pieces: [`ab${pair}`, "cd"] },
  ])("cuts $what", ({ text, max, pieces }) => {
    expect(splitText(text, max)).toEqual(pieces);
    expect(splitText(text, max).join("")).toBe(text);
  });

  it.each([{ max: 1 }, { max: 0 }, { max: 2.5 }])("refuses a piece size of $max", ({ max }) => {
    expect(() => splitText("abc", max)).toThrow(RangeError);
  });
});

describe("the whatIfRuns container", () => {
  it("is partitioned by /runId, expires items by their ttl, and keeps every item of a worst-case text under 2 MB", async () => {
    const definition = containerDefinitions.containers.find((candidate) => candidate.name === "whatIfRuns");
    expect(definition).toMatchObject({ partitionKeyPath: "/runId", defaultTtl: 86_400 });
    const opened = await openEmbeddedTrackingStore({ protocol: "http", databaseName: testDatabaseName() });
    const client = new CosmosClient({ endpoint: opened.endpoint, key: opened.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const container = client.database(opened.databaseName).container("whatIfRuns");
      const { resource } = await container.read();
      expect(resource?.partitionKey?.paths).toEqual(["/runId"]);
      expect(resource?.defaultTtl).toBe(86_400);

      // Control characters are the worst case: JSON writes each as six bytes.
      const run = runState();
      const text = "\u0001".repeat(TEXT_PIECE_UNITS * 2 + 10);
      await opened.whatIf.createRun(run);
      await opened.whatIf.putText(run.id, "result-1", text, { expiresOn: run.expiresOn });
      const { resources } = await container.items.query({ query: "SELECT * FROM c" }, { partitionKey: run.id }).fetchAll();
      expect(resources).toHaveLength(1 + 1 + 3); // the run, the text's head, three pieces
      for (const item of resources) {
        expect(documentBytes(item)).toBeLessThan(MAX_DOCUMENT_BYTES);
        expect(item.ttl).toBeGreaterThan(3_500);
        expect(item.ttl).toBeLessThanOrEqual(3_600);
      }
      expect(await opened.whatIf.getText(run.id, "result-1", { now: new Date() })).toBe(text);
      expect(await opened.whatIf.getText(randomUUID(), "result-1", { now: new Date() })).toBeUndefined();
    } finally {
      client.dispose();
      await opened.dispose();
    }
  });
});
