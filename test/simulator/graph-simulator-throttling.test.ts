import https from "node:https";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@microsoft/microsoft-graph-client";
import {
  connectTestClient,
  startGraphSimulator,
  testCredential,
} from "../../local/graph-simulator/index.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code: string; message: string; innerError: Record<string, string> } } & Record<string, unknown>;
}

interface BatchResponse {
  responses: { id: string; status: number; headers: Record<string, string>; body?: { error?: { code: string } } & Record<string, unknown> }[];
}

let sim: GraphSimulator;
let client: Client;
let token: string;
let alice: string;
let bob: string;
let messageId: string;

/** Plain HTTPS without the SDK's RetryHandler, to see the first answer. */
function raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const request = https.request(new URL(`v1.0${path}`, sim.baseUrl), { method, headers, ca: sim.ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json: text ? JSON.parse(text) : {} });
      });
    });
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function batchOf(count: number, path: (index: number) => string): { requests: { id: string; method: string; url: string }[] } {
  return { requests: Array.from({ length: count }, (_, index) => ({ id: String(index + 1), method: "GET", url: path(index) })) };
}

beforeAll(async () => {
  sim = await startGraphSimulator();
  alice = sim.addMailbox({ address: "alice@contoso.test" });
  bob = sim.addMailbox({ address: "bob@contoso.test" });
  messageId = sim.deliverExternal({ to: ["alice@contoso.test", "bob@contoso.test"], from: { address: "x@fabrikam.test" }, subject: "Hello" }).deliveries[0]?.messageId ?? "";
  const credential = testCredential(sim);
  token = (await credential.getToken("https://graph.microsoft.com/.default")).token;
  client = connectTestClient(sim, credential);
});

afterEach(() => {
  sim.faults.clear();
  sim.resetStats();
});

afterAll(async () => {
  await sim.close();
});

describe("throttling and server faults", () => {
  it("answers 429 TooManyRequests with a fractional Retry-After and Graph's error body", async () => {
    sim.faults.throttle({ count: 1, retryAfterSeconds: 2.128 });
    const throttled = await raw("GET", `/users/${alice}/messages/${messageId}`);
    const next = await raw("GET", `/users/${alice}/messages/${messageId}`);

    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("2.128");
    expect(throttled.json.error).toMatchObject({ code: "TooManyRequests", message: "Please retry again later.", innerError: { status: "429" } });
    expect(throttled.json.error?.innerError["request-id"]).toBe(throttled.headers["request-id"]);
    expect(next.status).toBe(200);
    expect(sim.stats.throttled).toBe(1);
  });

  it("throttles only the named mailbox", async () => {
    sim.faults.throttle({ mailbox: "bob@contoso.test", count: 1, retryAfterSeconds: 1 });
    expect((await raw("GET", `/users/${alice}/mailFolders/inbox`)).status).toBe(200);
    expect((await raw("GET", `/users/${bob}/mailFolders/inbox`)).status).toBe(429);
  });

  it("lets the SDK's RetryHandler honour a short Retry-After", async () => {
    sim.faults.throttle({ count: 1, retryAfterSeconds: 0.05 });
    const folder = (await client.api(`/users/${alice}/mailFolders/inbox`).get()) as { displayName: string };
    expect(folder.displayName).toBe("Inbox");
    expect(sim.stats.throttled).toBe(1);
    expect(sim.stats.requests.total).toBe(2);
  });

  it.each([
    { status: 503, code: "ServiceUnavailable" },
    { status: 500, code: "InternalServerError" },
  ])("injects a $status server error", async ({ status, code }) => {
    sim.faults.serverError({ count: 1, status });
    const response = await raw("GET", `/users/${alice}/mailFolders/inbox`);
    expect(response.status).toBe(status);
    expect(response.json.error?.code).toBe(code);
  });

  it("answers 403 ErrorAccessDenied for an out-of-scope mailbox until lifted", async () => {
    sim.faults.accessDenied("bob@contoso.test", true);
    const denied = await raw("GET", `/users/${bob}/messages/${messageId}`);
    sim.faults.accessDenied(bob, false);
    const allowed = await raw("GET", `/users/${bob}/mailFolders/inbox`);
    expect(denied.status).toBe(403);
    expect(denied.json.error?.code).toBe("ErrorAccessDenied");
    expect(allowed.status).toBe(200);
  });
});

