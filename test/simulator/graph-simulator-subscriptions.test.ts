import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Client } from "@microsoft/microsoft-graph-client";
import {
  connectTestClient,
  createTrustingCredential,
  createTrustingGraphClient,
  startGraphSimulator,
  startNotificationReceiver,
} from "../../local/graph-simulator/index.js";
import type { GraphSimulator, NotificationReceiver } from "../../local/graph-simulator/index.js";

let sim: GraphSimulator;
let client: Client;
let receiver: NotificationReceiver;
let lifecycle: NotificationReceiver;
let alice: string;
let bob: string;

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

async function subscribe(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return (await client.api("/subscriptions").post({
    changeType: "created",
    notificationUrl: receiver.url,
    lifecycleNotificationUrl: lifecycle.url,
    resource: `users/${alice}/mailFolders('inbox')/messages`,
    expirationDateTime: inDays(2),
    clientState: "client-state-value",
    ...overrides,
  })) as Record<string, unknown>;
}

function deliverToAlice(subject: string): string {
  return sim.deliverExternal({ to: ["alice@contoso.test"], from: { address: "sender@fabrikam.test" }, subject }).deliveries[0]?.messageId ?? "";
}

beforeAll(async () => {
  sim = await startGraphSimulator({
    notificationRetryBaseMs: 5,
    notificationTimeoutMs: 1_000,
    validationTimeoutMs: 1_000,
    notificationDelayMs: 30,
  });
  alice = sim.addMailbox({ address: "alice@contoso.test" });
  bob = sim.addMailbox({ address: "bob@contoso.test" });
  client = connectTestClient(sim);
});

beforeEach(async () => {
  receiver = await startNotificationReceiver();
  lifecycle = await startNotificationReceiver({ path: "/api/lifecycle" });
});

afterEach(async () => {
  for (const subscription of sim.listSubscriptions()) {
    await client.api(`/subscriptions/${subscription.id}`).delete().catch(() => undefined);
  }
  await sim.notificationsIdle();
  sim.faults.clear();
  await receiver.close();
  await lifecycle.close();
});

afterAll(async () => {
  await sim.close();
});

describe("subscription create and the validation handshake", () => {
  it("validates both endpoints, then answers 201 with the full object", async () => {
    const created = await subscribe();
    const [validation] = receiver.validations();
    const token = validation?.query.get("validationToken") ?? "";

    expect(token).toMatch(/^Validation: .* Request-Id: /);
    expect(validation?.rawUrl).toContain(`validationToken=${encodeURIComponent(token)}`);
    expect(validation?.rawUrl).toContain("Validation%3A%20Testing");
    expect(validation?.contentType).toMatch(/^text\/plain/);
    expect(validation?.body).toBe("");
    expect(lifecycle.validations()).toHaveLength(1);
    expect(created).toMatchObject({
      "@odata.context": `${sim.baseUrl}v1.0/$metadata#subscriptions/$entity`,
      changeType: "created",
      clientState: "client-state-value",
      notificationUrl: receiver.url,
      lifecycleNotificationUrl: lifecycle.url,
      resource: `users/${alice}/mailFolders('inbox')/messages`,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      includeResourceData: null,
    });
    expect(created).toHaveProperty("id");
    expect(created).toHaveProperty("applicationId");
  });

  it.each([
    { name: "a non-200 answer", reply: { status: 202, body: "" }, message: "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request." },
    { name: "a wrong echo", reply: { status: 200, body: "not the token" }, message: "Response must exactly match validationToken query parameter." },
    { name: "a late answer", reply: { status: 200, body: "", delayMs: 3_000 }, message: "Subscription validation request timed out." },
  ])("answers 400 InvalidRequest after $name", async ({ reply, message }) => {
    receiver.setReply(() => reply);
    await expect(subscribe()).rejects.toMatchObject({ statusCode: 400, code: "InvalidRequest", message });
    expect(sim.listSubscriptions()).toHaveLength(0);
  });

  it("fails when the lifecycle URL does not echo the token", async () => {
    lifecycle.setReply(() => ({ status: 200, body: "wrong" }));
    await expect(subscribe()).rejects.toMatchObject({ statusCode: 400, message: "Response must exactly match validationToken query parameter." });
  });

  it.each([
    { name: "an http URL off loopback", overrides: { notificationUrl: "http://example.com/hook" } },
    { name: "a clientState over 128 characters", overrides: { clientState: "x".repeat(129) } },
    { name: "an expiry beyond 10080 minutes", overrides: { expirationDateTime: inDays(8) } },
    { name: "an expiry in the past", overrides: { expirationDateTime: inDays(-1) } },
    { name: "an unsupported resource", overrides: { resource: `users/${"x"}/events` } },
    { name: "an unknown changeType", overrides: { changeType: "created,moved" } },
  ])("rejects $name with 400 before any validation request", async ({ overrides }) => {
    await expect(subscribe(overrides)).rejects.toMatchObject({ statusCode: 400 });
    expect(receiver.validations()).toHaveLength(0);
  });

  it.each([
    `users/alice@contoso.test/mailFolders('Inbox')/messages`,
    `Users/ALICE@contoso.test/mailfolders("inbox")/messages`,
    `/users/alice@contoso.test/mailFolders/inbox/messages`,
    `users/alice@contoso.test/mailFolders('SentItems')/messages`,
  ])("accepts the resource spelling %s", async (resource) => {
    const created = await subscribe({ resource });
    expect(created.resource).toBe(resource);
  });

  it("grants a shorter expiry than asked when capped, and reports the granted value", async () => {
    const capped = await startGraphSimulator({ maxSubscriptionMinutes: 60 });
    try {
      const mailbox = capped.addMailbox({ address: "alice@contoso.test" });
      const credential = createTrustingCredential({ authorityHost: capped.authorityHost, tenantId: capped.tenantId, clientId: "app", clientSecret: "s", ca: capped.ca });
      const cappedClient = createTrustingGraphClient({ credential, baseUrl: capped.baseUrl, ca: capped.ca });
      const created = (await cappedClient.api("/subscriptions").post({
        changeType: "created",
        notificationUrl: receiver.url,
        resource: `users/${mailbox}/mailFolders('inbox')/messages`,
        expirationDateTime: inDays(3),
      })) as { expirationDateTime: string };
      expect(Date.parse(created.expirationDateTime)).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    } finally {
      await capped.close();
    }
  });
});

