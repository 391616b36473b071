// /api/admin/outgoing end to end through the local stack: the owner sends a tracked email, the
// queue worker sends it through the Graph simulator, the Sent Items copy is the same activity, and
// the customer's replies correlate by In-Reply-To and by token. Idempotency keys, refusals and bad
// input as problem+json naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectIdFor } from "../../local/graph-simulator/identity.js";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { mailbox } from "../support/admin-fixture.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ADMIN = { roles: ["Tracking.Admin"] };
const READER = { roles: ["Tracking.Read"] };
const ANN = "ann@contoso.example.com";
const QUIET = "quiet@contoso.example.com";
const OWNER = { roles: [], user: ANN };
const CAROL = "carol@fabrikam.example";
const PATH = `/admin/outgoing/${encodeURIComponent(ANN)}`;

let api: ApiClient;
const decisions: TrackingDecisionEvent[] = [];
beforeAll(async () => {
  api = await startApiStack();
  trackingEvents.on("decision", (decision) => decisions.push(decision));
  const services = await api.stack.services();
  // Sent Items tracked too, so the copy's decision shows it is the same activity.
  await services.store.settings.putOrganization({ ...(await services.organization.get()).value, autoTrackSentFolderItems: true });
  for (const [address, overrides] of [[ANN, {}], [QUIET, { outgoingSyncMethod: "none" as const }]] as const) {
    api.stack.graph.addMailbox({ address });
    await services.mailboxes.enableMailbox({ address, kind: "user", incomingEmailFilter: "all", processEmailReceivedAfter: "2020-01-01T00:00:00Z", ...overrides });
    const stored = await services.store.settings.getMailbox(address);
    await services.store.settings.putMailbox({ ...(stored ?? mailbox(address)), ownerObjectId: objectIdFor(address) });
  }
});
afterAll(async () => {
  await api?.stack.close();
});

const email = (overrides: Record<string, unknown> = {}) => ({ to: [{ address: CAROL }], subject: "Your quote", body: { contentType: "html", content: "<p>Attached.</p>" }, ...overrides });
type Outgoing = { id: string; status: string; subject: string; trackingToken: string; internetMessageId: string; activityId?: string; deliveryAttempts: number };

describe("sending", () => {
  it("the owner sends; the queue sends it; Sent Items copy is the same activity; replies correlate by In-Reply-To and by token", async () => {
    const created = await api.call("POST", PATH, { ...OWNER, body: email({ regarding: { type: "account", id: "fabrikam" } }) });
    expect(created.status).toBe(201);
    const queued = created.body as Outgoing;
    expect(queued).toMatchObject({ status: "pendingSend", deliveryAttempts: 0, subject: expect.stringMatching(/^Your quote CRM:\d+$/) });
    await api.stack.settle();
    const sent = (await api.call("GET", `${PATH}/${queued.id}`, READER)).body as Outgoing;
    expect(sent).toMatchObject({ status: "sent", deliveryAttempts: 1, activityId: expect.any(String) });
    expect(api.stack.graph.listMessages(ANN, "sentitems").filter((m) => m.internetMessageId === sent.internetMessageId)).toHaveLength(1);
    const copy = decisions.find((d) => d.folder === "sentitems" && `<${d.result.internetMessageId}>` === sent.internetMessageId);
    expect(copy?.result).toMatchObject({ reason: "alreadyTracked", activityId: sent.activityId });

    const reply = api.stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: `RE: ${sent.subject}`, headers: [{ name: "In-Reply-To", value: sent.internetMessageId }] });
    const headerless = api.stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: `Question about ${sent.trackingToken}` });
    await api.stack.settle();
    const decisionOf = (id: string) => decisions.find((d) => `<${d.result.internetMessageId}>` === id)?.result;
    expect(decisionOf(reply.internetMessageId)).toMatchObject({ correlation: { method: "inReplyTo", correlatedActivityId: sent.activityId }, regarding: { type: "account", id: "fabrikam" } });
    expect(decisionOf(headerless.internetMessageId)).toMatchObject({ correlation: { method: "trackingToken" }, regarding: { type: "account", id: "fabrikam" } });
  });

  it("a Draft waits until it is sent", async () => {
    const created = (await api.call("POST", PATH, { ...ADMIN, body: email({ send: false }) })).body as Outgoing;
    expect(created.status).toBe("draft");
    await api.stack.settle();
    expect(((await api.call("GET", `${PATH}/${created.id}`, OWNER)).body as Outgoing).status).toBe("draft");
    expect((await api.call("POST", `${PATH}/${created.id}/send`, OWNER)).status).toBe(202);
    await api.stack.settle();
    expect(((await api.call("GET", `${PATH}/${created.id}`, OWNER)).body as Outgoing).status).toBe("sent");
    expect((await api.call("POST", `${PATH}/${created.id}/send`, OWNER)).status).toBe(409);
  });

  it("an Idempotency-Key returns the same email for the same request and refuses another request", async () => {
    const headers = { "idempotency-key": "quote-42" };
    const first = await api.call("POST", PATH, { ...OWNER, body: email(), headers });
    const again = await api.call("POST", PATH, { ...OWNER, body: email(), headers });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect((again.body as Outgoing).id).toBe((first.body as Outgoing).id);
    const other = await api.call("POST", PATH, { ...OWNER, body: email({ subject: "Something else" }), headers });
    expect(other).toMatchObject({ status: 409, body: { errors: [{ field: "Idempotency-Key" }] } });
    await api.stack.settle();
    const id = (first.body as Outgoing).internetMessageId;
    expect(api.stack.graph.listMessages(ANN, "sentitems").filter((m) => m.internetMessageId === id)).toHaveLength(1);
  });
});

