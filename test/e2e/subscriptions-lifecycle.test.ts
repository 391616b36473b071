// Subscriptions over their life, through the whole stack: renewal before expiry, Graph's lifecycle
// events (subscriptionRemoved, reauthorizationRequired, missed) and disabling a mailbox. Each test
// uses its own mailbox and checks what Cosmos DB holds afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStates } from "../../src/app/client-state.js";
import {
  activityFor,
  clientStateOf,
  deliver,
  eventsOf,
  graphSubscriptions,
  inboxSubscription,
  makeOrphanAuditDue,
  startE2eStack,
  storedSubscriptions,
  timesCreated,
  type E2eStack,
} from "./e2e-support.js";

const RENEWED = "renewed@contoso.example.com";
const REMOVED = "removed@contoso.example.com";
const REAUTHORIZED = "reauthorized@contoso.example.com";
const MISSED = "missed@contoso.example.com";
const DISABLED = "disabled@contoso.example.com";

// The app asks for 120 minutes and renews within 90 of expiry; Graph grants at most 60, so every
// subscription is due for renewal as soon as it exists, and the stored expiry must be Graph's.
const ASKED_MINUTES = 120;
const GRANTED_MINUTES = 60;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({
    mailboxes: [RENEWED, REMOVED, REAUTHORIZED, MISSED, DISABLED],
    simulator: { maxSubscriptionMinutes: GRANTED_MINUTES },
    settings: { SUBSCRIPTION_LIFETIME_MINUTES: String(ASKED_MINUTES), SUBSCRIPTION_RENEW_BEFORE_MINUTES: "90" },
  });
});

afterAll(async () => {
  await e2e?.stack.close();
});

describe("renewal", () => {
  it("the renew timer moves an expiring subscription's expiry forward and stores the expiry Graph granted", async () => {
    const { stack } = e2e;
    const before = await storedSubscriptions(stack, RENEWED);
    expect(before.map((s) => s.folder).sort()).toEqual(["inbox", "sentitems"]);
    const askedAtLeast = Date.now() + ASKED_MINUTES * 60_000;

    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();

    const after = await storedSubscriptions(stack, RENEWED);
    // Renewed in place, not recreated.
    expect(after.map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort());
    const atGraph = new Map(graphSubscriptions(stack, RENEWED).map((s) => [s.id, s.expirationDateTime]));
    for (const renewed of after) {
      const previous = before.find((s) => s.id === renewed.id);
      expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(previous?.expirationDateTime ?? ""));
      expect(renewed.expirationDateTime).toBe(atGraph.get(renewed.id));
      // Graph granted less than the app asked for: the stored value is Graph's, not the request.
      expect(Date.parse(renewed.expirationDateTime)).toBeLessThan(askedAtLeast);
      expect(renewed.renewedOn).toBeDefined();
    }
  });
});

describe("lifecycle events", () => {
  it("subscriptionRemoved: the subscription is recreated and the mail of the gap is tracked once", async () => {
    const { stack, decisions } = e2e;
    const beforeRemoval = deliver(stack, REMOVED, "Before removal");
    await stack.settle();
    const removed = await inboxSubscription(e2e.stack, REMOVED);

    stack.graph.triggerLifecycle(removed.id, "subscriptionRemoved");
    // Graph has no subscription now: this mail is never notified.
    const inTheGap = deliver(stack, REMOVED, "In the gap");
    await stack.settle();

    const replacement = await inboxSubscription(e2e.stack, REMOVED);
    expect(replacement.id).not.toBe(removed.id);
    const atGraph = graphSubscriptions(stack, REMOVED).map((s) => s.id);
    expect(atGraph).toContain(replacement.id);
    expect(atGraph).not.toContain(removed.id);

    const afterRecreation = deliver(stack, REMOVED, "After recreation");
    await stack.settle();

    for (const mail of [beforeRemoval, inTheGap, afterRecreation]) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: REMOVED });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    }
    const gapDecision = decisions.find((d) => d.result.created && d.result.internetMessageId.includes(inTheGap.internetMessageId));
    expect(gapDecision?.via).toBe("catchUp");
  });

  it("reauthorizationRequired: the subscription is reauthorized, held mail and later mail are tracked", async () => {
    const { stack, decisions } = e2e;
    const subscription = await inboxSubscription(e2e.stack, REAUTHORIZED);
    const heldBefore = stack.graph.stats.notifications.queuedWhilePaused;

    stack.graph.triggerLifecycle(subscription.id, "reauthorizationRequired");
    const whilePaused = deliver(stack, REAUTHORIZED, "While paused");
    await stack.settle();

    expect(stack.graph.stats.notifications.queuedWhilePaused).toBeGreaterThan(heldBefore);
    const atGraph = graphSubscriptions(stack, REAUTHORIZED).find((s) => s.id === subscription.id);
    expect(atGraph?.paused).toBe(false);
    expect((await inboxSubscription(e2e.stack, REAUTHORIZED)).id).toBe(subscription.id);

    const afterward = deliver(stack, REAUTHORIZED, "After reauthorization");
    await stack.settle();
    for (const mail of [whilePaused, afterward]) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: REAUTHORIZED });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    }
  });

  it("missed: a catch-up tracks the mail whose notification was lost", async () => {
    const { stack, decisions } = e2e;
    const subscription = await inboxSubscription(e2e.stack, MISSED);
    stack.graph.faults.dropNotifications(true);
    let lost: ReturnType<typeof deliver>;
    try {
      lost = deliver(stack, MISSED, "Lost notification");
      await stack.settle();
      expect(await activityFor(stack, lost.internetMessageId)).toBeUndefined();
    } finally {
      stack.graph.faults.dropNotifications(false);
    }

    stack.graph.triggerLifecycle(subscription.id, "missed");
    await stack.settle();

    expect(await activityFor(stack, lost.internetMessageId)).toMatchObject({ receivingMailbox: MISSED });
    expect(timesCreated(decisions, lost.internetMessageId)).toBe(1);
    expect((await eventsOf(stack, MISSED)).map((e) => e.code)).toContain("catchUp.tracked");
  });
});

