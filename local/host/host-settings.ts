// Reads the parts of host.json the local host honours, so the numbers live in host.json only.
import { readFile } from "node:fs/promises";

export interface QueueHostSettings {
  batchSize: number;
  maxDequeueCount: number;
  /** How long a failed message stays invisible before it is retried. */
  visibilityTimeoutInSeconds: number;
}

export interface HostSettings {
  queues: QueueHostSettings;
  /** extensions.http.routePrefix; "api" unless host.json says otherwise. */
  routePrefix: string;
}

// The Functions host's defaults where host.json is silent.
const defaults = { batchSize: 16, maxDequeueCount: 5, visibilityTimeout: "00:00:00", routePrefix: "api" };

const overridePrefix = "AzureFunctionsJobHost__";

export interface ReadHostSettingsOptions {
  /** Where `AzureFunctionsJobHost__extensions__queues__maxDequeueCount`-style overrides come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function readHostSettings(hostJsonPath: string, options: ReadHostSettingsOptions = {}): Promise<HostSettings> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(hostJsonPath, "utf8"));
  } catch (error) {
    throw new Error(`cannot read host.json at ${hostJsonPath}: ${(error as Error).message}`);
  }
  applyEnvironmentOverrides(parsed, options.env ?? process.env);
  const extensions = objectAt(parsed, "extensions");
  const queues = objectAt(extensions, "queues");
  const http = objectAt(extensions, "http");
  const batchSize = numberAt(queues, "batchSize", defaults.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 32) {
    throw new RangeError(`host.json extensions.queues.batchSize must be an integer from 1 to 32, got ${batchSize}`);
  }
  const maxDequeueCount = numberAt(queues, "maxDequeueCount", defaults.maxDequeueCount);
  if (!Number.isInteger(maxDequeueCount) || maxDequeueCount < 1) {
    throw new RangeError(`host.json extensions.queues.maxDequeueCount must be a positive integer, got ${maxDequeueCount}`);
  }
  const visibilityTimeout = queues?.["visibilityTimeout"] ?? defaults.visibilityTimeout;
  if (typeof visibilityTimeout !== "string") {
    throw new TypeError(`host.json extensions.queues.visibilityTimeout must be a TimeSpan string such as "00:00:30"`);
  }
  const routePrefix = http?.["routePrefix"] ?? defaults.routePrefix;
  if (typeof routePrefix !== "string") {
    throw new TypeError(`host.json extensions.http.routePrefix must be a string`);
  }
  return {
    queues: { batchSize, maxDequeueCount, visibilityTimeoutInSeconds: parseTimeSpanInSeconds(visibilityTimeout) },
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ""),
  };
}

/** .NET TimeSpan text as host.json uses it: "hh:mm:ss", "d.hh:mm:ss", optional ".fff" seconds. */
export function parseTimeSpanInSeconds(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text.trim());
  if (!match) throw new TypeError(`"${text}" is not a TimeSpan (expected hh:mm:ss or d.hh:mm:ss)`);
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
}

/**
 * The Functions host lets app settings override host.json: `AzureFunctionsJobHost__a__b` sets
 * `a.b` (keys matched case-insensitively). Numeric text becomes a number.
 */
function applyEnvironmentOverrides(root: unknown, env: NodeJS.ProcessEnv): void {
  if (typeof root !== "object" || root === null) return;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.toLowerCase().startsWith(overridePrefix.toLowerCase())) continue;
    const keys = name.slice(overridePrefix.length).split("__").filter((key) => key !== "");
    let node = root as Record<string, unknown>;
    for (const [index, key] of keys.entries()) {
      const existing = Object.keys(node).find((candidate) => candidate.toLowerCase() === key.toLowerCase()) ?? key;
      if (index === keys.length - 1) {
        node[existing] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      } else {
        const child = node[existing];
        if (typeof child !== "object" || child === null) node[existing] = {};
        node = node[existing] as Record<string, unknown>;
      }
    }
  }
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === "object" && child !== null ? (child as Record<string, unknown>) : undefined;
}

function numberAt(value: Record<string, unknown> | undefined, key: string, fallback: number): number {
  const child = value?.[key];
  if (child === undefined) return fallback;
  if (typeof child !== "number") throw new TypeError(`host.json extensions.queues.${key} must be a number`);
  return child;
}
