// /api/admin/mailboxes through the local stack: create with the organization's defaults, list by
// state with paging, update against If-Match, approval, Test & Enable (success, access denied, bad
// credentials), disable, delete and a changed address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphCredential, createGraphGateway } from "../../src/adapters/graph/index.js";
import { objectIdFor } from "../../local/graph-simulator/identity.js";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { createMailboxAdministration } from "../../src/app/mailbox-admin.js";
import { parseMailboxSettings } from "../../src/domain/settings.js";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { buildRecord } from "../support/builders.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ADMIN = { roles: ["Tracking.Admin"] };
const APPROVER = { roles: ["Tracking.Approve"] };
const READER = { roles: ["Tracking.Read"] };
const CUSTOMER = "carol@fabrikam.example.org";
const path = (address: string, tail = "") => `/admin/mailboxes/${encodeURIComponent(address)}${tail}`;

let api: ApiClient;
const decisions: TrackingDecisionEvent[] = [];
beforeAll(async () => {
  api = await startApiStack();
  trackingEvents.on("decision", (decision) => decisions.push(decision));
  const { store } = await api.stack.services();
  await store.records.upsertRecords([buildRecord({ type: "contact", id: "carol", emailAddresses: [CUSTOMER] })]);
  // The organization's defaults for new mailboxes.
  const settings = await api.call("GET", "/admin/settings/organization", READER);
  const saved = await api.call("PATCH", "/admin/settings/organization", {
    ...ADMIN,
    body: { defaultIncomingEmailFilter: "all", defaultOutgoingSyncMethod: "none" },
    headers: { "if-match": settings.headers.get("etag") ?? "" },
  });
  expect(saved.status).toBe(200);
});
afterAll(async () => {
  await api?.stack.close();
});

async function create(address: string, body: Record<string, unknown> = {}) {
  api.stack.graph.addMailbox({ address });
  return api.call("POST", "/admin/mailboxes", { ...ADMIN, body: { address, ...body } });
}

describe("create, get, list", () => {
  it("creates a mailbox with the organization's defaults, disabled and pending approval", async () => {
    const created = await create("Dana@Contoso.example.com");
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/admin/mailboxes/dana%40contoso.example.com");
    expect(created.body).toMatchObject({
      address: "dana@contoso.example.com",
      enabled: false,
      approvalStatus: "pendingApproval",
      incomingEmailFilter: "all",
      outgoingSyncMethod: "none",
      incomingSyncMethod: "serverSideSync",
      status: { incoming: { status: "notRun" }, outgoing: { status: "notRun" } },
    });
    // Given values win over the defaults.
    expect((await create("erin@contoso.example.com", { incomingEmailFilter: "none" })).body).toMatchObject({ incomingEmailFilter: "none" });
    expect((await api.call("POST", "/admin/mailboxes", { ...ADMIN, body: { address: "dana@contoso.example.com" } })).status).toBe(409);
    const read = await api.call("GET", path("dana@contoso.example.com"), READER);
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe(created.headers.get("etag"));
    expect((await api.call("GET", path("nobody@contoso.example.com"), READER)).status).toBe(404);
  });

  it.each([
    ["no address", {}, "address"],
    ["a bad address", { address: "not-an-address" }, "address"],
    ["an unknown field", { address: "x@contoso.example.com", colour: "red" }, "colour"],
    ["enabled (Test & Enable's job)", { address: "x@contoso.example.com", enabled: true }, "enabled"],
    ["26 tracked folders", { address: "x@contoso.example.com", trackedFolders: Array.from({ length: 26 }, (_, i) => ({ folder: `F${i}`, regarding: { type: "account", id: "a" } })) }, "trackedFolders"],
    ["a bad owner", { address: "x@contoso.example.com", ownerObjectId: "me" }, "ownerObjectId"],
  ])("refuses %s, naming the field", async (_name, body, field) => {
    const answer = await api.call("POST", "/admin/mailboxes", { ...ADMIN, body });
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
  });

  it("lists by state and approval status, a page at a time", async () => {
    for (const address of ["p1@contoso.example.com", "p2@contoso.example.com", "p3@contoso.example.com"]) await create(address);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await api.call("GET", `/admin/mailboxes?limit=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`, READER);
      expect(page.status).toBe(200);
      const body = page.body as { items: Array<{ address: string }>; continuationToken?: string };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item) => item.address));
      token = body.continuationToken;
    } while (token);
    expect(seen).toEqual(expect.arrayContaining(["p1@contoso.example.com", "p2@contoso.example.com", "p3@contoso.example.com"]));
    const enabled = await api.call("GET", "/admin/mailboxes?state=enabled", READER);
    expect((enabled.body as { items: unknown[] }).items).toEqual([]);
    const pending = await api.call("GET", "/admin/mailboxes?approvalStatus=pendingApproval&limit=100", READER);
    expect((pending.body as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(3);
    const bad = await api.call("GET", "/admin/mailboxes?state=sleeping&limit=1000", READER);
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort()).toEqual(["query.limit", "query.state"]);
  });
});

