// The local host's pure parts: route templates, queue message format, host.json reading,
// timer schedules and retry delays, app setting expressions.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseTimeSpanInSeconds, readHostSettings } from "../../local/host/host-settings.js";
import { resolveAppSettings } from "../../local/host/index.js";
import { decodeQueueMessage, encodeQueueMessage, encodeQueueOutput } from "../../local/host/messages.js";
import { compileRoute } from "../../local/host/routes.js";
import { parseSchedule, retryDelayInMs } from "../../local/host/timers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("compileRoute", () => {
  it.each([
    { template: "notifications", path: "/notifications", params: {} },
    { template: "notifications", path: "/Notifications/", params: {} },
    { template: "notifications", path: "/notifications/x", params: undefined },
    { template: "notifications", path: "/", params: undefined },
    { template: "users/{id}", path: "/users/u1", params: { id: "u1" } },
    { template: "users/{id}", path: "/users", params: undefined },
    { template: "users/{id:int}/mail", path: "/users/7/MAIL", params: { id: "7" } },
    { template: "users/{id?}", path: "/users", params: {} },
    { template: "users/{id?}", path: "/users/a%2Fb", params: { id: "a/b" } },
    { template: "files/{*rest}", path: "/files/a/b/c", params: { rest: "a/b/c" } },
    { template: "files/{*rest}", path: "/files", params: {} },
  ])("$template matches $path → $params", ({ template, path: requestPath, params }) => {
    expect(compileRoute(template).match(requestPath)?.params).toEqual(params);
  });

  it("rejects a segment that mixes text and a parameter", () => {
    expect(() => compileRoute("users/id-{id}")).toThrow(/segment "id-\{id\}"/);
  });
});

describe("queue message format", () => {
  it.each([
    { value: { a: 1 }, texts: [base64('{"a":1}')] },
    { value: "text", texts: [base64("text")] },
    { value: 42, texts: [base64("42")] },
    { value: new Uint8Array([1, 2, 3]), texts: [Buffer.from([1, 2, 3]).toString("base64")] },
    { value: [{ a: 1 }, "b", null], texts: [base64('{"a":1}'), base64("b")] },
    { value: [], texts: [] },
    { value: undefined, texts: [] },
    { value: null, texts: [] },
  ])("encodeQueueOutput($value)", ({ value, texts }) => {
    expect(encodeQueueOutput(value)).toEqual(texts);
  });

  it.each([
    { text: base64('{"a":[1,2]}'), input: { a: [1, 2] } },
    { text: base64("[1,2]"), input: [1, 2] },
    { text: base64("plain words"), input: "plain words" },
    { text: base64("{not json"), input: "{not json" },
    { text: base64("42"), input: "42" },
    { text: "not base64!", input: "not base64!" },
    { text: '{"raw":true}', input: { raw: true } },
    { text: "", input: "" },
  ])("decodeQueueMessage($text)", ({ text, input }) => {
    expect(decodeQueueMessage(text)).toEqual(input);
  });

  it.each([{ a: "ünï" }, "ünï", ["x", { y: null }]])("round-trips %j", (value) => {
    expect(decodeQueueMessage(encodeQueueMessage(value))).toEqual(value);
  });
});

