// /api/admin/what-if end to end through the local stack: the examples mailbox replayed under the
// examples' settings and compared with smart matching off, progress to done, the summary, every
// message with its explanation, the JSON Lines; nothing live written; an mbox; bad input as
// problem+json naming the field; another person's run is not theirs to see.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiStack, type ApiClient } from "./api-support.js";

const READER = { roles: ["Tracking.Read"], user: "rita@contoso.com" };
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
const MAILBOX = "dana.reyes@example.com";

let api: ApiClient;
let files: Array<{ name: string; contentBase64: string }>;
let settings: { organization: Record<string, unknown>; mailbox: Record<string, unknown> };
let records: unknown[];

beforeAll(async () => {
  api = await startApiStack();
  const names = (await readdir(path.join(examples, "mailbox"))).filter((n) => n.endsWith(".eml")).sort();
  files = await Promise.all(names.map(async (name) => ({ name, contentBase64: (await readFile(path.join(examples, "mailbox", name))).toString("base64") })));
  settings = JSON.parse(await readFile(path.join(examples, "settings.json"), "utf8"));
  records = JSON.parse(await readFile(path.join(examples, "records.json"), "utf8"));
});
afterAll(async () => {
  await api?.stack.close();
});

type Run = {
  id: string;
  status: string;
  progress: { done: number; total: number };
  summary?: { messages: number; tracked: number; byMethod: Record<string, number> };
  comparison?: { summary: { byMethod: Record<string, number> }; changed: number };
  messages?: Array<{ file: string; base: { why?: string; explanation?: { version: number }; correlation: { method: string } }; compare?: { correlation: { method: string } }; changed?: boolean }>;
  warnings: string[];
};

async function finished(id: string, who = READER): Promise<Run> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const answer = await api.call("GET", `/admin/what-if/${id}`, who);
    expect(answer.status).toBe(200);
    const run = answer.body as Run;
    if (run.status !== "running") return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the run did not finish");
}

describe("what-if", () => {
  it("compares two settings over the examples mailbox: progress, summary, messages with explanations, JSON Lines; nothing live written", async () => {
    const started = await api.call("POST", "/admin/what-if", {
      ...READER,
      body: { mailbox: MAILBOX, files, settings, compare: { organization: { useSmartMatching: false } }, records },
    });
    expect(started.status).toBe(202);
    const run = started.body as Run;
    expect(run).toMatchObject({ status: "running", progress: { done: 0, total: files.length * 2 } });
    expect(started.headers.get("location")).toBe(`/api/admin/what-if/${run.id}`);

    const done = await finished(run.id);
    expect(done.status).toBe("done");
    expect(done.progress).toEqual({ done: files.length * 2, total: files.length * 2 });
    expect(done.summary?.messages).toBe(files.length);
    expect(done.summary?.byMethod.smartMatching).toBe(1);
    expect(done.comparison?.summary.byMethod.smartMatching ?? 0).toBe(0);
    const smart = done.messages?.find((m) => m.file === "12-smart-matching.eml");
    expect(smart).toMatchObject({ changed: true, base: { correlation: { method: "smartMatching" } }, compare: { correlation: { method: "none" } } });
    expect(smart?.base.why).toMatch(/by smart matching/);
    expect(smart?.base.explanation?.version).toBe(1);
    expect(done.comparison?.changed).toBe(done.messages?.filter((m) => m.changed).length);

    // Fetched as text: the test client would parse anything "json" as one document.
    const jsonl = await fetch(`${api.stack.apiUrl}/admin/what-if/${run.id}/jsonl`, { headers: { authorization: `Bearer ${await api.stack.apiToken(READER)}` } });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(jsonl.headers.get("content-disposition")).toBe(`attachment; filename="what-if-${run.id}.jsonl"`);
    const lines = (await jsonl.text()).trimEnd().split("\n").map((line) => JSON.parse(line) as { file: string; changed: boolean });
    expect(lines.map((l) => l.file)).toEqual(done.messages?.map((m) => m.file));
    expect(lines.find((l) => l.file === "12-smart-matching.eml")?.changed).toBe(true);

    // The live store has no activity of the mailbox, no such mailbox and its own settings.
    const services = await api.stack.services();
    expect((await services.store.activities.listActivities({ mailbox: MAILBOX }, { limit: 10 })).items).toEqual([]);
    expect(await services.store.settings.getMailbox(MAILBOX)).toBeUndefined();
    expect((await services.store.settings.getOrganization())?.useSmartMatching ?? false).toBe(false);
  });

  it("reads an mbox, and warns when the mailbox resolves to no user record", async () => {
    const mbox = (await Promise.all(["01-crm-quote-sent.eml", "02-reply-in-reply-to.eml"].map((n) => readFile(path.join(examples, "mailbox", n), "utf8"))))
      .map((text) => `From sender@example.com Mon Jan  1 00:00:00 2024\n${text.replace(/^From /gm, ">From ")}\n`)
      .join("");
    const started = await api.call("POST", "/admin/what-if", { ...READER, body: { mailbox: MAILBOX, files: [{ name: "export.mbox", contentBase64: Buffer.from(mbox).toString("base64") }], settings } });
    expect(started.status).toBe(202);
    const done = await finished((started.body as Run).id);
    expect(done.messages?.map((m) => m.file)).toEqual(["export.mbox#1", "export.mbox#2"]);
    expect(done.messages?.[1]?.base.correlation.method).toBe("inReplyTo");
    expect(done.warnings.join(" ")).toMatch(/resolves to no active systemuser record \(no records were given\)/);
  });

  it("keeps a run to the person who started it", async () => {
    const started = await api.call("POST", "/admin/what-if", { ...READER, body: { mailbox: MAILBOX, files: files.slice(0, 1) } });
    const id = (started.body as Run).id;
    await finished(id);
    expect((await api.call("GET", `/admin/what-if/${id}`, { roles: ["Tracking.Read"], user: "someone.else@contoso.com" })).status).toBe(404);
    expect((await api.call("GET", `/admin/what-if/${id}/jsonl`, { roles: ["Tracking.Admin"], user: "someone.else@contoso.com" })).status).toBe(404);
    expect((await api.call("GET", "/admin/what-if/00000000-0000-4000-8000-000000000000", READER)).status).toBe(404);
  });
});

