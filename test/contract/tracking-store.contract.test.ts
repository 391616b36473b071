// The TrackingStore contract against the embedded Cosmos server, and against a real Cosmos DB
// (emulator or Azure) when COSMOS_ENDPOINT is set.
import { openEmbeddedTestStore, openEnvironmentTestStore } from "../support/cosmos.js";
import { describeTrackingStoreContract } from "./tracking-store-contract.js";

describeTrackingStoreContract("Cosmos DB adapter on the embedded server (HTTPS)", () => openEmbeddedTestStore());

if (process.env.COSMOS_ENDPOINT) {
  describeTrackingStoreContract(`Cosmos DB adapter on ${process.env.COSMOS_ENDPOINT}`, () => openEnvironmentTestStore());
}
