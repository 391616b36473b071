// /api/admin/activities through the local stack: listings with continuation tokens, one activity
// with its explanation, re-link and unlink (inherited by later replies), tracking a given message,
// mailbox owners without a role, and bad input as problem+json naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectIdFor } from "../../local/graph-simulator/identity.js";
import { mailbox } from "../support/admin-fixture.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ADMIN = { roles: ["Tracking.Admin"] };
const READER = { roles: ["Tracking.Read"] };
const ANN = "ann@contoso.example.com";
const OWNER = { roles: [], user: ANN };
const STRANGER = { roles: [], user: "mallory@contoso.example.com" };
const CAROL = "carol@fabrikam.example";
/** Tracks nothing by itself: what is tracked there was asked for. */
const BOB = "bob@contoso.example.com";

let api: ApiClient;
beforeAll(async () => {
  api = await startApiStack();
  const services = await api.stack.services();
  api.stack.graph.addMailbox({ address: ANN });
  await services.mailboxes.enableMailbox({ address: ANN, kind: "user", incomingEmailFilter: "all", processEmailReceivedAfter: "2020-01-01T00:00:00Z" });
  const enabled = await services.store.settings.getMailbox(ANN);
  await services.store.settings.putMailbox({ ...(enabled ?? mailbox(ANN)), ownerObjectId: objectIdFor(ANN) });
  api.stack.graph.addMailbox({ address: BOB });
  await services.mailboxes.enableMailbox({ address: BOB, kind: "user", incomingEmailFilter: "none", processEmailReceivedAfter: "2020-01-01T00:00:00Z" });
  const bob = await services.store.settings.getMailbox(BOB);
  await services.store.settings.putMailbox({ ...(bob ?? mailbox(BOB, { incomingEmailFilter: "none" })), ownerObjectId: objectIdFor(BOB) });
});
afterAll(async () => {
  await api?.stack.close();
});

async function deliver(subject: string, headers: Array<{ name: string; value: string }> = []) {
  const delivered = api.stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject, headers });
  await api.stack.settle();
  const services = await api.stack.services();
  const page = await services.activities.listActivities({ mailbox: ANN }, { limit: 100 });
  const activity = page.items.find((item) => `<${item.internetMessageId}>` === delivered.internetMessageId);
  if (!activity) throw new Error(`${subject} was not tracked`);
  return { delivered, activity };
}

type Page = { items: Array<{ id: string }>; continuationToken?: string };

describe("listing", () => {
  it("pages a mailbox's activities newest first with continuation tokens, for a reader and for the mailbox's owner", async () => {
    const tracked: string[] = [];
    for (const n of [1, 2, 3]) tracked.push((await deliver(`Listing ${n}`)).activity.id);
    for (const who of [READER, OWNER]) {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const answer = await api.call("GET", `/admin/activities?mailbox=${encodeURIComponent(ANN)}&limit=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`, who);
        expect(answer.status).toBe(200);
        const page = answer.body as Page;
        ids.push(...page.items.map((item) => item.id));
        token = page.continuationToken;
      } while (token);
      expect(ids.filter((id) => tracked.includes(id))).toEqual([...tracked].reverse());
    }
  });

  it("refuses a user who does not own the mailbox, and an owner listing without naming it", async () => {
    expect((await api.call("GET", `/admin/activities?mailbox=${encodeURIComponent(ANN)}`, STRANGER)).status).toBe(403);
    expect((await api.call("GET", "/admin/activities", OWNER)).status).toBe(403);
  });

  it.each([
    { case: "two filters", query: `mailbox=${encodeURIComponent(ANN)}&conversationId=x`, field: "query.mailbox" },
    { case: "regardingType without regardingId", query: "regardingType=account", field: "query.regardingId" },
    { case: "a from that is not a date", query: "from=yesterday", field: "query.from" },
    { case: "a limit over 100", query: "limit=500", field: "query.limit" },
    { case: "a continuation token it never gave", query: `mailbox=${encodeURIComponent(ANN)}&continuationToken=abc`, field: "query.continuationToken" },
  ])("answers 400 naming the field for $case", async ({ query, field }) => {
    const answer = await api.call("GET", `/admin/activities?${query}`, READER);
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
  });

  it("lists a bare time range for a reader", async () => {
    const { activity } = await deliver("In range");
    const from = new Date(Date.parse(activity.activityTime) - 1000).toISOString();
    const answer = await api.call("GET", `/admin/activities?from=${from}`, READER);
    expect((answer.body as Page).items.map((item) => item.id)).toContain(activity.id);
  });
});

