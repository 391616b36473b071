export { openCosmosTrackingStore, type CosmosTrackingStore, type OpenCosmosTrackingStoreOptions } from "./tracking-store.js";
export { StoreError, toStoreError, type StoreErrorCode } from "./errors.js";
export { MAX_DOCUMENT_BYTES, DOCUMENT_BYTES_BUDGET, fitDocumentSize, documentBytes } from "./document-size.js";
export { containerDefinitions, type ContainerDefinition, type ContainerDefinitions, type ContainerName } from "./containers.js";
export { MAX_MAILBOX_EVENTS } from "./sync-state-store.js";
export { processedMarkerId } from "./processed-message-store.js";
