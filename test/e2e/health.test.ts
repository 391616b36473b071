// Mailbox health through the whole stack, under the faults the Graph simulator injects: what each
// fault leaves in the mailbox's health (coverage, gaps, the last catch-up and what it found, counts,
// the item-level log) and its alerts, as an admin reads them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityFor, deliver, inboxSubscription, makeDue, startE2eStack, timesCreated, type E2eStack } from "./e2e-support.js";

const DROPPED = "health-dropped@contoso.example.com";
const MISSED = "health-missed@contoso.example.com";
const LAPSED = "health-lapsed@contoso.example.com";
const POISONED = "health-poisoned@contoso.example.com";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [DROPPED, MISSED, LAPSED, POISONED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

async function healthOf(mailbox: string) {
  const { healthAdmin } = await e2e.stack.services();
  const health = await healthAdmin.mailboxHealth(mailbox);
  if (!health) throw new Error(`no health for ${mailbox}`);
  const inbox = health.folders.find((folder) => folder.folder === "inbox");
  if (!inbox) throw new Error(`no inbox health for ${mailbox}`);
  return { health, inbox };
}

async function alertCodes(mailbox: string) {
  const { alerts } = await e2e.stack.services();
  return (await alerts.list({ mailbox }, { limit: 100 })).items;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("a dropped notification", () => {
  it("holds coverage back; the catch-up advances it with '1 found by catch-up'", async () => {
    const { stack, decisions } = e2e;
    const before = await healthOf(DROPPED);
    expect(before.inbox).toMatchObject({ coveredUpTo: expect.any(String), openGaps: [], needsCatchUp: false });
    expect(before.health.state).toBe("healthy");
    await tick();

    stack.graph.faults.dropNotifications(true);
    let mail: ReturnType<typeof deliver>;
    try {
      mail = deliver(stack, DROPPED, "Dropped");
      await stack.settle();
    } finally {
      stack.graph.faults.dropNotifications(false);
    }
    const received = stack.graph.listMessages(DROPPED, "inbox").find((m) => m.id === mail.messageId)?.receivedDateTime ?? "";
    const held = await healthOf(DROPPED);
    // Nothing came in, and coverage still ends before the message arrived: it is not claimed tracked.
    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    expect(Date.parse(held.inbox.coveredUpTo ?? "")).toBeLessThan(Date.parse(received));
    expect(held.inbox.tracked).toBe(before.inbox.tracked);

    // The mailbox's slow sweep comes round (brought forward here): it catches the folder up.
    await makeDue(stack, DROPPED, "sweep");
    await stack.host.triggerTimer("catchUp");
    await stack.settle();
    const after = await healthOf(DROPPED);
    expect(Date.parse(after.inbox.coveredUpTo ?? "")).toBeGreaterThan(Date.parse(received));
    expect(after.inbox.lastCatchUp).toMatchObject({ found: 1, reason: "sweep", restarted: false });
    expect(after.inbox.tracked).toBe(before.inbox.tracked + 1);
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    expect(await alertCodes(DROPPED)).toContainEqual(
      expect.objectContaining({ level: "warning", code: "catchUp.tracked", folder: "inbox", message: expect.stringContaining("1 found by catch-up") }),
    );
    const { healthAdmin } = await stack.services();
    const log = await healthAdmin.itemLog({ mailbox: DROPPED }, { limit: 10 }, { objectId: "someone-else" });
    expect(log.items).toContainEqual(expect.objectContaining({ messageId: mail.messageId, via: "catchUp", outcome: "tracked", subject: "***" }));
  });
});

describe("Graph's missed lifecycle event", () => {
  it("opens a gap with a warning; the catch-up it queues closes the gap", async () => {
    const { stack } = e2e;
    const subscription = await inboxSubscription(stack, MISSED);
    const before = await healthOf(MISSED);
    stack.graph.triggerLifecycle(subscription.id, "missed");
    await stack.settle();
    const after = await healthOf(MISSED);
    expect(await alertCodes(MISSED)).toContainEqual(expect.objectContaining({ level: "warning", code: "notifications.missed", folder: "inbox" }));
    expect(after.inbox.lastCatchUp).toMatchObject({ reason: "notifications missed", found: 0 });
    expect(after.inbox).toMatchObject({ openGaps: [], needsCatchUp: false });
    expect(Date.parse(after.inbox.coveredUpTo ?? "")).toBeGreaterThan(Date.parse(before.inbox.coveredUpTo ?? ""));
  });
});

describe("a subscription removed behind the app's back", () => {
  it("the mailbox's sweep finds it gone and recreates it with a warning; its gap is closed by the catch-up; the health shows the new subscription", async () => {
    const { stack } = e2e;
    const old = await inboxSubscription(stack, LAPSED);
    stack.graph.removeSubscriptionSilently(old.id);
    // A subscription younger than the grace period may simply be newer than Graph's list.
    const { store, live } = await stack.services();
    await live.subscriptions.putSubscription({ ...old, createdOn: new Date(Date.now() - 3_600_000).toISOString() });
    // Renewal alone does not ask Graph; the sweep checks each subscription there (brought forward here).
    await makeDue(stack, LAPSED, "sweep");
    await stack.host.triggerTimer("catchUp");
    await stack.settle();
    const after = await healthOf(LAPSED);
    expect(await alertCodes(LAPSED)).toContainEqual(expect.objectContaining({ level: "warning", code: "subscription.recreated", folder: "inbox" }));
    const inbox = after.health.subscriptions.filter((subscription) => subscription.folder === "inbox");
    expect(inbox).toEqual([expect.objectContaining({ expirationDateTime: expect.any(String) })]);
    expect(inbox[0]?.id).not.toBe(old.id);
    expect(after.inbox).toMatchObject({ openGaps: [], needsCatchUp: false, lastCatchUp: expect.objectContaining({ reason: expect.stringMatching(/^(subscription gone at Graph|sweep)$/) }) });
    expect((await store.settings.getMailbox(LAPSED))?.enabled).toBe(true);
  });
});

describe("a poisoned item", () => {
  it("holds coverage back with an error alert and a failed entry in the item log until a catch-up tracks it", async () => {
    const { stack, decisions } = e2e;
    // Graph keeps rejecting this mailbox's requests (a 400 is not retried by the gateway).
    stack.graph.faults.serverError({ mailbox: POISONED, count: 1_000, status: 400 });
    let mail: ReturnType<typeof deliver>;
    try {
      mail = deliver(stack, POISONED, "Poison");
      await stack.settle();
      const held = await healthOf(POISONED);
      expect(held.inbox.openGaps).toEqual([expect.objectContaining({ kind: "poisoned" })]);
      expect(held.inbox.needsCatchUp).toBe(true);
      expect(held.health.state).toBe("failing");
      // Counted once for the item, not once per attempt (the queue tried it maxDequeueCount times).
      expect(stack.host.stats().failures.processNotification ?? 0).toBeGreaterThan(1);
      expect(held.inbox.failed).toBe(1);
      expect(await alertCodes(POISONED)).toContainEqual(expect.objectContaining({ level: "error", code: "poisoned.graph.invalidRequest", messageId: mail.messageId }));
      const { healthAdmin } = await stack.services();
      const failed = await healthAdmin.itemLog({ mailbox: POISONED, outcome: "failed" }, { limit: 10 }, { objectId: "x" });
      expect(failed.items).toEqual([expect.objectContaining({ messageId: mail.messageId, error: expect.objectContaining({ code: "invalidRequest" }) })]);
    } finally {
      stack.graph.faults.clear();
    }

    // A poisoned item brings the mailbox's sweep forward by 15 minutes; here it is made due now.
    await makeDue(stack, POISONED, "sweep");
    await stack.host.triggerTimer("catchUp");
    await stack.settle();
    const after = await healthOf(POISONED);
    expect(after.inbox).toMatchObject({ openGaps: [], needsCatchUp: false, lastCatchUp: expect.objectContaining({ found: 1 }) });
    expect(after.health.state).toBe("healthy");
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });
});
