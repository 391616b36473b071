// Activity administration on the in-memory store and the Graph simulator: re-link and unlink
// (recorded, and inherited by later replies), and tracking a given message on request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";
import { adminServices, mailbox, startSimulator } from "../support/admin-fixture.js";

const CAROL = "carol@fabrikam.example";
const BY = { oid: "0f0e0d0c-0000-4000-8000-000000000002", name: "Admin" };
const OLD = { type: "account" as const, id: "wrong" };
const NEW = { type: "account" as const, id: "right" };

let sim: GraphSimulator;
let gateway: GraphGateway;
let services: ReturnType<typeof adminServices>;
let ann: string;
let n = 0;
const now = () => new Date("2025-06-01T10:00:00.000Z");

beforeAll(async () => {
  ({ sim, gateway } = await startSimulator());
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});
beforeEach(async () => {
  ann = `ann${++n}@contoso.test`;
  sim.addMailbox({ address: ann });
  services = adminServices({ gateway, now });
  // Nothing is tracked automatically: only what is asked for.
  await services.store.settings.putMailbox(mailbox(ann, { incomingEmailFilter: "none" }));
});

/** Delivers a message from Carol to Ann and tracks it on request; returns the result. */
async function deliverAndTrack(subject: string, options: { inReplyTo?: string; regarding?: typeof OLD } = {}) {
  const delivered = sim.deliverExternal({
    to: [ann],
    from: { address: CAROL },
    subject,
    ...(options.inReplyTo ? { headers: [{ name: "In-Reply-To", value: options.inReplyTo }] } : {}),
  });
  const result = await services.activities.trackGivenMessage({ mailbox: ann, internetMessageId: delivered.internetMessageId, by: BY, ...(options.regarding ? { regarding: options.regarding } : {}) });
  return { delivered, result };
}

describe("tracking a given message", () => {
  it("tracks a message the filter would not, by Message-ID or Graph id, with its regarding", async () => {
    const { result } = await deliverAndTrack("Order 1", { regarding: OLD });
    expect(result).toMatchObject({ tracked: true, created: true, reason: "trackedByUser", regarding: OLD });
    const sent = await gateway.sendMail(ann, { subject: "Our offer", body: { contentType: "text", content: "x" }, toRecipients: [CAROL] });
    const bySentId = await services.activities.trackGivenMessage({ mailbox: ann, graphMessageId: sent.id, by: BY });
    expect(bySentId).toMatchObject({ tracked: true, reason: "trackedByUser" });
    expect(bySentId.activity?.direction).toBe("outgoing");
  });

  it("asking again with another regarding re-links it, recorded", async () => {
    const { delivered, result } = await deliverAndTrack("Order 2", { regarding: OLD });
    const again = await services.activities.trackGivenMessage({ mailbox: ann, internetMessageId: delivered.internetMessageId, regarding: NEW, by: BY });
    expect(again).toMatchObject({ reason: "alreadyTracked", activityId: result.activityId, regarding: NEW });
    expect((await services.store.activities.getActivity(result.activityId as string))?.regardingChanges).toEqual([
      { at: now().toISOString(), by: BY, action: "relink", scope: "activity", from: OLD, to: NEW, reason: "set when tracking the message" },
    ]);
  });

  it.each([
    { case: "an unknown Message-ID", input: { internetMessageId: "<nobody@nowhere.example>" }, field: "internetMessageId" },
    { case: "an unknown Graph id", input: { graphMessageId: "AAMkAGI2nope" }, field: "graphMessageId" },
    { case: "both ids", input: { graphMessageId: "a", internetMessageId: "<b@c>" }, field: "graphMessageId" },
    { case: "no id", input: {}, field: "graphMessageId" },
  ])("refuses $case, naming the field", async ({ input, field }) => {
    await expect(services.activities.trackGivenMessage({ mailbox: ann, by: BY, ...input })).rejects.toMatchObject({ name: "AdminError", field });
  });

  it("refuses a mailbox that is not configured", async () => {
    await expect(services.activities.trackGivenMessage({ mailbox: "nobody@contoso.test", internetMessageId: "<a@b>", by: BY })).rejects.toMatchObject({ code: "notFound", field: "mailbox" });
  });
});

