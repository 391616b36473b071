// The administration contract against the embedded Cosmos server (and COSMOS_ENDPOINT when set).
import { openEmbeddedTestStore, openEnvironmentTestStore } from "../support/cosmos.js";
import { describeAdminStoreContract } from "./admin-store-contract.js";

describeAdminStoreContract("Cosmos DB adapter on the embedded server (HTTPS)", () => openEmbeddedTestStore());

if (process.env.COSMOS_ENDPOINT) {
  describeAdminStoreContract(`Cosmos DB adapter on ${process.env.COSMOS_ENDPOINT}`, () => openEnvironmentTestStore());
}
