// One source of truth for the function registrations. Each file in functions/ calls
// `registerFunction` once: that registers it with the Azure Functions host (app.http, app.timer,
// app.storageQueue) and records the same definition for the local host, which imports the same
// files. No second list of functions exists anywhere. App start hooks are registered and recorded
// the same way, so both hosts run them before any function.
import {
  app,
  type EventHubFunctionOptions,
  type HttpFunctionOptions,
  type StorageQueueFunctionOptions,
  type TimerFunctionOptions,
} from "@azure/functions";

export type FunctionDefinition =
  | { kind: "http"; name: string; options: HttpFunctionOptions }
  | { kind: "timer"; name: string; options: TimerFunctionOptions }
  | { kind: "storageQueue"; name: string; options: StorageQueueFunctionOptions }
  | { kind: "eventHub"; name: string; options: EventHubFunctionOptions };

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
    case "eventHub":
      app.eventHub(definition.name, definition.options);
      break;
  }
}

export type AppStartHook = () => void | Promise<void>;

const appStartHooks: Array<{ name: string; run: AppStartHook }> = [];

/**
 * A check the host runs once when it starts, after loading the function files and before invoking
 * any function (Azure: app.hook.appStart). A throw stops the host with its message: the worker
 * fails to start, so no trigger fires and no queue item is attempted.
 */
export function registerAppStartHook(name: string, run: AppStartHook): void {
  if (appStartHooks.some((existing) => existing.name === name)) throw new Error(`app start hook "${name}" is registered twice`);
  appStartHooks.push({ name, run });
  app.hook.appStart(() => run());
}

/** Runs the recorded app start hooks in order, as the Azure worker does; the local host's call. */
export async function runAppStartHooks(): Promise<void> {
  for (const hook of appStartHooks) await hook.run();
}

/** What the files in functions/ registered, in import order. */
export function registeredFunctions(): readonly FunctionDefinition[] {
  return definitions;
}