describe("re-link and unlink", () => {
  it("re-links one activity: recorded with who, when and why, listed under the new record, inherited by a later reply", async () => {
    const { delivered, result } = await deliverAndTrack("Quote", { regarding: OLD });
    const outcome = await services.activities.relink({ activityId: result.activityId as string, regarding: NEW, scope: "activity", reason: "wrong account", by: BY });
    expect(outcome.unchanged).toBe(0);
    expect(outcome.changed[0]).toMatchObject({ regarding: NEW, regardingChanges: [{ by: BY, action: "relink", from: OLD, to: NEW, reason: "wrong account", at: now().toISOString() }] });
    expect((await services.activities.listActivities({ regarding: NEW }, { limit: 10 })).items.map((a) => a.id)).toEqual([result.activityId]);
    expect((await services.activities.listActivities({ regarding: OLD }, { limit: 10 })).items).toEqual([]);
    // Doing it again changes nothing and records nothing.
    expect((await services.activities.relink({ activityId: result.activityId as string, regarding: NEW, scope: "activity", by: BY })).unchanged).toBe(1);
    const { result: reply } = await deliverAndTrack("RE: Quote", { inReplyTo: delivered.internetMessageId });
    expect(reply).toMatchObject({ correlation: { method: "inReplyTo", correlatedActivityId: result.activityId }, regarding: NEW });
  });

  it("re-links a whole conversation, and unlinking leaves later replies without a regarding", async () => {
    const { delivered: first, result: root } = await deliverAndTrack("Thread", { regarding: OLD });
    const { delivered: second, result: reply } = await deliverAndTrack("RE: Thread", { inReplyTo: first.internetMessageId });
    expect(reply.regarding).toEqual(OLD);
    const relinked = await services.activities.relink({ activityId: reply.activityId as string, regarding: NEW, scope: "conversation", by: BY });
    expect(relinked.changed.map((a) => a.id).sort()).toEqual([root.activityId, reply.activityId].sort());
    expect(relinked.changed.every((a) => a.regardingChanges?.[0]?.scope === "conversation")).toBe(true);
    const unlinked = await services.activities.relink({ activityId: root.activityId as string, scope: "conversation", reason: "not customer mail", by: BY });
    expect(unlinked.changed.map((a) => a.regarding)).toEqual([undefined, undefined]);
    expect(unlinked.changed[0]?.regardingChanges?.at(-1)).toMatchObject({ action: "unlink", from: NEW, reason: "not customer mail" });
    const { result: later } = await deliverAndTrack("RE: RE: Thread", { inReplyTo: second.internetMessageId });
    expect(later.correlation.correlatedActivityId).toBe(reply.activityId);
    expect(later.regarding).toBeUndefined();
  });

  it("a mailbox owner's conversation-wide re-link changes only their mailbox's activities", async () => {
    const bob = `bob${n}@contoso.test`;
    sim.addMailbox({ address: bob });
    await services.store.settings.putMailbox(mailbox(bob, { incomingEmailFilter: "none" }));
    const { delivered, result: root } = await deliverAndTrack("Shared thread", { regarding: OLD });
    const forwarded = sim.deliverExternal({ to: [bob], from: { address: CAROL }, subject: "RE: Shared thread", headers: [{ name: "In-Reply-To", value: delivered.internetMessageId }] });
    const bobs = await services.activities.trackGivenMessage({ mailbox: bob, internetMessageId: forwarded.internetMessageId, by: BY });
    expect(bobs.correlation.correlatedActivityId).toBe(root.activityId);
    const outcome = await services.activities.relink({ activityId: root.activityId as string, regarding: NEW, scope: "conversation", by: BY, onlyMailbox: ann.toUpperCase() });
    expect(outcome.changed.map((a) => a.id)).toEqual([root.activityId]);
    expect((await services.store.activities.getActivity(bobs.activityId as string))?.regarding).toEqual(OLD);
  });

  it("refuses an activity that does not exist", async () => {
    await expect(services.activities.relink({ activityId: "nope", regarding: NEW, scope: "activity", by: BY })).rejects.toMatchObject({ code: "notFound", field: "id" });
  });

  it("lists a mailbox's activities and returns one with the engine's explanation", async () => {
    const { result } = await deliverAndTrack("Listed");
    const page = await services.activities.listActivities({ mailbox: ann.toUpperCase() }, { limit: 10 });
    expect(page.items.map((a) => a.id)).toEqual([result.activityId]);
    const { activity, explanation } = await services.activities.getActivity(result.activityId as string);
    expect(activity.id).toBe(result.activityId);
    expect(explanation).toMatchObject({ why: expect.any(String), trace: expect.anything() });
    expect(explanation).toEqual(activity.explanation);
  });
});
