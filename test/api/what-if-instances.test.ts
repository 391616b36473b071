// What-if with more than one instance: a run started on the local host's instance is followed,
// and its results and JSON Lines read, through a second API instance composed from the same app
// settings (its own Cosmos DB client, its own services; the same embedded Cosmos DB server and
// Azurite), and the other way round. The results of a large run are more than one Cosmos DB item
// could hold. A work item delivered again after the run finished changes nothing.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_DOCUMENT_BYTES } from "../../src/adapters/cosmos/index.js";
import { createApiRouter } from "../../src/api/router.js";
import { whatIfRoutes } from "../../src/api/routes/what-if.js";
import { loadAppSettings } from "../../src/config/index.js";
import { apiTokenValidator } from "../../src/host/api.js";
import { createServices, type Services } from "../../src/host/services.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const READER = { roles: ["Tracking.Read"], user: "rita@contoso.com" };
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
const MAILBOX = "dana.reyes@example.com";
const MESSAGES = 2000;

let api: ApiClient;
let second: Services;
let router: ReturnType<typeof createApiRouter>;

beforeAll(async () => {
  api = await startApiStack();
  second = await createServices({ env: process.env, log: () => {} });
  router = createApiRouter({
    routes: whatIfRoutes,
    validator: apiTokenValidator,
    services: async () => second,
    maxBodyBytes: () => loadAppSettings(process.env, { need: ["api"] }).api.maxBodyBytes,
    log: () => {},
  });
});
afterAll(async () => {
  await second?.dispose();
  await api?.stack.close();
});

/** A request to the second instance, through its own router (as its Functions host would call it). */
async function onSecond(method: string, route: string, body?: unknown): Promise<{ status: number; headers: Record<string, string>; text: string; json: () => unknown }> {
  const token = await api.stack.apiToken(READER);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) };
  const response = await router({
    method,
    path: route,
    query: new URLSearchParams(),
    header: (name) => headers[name.toLowerCase()],
    readText: async () => (body === undefined ? "" : JSON.stringify(body)),
  });
  const text = response.body ?? "";
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

type Run = { id: string; status: string; progress: { done: number; total: number }; messages?: Array<{ file: string; base: { tracked: boolean } }>; finishedOn?: string };

async function finishedOn(read: (id: string) => Promise<Run>, id: string): Promise<{ run: Run; seen: number[] }> {
  const seen: number[] = [];
  for (let attempt = 0; attempt < 600; attempt++) {
    const run = await read(id);
    seen.push(run.progress.done);
    if (run.status !== "running") return { run, seen };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the run did not finish");
}

const readOnSecond = async (id: string) => {
  const answer = await onSecond("GET", `/admin/what-if/${id}`);
  expect(answer.status).toBe(200);
  return answer.json() as Run;
};
const readOnFirst = async (id: string) => {
  const answer = await api.call("GET", `/admin/what-if/${id}`, READER);
  expect(answer.status).toBe(200);
  return answer.body as Run;
};

describe("what-if across instances", () => {
  it(`follows a run of ${MESSAGES} messages started on the first instance from the second: progress, results, JSON Lines over 2 MB`, async () => {
    // Small messages, so that the upload stays under API_MAX_BODY_BYTES while the results do not.
    const mbox = Array.from({ length: MESSAGES }, (_, index) =>
      [
        "From sender@example.com Mon Jan  1 00:00:00 2024",
        `From: customer${index}@fabrikam.example`,
        `To: ${MAILBOX}`,
        `Subject: Order ${index}`,
        "Date: Mon, 1 Jan 2024 10:00:00 +0000",
        `Message-ID: <instances-${index}@fabrikam.example>`,
        "",
        "Hello.",
        "",
      ].join("\n"),
    ).join("");
    const body = { mailbox: MAILBOX, files: [{ name: "big.mbox", contentBase64: Buffer.from(mbox).toString("base64") }] };
    const started = await api.call("POST", "/admin/what-if", { ...READER, body });
    expect(started.status).toBe(202);
    const { id } = started.body as Run;

    const { run, seen } = await finishedOn(readOnSecond, id);
    expect(run.status).toBe("done");
    expect(run.progress).toEqual({ done: MESSAGES, total: MESSAGES });
    // Progress as the worker wrote it, never going back.
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(run.messages).toHaveLength(MESSAGES);
    expect(run.messages?.[MESSAGES - 1]?.file).toBe(`big.mbox#${MESSAGES}`);

    const jsonl = await onSecond("GET", `/admin/what-if/${id}/jsonl`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers["Content-Type"] ?? jsonl.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    expect(Buffer.byteLength(jsonl.text)).toBeGreaterThan(MAX_DOCUMENT_BYTES);
    const lines = jsonl.text.trimEnd().split("\n");
    expect(lines).toHaveLength(MESSAGES);
    expect(lines.map((line) => (JSON.parse(line) as { file: string }).file)).toEqual(run.messages?.map((m) => m.file));
    // The first instance answers the same.
    expect(await readOnFirst(id)).toEqual(run);
  });

  it("follows a run started on the second instance from the first, keeps it to its creator, and a redelivered work item changes nothing", async () => {
    const file = await readFile(path.join(examples, "mailbox", "02-reply-in-reply-to.eml"));
    const started = await onSecond("POST", "/admin/what-if", { mailbox: MAILBOX, files: [{ name: "02.eml", contentBase64: file.toString("base64") }] });
    expect(started.status).toBe(202);
    const { id } = started.json() as Run;
    const { run } = await finishedOn(readOnFirst, id);
    expect(run).toMatchObject({ status: "done", progress: { done: 1, total: 1 } });
    expect(await readOnSecond(id)).toEqual(run);
    expect((await api.call("GET", `/admin/what-if/${id}`, { roles: ["Tracking.Read"], user: "someone.else@contoso.com" })).status).toBe(404);

    // The queue delivers the run's work item again (as after a lost acknowledgement).
    await second.queue.enqueue([{ kind: "whatIf", runId: id, mailbox: MAILBOX, requestedAt: new Date().toISOString() }]);
    await api.stack.host.drain();
    expect(await readOnFirst(id)).toEqual(run);
  });
});