describe("subscription management", () => {
  it("lists and reads without clientState, renews with PATCH, deletes with 204, then 404", async () => {
    const created = await subscribe();
    const id = String(created.id);
    const listed = (await client.api("/subscriptions").get()) as { value: Record<string, unknown>[] };
    const read = (await client.api(`/subscriptions/${id}`).get()) as Record<string, unknown>;
    const newExpiry = inDays(5);
    const renewed = (await client.api(`/subscriptions/${id}`).patch({ expirationDateTime: newExpiry })) as { expirationDateTime: string };

    expect(listed.value.map((item) => item.id)).toEqual([id]);
    expect(listed.value[0]?.clientState).toBeNull();
    expect(read.clientState).toBeNull();
    expect(renewed.expirationDateTime).toBe(newExpiry);
    await client.api(`/subscriptions/${id}`).delete();
    await expect(client.api(`/subscriptions/${id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.api(`/subscriptions/${id}/reauthorize`).post({})).rejects.toMatchObject({ statusCode: 404 });
  });

  it("stops delivering and answers 404 once a subscription expires", async () => {
    const created = await subscribe();
    sim.expireSubscription(String(created.id));
    deliverToAlice("After expiry");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(0);
    await expect(client.api(`/subscriptions/${String(created.id)}`).patch({ expirationDateTime: inDays(1) })).rejects.toMatchObject({ statusCode: 404 });
  });

  it("removes a subscription silently: no lifecycle event, gone from the list, 404 on read", async () => {
    const created = await subscribe();
    const id = String(created.id);
    const lifecycleBefore = sim.stats.notifications.lifecycleDelivered;
    sim.removeSubscriptionSilently(id);
    deliverToAlice("After silent removal");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(0);
    expect(sim.stats.notifications.lifecycleDelivered).toBe(lifecycleBefore);
    const listed = (await client.api("/subscriptions").get()) as { value: Array<{ id: string }> };
    expect(listed.value.map((s) => s.id)).not.toContain(id);
    await expect(client.api(`/subscriptions/${id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    expect(() => sim.removeSubscriptionSilently(id)).toThrow(/No subscription/);
  });
});

describe("change notifications", () => {
  it("posts created notifications in Graph's shape, several per POST, with id sometimes absent", async () => {
    const created = await subscribe();
    const ids = ["One", "Two", "Three"].map(deliverToAlice);
    await receiver.waitFor(() => receiver.items().length === 3);
    const posts = receiver.requests.filter((request) => request.items.length > 0);
    const items = receiver.items();

    expect(posts).toHaveLength(1);
    expect(posts[0]?.contentType).toMatch(/^application\/json/);
    expect(items.filter((item) => "id" in item).length).toBeLessThan(3);
    for (const item of items) {
      expect(item).toMatchObject({
        subscriptionId: created.id,
        subscriptionExpirationDateTime: created.expirationDateTime,
        changeType: "created",
        clientState: "client-state-value",
        tenantId: sim.tenantId,
        resourceData: { "@odata.type": "#Microsoft.Graph.Message" },
      });
      expect(String(item.resource)).toMatch(new RegExp(`^Users/${alice}/Messages/`));
    }
    const restIds = sim.listMessages(alice, "inbox").filter((message) => ids.includes(message.id)).map((message) => message.restId);
    expect(items.map((item) => (item.resourceData as { id: string }).id).sort()).toEqual(restIds.sort());
  });

  it.each([
    { emails: 7, perPost: 3, posts: [3, 3, 1] },
    { emails: 6, perPost: 3, posts: [3, 3] },
    { emails: 2, perPost: 100, posts: [2] },
    { emails: 3, perPost: 100, setTo: 1, posts: [1, 1, 1] },
    { emails: 5, perPost: 1, setTo: 2, posts: [2, 2, 1] },
  ])("splits a burst of $emails into POSTs of at most $perPost (or what it is set to while running: $setTo)", async ({ emails, perPost, posts, setTo }) => {
    const capped = await startGraphSimulator({ notificationRetryBaseMs: 5, notificationTimeoutMs: 1_000, validationTimeoutMs: 1_000, notificationDelayMs: 50, maxNotificationsPerPost: perPost });
    if (setTo !== undefined) capped.setMaxNotificationsPerPost(setTo);
    try {
      const carol = capped.addMailbox({ address: "carol@contoso.test" });
      await connectTestClient(capped)
        .api("/subscriptions")
        .post({ changeType: "created", notificationUrl: receiver.url, resource: `users/${carol}/mailFolders('inbox')/messages`, expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(), clientState: "client-state-value" });
      for (let n = 0; n < emails; n += 1) capped.deliverExternal({ to: ["carol@contoso.test"], from: { address: "sender@fabrikam.test" }, subject: `Burst ${n}` });
      await receiver.waitFor(() => receiver.items().length === emails);
      await capped.notificationsIdle();
      expect(receiver.requests.filter((request) => request.items.length > 0).map((request) => request.items.length)).toEqual(posts);
    } finally {
      await capped.close();
    }
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %s notifications per POST", (count) => {
    expect(() => sim.setMaxNotificationsPerPost(count)).toThrow(RangeError);
  });

  it("keeps the notification URL's query string (a Functions ?code= key) on validation and delivery", async () => {
    await subscribe({ notificationUrl: `${receiver.url}?code=function-key` });
    deliverToAlice("With key");
    await receiver.waitFor(() => receiver.items().length === 1);
    expect(receiver.requests.map((request) => request.query.get("code"))).toEqual(["function-key", "function-key"]);
  });

  it("uses immutable ids in notifications when the subscription was created with that preference", async () => {
    await client.api("/subscriptions").header("Prefer", 'IdType="ImmutableId"').post({
      changeType: "created",
      notificationUrl: receiver.url,
      resource: `users/${alice}/mailFolders('inbox')/messages`,
      expirationDateTime: inDays(1),
    });
    const id = deliverToAlice("Immutable");
    await receiver.waitFor(() => receiver.items().length === 1);
    expect((receiver.items()[0]?.resourceData as { id: string }).id).toBe(id);
  });

  it("notifies only subscriptions on the folder and mailbox that changed", async () => {
    await subscribe({ resource: `users/${alice}/mailFolders('sentitems')/messages` });
    await subscribe({ resource: `users/${bob}/mailFolders('inbox')/messages` });
    deliverToAlice("Inbox only");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(0);
  });

  it("sends updated and deleted notifications when asked for", async () => {
    await subscribe({ changeType: "created,updated,deleted" });
    const id = deliverToAlice("Lifecycle of a message");
    await receiver.waitFor(() => receiver.items().length === 1);
    sim.updateMessage(alice, id, { categories: ["Tracked"] });
    await receiver.waitFor(() => receiver.items().length === 2);
    sim.deleteMessage(alice, id);
    await receiver.waitFor(() => receiver.items().length === 3);
    expect(receiver.items().map((item) => item.changeType)).toEqual(["created", "updated", "deleted"]);
  });

  it("follows created with several updated when that fault is on", async () => {
    await subscribe({ changeType: "created,updated" });
    sim.faults.updatedAfterCreated(2);
    deliverToAlice("Chatty");
    await receiver.waitFor(() => receiver.items().length === 3);
    expect(receiver.items().map((item) => item.changeType)).toEqual(["created", "updated", "updated"]);
  });

  it("retries a failing endpoint with backoff until it acknowledges", async () => {
    await subscribe();
    let failures = 0;
    receiver.setReply((request) => {
      if (request.query.has("validationToken")) return undefined;
      failures += 1;
      return failures <= 2 ? { status: 503 } : { status: 202 };
    });
    deliverToAlice("Retry me");
    await receiver.waitFor(() => receiver.items().length === 1);
    await sim.notificationsIdle();
    expect(receiver.requests.filter((request) => !request.query.has("validationToken"))).toHaveLength(3);
    expect(sim.stats.notifications.delivered).toBeGreaterThanOrEqual(1);
  });

  it("gives up after the bounded number of attempts", async () => {
    await subscribe();
    sim.resetStats();
    receiver.setReply((request) => (request.query.has("validationToken") ? undefined : { status: 500 }));
    deliverToAlice("Never acknowledged");
    await sim.notificationsIdle();
    expect(sim.stats.notifications).toMatchObject({ attempted: 5, delivered: 0, failed: 1 });
  });

  it("retries after a timeout", async () => {
    await subscribe();
    let calls = 0;
    receiver.setReply((request) => {
      if (request.query.has("validationToken")) return undefined;
      calls += 1;
      return calls === 1 ? { status: 202, delayMs: 2_500 } : { status: 202 };
    });
    deliverToAlice("Slow receiver");
    await sim.notificationsIdle();
    expect(calls).toBe(2);
  });

  it.each([
    { fault: "drop", expected: 0 },
    { fault: "duplicate", expected: 4 },
  ] as const)("applies the $fault fault", async ({ fault, expected }) => {
    await subscribe();
    if (fault === "drop") sim.faults.dropNotifications(true);
    else sim.faults.duplicateNotifications(true);
    deliverToAlice("A");
    deliverToAlice("B");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(expected);
  });

  it("delivers a burst in reverse order when reordering is on", async () => {
    await client.api("/subscriptions").header("Prefer", 'IdType="ImmutableId"').post({
      changeType: "created",
      notificationUrl: receiver.url,
      resource: `users/${alice}/mailFolders('inbox')/messages`,
      expirationDateTime: inDays(1),
    });
    sim.faults.reorderNotifications(true);
    const ids = ["First", "Second", "Third"].map(deliverToAlice);
    await sim.notificationsIdle();
    expect(receiver.items().map((item) => (item.resourceData as { id: string }).id)).toEqual([...ids].reverse());
  });
});

describe("lifecycle notifications", () => {
  it("pauses delivery after reauthorizationRequired and releases it on reauthorize", async () => {
    const created = await subscribe();
    const id = String(created.id);
    sim.triggerLifecycle(id, "reauthorizationRequired");
    await lifecycle.waitFor(() => lifecycle.items().length === 1);
    deliverToAlice("Held");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(0);

    await client.api(`/subscriptions/${id}/reauthorize`).post({});
    await receiver.waitFor(() => receiver.items().length === 1);
    expect(lifecycle.items()[0]).toEqual({
      lifecycleEvent: "reauthorizationRequired",
      subscriptionId: id,
      subscriptionExpirationDateTime: created.expirationDateTime,
      clientState: "client-state-value",
      tenantId: sim.tenantId,
    });
  });

  it("resumes delivery after a PATCH renewal too", async () => {
    const id = String((await subscribe()).id);
    sim.triggerLifecycle(id, "reauthorizationRequired");
    deliverToAlice("Held until renewal");
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(0);
    await client.api(`/subscriptions/${id}`).patch({ expirationDateTime: inDays(3) });
    await receiver.waitFor(() => receiver.items().length === 1);
  });

  it.each(["subscriptionRemoved", "missed"] as const)("sends %s to the lifecycle URL", async (event) => {
    const id = String((await subscribe()).id);
    sim.triggerLifecycle(id, event);
    await lifecycle.waitFor(() => lifecycle.items().length === 1);
    expect(lifecycle.items()[0]).toMatchObject({ lifecycleEvent: event, subscriptionId: id });
    const stillThere = sim.listSubscriptions().some((subscription) => subscription.id === id);
    expect(stillThere).toBe(event === "missed");
  });
});
