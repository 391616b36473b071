// The whole stack over real HTTP: Graph simulator → webhook (local Functions host) → Azurite queue
// → processNotification → Cosmos DB. Each test delivers mail as Graph would and checks what the
// store holds afterwards.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityIdFor } from "../../src/domain/activity.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { buildRecord } from "../support/builders.js";
import { clientStateOf } from "./e2e-support.js";

const ANN = "ann@contoso.example.com";
const BOB = "bob@contoso.example.com";
const CAROL = "carol@fabrikam.example.org";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, timers: "manual", visibilityTimeoutInSeconds: 1, queuePollIntervalInMs: 50, log: () => {} });
  const { store, mailboxes } = await stack.services();
  stack.graph.addMailbox({ address: ANN, displayName: "Ann" });
  stack.graph.addMailbox({ address: BOB, displayName: "Bob" });
  await store.settings.putOrganization(parseOrganizationSettings({ autoTrackSentFolderItems: true }));
  await store.records.upsertRecords([
    buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }),
    buildRecord({ type: "systemuser", id: "bob", emailAddresses: [BOB] }),
    buildRecord({ type: "contact", id: "carol", emailAddresses: [CAROL] }),
  ]);
  const since = new Date(Date.now() - 60_000).toISOString();
  await mailboxes.enableMailbox({ address: ANN, incomingEmailFilter: "all", processEmailReceivedAfter: since });
  await mailboxes.enableMailbox({ address: BOB, incomingEmailFilter: "all", processEmailReceivedAfter: since });
  await stack.settle();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function activityFor(internetMessageId: string, scope?: string) {
  const { store } = await stack.services();
  const id = internetMessageId.replace(/^<|>$/g, "");
  return store.activities.getActivity(activityIdFor({ internetMessageId: id, ...(scope ? { scope } : {}) }));
}

describe("subscriptions", () => {
  it("enabling a mailbox subscribes its Inbox and Sent Items after the validation handshake", async () => {
    const { live } = await stack.services();
    const stored = await live.subscriptions.listSubscriptions({ mailbox: ANN });
    expect(stored.map((s) => s.folder).sort()).toEqual(["inbox", "sentitems"]);
    const atGraph = stack.graph.listSubscriptions().map((s) => s.id);
    for (const subscription of stored) expect(atGraph).toContain(subscription.id);
  });
});

describe("mail arrives", () => {
  it("an external email to the Inbox becomes one activity", async () => {
    const delivered = stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL, name: "Carol" }, subject: "Order 1001", body: "Hi" });
    await stack.settle();
    const activity = await activityFor(delivered.internetMessageId);
    expect(activity).toMatchObject({ subject: "Order 1001", direction: "incoming", receivingMailbox: ANN });
    expect(activity?.sender?.records).toEqual([{ type: "contact", id: "carol" }]);
  });

  it("duplicated and reordered notifications still make one activity, fetched once", async () => {
    stack.graph.faults.duplicateNotifications(true);
    stack.graph.faults.reorderNotifications(true);
    try {
      const before = stack.graph.stats.requests.total;
      const deliveries = [1, 2, 3].map((n) =>
        stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: `Burst ${n}`, body: "x" }),
      );
      await stack.settle();
      for (const delivered of deliveries) expect(await activityFor(delivered.internetMessageId)).toBeDefined();
      const { store } = await stack.services();
      expect(store).toBeDefined();
      // Three messages, each fetched once despite every notification arriving twice.
      expect(stack.graph.stats.requests.total - before).toBe(3);
    } finally {
      stack.graph.faults.duplicateNotifications(false);
      stack.graph.faults.reorderNotifications(false);
    }
  });

  it("a burst arriving together is fetched with $batch (up to 20 per request), every message tracked", async () => {
    const { gateway } = await stack.services();
    const before = gateway.requestCount();
    const deliveries = Array.from({ length: 25 }, (_, n) =>
      stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: `Burst of 25, #${n}`, body: "x" }),
    );
    await stack.settle();
    for (const delivered of deliveries) expect(await activityFor(delivered.internetMessageId)).toBeDefined();
    const requests = gateway.requestCount() - before;
    // 25 single fetches without batching; with it, a couple of $batch requests (HTTP requests sent).
    expect(requests).toBeLessThanOrEqual(5);
    expect(requests).toBeGreaterThanOrEqual(2);
  });

  it("email the app sends carries a tracking token, and the customer's reply correlates", async () => {
    const { outgoing } = await stack.services();
    const sent = await outgoing.sendTrackedEmail({
      mailbox: ANN,
      to: [CAROL],
      subject: "Your quote",
      body: { contentType: "text", content: "Attached." },
      regarding: { type: "contact", id: "carol" },
    });
    expect(sent.subject).toMatch(/^Your quote CRM:\d{7}$/);
    const reply = stack.graph.deliverExternal({
      to: [ANN],
      from: { address: CAROL },
      subject: `RE: ${sent.subject}`,
      headers: [{ name: "In-Reply-To", value: sent.internetMessageId }],
    });
    await stack.settle();
    const activity = await activityFor(reply.internetMessageId);
    expect(activity?.correlation).toMatchObject({ method: "inReplyTo", correlatedActivityId: sent.tracking.activityId });
    expect(activity?.regarding).toEqual({ type: "contact", id: "carol" });
  });

  it("mail between two users: two activities, one per mailbox", async () => {
    const { outgoing } = await stack.services();
    const sent = await outgoing.sendTrackedEmail({ mailbox: ANN, to: [BOB], subject: "Lunch?", body: { contentType: "text", content: "12:30" } });
    await stack.settle();
    const forAnn = await activityFor(sent.internetMessageId, ANN);
    const forBob = await activityFor(sent.internetMessageId, BOB);
    expect(forAnn?.direction).toBe("outgoing");
    expect(forBob?.direction).toBe("incoming");
    expect(forAnn?.id).not.toBe(forBob?.id);
  });
});

describe("forged notifications", () => {
  it("a forged clientState or an unknown subscription is dropped and nothing is processed", async () => {
    const before = stack.host.stats().invocations.processNotification ?? 0;
    const { live } = await stack.services();
    const [subscription] = await live.subscriptions.listSubscriptions({ mailbox: ANN });
    const post = (item: Record<string, unknown>) =>
      fetch(`${stack.host.baseUrl}/api/notifications`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: [item] }),
      });
    const tenantId = stack.graph.tenantId;
    const resource = `Users/${stack.graph.getMailbox(ANN)?.id}/Messages/X`;
    const forged = await post({ subscriptionId: subscription!.id, clientState: "guess", tenantId, changeType: "created", resource });
    // The app secret is not a client state: each subscription has its own.
    const secret = await post({ subscriptionId: subscription!.id, clientState: process.env.NOTIFICATION_CLIENT_STATE, tenantId, changeType: "created", resource });
    const unknown = await post({ subscriptionId: randomUUID(), clientState: clientStateOf(stack, subscription!.id), tenantId, changeType: "created", resource });
    expect([forged.status, secret.status, unknown.status]).toEqual([202, 202, 202]);
    const malformed = await fetch(`${stack.host.baseUrl}/api/notifications`, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(malformed.status).toBe(400);
    await stack.settle();
    expect(stack.host.stats().invocations.processNotification ?? 0).toBe(before);
  });
});
