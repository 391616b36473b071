// The TrackingStore contract against every implementation: the in-memory store, the embedded
// Cosmos server, and a real Cosmos DB (emulator or Azure) when COSMOS_ENDPOINT is set. The same
// suite passing on each is what lets replays and use-case tests run on the in-memory store.
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { openEmbeddedTestStore, openEnvironmentTestStore } from "../support/cosmos.js";
import { describeSettingsStoreContract } from "./settings-store-contract.js";
import { describeTrackingStoreContract } from "./tracking-store-contract.js";

describeTrackingStoreContract("in-memory adapter", async () => ({ store: createMemoryTrackingStore(), dispose: async () => {} }));

describeTrackingStoreContract("Cosmos DB adapter on the embedded server (HTTPS)", () => openEmbeddedTestStore(), { requestCosts: true });

if (process.env.COSMOS_ENDPOINT) {
  describeTrackingStoreContract(`Cosmos DB adapter on ${process.env.COSMOS_ENDPOINT}`, () => openEnvironmentTestStore(), { requestCosts: true });
}

describeSettingsStoreContract("in-memory adapter", async () => ({ store: createMemoryTrackingStore(), dispose: async () => {} }));
describeSettingsStoreContract("Cosmos DB adapter on the embedded server (HTTPS)", () => openEmbeddedTestStore());
