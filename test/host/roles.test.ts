// Host roles: a host serves only the trigger kinds it is given (as Flex Consumption runs the HTTP
// functions on instances of their own): an HTTP-only host answers requests and leaves queue
// messages and timers alone; a queue-only host processes the messages and 404s HTTP; a timer-only
// host runs timers and nothing else. Several hosts in one file share the module-global
// registrations, which is what lets them split one function app between them.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type LocalAzurite } from "../../local/azurite.js";
import { startLocalHost, type HostRole, type LocalHost, type StartLocalHostOptions } from "../../local/host/index.js";
import { parseHostArguments } from "../../local/host/main.js";
import { recordedFor } from "./fixtures/recorded.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const functionFiles = [path.join(fixtures, "queue-functions.ts"), path.join(fixtures, "schedule-functions.ts")];
// Longer than the poll interval and than the every-second timer's period: enough for an active
// listener or timer to have run, so that "nothing ran" means "inactive".
const quietPeriodInMs = 1_500;
let azurite: LocalAzurite;
let queues: QueueServiceClient;
const hosts: LocalHost[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startHost(roles: HostRole[] | undefined, overrides: Partial<StartLocalHostOptions> = {}): Promise<LocalHost> {
  const host = await startLocalHost({
    functionFiles,
    storageConnectionString: azurite.connectionString,
    hostJsonPath: path.join(fixtures, "host.json"),
    port: 0,
    queuePollIntervalInMs: 50,
    timers: "schedule",
    log: () => {},
    ...(roles !== undefined && { roles }),
    ...overrides,
  });
  hosts.push(host);
  return host;
}

async function messagesIn(queueName: string): Promise<string[]> {
  const peeked = await queues.getQueueClient(queueName).peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((message) => Buffer.from(message.messageText, "base64").toString("utf8"));
}

const post = (host: LocalHost, pathAndQuery: string, body?: unknown) =>
  fetch(`${host.baseUrl}${pathAndQuery}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  process.env["EVERY_SECOND_SCHEDULE"] = "* * * * * *";
  azurite = await startAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  for (const host of hosts) await host.close();
  await azurite?.close();
});

describe("an HTTP-only host", () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost(["http"]);
  });

  it("answers HTTP and leaves the queue message it enqueued for another host", async () => {
    const response = await post(host, "/api/enqueue", { id: "for-the-queue-host" });
    expect(response.status).toBe(202);
    await sleep(quietPeriodInMs);
    await host.drain({ timeoutInMs: 5_000 });
    expect(recordedFor("processWorkItem")).toEqual([]);
    expect(await messagesIn("work-items")).toEqual([JSON.stringify({ id: "for-the-queue-host" })]);
  });

  it("neither schedules its timers nor runs them on start-up", () => {
    expect(recordedFor("onStartup")).toEqual([]);
    expect(recordedFor("everySecond")).toEqual([]);
  });

  it.each([
    { name: "processWorkItem", kind: "a queue function" },
    { name: "yearly", kind: "a timer" },
  ])("the admin endpoint refuses $kind ($name) with 404", async ({ name }) => {
    expect((await post(host, `/admin/functions/${name}`, { input: "x" })).status).toBe(404);
  });

  it("triggerTimer refuses an inactive timer, naming the role", async () => {
    await expect(host.triggerTimer("yearly")).rejects.toThrow(/no timer function named yearly \(the timer role is inactive\)/);
  });

  it("counts only its HTTP invocations", () => {
    expect(Object.keys(host.stats().invocations)).toEqual(["enqueue"]);
  });
});

describe("a queue-only host", () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost(["queue"]);
  });

  it("processes the message the HTTP-only host enqueued", async () => {
    await host.drain({ timeoutInMs: 10_000 });
    expect(recordedFor("processWorkItem").map((entry) => entry.input)).toEqual([{ id: "for-the-queue-host" }]);
    expect(await messagesIn("work-items")).toEqual([]);
    expect(await messagesIn("work-results")).toEqual([JSON.stringify({ processed: { id: "for-the-queue-host" } })]);
  });

  it.each([
    { method: "POST", path: "/api/enqueue" },
    { method: "GET", path: "/api/enqueue" },
    { method: "POST", path: "/api/no-such-route" },
  ])("answers $method $path with 404, like an unknown route", async ({ method, path: pathAndQuery }) => {
    const response = await fetch(`${host.baseUrl}${pathAndQuery}`, { method, ...(method === "POST" && { body: "{}" }) });
    expect(response.status).toBe(404);
  });

  it.each([
    { name: "enqueue", kind: "an inactive HTTP function", status: 404 },
    { name: "yearly", kind: "an inactive timer", status: 404 },
    { name: "processWorkItem", kind: "an active queue function", status: 202 },
  ])("the admin endpoint answers $status for $kind ($name)", async ({ name, status }) => {
    const before = recordedFor("processWorkItem").length;
    expect((await post(host, `/admin/functions/${name}`, { input: JSON.stringify({ id: `admin-${name}` }) })).status).toBe(status);
    await host.drain();
    const added = recordedFor("processWorkItem").slice(before).map((entry) => entry.input);
    expect(added).toEqual(status === 202 ? [{ id: `admin-${name}` }] : []);
  });

  it("runs no timers", () => {
    expect(recordedFor("onStartup")).toEqual([]);
    expect(recordedFor("everySecond")).toEqual([]);
  });
});

describe("a timer-only host", () => {
  let host: LocalHost;
  beforeAll(async () => {
    host = await startHost(["timer"]);
  });

  it("runs its timers on start-up and on schedule, and serves no HTTP", async () => {
    await host.triggerTimer("yearly");
    expect(recordedFor("yearly")).toHaveLength(1);
    const deadline = Date.now() + 10_000;
    while ((recordedFor("onStartup").length === 0 || recordedFor("everySecond").length === 0) && Date.now() < deadline) await sleep(20);
    expect(recordedFor("onStartup")).toHaveLength(1);
    expect(recordedFor("everySecond").length).toBeGreaterThan(0);
    expect((await post(host, "/api/enqueue", { id: "ignored" })).status).toBe(404);
  });

  it("leaves the timer's queue output to the queue hosts but sends it", async () => {
    // yearly's extra output goes to timer-events, which no fixture function listens on.
    expect(await messagesIn("timer-events")).toEqual(["first", "second"]);
  });
});

describe("roles", () => {
  beforeAll(async () => {
    // The earlier hosts would compete for the queue: this host alone must process its message.
    for (const host of hosts.splice(0)) await host.close();
  });

  it("default to every trigger kind", async () => {
    const host = await startHost(undefined, { timers: "manual" });
    expect((await post(host, "/api/enqueue", { id: "all-roles" })).status).toBe(202);
    await host.drain({ timeoutInMs: 10_000 });
    expect(recordedFor("processWorkItem").map((entry) => entry.input)).toContainEqual({ id: "all-roles" });
  });

  it("reject an unknown role, naming it", async () => {
    await expect(startHost(["http", "blob" as HostRole])).rejects.toThrow(/unknown host role "blob"/);
  });
});

describe("parseHostArguments (npm run host -- …)", () => {
  it.each([
    { args: [], expected: { quiet: false } },
    { args: ["--roles", "http"], expected: { roles: ["http"], quiet: false } },
    { args: ["--roles", "http,queue"], expected: { roles: ["http", "queue"], quiet: false } },
    { args: ["--roles=queue", "--roles", "timer", "--quiet"], expected: { roles: ["queue", "timer"], quiet: true } },
    { args: ["--roles", " http , timer "], expected: { roles: ["http", "timer"], quiet: false } },
  ])("$args → $expected", ({ args, expected }) => {
    expect(parseHostArguments(args)).toEqual(expected);
  });

  it.each([
    { args: ["--roles", "blob"], error: /--roles: unknown role "blob"/ },
    { args: ["--roles", ","], error: /--roles needs at least one of http, queue, timer/ },
    { args: ["--port", "1"], error: /Unknown option '--port'/ },
  ])("$args is refused", ({ args, error }) => {
    expect(() => parseHostArguments(args)).toThrow(error);
  });
});
