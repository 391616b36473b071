// Outgoing email on the in-memory store and the Graph simulator: statuses, tokens, the queue,
// retries with backoff, idempotency keys, and never sending twice across crashes.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import { AdminError } from "../../src/app/admin-errors.js";
import type { MailGateway, QueueItem } from "../../src/app/ports.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";
import { adminServices, mailbox, startSimulator } from "../support/admin-fixture.js";

const ANN = "ann@contoso.test";
const CAROL = "carol@fabrikam.example";
const BY = { oid: "0f0e0d0c-0000-4000-8000-000000000001", name: "Ann" };

let sim: GraphSimulator;
let gateway: GraphGateway;
let now: Date;
let services: ReturnType<typeof adminServices>;

beforeAll(async () => {
  ({ sim, gateway } = await startSimulator());
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});
afterEach(() => sim.faults.clear());

let mailboxNumber = 0;
let ann: string;
beforeEach(async () => {
  // A fresh simulated mailbox per test, so Sent Items counts are the test's own.
  ann = `ann${++mailboxNumber}@contoso.test`;
  sim.addMailbox({ address: ann });
  now = new Date("2025-06-01T10:00:00.000Z");
  services = adminServices({ gateway, now: () => now });
  await services.store.settings.putMailbox(mailbox(ann));
});

const sentCopies = (address: string, internetMessageId: string) =>
  sim.listMessages(address, "sentitems").filter((message) => message.internetMessageId === internetMessageId);
const drafts = (address: string) => sim.listMessages(address, "drafts");

function request(overrides: Record<string, unknown> = {}) {
  return { mailbox: ann, to: [{ address: CAROL }], subject: "Your quote", body: { contentType: "text" as const, content: "Attached." }, by: BY, ...overrides };
}

async function runQueue(options: { gateway?: MailGateway } = {}): Promise<string[]> {
  const outgoing = options.gateway ? adminServices({ gateway: options.gateway, store: services.store, now: () => now }).outgoing : services.outgoing;
  const statuses: string[] = [];
  for (const { item } of services.queue.take()) statuses.push((await outgoing.processSend(item as Extract<QueueItem, { kind: "send" }>)).status);
  return statuses;
}