describe("update", () => {
  it("changes personal options against If-Match", async () => {
    const created = await create("frank@contoso.example.com");
    const etag = created.headers.get("etag") ?? "";
    const folders = [{ folder: "Customers/Contoso", regarding: { type: "account", id: "contoso" } }];
    expect((await api.call("PATCH", path("frank@contoso.example.com"), { ...ADMIN, body: { trackedFolders: folders } })).status).toBe(428);
    const updated = await api.call("PATCH", path("frank@contoso.example.com"), {
      ...ADMIN,
      body: { trackedFolders: folders, processEmailReceivedAfter: "2025-01-01T00:00:00Z", incomingEmailFilter: "fromLeadsContactsAccounts" },
      headers: { "if-match": etag },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ trackedFolders: folders, processEmailReceivedAfter: "2025-01-01T00:00:00Z", incomingEmailFilter: "fromLeadsContactsAccounts", approvalStatus: "pendingApproval" });
    const stale = await api.call("PATCH", path("frank@contoso.example.com"), { ...ADMIN, body: { incomingEmailFilter: "all" }, headers: { "if-match": etag } });
    expect(stale.status).toBe(412);
    const queueFolders = await api.call("PATCH", path("frank@contoso.example.com"), { ...ADMIN, body: { kind: "queue" }, headers: { "if-match": updated.headers.get("etag") ?? "" } });
    expect(queueFolders.status).toBe(400);
    expect((queueFolders.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain("trackedFolders");
  });

  it("treats a changed address as a new mailbox to approve and test again", async () => {
    await create("old@contoso.example.com");
    expect((await api.call("POST", path("old@contoso.example.com", "/approve"), APPROVER)).status).toBe(200);
    const read = await api.call("GET", path("old@contoso.example.com"), READER);
    expect(read.body).toMatchObject({ approvalStatus: "approved" });
    const moved = await api.call("PATCH", path("old@contoso.example.com"), { ...ADMIN, body: { address: "new@contoso.example.com" }, headers: { "if-match": read.headers.get("etag") ?? "" } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ address: "new@contoso.example.com", approvalStatus: "pendingApproval", enabled: false });
    expect((await api.call("GET", path("old@contoso.example.com"), READER)).status).toBe(404);
  });
});

describe("the mailbox's owner, without an app role", () => {
  const OWNER = "olga@contoso.example.com";
  const OTHER = "oscar@contoso.example.com";
  const folders = [{ folder: "Customers/Carol", regarding: { type: "contact", id: "carol" } }];

  beforeAll(async () => {
    for (const address of [OWNER, OTHER]) {
      const created = await create(address);
      const owned = await api.call("PATCH", path(address), { ...ADMIN, body: { ownerObjectId: objectIdFor(address) }, headers: { "if-match": created.headers.get("etag") ?? "" } });
      expect(owned.status).toBe(200);
    }
  });

  it("reads their own mailbox, not another's; a reader reads both", async () => {
    const own = await api.call("GET", path(OWNER), { user: OWNER });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ address: OWNER, ownerObjectId: objectIdFor(OWNER), status: { incoming: { status: "notRun" } } });
    expect(own.headers.get("etag")).toBeTruthy();
    expect((await api.call("GET", path(OTHER), { user: OWNER })).status).toBe(403);
    // An address match alone grants nothing: a caller named like the mailbox but with another oid.
    expect((await api.call("GET", path("nobody-owns@contoso.example.com"), { user: OWNER })).status).toBe(403);
    for (const address of [OWNER, OTHER]) expect((await api.call("GET", path(address), { ...READER, user: OWNER })).status).toBe(200);
  });

  it("changes their own filter and tracked folders against If-Match; not another's, and a reader changes neither", async () => {
    const read = await api.call("GET", path(OWNER), { user: OWNER });
    const body = { incomingEmailFilter: "fromLeadsContactsAccounts", trackedFolders: folders };
    expect((await api.call("PATCH", path(OWNER, "/personal-options"), { user: OWNER, body })).status).toBe(428);
    const changed = await api.call("PATCH", path(OWNER, "/personal-options"), { user: OWNER, body, headers: { "if-match": read.headers.get("etag") ?? "" } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ address: OWNER, ...body, approvalStatus: "pendingApproval", enabled: false });
    const stale = await api.call("PATCH", path(OWNER, "/personal-options"), { user: OWNER, body: { incomingEmailFilter: "all" }, headers: { "if-match": read.headers.get("etag") ?? "" } });
    expect(stale.status).toBe(412);

    for (const options of [{ user: OWNER }, { ...READER, user: OWNER }]) {
      const other = await api.call("PATCH", path(OTHER, "/personal-options"), { ...options, body: { incomingEmailFilter: "all" }, headers: { "if-match": "*" } });
      expect(other.status).toBe(403);
    }
    expect((await api.call("PATCH", path(OWNER, "/personal-options"), { ...READER, user: "reader@contoso.example.com", body: { incomingEmailFilter: "all" }, headers: { "if-match": "*" } })).status).toBe(403);
    expect((await api.call("GET", path(OTHER), READER)).body).toMatchObject({ incomingEmailFilter: "all", trackedFolders: [] });
    // An admin may use the same route.
    expect((await api.call("PATCH", path(OTHER, "/personal-options"), { ...ADMIN, body: { incomingEmailFilter: "none" }, headers: { "if-match": "*" } })).body).toMatchObject({ incomingEmailFilter: "none" });
  });

  it("may not change what stays with administrators: sync methods, start date, owner, address; nor approve, test, disable or delete", async () => {
    for (const change of [{ incomingSyncMethod: "none" }, { outgoingSyncMethod: "none" }, { processEmailReceivedAfter: "2025-01-01T00:00:00Z" }, { ownerObjectId: objectIdFor(OTHER) }, { address: "x@contoso.example.com" }, { enabled: true }, { kind: "queue" }]) {
      const refused = await api.call("PATCH", path(OWNER, "/personal-options"), { user: OWNER, body: change, headers: { "if-match": "*" } });
      expect([change, refused.status]).toEqual([change, 400]);
      expect((await api.call("PATCH", path(OWNER), { user: OWNER, body: change, headers: { "if-match": "*" } })).status).toBe(403);
    }
    for (const action of ["/approve", "/reject", "/test-and-enable", "/disable"]) expect((await api.call("POST", path(OWNER, action), { user: OWNER })).status).toBe(403);
    expect((await api.call("DELETE", path(OWNER), { user: OWNER })).status).toBe(403);
    expect((await api.call("GET", path(OWNER), READER)).body).toMatchObject({ incomingSyncMethod: "serverSideSync", ownerObjectId: objectIdFor(OWNER) });
  });

  it("gets the API's message for a bad folder, naming the field", async () => {
    const tooMany = Array.from({ length: 26 }, (_, i) => ({ folder: `F${i}`, regarding: { type: "contact", id: "carol" } }));
    const refused = await api.call("PATCH", path(OWNER, "/personal-options"), { user: OWNER, body: { trackedFolders: tooMany }, headers: { "if-match": "*" } });
    expect(refused.status).toBe(400);
    expect((refused.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toEqual([expect.stringMatching(/trackedFolders/)]);
  });
});

describe("approval and Test & Enable", () => {
  it("refuses an unapproved mailbox with the reason, then enables it once approved and tracks its mail", async () => {
    const address = "gina@contoso.example.com";
    await create(address);
    const refused = await api.call("POST", path(address, "/test-and-enable"), ADMIN);
    expect(refused.status).toBe(409);
    expect((refused.body as { detail: string }).detail).toMatch(/requires approval.*pendingApproval/);

    const approved = await api.call("POST", path(address, "/approve"), APPROVER);
    expect(approved.body).toMatchObject({ approvalStatus: "approved" });
    const tested = await api.call("POST", path(address, "/test-and-enable"), ADMIN);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({
      enabled: true,
      mailbox: { enabled: true, status: { incoming: { status: "success" }, outgoing: { status: "notRun", reason: "outgoing synchronization method is none" } } },
    });
    const simulatorMailbox = api.stack.graph.getMailbox(address)?.id;
    expect(api.stack.graph.listSubscriptions().filter((subscription) => subscription.mailboxId === simulatorMailbox).length).toBeGreaterThan(0);
    await api.stack.settle();

    const delivered = api.stack.graph.deliverExternal({ to: [address], from: { address: CUSTOMER }, subject: "Hello Gina" });
    await api.stack.settle();
    const mine = decisions.filter((decision) => decision.result.internetMessageId.replace(/^<|>$/g, "") === delivered.internetMessageId.replace(/^<|>$/g, ""));
    expect(mine.map((decision) => decision.result.created)).toContain(true);
  });

  it("records a denied Inbox as a failure with the reason, and leaves the mailbox disabled", async () => {
    const address = "hank@contoso.example.com";
    await create(address, { outgoingSyncMethod: "serverSideSync" });
    await api.call("POST", path(address, "/approve"), APPROVER);
    api.stack.graph.faults.accessDenied(address, true);
    const tested = await api.call("POST", path(address, "/test-and-enable"), ADMIN);
    api.stack.graph.faults.accessDenied(address, false);
    expect(tested.status).toBe(200);
    const body = tested.body as { enabled: boolean; mailbox: { enabled: boolean; status: { incoming: { status: string; reason: string; at: string } } } };
    expect(body.enabled).toBe(false);
    expect(body.mailbox.enabled).toBe(false);
    expect(body.mailbox.status.incoming).toMatchObject({ status: "failure", reason: expect.stringMatching(/^access to Inbox was denied/) });
    expect(Date.parse(body.mailbox.status.incoming.at)).not.toBeNaN();
    const listed = await api.call("GET", "/admin/mailboxes?state=enabled&limit=100", READER);
    expect((listed.body as { items: Array<{ address: string }> }).items.map((item) => item.address)).not.toContain(address);
  });

  it("disables a mailbox and removes its subscriptions", async () => {
    const address = "gina@contoso.example.com";
    const disabled = await api.call("POST", path(address, "/disable"), ADMIN);
    expect(disabled.body).toMatchObject({ enabled: false });
    const simulatorMailbox = api.stack.graph.getMailbox(address)?.id;
    expect(api.stack.graph.listSubscriptions().filter((subscription) => subscription.mailboxId === simulatorMailbox)).toEqual([]);
  });

  it("deletes a mailbox", async () => {
    expect((await api.call("DELETE", path("erin@contoso.example.com"), ADMIN)).status).toBe(204);
    expect((await api.call("GET", path("erin@contoso.example.com"), READER)).status).toBe(404);
    expect((await api.call("DELETE", path("erin@contoso.example.com"), ADMIN)).status).toBe(404);
  });
});

describe("Test & Enable with the app's credentials refused", () => {
  it("reports bad credentials as such, not as a permission problem", async () => {
    const graph = api.stack.graph;
    const gateway = createGraphGateway({
      credential: createGraphCredential({ kind: "clientSecret", tenantId: graph.tenantId, clientId: process.env.GRAPH_CLIENT_ID ?? "", clientSecret: "wrong-secret", authorityHost: graph.authorityHost, ca: graph.ca }),
      baseUrl: graph.baseUrl,
      ca: graph.ca,
      maxRetries: 0,
    });
    const store = createMemoryTrackingStore();
    await store.settings.putMailbox(parseMailboxSettings({ address: "gina@contoso.example.com", approvalStatus: "approved" }));
    const admin = createMailboxAdministration({
      store,
      gateway,
      subscriptions: { reconcile: async () => ({}) as never, requestCatchUpForMailbox: async () => 0 },
      clock: () => new Date(),
    });
    try {
      const outcome = await admin.testAndEnable("gina@contoso.example.com");
      expect(outcome.ok && outcome.value.view.status.incoming).toMatchObject({ status: "failure", reason: expect.stringMatching(/^the app's credentials were refused/) });
      expect(outcome.ok && outcome.value.enabled).toBe(false);
    } finally {
      await gateway.close();
    }
  });
});
