// The health, alert, item-log and Resync routes over real HTTP with signed tokens and the embedded
// Cosmos DB server: what processing recorded is what an admin (or the owner) reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectIdFor } from "../../local/graph-simulator/identity.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ANN = "ann@contoso.example.com";
const BOB = "bob@contoso.example.com";
const CUSTOMER = "carol@fabrikam.example.org";
const READER = { roles: ["Tracking.Read"] };
const ADMIN = { roles: ["Tracking.Admin"] };

let api: ApiClient;

beforeAll(async () => {
  api = await startApiStack();
  const { stack } = api;
  const { store, mailboxes } = await stack.services();
  await store.settings.putOrganization(parseOrganizationSettings({ notifyMailboxOwnerOfAlerts: false }));
  const since = new Date(Date.now() - 60_000).toISOString();
  for (const address of [ANN, BOB]) {
    stack.graph.addMailbox({ address });
    await mailboxes.enableMailbox({ address, incomingEmailFilter: "all", processEmailReceivedAfter: since });
    const settings = await store.settings.getMailbox(address);
    if (settings) await store.settings.putMailbox({ ...settings, ownerObjectId: objectIdFor(address) });
  }
  await stack.settle();
  stack.graph.deliverExternal({ to: [ANN], from: { address: CUSTOMER, name: "Carol" }, subject: "Ann's private order", body: "x" });
  stack.graph.deliverExternal({ to: [BOB], from: { address: CUSTOMER, name: "Carol" }, subject: "Bob's private order", body: "x" });
  await stack.settle();
});

afterAll(async () => {
  await api?.stack.close();
});

describe("GET /api/health (anonymous)", () => {
  it("says the host is up, Cosmos DB and the queue answer, counts mailboxes by state, and names no one", async () => {
    const answer = await api.call("GET", "/health");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: "ok",
      host: "up",
      cosmos: { reachable: true },
      queue: { reachable: true, poisonCount: 0 },
      mailboxes: { total: 2, byState: { healthy: 2, degraded: 0, failing: 0, disabled: 0, notRun: 0 } },
      oldestCoveredUpTo: expect.any(String),
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/contoso|fabrikam|order/i);
  });
});

describe("a mailbox's health", () => {
  it("shows the state, statuses, subscriptions, coverage and counts processing left", async () => {
    const answer = await api.call("GET", `/admin/mailboxes/${encodeURIComponent(ANN)}/health`, READER);
    expect(answer.status).toBe(200);
    const body = answer.body as { folders: Array<Record<string, unknown>>; subscriptions: unknown[] };
    expect(answer.body).toMatchObject({ mailbox: ANN, state: "healthy", enabled: true, consecutiveFailures: 0, lastSuccessfulSyncAt: expect.any(String) });
    expect(body.subscriptions).toEqual([expect.objectContaining({ folder: "inbox", expirationDateTime: expect.any(String) })]);
    expect(body.folders).toEqual([
      expect.objectContaining({ folder: "inbox", watched: true, coveredUpTo: expect.any(String), openGaps: [], needsCatchUp: false, tracked: 1, lastNotificationAt: expect.any(String) }),
    ]);
  });

  it("404 for an unknown mailbox; the owner may read their own, not another's", async () => {
    expect((await api.call("GET", `/admin/mailboxes/${encodeURIComponent("nobody@contoso.example.com")}/health`, READER)).status).toBe(404);
    expect((await api.call("GET", `/admin/mailboxes/${encodeURIComponent(ANN)}/health`, { user: ANN })).status).toBe(200);
    expect((await api.call("GET", `/admin/mailboxes/${encodeURIComponent(BOB)}/health`, { user: ANN })).status).toBe(403);
  });
});

describe("the item-level log", () => {
  it("the owner reads their own subjects; a reader who does not own the mailbox sees ***", async () => {
    const own = await api.call("GET", `/admin/mailboxes/${encodeURIComponent(ANN)}/item-log`, { user: ANN });
    expect(own.status).toBe(200);
    expect((own.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ mailbox: ANN, folder: "inbox", outcome: "tracked", reason: "acceptedByFilter", subject: "Ann's private order", via: "notification" }),
    ]);
    const all = await api.call("GET", "/admin/item-log", { ...READER, user: ANN });
    const items = (all.body as { items: Array<{ mailbox: string; subject?: string }> }).items;
    expect(items.find((entry) => entry.mailbox === ANN)?.subject).toBe("Ann's private order");
    expect(items.find((entry) => entry.mailbox === BOB)?.subject).toBe("***");
    expect(JSON.stringify(all.body)).not.toContain("Bob's private order");
  });

  it("filters by outcome and refuses another listing's token with a 400 naming it", async () => {
    const skipped = await api.call("GET", "/admin/item-log?outcome=skipped", READER);
    expect((skipped.body as { items: unknown[] }).items).toEqual([]);
    const first = await api.call("GET", "/admin/item-log?limit=1", READER);
    const token = (first.body as { continuationToken?: string }).continuationToken;
    expect(token).toBeDefined();
    const refused = await api.call("GET", `/admin/item-log?limit=1&outcome=tracked&continuationToken=${encodeURIComponent(token as string)}`, READER);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ field: "query.continuationToken" }] });
  });
});

