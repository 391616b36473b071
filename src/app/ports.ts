// The small interfaces the use cases depend on. Cosmos DB implements them in src/adapters/cosmos;
// one contract suite (test/contract) holds every implementation to the same behaviour.
// Split by concern into src/app/ports/*.ts; this barrel keeps every importer's path.
export * from "./ports/common.js";
export * from "./ports/tracking.js";
export * from "./ports/settings.js";
export * from "./ports/outgoing.js";
export * from "./ports/live-tracking.js";
export * from "./ports/schedule.js";
export * from "./ports/monitoring.js";
export * from "./ports/mail-gateway.js";
export * from "./ports/queue.js";
export * from "./ports/what-if.js";
export * from "./ports/resource-data.js";
