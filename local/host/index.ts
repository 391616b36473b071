// A local stand-in for the Azure Functions host, for `npm run host` and tests: it imports the
// function files, reads what they registered through src/host/registration.ts, and serves the
// three trigger kinds the project uses (HTTP, timer, storage queue) with storage queue outputs.
// Local code only: nothing under src/ or functions/ imports it. docs/local-host.md says what
// differs from the real host.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { output, trigger, type FunctionOutput, type RetryOptions } from "@azure/functions";
import { QueueServiceClient } from "@azure/storage-queue";
import { registeredFunctions, runAppStartHooks, type FunctionDefinition } from "../../src/host/registration.js";
import { readHostSettings } from "./host-settings.js";
import { startHttpServer, type HttpFunctionRoute, type RunningHttpServer } from "./http-server.js";
import { describeError, Invoker, QueueSender, type PreparedFunction } from "./invocation.js";
import { parseJsonOrString } from "./messages.js";
import { startQueueListener, type QueueListener } from "./queue-listener.js";
import { compileRoute } from "./routes.js";
import { parseSchedule, runTimer } from "./timers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface StartLocalHostOptions {
  /** Absolute paths of the function modules to import, e.g. every .ts file in functions/. */
  functionFiles: readonly string[];
  /** Used for every storage connection the functions name (one local storage account). */
  storageConnectionString: string;
  /** Default 7071; 0 picks a free port. */
  port?: number;
  /** Default <repo>/host.json. */
  hostJsonPath?: string;
  /** Default: console.log. */
  log?: (line: string) => void;
  /** How long an idle queue listener waits before polling again. Default 500 ms. */
  queuePollIntervalInMs?: number;
  /** Overrides host.json's extensions.queues.visibilityTimeout (the delay before a failed message is retried). */
  visibilityTimeoutInSeconds?: number;
  /** "schedule" (default) runs timers on their schedule and honours runOnStartup; "manual" runs them only through triggerTimer or the admin endpoint. */
  timers?: "schedule" | "manual";
  /**
   * Which trigger kinds this host serves (default all): the others are registered but inactive,
   * as on a Flex Consumption instance that runs only the HTTP group or only one queue or timer
   * function. An inactive HTTP route answers 404, an inactive queue is not listened on, an
   * inactive timer never runs (the admin endpoint and triggerTimer refuse it).
   */
  roles?: readonly HostRole[];
}

export type HostRole = "http" | "queue" | "timer";

export const HOST_ROLES: readonly HostRole[] = ["http", "queue", "timer"];

const roleOf = (kind: PreparedFunction["kind"]): HostRole => (kind === "storageQueue" ? "queue" : kind);

export interface LocalHostStats {
  /** Completed invocations per function, failed ones included. */
  invocations: Record<string, number>;
  failures: Record<string, number>;
  /** Messages moved to a `<queue>-poison` queue. */
  poisoned: number;
}

export interface DrainOptions {
  /** Default 30 000 ms. */
  timeoutInMs?: number;
}

export interface LocalHost {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  close(): Promise<void>;
  /** Runs a timer function now (with its retry policy); rejects when the last attempt failed. */
  triggerTimer(name: string): Promise<void>;
  /** Resolves when every queue the host listens on is empty and no invocation is in flight. */
  drain(options?: DrainOptions): Promise<void>;
  stats(): LocalHostStats;
}