describe("mailbox concurrency", () => {
  it("refuses a fifth concurrent request for one mailbox with MailboxConcurrency and records the peak", async () => {
    sim.faults.slow({ ms: 1_000, count: 6 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => raw("GET", `/users/${alice}/mailFolders/inbox`)));
    const statuses = responses.map((response) => response.status).sort();
    const refused = responses.filter((response) => response.status === 429);

    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(refused.map((response) => response.json.error?.code)).toEqual(["MailboxConcurrency", "MailboxConcurrency"]);
    expect(refused[0]?.headers["retry-after"]).toBeDefined();
    expect(sim.stats.maxConcurrencyByMailbox[alice]).toBe(4);
  });

  it("counts concurrency per mailbox: four for each of two mailboxes all succeed", async () => {
    sim.faults.slow({ ms: 800, count: 8 });
    const responses = await Promise.all(
      [alice, alice, alice, alice, bob, bob, bob, bob].map((mailbox) => raw("GET", `/users/${mailbox}/mailFolders/inbox`)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    expect(sim.stats.maxConcurrencyByMailbox).toEqual({ [alice]: 4, [bob]: 4 });
  });
});

describe("$batch", () => {
  it.each([
    { count: 21, status: 400 },
    { count: 0, status: 400 },
  ])("rejects a batch of $count requests", async ({ count, status }) => {
    const response = await raw("POST", "/$batch", batchOf(count, () => `/users/${alice}/mailFolders/inbox`));
    expect(response.status).toBe(status);
    expect(response.json.error?.code).toBe("BadRequest");
  });

  it("answers 200 with one response per item, each with its own status", async () => {
    const response = await raw("POST", "/$batch", {
      requests: [
        { id: "1", method: "GET", url: `/users/${alice}/messages/${messageId}?$select=subject` },
        { id: "2", method: "GET", url: `users/${alice}/messages/AAMkAGmissing` },
        { id: "3", method: "GET", url: `https://graph.microsoft.com/v1.0/users/${alice}` },
      ],
    });
    const body = response.json as unknown as BatchResponse;
    expect(response.status).toBe(200);
    expect(body.responses.map((item) => [item.id, item.status])).toEqual([
      ["1", 200],
      ["2", 404],
      ["3", 400],
    ]);
    expect(body.responses[0]?.body).toMatchObject({ subject: "Hello" });
    expect(body.responses[1]?.body?.error?.code).toBe("ErrorItemNotFound");
  });

  it("throttles items individually with their own Retry-After", async () => {
    sim.faults.throttle({ mailbox: alice, count: 2, retryAfterSeconds: 3.5 });
    const response = await raw("POST", "/$batch", batchOf(5, () => `/users/${alice}/mailFolders/inbox`));
    const items = (response.json as unknown as BatchResponse).responses;
    const throttled = items.filter((item) => item.status === 429);
    expect(response.status).toBe(200);
    expect(throttled).toHaveLength(2);
    expect(throttled.map((item) => item.headers["Retry-After"])).toEqual(["3.5", "3.5"]);
    expect(items.filter((item) => item.status === 200)).toHaveLength(3);
  });

  it("runs at most four items per mailbox at a time, queuing the rest instead of refusing them", async () => {
    sim.faults.slow({ ms: 100, count: 10 });
    const response = await raw("POST", "/$batch", batchOf(10, () => `/users/${alice}/mailFolders/inbox`));
    const items = (response.json as unknown as BatchResponse).responses;
    expect(items.map((item) => item.status)).toEqual(Array(10).fill(200));
    expect(sim.stats.maxConcurrencyByMailbox[alice]).toBe(4);
  });

  it("works through the SDK's batch helpers", async () => {
    const { BatchRequestContent, BatchResponseContent } = await import("@microsoft/microsoft-graph-client");
    const content = new BatchRequestContent([
      { id: "a", request: new Request(`${sim.baseUrl}v1.0/users/${alice}/mailFolders/inbox`, { method: "GET" }) },
      { id: "b", request: new Request(`${sim.baseUrl}v1.0/users/${bob}/mailFolders/inbox`, { method: "GET" }) },
    ]);
    const payload = await content.getContent();
    const parsed = new BatchResponseContent((await client.api("/$batch").post(payload)) as { responses: [] });
    expect(parsed.getResponseById("a")?.status).toBe(200);
    expect(parsed.getResponseById("b")?.status).toBe(200);
  });
});
