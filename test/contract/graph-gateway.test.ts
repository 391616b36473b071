// The Graph gateway against the local Graph simulator, with the real @azure/identity credential
// and the real Graph SDK, both trusting the simulator's CA explicitly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GraphFailure } from "../../src/app/errors.js";
import type { MailFolderName } from "../../src/app/ports.js";
import type { DeltaPage } from "../../src/app/ports.js";
import { GRAPH_SCOPE, createGraphCredential, createGraphGateway } from "../../src/adapters/graph/index.js";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import { startGraphSimulator, startNotificationReceiver } from "../../local/graph-simulator/index.js";
import type { GraphSimulator, NotificationReceiver } from "../../local/graph-simulator/index.js";

const CLIENT = { clientId: "11111111-1111-1111-1111-111111111111", clientSecret: "local-only-secret" };

let sim: GraphSimulator;
let receiver: NotificationReceiver;
const gateways: GraphGateway[] = [];
let mailboxCounter = 0;

beforeAll(async () => {
  sim = await startGraphSimulator({ clients: [CLIENT], notificationRetryBaseMs: 5 });
  receiver = await startNotificationReceiver();
});

afterEach(() => {
  sim.faults.clear();
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await receiver?.close();
  await sim?.close();
});

function credential() {
  return createGraphCredential({
    kind: "clientSecret",
    tenantId: sim.tenantId,
    ...CLIENT,
    authorityHost: sim.authorityHost,
    ca: sim.ca,
  });
}

/** A gateway whose sleeps are recorded and kept short (Retry-After values here are tens of ms). */
function newGateway(options: { maxRetries?: number } = {}) {
  const delays: number[] = [];
  const gateway = createGraphGateway({
    credential: credential(),
    baseUrl: sim.baseUrl,
    ca: sim.ca,
    ...options,
    sleep: (ms) => {
      delays.push(ms);
      return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 60)));
    },
  });
  gateways.push(gateway);
  return { gateway, delays };
}

function newMailbox(): { address: string; id: string } {
  mailboxCounter += 1;
  const address = `user${mailboxCounter}@contoso.test`;
  const id = sim.addMailbox({ address, displayName: `User ${mailboxCounter}` });
  return { address, id };
}

function deliver(to: string, subject: string, headers: { name: string; value: string }[] = []) {
  const result = sim.deliverExternal({ to: [to], from: { address: "customer@fabrikam.test", name: "Customer" }, subject, body: "Hello there", headers });
  const delivery = result.deliveries[0];
  if (!delivery) throw new Error(`nothing delivered to ${to}`);
  return { id: delivery.messageId, internetMessageId: result.internetMessageId };
}

async function collect(pages: AsyncIterable<DeltaPage>): Promise<DeltaPage[]> {
  const all: DeltaPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

async function failureOf(promise: Promise<unknown>): Promise<GraphFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphFailure) return error;
    throw error;
  }
  throw new Error("expected a GraphFailure");
}

describe("credential", () => {
  it("gets a token from the simulator's token endpoint through the trusted CA", async () => {
    const before = sim.stats.tokensIssued;
    const token = await credential().getToken(GRAPH_SCOPE);
    expect(token?.token.split(".")).toHaveLength(3);
    expect(sim.stats.tokensIssued).toBe(before + 1);
  });

  it("fails without the CA: the local certificate is not trusted by default", async () => {
    const untrusting = createGraphCredential({ kind: "clientSecret", tenantId: sim.tenantId, ...CLIENT, authorityHost: sim.authorityHost });
    await expect(untrusting.getToken(GRAPH_SCOPE)).rejects.toThrow();
  });

  it("turns a rejected client secret into an unauthenticated failure (the app's credential, not a mailbox's access)", async () => {
    const gateway = createGraphGateway({
      credential: createGraphCredential({ kind: "clientSecret", tenantId: sim.tenantId, clientId: CLIENT.clientId, clientSecret: "wrong", authorityHost: sim.authorityHost, ca: sim.ca }),
      baseUrl: sim.baseUrl,
      ca: sim.ca,
      sleep: async () => {},
    });
    gateways.push(gateway);
    const { address } = newMailbox();
    const failure = await failureOf(gateway.getMessage(address, "AAMkAGI=", { folder: "inbox" }));
    expect(failure.code).toBe("unauthenticated");
  });
});

