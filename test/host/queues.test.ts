// The local host's queue and timer sides over Azurite: queue outputs with the host's message
// format, queue triggers with retries and the poison queue, timers run by hand and through the
// admin endpoint, and drain().
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type LocalAzurite } from "../../local/azurite.js";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { recordedFor } from "./fixtures/recorded.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
// The fixture host.json: maxDequeueCount 3, visibilityTimeout 1 s, batchSize 4.
const maxDequeueCount = 3;
const lines: string[] = [];
let azurite: LocalAzurite;
let host: LocalHost;
let queues: QueueServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  host = await startLocalHost({
    functionFiles: [path.join(fixtures, "queue-functions.ts")],
    storageConnectionString: azurite.connectionString,
    hostJsonPath: path.join(fixtures, "host.json"),
    port: 0,
    queuePollIntervalInMs: 50,
    timers: "manual",
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await host?.close();
  await azurite?.close();
});

/** Every message in a queue the host does not listen on, decoded as the host encoded it. */
async function readQueue(queueName: string): Promise<string[]> {
  const received = await queues.getQueueClient(queueName).receiveMessages({ numberOfMessages: 32 });
  return received.receivedMessageItems.map((message) => Buffer.from(message.messageText, "base64").toString("utf8"));
}

async function post(pathAndQuery: string, body?: unknown): Promise<Response> {
  return fetch(`${host.baseUrl}${pathAndQuery}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

describe("startLocalHost queues", () => {
  it.each([
    { name: "an object", body: { id: "n-1", nested: { list: [1, "two", null] } } },
    { name: "a string", body: "plain text item" },
    { name: "a number", body: 7 },
  ])("HTTP extra output → queue trigger receives $name; its return output is sent as JSON", async ({ body }) => {
    const before = recordedFor("processWorkItem").length;
    expect((await post("/api/enqueue", body)).status).toBe(202);
    await host.drain();
    const received = recordedFor("processWorkItem").slice(before);
    expect(received.map((entry) => entry.input)).toEqual([typeof body === "number" ? String(body) : body]);
    expect(await readQueue("work-results")).toEqual([JSON.stringify({ processed: received[0]?.input })]);
  });

  it("an array output is one message per element", async () => {
    const before = recordedFor("processWorkItem").length;
    const items = [{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }, { id: "e" }, { id: "f" }];
    expect((await post("/api/enqueue", items)).status).toBe(202);
    await host.drain();
    const received = recordedFor("processWorkItem").slice(before).map((entry) => entry.input);
    expect(received).toHaveLength(items.length);
    expect(received).toEqual(expect.arrayContaining(items));
    expect(await readQueue("work-results")).toHaveLength(items.length);
  });

  it("passes the queue trigger metadata", async () => {
    const before = recordedFor("processWorkItem").length;
    await post("/api/enqueue", { id: "meta" });
    await host.drain();
    const metadata = recordedFor("processWorkItem")[before]?.triggerMetadata ?? {};
    expect(metadata["dequeueCount"]).toBe(1);
    for (const key of ["id", "popReceipt", "insertionTime", "expirationTime", "nextVisibleTime"]) {
      expect(typeof metadata[key], key).toBe("string");
    }
    expect(Number.isNaN(Date.parse(String(metadata["insertionTime"])))).toBe(false);
    await readQueue("work-results");
  });

  it("reads a message written by another client, base64 or not", async () => {
    const before = recordedFor("processWorkItem").length;
    const queue = queues.getQueueClient("work-items");
    await queue.sendMessage(Buffer.from(JSON.stringify({ from: "base64" })).toString("base64"));
    await queue.sendMessage("not base64: {raw}");
    await host.drain();
    const received = recordedFor("processWorkItem").slice(before).map((entry) => entry.input);
    expect(received).toEqual(expect.arrayContaining([{ from: "base64" }, "not base64: {raw}"]));
    expect(received).toHaveLength(2);
    await readQueue("work-results");
  });

  it("retries a failing message until maxDequeueCount, then moves it to <queue>-poison", async () => {
    const statsBefore = host.stats();
    const item = { id: "poison-me" };
    await queues.getQueueClient("always-fails").createIfNotExists();
    await queues.getQueueClient("always-fails").sendMessage(Buffer.from(JSON.stringify(item)).toString("base64"));
    await host.drain();

    const attempts = recordedFor("alwaysFails").filter((entry) => (entry.input as { id?: string }).id === "poison-me");
    expect(attempts.map((entry) => entry.triggerMetadata?.["dequeueCount"])).toEqual(
      Array.from({ length: maxDequeueCount }, (_, index) => index + 1),
    );
    const stats = host.stats();
    expect(stats.poisoned).toBe(statsBefore.poisoned + 1);
    expect(stats.failures["alwaysFails"]).toBe((statsBefore.failures["alwaysFails"] ?? 0) + maxDequeueCount);
    expect(await readQueue("always-fails-poison")).toEqual([JSON.stringify(item)]);
    expect(lines.some((line) => line.includes("Moving message to queue 'always-fails-poison'"))).toBe(true);
    expect(lines).toContain(`[alwaysFails] error: cannot process { id: 'poison-me' }`);
  });

  it("moves a message already dequeued more than maxDequeueCount times without invoking", async () => {
    // A message another consumer received maxDequeueCount times (and then left) arrives with a higher count.
    const queue = queues.getQueueClient("always-fails");
    await host.close(); // the listener must not take it meanwhile
    await queue.sendMessage(Buffer.from("worn out").toString("base64"), { visibilityTimeout: 0 });
    for (let count = 0; count < maxDequeueCount; count++) {
      const [message] = (await queue.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems;
      if (message === undefined) throw new Error("test setup: message not received");
      await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    }
    host = await startLocalHost({
      functionFiles: [],
      storageConnectionString: azurite.connectionString,
      hostJsonPath: path.join(fixtures, "host.json"),
      port: 0,
      queuePollIntervalInMs: 50,
      timers: "manual",
      log: (line) => lines.push(line),
    });
    await host.drain();
    expect(host.stats().invocations["alwaysFails"]).toBeUndefined();
    expect(host.stats().poisoned).toBe(1);
    expect(await readQueue("always-fails-poison")).toEqual(["worn out"]);
  });
});

describe("startLocalHost timers and the admin endpoint", () => {
  it("triggerTimer runs the timer with a Timer object and sends its array output as messages", async () => {
    const before = recordedFor("yearly").length;
    await host.triggerTimer("yearly");
    const timer = recordedFor("yearly")[before]?.input as { isPastDue: boolean; scheduleStatus: { next: string } };
    expect(timer.isPastDue).toBe(false);
    expect(new Date(timer.scheduleStatus.next).getUTCMonth()).toBe(0);
    expect(new Date(timer.scheduleStatus.next).getUTCDate()).toBe(1);
    expect((await readQueue("timer-events")).sort()).toEqual(["first", "second"]);
  });

  it("applies the timer's retry policy with a retry context", async () => {
    const before = recordedFor("flaky").length;
    await host.triggerTimer("flaky");
    expect(recordedFor("flaky").slice(before).map((entry) => entry.retryCount)).toEqual([0, 1]);
  });

  it.each([
    { name: "yearly", body: undefined },
    { name: "YEARLY", body: { input: "" } },
  ])("POST /admin/functions/$name answers 202 and runs the timer", async ({ name, body }) => {
    const before = recordedFor("yearly").length;
    const response = await post(`/admin/functions/${name}`, body);
    expect(response.status).toBe(202);
    await host.drain();
    expect(recordedFor("yearly").length).toBe(before + 1);
    await readQueue("timer-events");
  });

  it("POST /admin/functions/<queue function> runs it with the input", async () => {
    const before = recordedFor("processWorkItem").length;
    const response = await post("/admin/functions/processWorkItem", { input: JSON.stringify({ by: "admin" }) });
    expect(response.status).toBe(202);
    await host.drain();
    expect(recordedFor("processWorkItem").slice(before).map((entry) => entry.input)).toEqual([{ by: "admin" }]);
    expect(await readQueue("work-results")).toEqual([JSON.stringify({ processed: { by: "admin" } })]);
  });

  it("triggerTimer rejects for an unknown name", async () => {
    await expect(host.triggerTimer("nope")).rejects.toThrow(/no timer function named nope/);
  });
});
