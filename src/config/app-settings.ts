// Kept so imports of the former single file still resolve; new code imports ./index.js.
export * from "./index.js";