describe("getMessage", () => {
  it("accepts a base URL that names the version", async () => {
    const gateway = createGraphGateway({ credential: credential(), baseUrl: `${new URL(sim.baseUrl).origin}/v1.0/`, ca: sim.ca, sleep: async () => {} });
    gateways.push(gateway);
    const { address } = newMailbox();
    const sent = deliver(address, "Versioned");
    expect((await gateway.getMessage(address, sent.id, { folder: "inbox" })).id).toBe(sent.id);
  });

  it("does not trust the simulator without its CA: no response is a temporary failure", async () => {
    const gateway = createGraphGateway({ credential: credential(), baseUrl: sim.baseUrl, maxRetries: 0, sleep: async () => {} });
    gateways.push(gateway);
    const { address } = newMailbox();
    const failure = await failureOf(gateway.getMessage(address, "AAMkAGI=", { folder: "inbox" }));
    expect(failure.code).toBe("temporary");
    expect(failure.status).toBeUndefined();
    expect(gateway.requestCount()).toBe(1);
  });

  it("reads an Inbox message with its internet headers and a text body", async () => {
    const { gateway } = newGateway();
    const { address } = newMailbox();
    const sent = deliver(address, "Quote request", [{ name: "In-Reply-To", value: "<parent@contoso.test>" }]);
    const message = await gateway.getMessage(address, sent.id, { folder: "inbox" });
    expect(message.id).toBe(sent.id);
    expect(message.internetMessageId).toBe(sent.internetMessageId);
    expect(message.subject).toBe("Quote request");
    expect(message.body?.contentType).toBe("text");
    const headers = new Map((message.internetMessageHeaders ?? []).map((header) => [header.name.toLowerCase(), header.value]));
    expect(headers.get("in-reply-to")).toBe("<parent@contoso.test>");
    expect(headers.get("message-id")).toBe(sent.internetMessageId);
    expect(message.singleValueExtendedProperties ?? undefined).toBeUndefined();
    expect(Object.keys(message).some((key) => key.startsWith("@odata"))).toBe(false);
    expect(gateway.requestCount()).toBe(1);
    expect(gateway.requestCountByMailbox().get(address)).toBe(1);
  });

  it("reads a Sent Items message through extended properties (no headers there)", async () => {
    const { gateway } = newGateway();
    const sender = newMailbox();
    const recipient = newMailbox();
    const sent = await gateway.sendMail(sender.address, {
      subject: "Re: Quote request",
      body: { contentType: "text", content: "Here it is" },
      toRecipients: [recipient.address],
      inReplyTo: "<parent@fabrikam.test>",
    });
    const message = await gateway.getMessage(sender.address, sent.id, { folder: "sentitems" });
    expect(message.internetMessageHeaders ?? undefined).toBeUndefined();
    const properties = new Map((message.singleValueExtendedProperties ?? []).map((property) => [property.id.toLowerCase(), property.value]));
    expect(properties.get("string 0x1042")).toBe("<parent@fabrikam.test>");
    expect(properties.get("string 0x1035")).toBe(sent.internetMessageId);
  });

  it.each([
    ["an unknown message", (address: string) => [address, "AAMkAGUnknown="] as const],
    ["an unknown mailbox", () => ["nobody@contoso.test", "AAMkAGUnknown="] as const],
  ])("reports notFound for %s without retrying", async (_name, target) => {
    const { gateway, delays } = newGateway();
    const { address } = newMailbox();
    const [mailbox, id] = target(address);
    const failure = await failureOf(gateway.getMessage(mailbox, id, { folder: "inbox" }));
    expect(failure.code).toBe("notFound");
    expect(failure.status).toBe(404);
    expect(gateway.requestCount()).toBe(1);
    expect(delays).toEqual([]);
  });

  it("reports permission for a mailbox outside the app's access policy", async () => {
    const { gateway } = newGateway();
    const { address } = newMailbox();
    const sent = deliver(address, "Private");
    sim.faults.accessDenied(address, true);
    const failure = await failureOf(gateway.getMessage(address, sent.id, { folder: "inbox" }));
    expect(failure).toMatchObject({ code: "permission", status: 403, graphCode: "ErrorAccessDenied" });
    expect(gateway.requestCount()).toBe(1);
  });

  it("retries server errors and succeeds", async () => {
    const { gateway, delays } = newGateway();
    const { address } = newMailbox();
    const sent = deliver(address, "Flaky");
    sim.faults.serverError({ count: 2, status: 503, mailbox: address });
    const message = await gateway.getMessage(address, sent.id, { folder: "inbox" });
    expect(message.id).toBe(sent.id);
    expect(gateway.requestCount()).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("gives up after maxRetries with a temporary failure", async () => {
    const { gateway, delays } = newGateway({ maxRetries: 2 });
    const { address } = newMailbox();
    const sent = deliver(address, "Down");
    sim.faults.serverError({ count: 5, status: 504, mailbox: address });
    const failure = await failureOf(gateway.getMessage(address, sent.id, { folder: "inbox" }));
    expect(failure).toMatchObject({ code: "temporary", status: 504 });
    expect(gateway.requestCount()).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("survives a 429 storm while fetching 40 messages at once, never over 4 in flight", async () => {
    const { gateway, delays } = newGateway({ maxRetries: 10 });
    const mailbox = newMailbox();
    const ids = Array.from({ length: 40 }, (_, index) => deliver(mailbox.address, `Storm ${index}`).id);
    sim.resetStats();
    // Slow responses make requests overlap; the simulator answers a 5th concurrent one with 429.
    sim.faults.slow({ mailbox: mailbox.address, ms: 15, count: 50 });
    sim.faults.throttle({ mailbox: mailbox.address, count: 10, retryAfterSeconds: 0.05 });
    const messages = await Promise.all(ids.map((id) => gateway.getMessage(mailbox.address, id, { folder: "inbox" })));
    expect(messages.map((message) => message.id)).toEqual(ids);
    expect(sim.stats.maxConcurrencyByMailbox[mailbox.id]).toBe(4);
    // Only the injected 429s: no MailboxConcurrency 429, the limiter kept us at 4.
    expect(sim.stats.throttled).toBe(10);
    // Each throttled attempt waited exactly the fractional Retry-After it was given.
    expect(delays).toEqual(Array.from({ length: 10 }, () => 50));
    expect(gateway.requestCount()).toBe(50);
  });
});

describe("getMessages ($batch)", () => {
  it("reads 45 messages in 3 batch requests, with a missing id reported notFound", async () => {
    const { gateway } = newGateway();
    const mailbox = newMailbox();
    const ids = Array.from({ length: 44 }, (_, index) => deliver(mailbox.address, `Batch ${index}`).id);
    const asked = [...ids.slice(0, 10), "AAMkAGMissing=", ...ids.slice(10)];
    sim.resetStats();
    sim.faults.slow({ mailbox: mailbox.address, ms: 5, count: 45 });
    const results = await gateway.getMessages(mailbox.address, asked, { folder: "inbox" });
    expect(results.map((result) => result.messageId)).toEqual(asked);
    expect(results.filter((result) => result.message !== undefined).map((result) => result.message?.id)).toEqual(ids);
    const missing = results.find((result) => result.messageId === "AAMkAGMissing=");
    expect(missing?.failure?.code).toBe("notFound");
    expect(missing?.message).toBeUndefined();
    expect(sim.stats.requests.byEndpoint["POST /$batch"]).toBe(3);
    expect(gateway.requestCount()).toBe(3);
    expect(sim.stats.maxConcurrencyByMailbox[mailbox.id]).toBe(4);
    expect(sim.stats.throttled).toBe(0);
    // Inbox reads carry headers in batch items too.
    expect(results[0]?.message?.internetMessageHeaders?.length).toBeGreaterThan(0);
  });

  it("retries throttled batch items one by one, honouring their Retry-After", async () => {
    const { gateway, delays } = newGateway();
    const mailbox = newMailbox();
    const ids = Array.from({ length: 6 }, (_, index) => deliver(mailbox.address, `Item ${index}`).id);
    sim.faults.throttle({ mailbox: mailbox.address, count: 3, retryAfterSeconds: 0.05 });
    const results = await gateway.getMessages(mailbox.address, ids, { folder: "inbox" });
    expect(results.every((result) => result.message !== undefined)).toBe(true);
    // 1 batch + 3 single reads of the throttled items; the items' own 429s were not slept on.
    expect(gateway.requestCount()).toBe(4);
    expect(delays).toEqual([]);
  });

  it("reads Sent Items in a batch with extended properties", async () => {
    const { gateway } = newGateway();
    const sender = newMailbox();
    const recipient = newMailbox();
    const sent = await gateway.sendMail(sender.address, { subject: "Offer", body: { contentType: "html", content: "<p>Offer</p>" }, toRecipients: [recipient.address] });
    const [result] = await gateway.getMessages(sender.address, [sent.id], { folder: "sentitems" });
    const properties = new Map((result?.message?.singleValueExtendedProperties ?? []).map((property) => [property.id.toLowerCase(), property.value]));
    expect(properties.get("string 0x1035")).toBe(sent.internetMessageId);
    expect(result?.message?.internetMessageHeaders ?? undefined).toBeUndefined();
  });

  it("returns nothing and sends nothing for no ids", async () => {
    const { gateway } = newGateway();
    const mailbox = newMailbox();
    expect(await gateway.getMessages(mailbox.address, [], { folder: "inbox" })).toEqual([]);
    expect(gateway.requestCount()).toBe(0);
  });
});

describe("subscriptions", () => {
  function createInput(address: string, folder: MailFolderName) {
    return {
      mailbox: address,
      folder,
      notificationUrl: `${receiver.url}/notifications`,
      lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
      clientState: "client-state-for-tests",
      expirationDateTime: new Date(Date.now() + 2 * 24 * 3600_000).toISOString(),
    };
  }

  it.each(["inbox", "sentitems"] as const)("creates, renews, reauthorizes and deletes a %s subscription", async (folder) => {
    const { gateway } = newGateway();
    const { address } = newMailbox();
    const created = await gateway.createSubscription(createInput(address, folder));
    expect(created.resource).toBe(`users/${address}/mailFolders('${folder}')/messages`);
    const stored = sim.listSubscriptions().find((subscription) => subscription.id === created.id);
    expect(stored).toBeDefined();
    expect(receiver.validations().length).toBeGreaterThan(0);

    const asked = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
    const renewed = await gateway.renewSubscription(created.id, { expirationDateTime: asked });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(created.expirationDateTime));

    await gateway.reauthorizeSubscription(created.id);
    await gateway.deleteSubscription(created.id);
    expect(sim.listSubscriptions().some((subscription) => subscription.id === created.id)).toBe(false);
    // Deleting again is already done.
    await gateway.deleteSubscription(created.id);
    expect(gateway.requestCountByMailbox().get(address)).toBe(1);
    expect(gateway.requestCountByMailbox().get("(subscriptions)")).toBe(4);
  });

  it.each([
    ["renew", (gateway: GraphGateway, id: string) => gateway.renewSubscription(id, { expirationDateTime: new Date(Date.now() + 3600_000).toISOString() })],
    ["reauthorize", (gateway: GraphGateway, id: string) => gateway.reauthorizeSubscription(id)],
  ])("reports subscriptionGone on %s of a subscription that no longer exists", async (_name, act) => {
    const { gateway } = newGateway();
    const failure = await failureOf(act(gateway, "00000000-0000-0000-0000-000000000000"));
    expect(failure).toMatchObject({ code: "subscriptionGone", status: 404 });
  });

  it("reports invalidRequest when the notification endpoint fails validation", async () => {
    const { gateway } = newGateway();
    const { address } = newMailbox();
    receiver.setReply((request) => (request.query.has("validationToken") ? { status: 500 } : undefined));
    try {
      const failure = await failureOf(gateway.createSubscription(createInput(address, "inbox")));
      expect(failure).toMatchObject({ code: "invalidRequest", status: 400 });
      expect(gateway.requestCount()).toBe(1);
    } finally {
      receiver.setReply(undefined);
    }
  });
});

describe("delta", () => {
  it("pages through a folder, then reuses the deltaLink for new and removed messages", async () => {
    const { gateway } = newGateway();
    const mailbox = newMailbox();
    const ids = Array.from({ length: 5 }, (_, index) => deliver(mailbox.address, `Delta ${index}`).id);
    const first = await collect(gateway.delta(mailbox.address, "inbox", { pageSize: 2 }));
    expect(first.map((page) => page.messages.length)).toEqual([2, 2, 1]);
    expect(first.flatMap((page) => page.messages.map((message) => message.id)).sort()).toEqual([...ids].sort());
    expect(first.slice(0, -1).every((page) => page.deltaLink === undefined)).toBe(true);
    const deltaLink = first.at(-1)?.deltaLink;
    expect(deltaLink).toMatch(/^https:\/\//);
    expect(gateway.requestCount()).toBe(3);

    const added = deliver(mailbox.address, "Delta new").id;
    sim.deleteMessage(mailbox.address, ids[0]!);
    const second = await collect(gateway.delta(mailbox.address, "inbox", { deltaLink: deltaLink! }));
    expect(second.flatMap((page) => page.messages.map((message) => message.id))).toContain(added);
    expect(second.flatMap((page) => page.removedIds)).toEqual([ids[0]]);
    expect(second.at(-1)?.deltaLink).toMatch(/^https:\/\//);
  });

  it("bounds a fresh delta by receivedAfter", async () => {
    const { gateway } = newGateway();
    const mailbox = newMailbox();
    sim.deliverExternal({ to: [mailbox.address], from: { address: "old@fabrikam.test" }, subject: "Old", receivedDateTime: "2020-01-01T00:00:00Z" });
    const recent = deliver(mailbox.address, "Recent").id;
    const pages = await collect(gateway.delta(mailbox.address, "inbox", { receivedAfter: "2024-01-01T00:00:00Z" }));
    expect(pages.flatMap((page) => page.messages.map((message) => message.id))).toEqual([recent]);
  });

  it.each([
    ["an expired delta token (fault)", true],
    ["an unknown delta token", false],
  ])("reports cursorExpired for %s", async (_name, useFault) => {
    const { gateway } = newGateway();
    const mailbox = newMailbox();
    deliver(mailbox.address, "Something");
    const pages = await collect(gateway.delta(mailbox.address, "inbox", {}));
    const deltaLink = pages.at(-1)!.deltaLink!;
    if (useFault) sim.faults.deltaGone({ mailbox: mailbox.address, count: 1 });
    const link = useFault ? deltaLink : deltaLink.replace(/\$deltatoken=[^&]*/, "$deltatoken=unknown");
    const failure = await failureOf(collect(gateway.delta(mailbox.address, "inbox", { deltaLink: link })));
    expect(failure).toMatchObject({ code: "cursorExpired", status: 410 });
  });
});

describe("sendMail", () => {
  it("sends through a draft, returns the Message-ID, and the copy is in Sent Items under the same id", async () => {
    const { gateway } = newGateway();
    const sender = newMailbox();
    const recipient = newMailbox();
    const sent = await gateway.sendMail(sender.address, {
      subject: "Proposal CRM:0001001",
      body: { contentType: "text", content: "Please find the proposal." },
      toRecipients: [recipient.address],
      ccRecipients: ["someone@fabrikam.test"],
      inReplyTo: "<thread-start@fabrikam.test>",
    });
    expect(sent.internetMessageId).toMatch(/^<.+@.+>$/);
    expect(sent.conversationIndex).toBeDefined();
    expect(gateway.requestCount()).toBe(2);
    const copy = sim.listMessages(sender.address, "sentitems").find((message) => message.id === sent.id);
    expect(copy).toMatchObject({ internetMessageId: sent.internetMessageId, inReplyTo: "<thread-start@fabrikam.test>", isDraft: false });
    const received = sim.listMessages(recipient.address, "inbox").find((message) => message.internetMessageId === sent.internetMessageId);
    expect(received?.subject).toBe("Proposal CRM:0001001");
  });

  it("retries a throttled send", async () => {
    const { gateway, delays } = newGateway();
    const sender = newMailbox();
    sim.faults.throttle({ mailbox: sender.address, count: 1, retryAfterSeconds: 0.05 });
    const sent = await gateway.sendMail(sender.address, { subject: "Hi", body: { contentType: "text", content: "x" }, toRecipients: ["a@fabrikam.test"] });
    expect(sim.listMessages(sender.address, "sentitems").map((message) => message.id)).toEqual([sent.id]);
    expect(delays).toEqual([50]);
  });
});