export async function startLocalHost(options: StartLocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = await readHostSettings(options.hostJsonPath ?? path.join(repoRoot, "host.json"));
  const visibilityTimeoutInSeconds = options.visibilityTimeoutInSeconds ?? settings.queues.visibilityTimeoutInSeconds;
  const pollIntervalInMs = options.queuePollIntervalInMs ?? 500;
  const timersMode = options.timers ?? "schedule";
  const roles = new Set(options.roles ?? HOST_ROLES);
  for (const role of roles) {
    if (!HOST_ROLES.includes(role)) throw new TypeError(`unknown host role "${String(role)}": expected one of ${HOST_ROLES.join(", ")}`);
  }
  const isActive = (fn: { kind: PreparedFunction["kind"] }) => roles.has(roleOf(fn.kind));

  for (const file of options.functionFiles) {
    if (!path.isAbsolute(file)) throw new TypeError(`function file ${file} must be an absolute path`);
    await import(pathToFileURL(file).href);
  }
  await runAppStartHooks();
  // Event Hubs triggers (NOTIFICATION_DELIVERY=eventHubs) have no local stand-in: listed, not served.
  const definitions = registeredFunctions().filter((definition): definition is LocalFunctionDefinition => {
    if (definition.kind !== "eventHub") return true;
    log(`${definition.name}: Event Hubs trigger, not served by the local host`);
    return false;
  });
  const prepared = definitions.map(prepareFunction);
  const timerSchedules = new Map<string, { schedule: string; runOnStartup: boolean; retry: RetryOptions | undefined }>();
  for (const definition of definitions) {
    if (definition.kind !== "timer") continue;
    const schedule = resolveAppSettings(definition.options.schedule, `schedule of ${definition.name}`);
    parseSchedule(schedule, { functionName: definition.name }); // fail at start-up, not at the first tick
    timerSchedules.set(definition.name, {
      schedule,
      runOnStartup: definition.options.runOnStartup ?? false,
      retry: definition.options.retry,
    });
  }

  const service = QueueServiceClient.fromConnectionString(options.storageConnectionString);
  const sender = new QueueSender(service);
  const invoker = new Invoker({
    log,
    sender,
    resolveQueueName: (queueName) => resolveAppSettings(queueName, "queue output"),
  });
  let poisoned = 0;
  let stopped = false;
  const listeners: QueueListener[] = [];
  const timerHandles = new Map<string, NodeJS.Timeout>();
  const lastRun = new Map<string, Date>();
  let server: RunningHttpServer | undefined;

  // Only active functions can be found by name: the admin endpoint and triggerTimer refuse the others.
  const fnByName = new Map(prepared.filter(isActive).map((fn) => [fn.name.toLowerCase(), fn]));

  const runTimerByName = (fn: PreparedFunction, reason: string) => {
    const timer = timerSchedules.get(fn.name);
    if (timer === undefined) throw new Error(`no timer named ${fn.name}`);
    const last = lastRun.get(fn.name);
    lastRun.set(fn.name, new Date());
    return runTimer({ fn, invoker, schedule: timer.schedule, retry: timer.retry, reason, last, isStopped: () => stopped });
  };

  const scheduleNext = (fn: PreparedFunction) => {
    if (stopped) return;
    const timer = timerSchedules.get(fn.name);
    if (timer === undefined) return;
    const next = parseSchedule(timer.schedule, { functionName: fn.name, currentDate: new Date() }).next().toDate();
    // setTimeout holds at most 2^31-1 ms (about 24.8 days): wake up and look again when further.
    const delay = Math.min(next.getTime() - Date.now(), 2_147_483_647);
    timerHandles.set(
      fn.name,
      setTimeout(() => {
        if (Date.now() < next.getTime()) return scheduleNext(fn);
        void runTimerByName(fn, "Timer fired at " + new Date().toISOString()).finally(() => scheduleNext(fn));
      }, Math.max(0, delay)),
    );
  };

  const close = async () => {
    stopped = true;
    for (const handle of timerHandles.values()) clearTimeout(handle);
    await Promise.allSettled(listeners.map((listener) => listener.stop()));
    await server?.close();
    await invoker.settle();
  };

  try {
    const routes: HttpFunctionRoute[] = [];
    for (const [index, definition] of definitions.entries()) {
      const fn = prepared[index];
      if (fn === undefined || !isActive(fn)) continue;
      if (definition.kind === "http") {
        routes.push({
          fn,
          route: compileRoute(definition.options.route ?? definition.name),
          methods: (definition.options.methods ?? ["GET", "POST"]).map((method) => method.toUpperCase()),
        });
      } else if (definition.kind === "storageQueue") {
        const queueName = resolveAppSettings(definition.options.queueName, `queueName of ${definition.name}`);
        listeners.push(
          await startQueueListener({
            fn,
            queue: service.getQueueClient(queueName),
            sender,
            invoker,
            batchSize: settings.queues.batchSize,
            maxDequeueCount: settings.queues.maxDequeueCount,
            visibilityTimeoutInSeconds,
            pollIntervalInMs,
            log,
            onPoisoned: () => poisoned++,
          }),
        );
      }
    }

    server = await startHttpServer({
      port: options.port ?? 7071,
      routePrefix: settings.routePrefix,
      routes,
      invoker,
      log,
      runByAdmin: (name, input) => {
        const fn = fnByName.get(name.toLowerCase());
        if (fn === undefined) return "not found";
        if (fn.kind === "http") return "http function";
        if (fn.kind === "timer") {
          void runTimerByName(fn, "This function was programmatically called via the host APIs.");
        } else {
          void invoker.invoke({
            fn,
            input: parseJsonOrString(input ?? ""),
            reason: "This function was programmatically called via the host APIs.",
            triggerMetadata: {},
          });
        }
        return "started";
      },
    });
  } catch (error) {
    await close();
    throw error;
  }

  if (timersMode === "schedule") {
    for (const fn of prepared) {
      if (fn.kind !== "timer" || !isActive(fn)) continue;
      if (timerSchedules.get(fn.name)?.runOnStartup) {
        void runTimerByName(fn, "Timer fired at startup (runOnStartup)").finally(() => scheduleNext(fn));
      } else {
        scheduleNext(fn);
      }
    }
  }

  log(
    `local host: ${prepared.length} function(s) on ${server.baseUrl}: ` +
      prepared.map((fn) => `${fn.name} (${fn.kind}${isActive(fn) ? "" : ", inactive"})`).join(", ") +
      (roles.size < HOST_ROLES.length ? `; roles: ${[...roles].join(", ")}` : ""),
  );

  return {
    baseUrl: server.baseUrl,
    close,
    triggerTimer: async (name) => {
      const fn = fnByName.get(name.toLowerCase());
      if (fn === undefined || fn.kind !== "timer") throw new Error(`no timer function named ${name}${roles.has("timer") ? "" : " (the timer role is inactive)"}`);
      const result = await runTimerByName(fn, "This function was programmatically called via the host APIs.");
      if (!result.ok) throw new Error(`timer ${fn.name} failed: ${describeError(result.error)}`, { cause: result.error });
    },
    drain: async (drainOptions = {}) => {
      const timeoutInMs = drainOptions.timeoutInMs ?? 30_000;
      const deadline = Date.now() + timeoutInMs;
      const pollInMs = Math.min(pollIntervalInMs, 100);
      for (;;) {
        const counts = await Promise.all(listeners.map((listener) => listener.approximateMessageCount()));
        const idle = invoker.inFlightCount === 0 && !listeners.some((listener) => listener.busy());
        if (idle && counts.every((count) => count === 0)) return;
        if (Date.now() >= deadline) {
          const pending = listeners.map((listener, index) => `${listener.queueName}: ${counts[index]}`).join(", ");
          throw new Error(
            `local host not drained after ${timeoutInMs} ms: ${invoker.inFlightCount} invocation(s) in flight; messages ${pending || "none"}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pollInMs));
      }
    },
    stats: () => ({ invocations: { ...invoker.invocations }, failures: { ...invoker.failures }, poisoned }),
  };
}

/** The trigger kinds the local host serves. */
type LocalFunctionDefinition = Exclude<FunctionDefinition, { kind: "eventHub" }>;

function prepareFunction(definition: LocalFunctionDefinition): PreparedFunction {
  const { options } = definition;
  const extraOutputs = options.extraOutputs ?? [];
  for (const binding of [...extraOutputs, ...(options.return ? [options.return] : [])]) {
    if (binding.type !== "queue" && !(definition.kind === "http" && binding.type === "http")) {
      throw new TypeError(
        `function ${definition.name}: output binding type "${binding.type}" is not supported by the local host (only storage queue outputs)`,
      );
    }
  }
  if ((options.extraInputs ?? []).length > 0) {
    throw new TypeError(`function ${definition.name}: extra inputs are not supported by the local host`);
  }
  switch (definition.kind) {
    case "http": {
      const o = definition.options;
      return {
        name: definition.name,
        kind: "http",
        trigger:
          o.trigger ??
          trigger.http({ authLevel: o.authLevel ?? "anonymous", methods: o.methods ?? ["GET", "POST"], ...(o.route !== undefined && { route: o.route }) }),
        return: o.return ?? output.http({}),
        extraOutputs,
        handler: o.handler as PreparedFunction["handler"],
      };
    }
    case "timer": {
      const o = definition.options;
      return {
        name: definition.name,
        kind: "timer",
        trigger:
          o.trigger ??
          trigger.timer({ schedule: o.schedule, ...(o.runOnStartup !== undefined && { runOnStartup: o.runOnStartup }), ...(o.useMonitor !== undefined && { useMonitor: o.useMonitor }) }),
        return: o.return,
        extraOutputs,
        handler: o.handler as PreparedFunction["handler"],
      };
    }
    case "storageQueue": {
      const o = definition.options;
      return {
        name: definition.name,
        kind: "storageQueue",
        trigger: o.trigger ?? trigger.storageQueue({ queueName: o.queueName, connection: o.connection }),
        return: o.return as FunctionOutput | undefined,
        extraOutputs,
        handler: o.handler as PreparedFunction["handler"],
      };
    }
  }
}

/** `%NAME%` binding expressions resolve to app settings (environment variables), as in the host. */
export function resolveAppSettings(text: string, what: string): string {
  return text.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`${what}: app setting ${name} (from "${text}") is not set`);
    return value;
  });
}