describe("one activity, re-link and unlink", () => {
  it("returns the activity with its explanation to its owner, 403 to a stranger, 404 for an unknown id", async () => {
    const { activity } = await deliver("Explained");
    const answer = await api.call("GET", `/admin/activities/${activity.id}`, OWNER);
    expect(answer).toMatchObject({ status: 200, body: { activity: { id: activity.id, decisionReason: "acceptedByFilter" } } });
    expect((answer.body as { explanation: { why: string } }).explanation.why).toMatch(/\w/);
    expect((await api.call("GET", `/admin/activities/${activity.id}`, STRANGER)).status).toBe(403);
    expect((await api.call("GET", "/admin/activities/no-such-activity", READER)).status).toBe(404);
  });

  it("the owner re-links a conversation: recorded with their oid, inherited by the next reply; unlink clears it", async () => {
    const { delivered, activity } = await deliver("Needs a link");
    const relink = await api.call("POST", `/admin/activities/${activity.id}/relink`, { ...OWNER, body: { regarding: { type: "account", id: "fabrikam" }, scope: "conversation", reason: "customer thread" } });
    expect(relink.status).toBe(200);
    expect(relink.body).toMatchObject({ unchanged: 0, changed: [{ id: activity.id, regarding: { type: "account", id: "fabrikam" }, regardingChanges: [{ by: { oid: objectIdFor(ANN) }, action: "relink", scope: "conversation", reason: "customer thread" }] }] });
    const { activity: reply } = await deliver("RE: Needs a link", [{ name: "In-Reply-To", value: delivered.internetMessageId }]);
    expect(reply.regarding).toEqual({ type: "account", id: "fabrikam" });
    const listed = await api.call("GET", "/admin/activities?regardingType=account&regardingId=fabrikam", READER);
    expect((listed.body as Page).items.map((item) => item.id).sort()).toEqual([activity.id, reply.id].sort());
    const unlink = await api.call("POST", `/admin/activities/${reply.id}/unlink`, { ...ADMIN, body: { scope: "conversation" } });
    expect((unlink.body as { changed: unknown[] }).changed).toHaveLength(2);
    const { activity: later } = await deliver("RE: RE: Needs a link", [{ name: "In-Reply-To", value: `<${reply.internetMessageId}>` }]);
    expect(later.regarding).toBeUndefined();
  });

  it.each([
    { case: "no regarding", body: {}, field: "regarding" },
    { case: "an unknown scope", body: { regarding: { type: "account", id: "a" }, scope: "everything" }, field: "scope" },
    { case: "an unknown record type", body: { regarding: { type: "planet", id: "a" } }, field: "regarding.type" },
  ])("refuses a re-link with $case", async ({ body, field }) => {
    const { activity } = await deliver(`Bad relink ${field}`);
    const answer = await api.call("POST", `/admin/activities/${activity.id}/relink`, { ...ADMIN, body });
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
  });
});

describe("tracking a given message", () => {
  it("tracks a message the filter skipped, by Message-ID, for the owner; 404 for one that does not exist", async () => {
    const delivered = api.stack.graph.deliverExternal({ to: [BOB], from: { address: CAROL }, subject: "Not auto-tracked" });
    await api.stack.settle();
    const path = `/admin/activities/track/${encodeURIComponent(BOB)}`;
    const answer = await api.call("POST", path, { roles: [], user: BOB, body: { internetMessageId: delivered.internetMessageId, regarding: { type: "contact", id: "carol" } } });
    expect(answer).toMatchObject({ status: 200, body: { tracked: true, created: true, reason: "trackedByUser", activity: { regarding: { type: "contact", id: "carol" } } } });
    const again = await api.call("POST", path, { ...ADMIN, body: { internetMessageId: delivered.internetMessageId } });
    expect(again).toMatchObject({ status: 200, body: { tracked: true, created: false, reason: "alreadyTracked" } });
    const missing = await api.call("POST", path, { ...ADMIN, body: { internetMessageId: "<nobody@nowhere.example>" } });
    expect(missing).toMatchObject({ status: 404, body: { errors: [{ field: "internetMessageId" }] } });
    const both = await api.call("POST", path, { ...ADMIN, body: { internetMessageId: "<a@b>", graphMessageId: "x" } });
    expect(both).toMatchObject({ status: 400, body: { errors: [{ field: "graphMessageId" }] } });
    expect((await api.call("POST", path, { ...OWNER, body: { internetMessageId: "<a@b>" } })).status).toBe(403);
  });
});