describe("creating and sending", () => {
  it("Pending Send and queued, then Sent from the queue: token in the subject, one Sent Items copy, tracked with its regarding", async () => {
    const { created, email } = await services.outgoing.createOutgoing(request({ regarding: { type: "contact", id: "carol" }, cc: [{ address: "dan@fabrikam.example" }], bcc: [{ address: "eve@fabrikam.example" }] }));
    expect(created).toBe(true);
    expect(email).toMatchObject({ status: "pendingSend", deliveryAttempts: 0, subject: expect.stringMatching(/^Your quote CRM:\d{7}$/) });
    expect(services.queue.items.map(({ item }) => item)).toEqual([{ kind: "send", mailbox: ann, outgoingId: email.id, requestedAt: now.toISOString() }]);

    expect(await runQueue()).toEqual(["sent"]);
    const sent = await services.outgoing.getOutgoing(email.id);
    expect(sent).toMatchObject({ status: "sent", deliveryAttempts: 1, sentOn: now.toISOString() });
    expect(sent.conversationIndex).toBeTypeOf("string");
    const [copy, ...more] = sentCopies(ann, email.internetMessageId);
    expect(more).toEqual([]);
    expect(copy).toMatchObject({ subject: email.subject, isDraft: false });
    expect(copy?.ccRecipients.map((r) => r.address)).toEqual(["dan@fabrikam.example"]);
    const activity = await services.store.activities.getActivity(sent.activityId as string);
    expect(activity).toMatchObject({ direction: "outgoing", decisionReason: "sentByApp", regarding: { type: "contact", id: "carol" }, trackingToken: email.trackingToken });
    expect(`<${activity?.internetMessageId}>`).toBe(email.internetMessageId);
  });

  it("a Draft is not queued until it is sent; sending it twice queues it twice but sends once", async () => {
    const { email } = await services.outgoing.createOutgoing(request({ send: false }));
    expect(email.status).toBe("draft");
    expect(services.queue.items).toEqual([]);
    await services.outgoing.sendOutgoing(email.id);
    await services.outgoing.sendOutgoing(email.id);
    expect(services.queue.items).toHaveLength(2);
    expect(await runQueue()).toEqual(["sent", "sent"]);
    expect(sentCopies(ann, email.internetMessageId)).toHaveLength(1);
    await expect(services.outgoing.sendOutgoing(email.id)).rejects.toMatchObject({ code: "refused" });
  });

  it("addresses a record by its email address; an unknown, inactive or address-less record is refused with the field", async () => {
    await services.store.records.upsertRecords([
      { type: "contact", id: "carol", emailAddresses: ["Carol@Fabrikam.example"], createdOn: "2024-01-01T00:00:00.000Z" },
      { type: "contact", id: "gone", emailAddresses: ["gone@fabrikam.example"], active: false, createdOn: "2024-01-01T00:00:00.000Z" },
      { type: "account", id: "noaddress", emailAddresses: [], createdOn: "2024-01-01T00:00:00.000Z" },
    ]);
    const { email } = await services.outgoing.createOutgoing(request({ to: [{ record: { type: "contact", id: "carol" } }] }));
    expect(email.to).toEqual([{ address: CAROL, record: { type: "contact", id: "carol" } }]);
    for (const [record, field] of [
      [{ type: "lead", id: "nobody" }, "cc[1].record"],
      [{ type: "contact", id: "gone" }, "cc[1].record"],
      [{ type: "account", id: "noaddress" }, "cc[1].record"],
    ] as const) {
      const failure = await services.outgoing.createOutgoing(request({ cc: [{ address: "x@y.example" }, { record }] })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AdminError);
      expect(failure).toMatchObject({ code: "invalid", field });
    }
    await expect(services.outgoing.createOutgoing(request({ to: [] }))).rejects.toMatchObject({ code: "invalid", field: "to" });
  });

  it.each([
    { case: "outgoing method None", settings: { outgoingSyncMethod: "none" as const }, reason: /outgoing email method is None/ },
    { case: "disabled", settings: { enabled: false }, reason: /disabled/ },
    { case: "pending approval", settings: { approvalStatus: "pendingApproval" as const }, reason: /not approved/ },
  ])("refuses a mailbox that may not send ($case), with the reason", async ({ settings, reason }) => {
    await services.store.settings.putMailbox(mailbox(ann, settings));
    const failure = await services.outgoing.createOutgoing(request()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "refused", field: "mailbox" });
    expect((failure as Error).message).toMatch(reason);
    expect(services.queue.items).toEqual([]);
  });

  it("refuses a mailbox that is not configured", async () => {
    await expect(services.outgoing.createOutgoing(request({ mailbox: "nobody@contoso.test" }))).rejects.toMatchObject({ code: "refused", message: expect.stringMatching(/not configured/) });
  });

  it("fails an email whose mailbox was disabled before it went out", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    await services.store.settings.putMailbox(mailbox(ann, { enabled: false }));
    expect(await runQueue()).toEqual(["failed"]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "failed", deliveryAttempts: 0, lastError: { code: "mailboxMayNotSend" } });
    expect(sentCopies(ann, email.internetMessageId)).toEqual([]);
  });

  it("gives 20 concurrent emails of one mailbox 20 different tracking tokens", async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => services.outgoing.createOutgoing(request({ subject: `Quote ${i}` }))));
    expect(new Set(created.map(({ email }) => email.trackingToken)).size).toBe(20);
  });

  it("keeps the subject with its token within 255 characters", async () => {
    const { email } = await services.outgoing.createOutgoing(request({ subject: "x".repeat(300) }));
    expect(email.subject.length).toBe(255);
    expect(email.subject.endsWith(` ${email.trackingToken}`)).toBe(true);
  });
});

describe("idempotency key", () => {
  it("the same key and request return the same email (queued again while pending); another request with it is a conflict", async () => {
    const first = await services.outgoing.createOutgoing(request({ idempotencyKey: "k-1" }));
    const again = await services.outgoing.createOutgoing(request({ idempotencyKey: "k-1" }));
    expect(again).toEqual({ created: false, email: first.email });
    expect(services.queue.items).toHaveLength(1);
    // A minute later and still waiting: the first enqueue may have been lost, so it is queued again.
    now = new Date(now.getTime() + 60_000);
    await services.outgoing.createOutgoing(request({ idempotencyKey: "k-1" }));
    expect(services.queue.items).toHaveLength(2);
    await expect(services.outgoing.createOutgoing(request({ idempotencyKey: "k-1", subject: "Another" }))).rejects.toMatchObject({ code: "conflict", field: "Idempotency-Key" });
    // Another caller's key of the same name is theirs.
    const other = await services.outgoing.createOutgoing(request({ idempotencyKey: "k-1", by: { oid: "someone-else" } }));
    expect(other.created).toBe(true);
    expect(await runQueue()).toEqual(["sent", "sent", "sent"]);
    expect(sentCopies(ann, first.email.internetMessageId)).toHaveLength(1);
    const afterSend = await services.outgoing.createOutgoing(request({ idempotencyKey: "k-1" }));
    expect(afterSend.email.status).toBe("sent");
    expect(services.queue.items).toEqual([]);
  });

  it("8 concurrent requests with one key create one email", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => services.outgoing.createOutgoing(request({ idempotencyKey: "burst" }))));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.email.id)).size).toBe(1);
  });
});