describe("disabling a mailbox", () => {
  it("deletes its subscriptions at Graph and in the store, and its mail is no longer processed", async () => {
    const { stack, decisions } = e2e;
    const { mailboxes } = await stack.services();
    const [old] = await storedSubscriptions(stack, DISABLED);
    expect(old).toBeDefined();
    expect(graphSubscriptions(stack, DISABLED)).toHaveLength(2);

    const lateClientState = clientStateOf(stack, old?.id);
    const report = await mailboxes.disableMailbox(DISABLED);

    expect(report.subscriptions.deleted).toBe(2);
    expect(await storedSubscriptions(stack, DISABLED)).toEqual([]);
    expect(graphSubscriptions(stack, DISABLED)).toEqual([]);

    const mailboxId = stack.graph.getMailbox(DISABLED)?.id ?? "";
    const graphRequestsBefore = stack.graph.stats.requests.byMailbox[mailboxId] ?? 0;
    const decisionsBefore = decisions.length;
    const mail = deliver(stack, DISABLED, "After disabling");
    // A late notification for the deleted subscription, as Graph might still send one.
    const late = await fetch(`${stack.host.baseUrl}/api/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: old?.id,
            clientState: lateClientState,
            tenantId: stack.graph.tenantId,
            changeType: "created",
            resource: `Users/${mailboxId}/Messages/${mail.messageId}`,
            resourceData: { id: mail.messageId },
          },
        ],
      }),
    });
    expect(late.status).toBe(202);
    await stack.host.triggerTimer("catchUp");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();

    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    expect(decisions.slice(decisionsBefore).filter((d) => d.mailbox === DISABLED)).toEqual([]);
    // Neither a fetch nor a delta nor a new subscription for the disabled mailbox.
    expect(stack.graph.stats.requests.byMailbox[mailboxId] ?? 0).toBe(graphRequestsBefore);
    expect(graphSubscriptions(stack, DISABLED)).toEqual([]);
  });
});

describe("orphaned subscriptions", () => {
  it("a subscription at Graph that the store doesn't know (a crash between create and store) is deleted by the renew timer's audit", async () => {
    const { stack } = e2e;
    const { gateway, settings } = await stack.services();
    const orphan = await gateway.createSubscription({
      mailbox: RENEWED,
      folder: "inbox",
      notificationUrl: settings.subscriptions.notificationUrl,
      lifecycleNotificationUrl: settings.subscriptions.lifecycleNotificationUrl,
      clientState: createClientStates([settings.subscriptions.clientState]).issue().clientState,
      expirationDateTime: new Date(Date.now() + 30 * 60_000).toISOString(),
    });
    const stored = (await storedSubscriptions(stack, RENEWED)).map((s) => s.id);
    expect(stored).not.toContain(orphan.id);
    expect(stack.graph.listSubscriptions().map((s) => s.id)).toContain(orphan.id);

    // The audit lists Graph's subscriptions once per sweep period; make this run's the one.
    await makeOrphanAuditDue(stack);
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();

    const atGraph = stack.graph.listSubscriptions().map((s) => s.id);
    expect(atGraph).not.toContain(orphan.id);
    // The known ones are untouched.
    for (const id of (await storedSubscriptions(stack, RENEWED)).map((s) => s.id)) expect(atGraph).toContain(id);
  });
});