describe("host.json", () => {
  it.each([
    { text: "00:00:30", seconds: 30 },
    { text: "00:01:00", seconds: 60 },
    { text: "01:00:00", seconds: 3600 },
    { text: "1.00:00:01", seconds: 86401 },
    { text: "00:00:00.5", seconds: 0.5 },
  ])("parseTimeSpanInSeconds($text) = $seconds", ({ text, seconds }) => {
    expect(parseTimeSpanInSeconds(text)).toBe(seconds);
  });

  it.each(["30", "00:30", "abc", ""])("parseTimeSpanInSeconds(%j) throws", (text) => {
    expect(() => parseTimeSpanInSeconds(text)).toThrow(/is not a TimeSpan/);
  });

  it("reads the repository's host.json queue settings", async () => {
    const hostJsonPath = path.join(here, "..", "..", "host.json");
    const raw = JSON.parse(await readFile(hostJsonPath, "utf8")) as {
      extensions: { queues: { batchSize: number; maxDequeueCount: number; visibilityTimeout: string } };
    };
    const settings = await readHostSettings(hostJsonPath, { env: {} });
    expect(settings.queues).toEqual({
      batchSize: raw.extensions.queues.batchSize,
      maxDequeueCount: raw.extensions.queues.maxDequeueCount,
      visibilityTimeoutInSeconds: parseTimeSpanInSeconds(raw.extensions.queues.visibilityTimeout),
    });
    expect(settings.routePrefix).toBe("api");
  });

  it("reads the fixture host.json", async () => {
    expect(await readHostSettings(path.join(here, "fixtures", "host.json"), { env: {} })).toEqual({
      queues: { batchSize: 4, maxDequeueCount: 3, visibilityTimeoutInSeconds: 1 },
      routePrefix: "api",
    });
  });

  it.each([
    {
      env: { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: "7" },
      expected: { batchSize: 4, maxDequeueCount: 7, visibilityTimeoutInSeconds: 1 },
    },
    {
      env: { azurefunctionsjobhost__Extensions__Queues__BatchSize: "32", AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:10" },
      expected: { batchSize: 32, maxDequeueCount: 3, visibilityTimeoutInSeconds: 10 },
    },
    { env: { UNRELATED__extensions__queues__batchSize: "1" }, expected: { batchSize: 4, maxDequeueCount: 3, visibilityTimeoutInSeconds: 1 } },
  ])("applies AzureFunctionsJobHost__ overrides $env", async ({ env, expected }) => {
    expect((await readHostSettings(path.join(here, "fixtures", "host.json"), { env })).queues).toEqual(expected);
  });

  it("applies a routePrefix override", async () => {
    const settings = await readHostSettings(path.join(here, "fixtures", "host.json"), {
      env: { AzureFunctionsJobHost__extensions__http__routePrefix: "/v1/" },
    });
    expect(settings.routePrefix).toBe("v1");
  });

  it.each([
    { env: { AzureFunctionsJobHost__extensions__queues__batchSize: "33" }, message: /batchSize must be an integer from 1 to 32/ },
    { env: { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: "0" }, message: /maxDequeueCount must be a positive integer/ },
    { env: { AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "soon" }, message: /"soon" is not a TimeSpan/ },
  ])("rejects an invalid value $env", async ({ env, message }) => {
    await expect(readHostSettings(path.join(here, "fixtures", "host.json"), { env })).rejects.toThrow(message);
  });

  it("names the file it cannot read", async () => {
    await expect(readHostSettings(path.join(here, "missing-host.json"))).rejects.toThrow(/missing-host\.json/);
  });
});

describe("timer schedules and retries", () => {
  it.each([
    { schedule: "0 */5 * * * *", from: "2026-01-01T10:02:03Z", next: "2026-01-01T10:05:00.000Z" },
    { schedule: "30 0 3 * * *", from: "2026-01-01T10:00:00Z", next: "2026-01-02T03:00:30.000Z" },
    { schedule: "0 0 0 1 1 *", from: "2026-06-01T00:00:00Z", next: "2027-01-01T00:00:00.000Z" },
    { schedule: "* * * * * *", from: "2026-01-01T00:00:00.400Z", next: "2026-01-01T00:00:01.000Z" },
  ])("$schedule after $from → $next (UTC)", ({ schedule, from, next }) => {
    const expression = parseSchedule(schedule, { functionName: "t", currentDate: new Date(from) });
    expect(expression.next().toDate().toISOString()).toBe(next);
  });

  it.each(["0 */5 * * *", "0 0 0 1 1 * 2026", "0 99 * * * *"])("rejects %j naming the timer", (schedule) => {
    expect(() => parseSchedule(schedule, { functionName: "renewSubscriptions" })).toThrow(/timer renewSubscriptions/);
  });

  it.each([
    { retry: { strategy: "fixedDelay", maxRetryCount: 3, delayInterval: 250 } as const, retryCount: 2, delay: 250 },
    { retry: { strategy: "fixedDelay", maxRetryCount: 3, delayInterval: { seconds: 2, milliseconds: 5 } } as const, retryCount: 0, delay: 2005 },
    { retry: { strategy: "exponentialBackoff", maxRetryCount: 5, minimumInterval: 100, maximumInterval: { seconds: 1 } } as const, retryCount: 0, delay: 100 },
    { retry: { strategy: "exponentialBackoff", maxRetryCount: 5, minimumInterval: 100, maximumInterval: { seconds: 1 } } as const, retryCount: 2, delay: 400 },
    { retry: { strategy: "exponentialBackoff", maxRetryCount: 5, minimumInterval: 100, maximumInterval: { seconds: 1 } } as const, retryCount: 4, delay: 1000 },
    { retry: { strategy: "exponentialBackoff", maxRetryCount: 5, minimumInterval: { minutes: 1 }, maximumInterval: { hours: 1 } } as const, retryCount: 1, delay: 120_000 },
  ])("retryDelayInMs($retry.strategy, retry $retryCount) = $delay", ({ retry, retryCount, delay }) => {
    expect(retryDelayInMs(retry, retryCount)).toBe(delay);
  });
});

describe("resolveAppSettings", () => {
  it.each([
    { text: "notifications", env: {}, resolved: "notifications" },
    { text: "%QUEUE%", env: { QUEUE: "q1" }, resolved: "q1" },
    { text: "%A%-%B%", env: { A: "x", B: "y" }, resolved: "x-y" },
  ])("$text → $resolved", ({ text, env, resolved }) => {
    Object.assign(process.env, env);
    expect(resolveAppSettings(text, "queueName")).toBe(resolved);
  });

  it("names the missing setting", () => {
    delete process.env["LOCAL_HOST_MISSING_SETTING"];
    expect(() => resolveAppSettings("%LOCAL_HOST_MISSING_SETTING%", "schedule of catchUp")).toThrow(
      /schedule of catchUp: app setting LOCAL_HOST_MISSING_SETTING/,
    );
  });
});
