// What the app believes about its subscriptions is what Graph has: a subscription that vanished
// at Graph without a word is live again after the mailbox's sweep (and after re-enabling), a
// lifecycle event Graph does not confirm changes nothing, a message outside the subscribed folder
// is not tracked as its mail, and per-subscription client states survive a rotation of the app
// secret. Each test uses its own mailbox; the rotation test runs last (it changes the secret).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStates } from "../../src/app/client-state.js";
import { resetServices } from "../../src/host/services.js";
import {
  activityFor,
  clientStateOf,
  deliver,
  eventsOf,
  graphSubscriptions,
  inboxSubscription,
  makeDue,
  startE2eStack,
  storedSubscriptions,
  timesCreated,
  type E2eStack,
} from "./e2e-support.js";

const VANISHED = "vanished@contoso.example.com";
const EXPIRED = "expired@contoso.example.com";
const REENABLED = "reenabled@contoso.example.com";
const FORGED = "forged-removal@contoso.example.com";
const JUNK = "junk@contoso.example.com";
const ROTATED = "rotated@contoso.example.com";
const DOUBLED = "doubled@contoso.example.com";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [VANISHED, EXPIRED, REENABLED, FORGED, JUNK, ROTATED, DOUBLED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

/** The stored subscriptions of the mailbox are exactly the ones Graph has: one per folder. */
async function expectInStepWithGraph(mailbox: string) {
  const stored = await storedSubscriptions(e2e.stack, mailbox);
  const atGraph = graphSubscriptions(e2e.stack, mailbox).filter((s) => Date.parse(s.expirationDateTime) > Date.now());
  expect(stored.map((s) => s.folder).sort()).toEqual(["inbox", "sentitems"]);
  expect(atGraph.map((s) => s.id).sort()).toEqual(stored.map((s) => s.id).sort());
}

/** Pretends the stored subscription is older than the grace for ones newer than Graph's list. */
async function age(mailbox: string) {
  const { live } = await e2e.stack.services();
  for (const record of await storedSubscriptions(e2e.stack, mailbox)) {
    await live.subscriptions.putSubscription({ ...record, createdOn: new Date(Date.now() - 3_600_000).toISOString() });
  }
}

async function postLifecycle(item: Record<string, unknown>) {
  return fetch(`${e2e.stack.host.baseUrl}/api/lifecycle`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: [item] }),
  });
}

