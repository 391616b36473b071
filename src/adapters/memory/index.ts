export { createMemoryTrackingStore } from "./tracking-store.js";
export { createMemoryLiveTrackingStore } from "./live-tracking-store.js";
