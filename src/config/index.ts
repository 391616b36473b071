// The app settings: definitions (the one table), validators, loading and documentation.
export * from "./definitions.js";
export * from "./validators.js";
export * from "./build.js";
export * from "./load.js";
export * from "./describe.js";