describe("a subscription gone at Graph without a word", () => {
  it.each([
    { how: "deleted", mailbox: VANISHED, vanish: (id: string) => e2e.stack.graph.removeSubscriptionSilently(id) },
    { how: "expired", mailbox: EXPIRED, vanish: (id: string) => e2e.stack.graph.expireSubscription(id) },
  ])("($how) is live again after the mailbox's sweep; the gap is caught up and later mail arrives through it", async ({ mailbox, vanish }) => {
    const { stack, decisions } = e2e;
    await age(mailbox);
    const gone = await inboxSubscription(e2e.stack, mailbox);
    vanish(gone.id);
    const inTheGap = deliver(stack, mailbox, "While the subscription was gone");
    await stack.settle();
    expect(await activityFor(stack, inTheGap.internetMessageId)).toBeUndefined();

    // Renewal alone decides from stored expiry: it does not ask Graph about a subscription not due.
    await makeDue(stack, mailbox, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    expect((await inboxSubscription(e2e.stack, mailbox)).id).toBe(gone.id);

    // The sweep asks Graph about each of the mailbox's subscriptions (one GET each, no listing).
    await makeDue(stack, mailbox, "sweep");
    await stack.host.triggerTimer("catchUp");
    await stack.settle();

    const replacement = await inboxSubscription(e2e.stack, mailbox);
    expect(replacement.id).not.toBe(gone.id);
    await expectInStepWithGraph(mailbox);
    expect((await eventsOf(stack, mailbox)).map((e) => e.code)).toContain("subscription.recreated");
    expect(await activityFor(stack, inTheGap.internetMessageId)).toMatchObject({ receivingMailbox: mailbox });

    const afterward = deliver(stack, mailbox, "After the sweep");
    await stack.settle();
    expect(await activityFor(stack, afterward.internetMessageId)).toMatchObject({ receivingMailbox: mailbox });
    const live = decisions.find((d) => d.result.created && d.result.internetMessageId.includes(afterward.internetMessageId));
    expect(live?.via).toBe("notification");
    expect(timesCreated(decisions, afterward.internetMessageId)).toBe(1);
  });

  it("re-enabling the mailbox reconciles the same way, without a duplicate subscription", async () => {
    const { stack } = e2e;
    const { mailboxes } = await stack.services();
    await age(REENABLED);
    const gone = await inboxSubscription(e2e.stack, REENABLED);
    stack.graph.removeSubscriptionSilently(gone.id);

    const report = await mailboxes.enableMailbox({ address: REENABLED, incomingEmailFilter: "all" });
    await stack.settle();
    expect(report.subscriptions).toMatchObject({ recreated: 1, created: 0, failed: 0 });
    await expectInStepWithGraph(REENABLED);
    // Enabling again changes nothing more.
    const again = await mailboxes.enableMailbox({ address: REENABLED, incomingEmailFilter: "all" });
    expect(again.subscriptions).toMatchObject({ recreated: 0, created: 0, deleted: 0 });
    await expectInStepWithGraph(REENABLED);
  });
});

describe("one subscription per folder", () => {
  it("a second live subscription on a folder (two paths raced) is deleted by the mailbox's next upkeep", async () => {
    const { stack } = e2e;
    const { gateway, live, settings } = await stack.services();
    const first = await inboxSubscription(stack, DOUBLED);
    const state = createClientStates([process.env.NOTIFICATION_CLIENT_STATE as string]).issue();
    const second = await gateway.createSubscription({
      mailbox: DOUBLED,
      folder: "inbox",
      notificationUrl: settings.subscriptions.notificationUrl,
      lifecycleNotificationUrl: settings.subscriptions.lifecycleNotificationUrl,
      clientState: state.clientState,
      expirationDateTime: first.expirationDateTime,
    });
    await live.subscriptions.putSubscription({ ...first, id: second.id, clientStateNonce: state.nonce, clientStateKeyId: state.keyId });
    expect((await storedSubscriptions(stack, DOUBLED)).filter((s) => s.folder === "inbox")).toHaveLength(2);

    await makeDue(stack, DOUBLED, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    await expectInStepWithGraph(DOUBLED);
  });
});

describe("lifecycle events are believed only when Graph confirms them", () => {
  it("a subscriptionRemoved for a subscription Graph still has makes no second subscription", async () => {
    const { stack } = e2e;
    const inbox = await inboxSubscription(e2e.stack, FORGED);
    const response = await postLifecycle({
      lifecycleEvent: "subscriptionRemoved",
      subscriptionId: inbox.id,
      clientState: clientStateOf(stack, inbox.id),
      tenantId: stack.graph.tenantId,
    });
    expect(response.status).toBe(202);
    await stack.settle();
    expect((await inboxSubscription(e2e.stack, FORGED)).id).toBe(inbox.id);
    await expectInStepWithGraph(FORGED);
    expect((await eventsOf(stack, FORGED)).map((e) => e.code)).toContain("lifecycle.unconfirmed");
  });
});

describe("the folder a message is in", () => {
  it("a message in Junk Email, notified as Inbox mail, is not tracked, and that is reported", async () => {
    const { stack } = e2e;
    stack.graph.faults.dropNotifications(true);
    let junk: ReturnType<typeof deliver>;
    try {
      junk = deliver(stack, JUNK, "Moved to junk before the fetch");
      stack.graph.moveMessage(JUNK, junk.messageId, "junkemail");
      await stack.settle();
    } finally {
      stack.graph.faults.dropNotifications(false);
    }
    const inbox = await inboxSubscription(e2e.stack, JUNK);
    const mailboxId = stack.graph.getMailbox(JUNK)?.id;
    const response = await fetch(`${stack.host.baseUrl}/api/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: inbox.id,
            clientState: clientStateOf(stack, inbox.id),
            tenantId: stack.graph.tenantId,
            changeType: "created",
            resource: `Users/${mailboxId}/Messages/${junk.messageId}`,
            resourceData: { id: junk.messageId },
          },
        ],
      }),
    });
    expect(response.status).toBe(202);
    await stack.settle();
    expect(await activityFor(stack, junk.internetMessageId)).toBeUndefined();
    const notInFolder = (await eventsOf(stack, JUNK)).filter((e) => e.code === "message.notInFolder");
    expect(notInFolder.map((e) => e.messageId)).toEqual([junk.messageId]);
  });
});

describe("rotating the app secret", () => {
  it("subscriptions move onto the new secret at the mailbox's next upkeep, and mail keeps arriving", async () => {
    const { stack, decisions } = e2e;
    const before = await inboxSubscription(e2e.stack, ROTATED);
    const oldSecret = process.env.NOTIFICATION_CLIENT_STATE as string;
    process.env.NOTIFICATION_CLIENT_STATE = randomBytes(32).toString("base64url");
    process.env.NOTIFICATION_CLIENT_STATE_PREVIOUS = oldSecret;
    await resetServices();

    // During the rotation, the old subscriptions' states still pass.
    const during = deliver(stack, ROTATED, "During the rotation");
    await stack.settle();
    expect(await activityFor(stack, during.internetMessageId)).toMatchObject({ receivingMailbox: ROTATED });

    // Each mailbox moves at its next upkeep or sweep: within one sweep period (docs/operations.md).
    await makeDue(stack, ROTATED, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    const after = await inboxSubscription(e2e.stack, ROTATED);
    expect(after.id).not.toBe(before.id);
    expect(after.clientStateKeyId).not.toBe(before.clientStateKeyId);
    await expectInStepWithGraph(ROTATED);

    // Once the previous secret is gone, the new subscriptions still work.
    delete process.env.NOTIFICATION_CLIENT_STATE_PREVIOUS;
    await resetServices();
    const afterward = deliver(stack, ROTATED, "After the rotation");
    await stack.settle();
    expect(await activityFor(stack, afterward.internetMessageId)).toMatchObject({ receivingMailbox: ROTATED });
    const viaNotification = decisions.find((d) => d.result.created && d.result.internetMessageId.includes(afterward.internetMessageId));
    expect(viaNotification?.via).toBe("notification");
  });
});