describe("alerts", () => {
  it("lists by mailbox, level and time; owners see only what is flagged for them; admins delete", async () => {
    const { alerts, store } = await api.stack.services();
    const start = new Date().toISOString();
    await alerts.raise(BOB, { level: "error", code: "test.error", message: "an error" });
    await alerts.raise(BOB, { level: "information", code: "test.information", message: "for information" });
    await store.settings.putOrganization(parseOrganizationSettings({ notifyMailboxOwnerOfAlerts: true }));
    await alerts.raise(BOB, { level: "warning", code: "test.warning", message: "for the owner" });
    await store.settings.putOrganization(parseOrganizationSettings({}));

    const bob = `/admin/mailboxes/${encodeURIComponent(BOB)}/alerts`;
    const codes = async (path: string, options: object) => ((await api.call("GET", path, options)).body as { items: Array<{ code: string }> }).items.map((a) => a.code).filter((c) => c.startsWith("test."));
    expect(await codes(bob, READER)).toEqual(["test.warning", "test.information", "test.error"]);
    expect(await codes(`${bob}?level=error`, READER)).toEqual(["test.error"]);
    expect(await codes(`/admin/alerts?mailbox=${encodeURIComponent(BOB)}&level=warning`, READER)).toEqual(["test.warning"]);
    expect(await codes(`/admin/alerts?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, READER)).toEqual([]);
    expect(await codes(bob, { user: BOB })).toEqual(["test.warning"]);
    expect((await api.call("GET", bob, { user: ANN })).status).toBe(403);

    expect((await api.call("DELETE", `${bob}?level=information`, READER)).status).toBe(403);
    expect((await api.call("DELETE", `${bob}?level=information&since=${encodeURIComponent(start)}`, ADMIN)).body).toEqual({ deleted: 1 });
    expect(await codes(bob, READER)).toEqual(["test.warning", "test.error"]);
    expect((await api.call("DELETE", `/admin/alerts?mailbox=${encodeURIComponent(BOB)}`, ADMIN)).body).toMatchObject({ deleted: expect.any(Number) });
    expect(await codes(bob, READER)).toEqual([]);
  });

  it("400 naming the field for a bad level or time", async () => {
    const answer = await api.call("GET", "/admin/alerts?level=fatal", READER);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [expect.objectContaining({ field: expect.stringContaining("level") })] });
    expect((await api.call("GET", "/admin/alerts?since=yesterday", READER)).status).toBe(400);
  });
});

describe("Resync", () => {
  it("answers 202 at once; the mailbox's health shows it queued, then completed with what it found", async () => {
    const answer = await api.call("POST", `/admin/mailboxes/${encodeURIComponent(ANN)}/resync`, ADMIN);
    expect(answer).toMatchObject({ status: 202, body: { mailboxes: 1, folders: 1 } });
    const queued = await api.call("GET", `/admin/mailboxes/${encodeURIComponent(ANN)}/health`, READER);
    expect(queued.body).toMatchObject({ resync: { status: "queued", folders: ["inbox"], completed: {} } });
    await api.stack.settle();
    const done = await api.call("GET", `/admin/mailboxes/${encodeURIComponent(ANN)}/health`, READER);
    expect(done.body).toMatchObject({ resync: { status: "completed", completed: { inbox: { completedAt: expect.any(String), found: 0 } } } });
  });

  it("of every enabled mailbox; 404 for an unknown one", async () => {
    expect(await api.call("POST", "/admin/health/resync", ADMIN)).toMatchObject({ status: 202, body: { mailboxes: 2, folders: 2 } });
    expect((await api.call("POST", `/admin/mailboxes/${encodeURIComponent("nobody@contoso.example.com")}/resync`, ADMIN)).status).toBe(404);
    await api.stack.settle();
  });
});

describe("the organization overview", () => {
  it("counts mailboxes by state and lists each with its oldest coverage", async () => {
    const answer = await api.call("GET", "/admin/health", READER);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      mailboxes: { total: 2, byState: { healthy: 2 } },
      oldestCoveredUpTo: { mailbox: expect.any(String), folder: "inbox", coveredUpTo: expect.any(String) },
      items: [expect.objectContaining({ mailbox: ANN, state: "healthy" }), expect.objectContaining({ mailbox: BOB, state: "healthy" })],
    });
  });
});