describe("bad input", () => {
  it.each([
    { what: "no files", body: () => ({ mailbox: MAILBOX, files: [] }), field: "files" },
    { what: "not base64", body: () => ({ mailbox: MAILBOX, files: [{ name: "a.eml", contentBase64: "***not base64***" }] }), field: "files.0.contentBase64" },
    { what: "not an address", body: () => ({ mailbox: "dana", files: files.slice(0, 1) }), field: "mailbox" },
    { what: "a bad setting", body: () => ({ mailbox: MAILBOX, files: files.slice(0, 1), settings: { organization: { trackingTokenPrefix: "CRM1" } } }), field: "settings.organization.trackingTokenPrefix" },
    { what: "a bad compare setting", body: () => ({ mailbox: MAILBOX, files: files.slice(0, 1), compare: { mailbox: { incomingEmailFilter: "some" } } }), field: "compare.mailbox.incomingEmailFilter" },
    { what: "a bad record", body: () => ({ mailbox: MAILBOX, files: files.slice(0, 1), records: [{ type: "contact", id: "c1" }] }), field: "records.0" },
    { what: "an unknown field", body: () => ({ mailbox: MAILBOX, files: files.slice(0, 1), database: "live" }), field: "database" },
  ])("answers 400 naming the field for $what", async ({ body, field }) => {
    const answer = await api.call("POST", "/admin/what-if", { ...READER, body: body() });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(field);
  });

  it("answers 413 to a body over API_MAX_BODY_BYTES, and 403 without a reading role", async () => {
    const big = { mailbox: MAILBOX, files: [{ name: "big.mbox", contentBase64: "A".repeat(1_100_000) }] };
    expect((await api.call("POST", "/admin/what-if", { ...READER, body: big })).status).toBe(413);
    expect((await api.call("POST", "/admin/what-if", { roles: ["Tracking.Approve"], body: { mailbox: MAILBOX, files: files.slice(0, 1) } })).status).toBe(403);
  });
});