describe("retries and crashes", () => {
  it("retries transient failures with growing delays, then sends", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    sim.faults.serverError({ count: 2, status: 503, mailbox: ann });
    expect(await runQueue()).toEqual(["pendingSend"]);
    expect(services.queue.items.map((queued) => queued.delayInSeconds)).toEqual([30]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ deliveryAttempts: 1, lastError: { code: "graph.temporary" }, nextAttemptAt: "2025-06-01T10:00:30.000Z" });
    // An early duplicate of the item does nothing.
    await services.outgoing.processSend({ kind: "send", mailbox: ann, outgoingId: email.id, requestedAt: now.toISOString() });
    expect((await services.outgoing.getOutgoing(email.id)).deliveryAttempts).toBe(1);
    now = new Date("2025-06-01T10:00:30.000Z");
    expect(await runQueue()).toEqual(["pendingSend"]);
    expect(services.queue.items.map((queued) => queued.delayInSeconds)).toEqual([60]);
    now = new Date("2025-06-01T10:01:30.000Z");
    expect(await runQueue()).toEqual(["sent"]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "sent", deliveryAttempts: 3 });
    expect(sentCopies(ann, email.internetMessageId)).toHaveLength(1);
  });

  it("is Failed after 5 attempts, and a new send starts a new round", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    sim.faults.serverError({ count: 100, status: 503, mailbox: ann });
    const statuses: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(...(await runQueue()));
      now = new Date(now.getTime() + 3_600_000);
    }
    expect(statuses).toEqual(["pendingSend", "pendingSend", "pendingSend", "pendingSend", "failed"]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "failed", deliveryAttempts: 5 });
    sim.faults.clear();
    await services.outgoing.sendOutgoing(email.id);
    expect(await runQueue()).toEqual(["sent"]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "sent", deliveryAttempts: 1 });
  });

  it("fails at once on a permanent failure (access denied)", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    sim.faults.accessDenied(ann, true);
    expect(await runQueue()).toEqual(["failed"]);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "failed", lastError: { code: "graph.permission" } });
  });

  it("a crash between Graph's send and the status write does not send again: the next attempt finds the sent message", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    const crashAfterSend: MailGateway = { ...gateway, sendDraft: async (box, id) => { await gateway.sendDraft(box, id); throw new Error("worker died"); } };
    await expect(runQueue({ gateway: crashAfterSend })).rejects.toThrow("worker died");
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "sending", deliveryAttempts: 1 });
    // Redelivered at once: the attempt still holds its lease, so the item is put back for later.
    await services.outgoing.processSend({ kind: "send", mailbox: ann, outgoingId: email.id, requestedAt: now.toISOString() });
    expect(services.queue.take().map((queued) => queued.delayInSeconds)).toEqual([121]);
    now = new Date(now.getTime() + 121_000);
    await services.queue.enqueue([{ kind: "send", mailbox: ann, outgoingId: email.id, requestedAt: now.toISOString() }]);
    expect(await runQueue()).toEqual(["sent"]);
    expect(sentCopies(ann, email.internetMessageId)).toHaveLength(1);
    expect(await services.outgoing.getOutgoing(email.id)).toMatchObject({ status: "sent", deliveryAttempts: 2 });
  });

  it("a crash after the draft was created sends that draft, leaving no second one", async () => {
    const { email } = await services.outgoing.createOutgoing(request());
    const crashAfterDraft: MailGateway = { ...gateway, createDraft: async (box, message) => { await gateway.createDraft(box, message); throw new Error("worker died"); } };
    await expect(runQueue({ gateway: crashAfterDraft })).rejects.toThrow("worker died");
    expect(drafts(ann).filter((draft) => draft.internetMessageId === email.internetMessageId)).toHaveLength(1);
    now = new Date(now.getTime() + 121_000);
    await services.queue.enqueue([{ kind: "send", mailbox: ann, outgoingId: email.id, requestedAt: now.toISOString() }]);
    expect(await runQueue()).toEqual(["sent"]);
    expect(drafts(ann).filter((draft) => draft.internetMessageId === email.internetMessageId)).toEqual([]);
    expect(sentCopies(ann, email.internetMessageId)).toHaveLength(1);
  });
});

describe("replies", () => {
  it("the customer's reply correlates by In-Reply-To, and one that lost its headers by the token", async () => {
    const { email } = await services.outgoing.createOutgoing(request({ regarding: { type: "account", id: "fabrikam" } }));
    await runQueue();
    const sent = await services.outgoing.getOutgoing(email.id);
    sim.deliverExternal({ to: [ann], from: { address: CAROL }, subject: `RE: ${email.subject}`, headers: [{ name: "In-Reply-To", value: email.internetMessageId }] });
    sim.deliverExternal({ to: [ann], from: { address: CAROL }, subject: `Fwd: ${email.subject}` });
    const inbox = sim.listMessages(ann, "inbox");
    const results = [];
    for (const message of inbox) results.push(await services.activities.trackGivenMessage({ mailbox: ann, graphMessageId: message.id, by: BY }));
    expect(results.map((result) => [result.correlation.method, result.correlation.correlatedActivityId, result.regarding])).toEqual([
      ["inReplyTo", sent.activityId, { type: "account", id: "fabrikam" }],
      // The token's most recent activity is the first reply, which carries it too.
      ["trackingToken", results[0]?.activityId, { type: "account", id: "fabrikam" }],
    ]);
  });
});
