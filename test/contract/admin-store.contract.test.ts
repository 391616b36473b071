// The administration contract against every implementation: the in-memory store, the embedded
// Cosmos server, and a real Cosmos DB when COSMOS_ENDPOINT is set.
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { openEmbeddedTestStore, openEnvironmentTestStore } from "../support/cosmos.js";
import { describeAdminStoreContract } from "./admin-store-contract.js";

describeAdminStoreContract("in-memory adapter", async () => ({ store: createMemoryTrackingStore(), dispose: async () => {} }));

describeAdminStoreContract("Cosmos DB adapter on the embedded server (HTTPS)", () => openEmbeddedTestStore(), { requestCosts: true });

if (process.env.COSMOS_ENDPOINT) {
  describeAdminStoreContract(`Cosmos DB adapter on ${process.env.COSMOS_ENDPOINT}`, () => openEnvironmentTestStore(), { requestCosts: true });
}