describe("refusals and bad input", () => {
  it("refuses a mailbox whose outgoing method is None, and one that is not configured, with the reason", async () => {
    const none = await api.call("POST", `/admin/outgoing/${encodeURIComponent(QUIET)}`, { ...ADMIN, body: email() });
    expect(none).toMatchObject({ status: 409, body: { errors: [{ field: "mailbox" }] } });
    expect((none.body as { detail: string }).detail).toMatch(/outgoing email method is None/);
    const unknown = await api.call("POST", "/admin/outgoing/nobody%40contoso.example.com", { ...ADMIN, body: email() });
    expect(unknown.status).toBe(409);
    expect((unknown.body as { detail: string }).detail).toMatch(/not configured/);
  });

  it("refuses a user who does not own the mailbox", async () => {
    expect((await api.call("POST", PATH, { roles: [], user: "mallory@contoso.example.com", body: email() })).status).toBe(403);
    expect((await api.call("POST", PATH, { ...READER, body: email() })).status).toBe(403);
  });

  it.each([
    { case: "no recipient", body: email({ to: [] }), field: "to" },
    { case: "a bad address", body: email({ to: [{ address: "carol" }] }), field: "to.0.address" },
    { case: "an unknown record", body: email({ to: [{ record: { type: "contact", id: "nobody" } }] }), field: "to[0].record" },
    { case: "a body without content type", body: email({ body: { content: "x" } }), field: "body.contentType" },
    { case: "no subject", body: { to: [{ address: CAROL }], body: { contentType: "text", content: "x" } }, field: "subject" },
  ])("answers 400 naming the field for $case", async ({ body, field }) => {
    const answer = await api.call("POST", PATH, { ...ADMIN, body });
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
  });

  it("answers 400 to a malformed Idempotency-Key and 404 to an email of another mailbox", async () => {
    expect((await api.call("POST", PATH, { ...ADMIN, body: email(), headers: { "idempotency-key": "has spaces" } })).status).toBe(400);
    const created = (await api.call("POST", PATH, { ...ADMIN, body: email({ send: false }) })).body as Outgoing;
    expect((await api.call("GET", `/admin/outgoing/${encodeURIComponent(QUIET)}/${created.id}`, READER)).status).toBe(404);
    expect((await api.call("GET", `${PATH}/no-such-email`, READER)).status).toBe(404);
  });
});

describe("senders", () => {
  it("lists the mailboxes that may send first, and the others with the reason; only for admins", async () => {
    const answer = await api.call("GET", "/admin/outgoing/senders", ADMIN);
    expect(answer.status).toBe(200);
    const items = (answer.body as { items: Array<{ address: string; maySend: boolean; reason?: string }> }).items;
    expect(items).toEqual([
      { address: ANN, kind: "user", maySend: true },
      { address: QUIET, kind: "user", maySend: false, reason: expect.stringMatching(/outgoing email method is None, not Server-Side Synchronization/) },
    ]);
    expect((await api.call("GET", "/admin/outgoing/senders", READER)).status).toBe(403);
    expect((await api.call("GET", "/admin/outgoing/senders", OWNER)).status).toBe(403);
  });
});
