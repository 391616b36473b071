// One source of truth for the function registrations. Each file in functions/ calls
// `registerFunction` once: that registers it with the Azure Functions host (app.http, app.timer,
// app.storageQueue) and records the same definition for the local host, which imports the same
// files. No second list of functions exists anywhere.
import {
  app,
  type HttpFunctionOptions,
  type StorageQueueFunctionOptions,
  type TimerFunctionOptions,
} from "@azure/functions";

export type FunctionDefinition =
  | { kind: "http"; name: string; options: HttpFunctionOptions }
  | { kind: "timer"; name: string; options: TimerFunctionOptions }
  | { kind: "storageQueue"; name: string; options: StorageQueueFunctionOptions };

const definitions: FunctionDefinition[] = [];

export function registerFunction(definition: FunctionDefinition): void {
  if (definitions.some((existing) => existing.name === definition.name)) {
    throw new Error(`function ${definition.name} is registered twice`);
  }
  definitions.push(definition);
  switch (definition.kind) {
    case "http":
      app.http(definition.name, definition.options);
      break;
    case "timer":
      app.timer(definition.name, definition.options);
      break;
    case "storageQueue":
      app.storageQueue(definition.name, definition.options);
      break;
  }
}

/** What the files in functions/ registered, in import order. */
export function registeredFunctions(): readonly FunctionDefinition[] {
  return definitions;
}
