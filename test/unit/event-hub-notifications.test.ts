// Event Hubs delivery, with the payloads Graph puts on the hub (spec administration.md §9; Graph's
// "Receive change notifications through Azure Event Hubs"): each event's body is the notification
// collection a webhook POST would carry, change and lifecycle items together when both URLs name
// the hub, plus one validation event per new subscription whose items name subscription "NA".
// Event Hubs itself cannot run here: these tests drive the handler the trigger calls, with the
// bodies in each form the Functions host hands over (parsed JSON, text, bytes).
import { describe, expect, it } from "vitest";
import { createEventHubNotifications } from "../../src/app/event-hub-notifications.js";
import { createNotificationHandler } from "../../src/app/notification-handler.js";
import { createTtlCache } from "../../src/app/ttl-cache.js";
import { createValidationTokenVerifier } from "../../src/adapters/graph/validation-tokens.js";
import { webhookUrl } from "../../src/config/validators.js";
import { createSimulatedIdentity } from "../../local/graph-simulator/identity.js";
import { INBOX_ID, SENT_ID, TENANT, changeNotification, lifecycleNotification, clientStates, subscriptionRecords } from "../support/webhook-fixtures.js";

const APP_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
const identity = await createSimulatedIdentity({ tenantId: TENANT, authority: () => "https://login.example" });
const verifier = createValidationTokenVerifier({
  tenantId: TENANT,
  appId: APP_ID,
  authorityHost: "https://login.example",
  fetch: async () => new Response(JSON.stringify(identity.jwks), { status: 200 }),
});

function eventHub() {
  const records = subscriptionRecords();
  const inbox = records.get(INBOX_ID);
  if (inbox) records.set(INBOX_ID, { ...inbox, encryptionCertificateId: "v1" });
  const reads: string[] = [];
  const handler = createNotificationHandler({
    subscriptions: createTtlCache({ ttlInMs: 60_000, maxEntries: 100, clock: () => new Date(), load: async (id) => (reads.push(id), records.get(id)) }),
    clientStates,
    tenantId: TENANT,
    validationTokens: verifier,
    clock: () => new Date("2026-05-01T10:00:00Z"),
  });
  return { hub: createEventHubNotifications(handler), reads };
}

/** Graph's validation event on the hub when a subscription is created. */
const validationEvent = {
  value: [
    {
      subscriptionId: "NA",
      subscriptionExpirationDateTime: "NA",
      clientState: "NA",
      changeType: "Created",
      resource: "NA",
      resourceData: { "@odata.type": "NA", "@odata.id": "NA", id: "NA" },
      tenantId: TENANT,
    },
  ],
};

describe("Event Hubs delivery: the same handler as the webhook", () => {
  it("ignores Graph's validation event: nothing read, nothing queued", async () => {
    const { hub, reads } = eventHub();
    const outcome = await hub.handleEvents([validationEvent, JSON.stringify(validationEvent)]);
    expect(outcome).toMatchObject({ enqueue: [], validationItems: 2, malformedEvents: 0, storeReads: 0 });
    expect(reads).toEqual([]);
  });

  it.each([
    ["parsed JSON", (body: unknown) => body],
    ["text", (body: unknown) => JSON.stringify(body)],
    ["bytes", (body: unknown) => Buffer.from(JSON.stringify(body), "utf8")],
  ])("a change notification as %s becomes the same work item the webhook makes", async (_form, encode) => {
    const { hub } = eventHub();
    const outcome = await hub.handleEvents([encode({ value: [changeNotification({ messageId: "AAMkAD1" })] })]);
    expect(outcome.enqueue).toEqual([
      { kind: "change", subscriptionId: INBOX_ID, mailbox: "ann@example.com", folder: "inbox", folderId: "folder-inbox", messageIds: ["AAMkAD1"], acceptedAt: "2026-05-01T10:00:00.000Z" },
    ]);
  });

  it("change and lifecycle items on one hub, across a batch of events", async () => {
    const { hub } = eventHub();
    const outcome = await hub.handleEvents([
      { value: [changeNotification({ messageId: "M1" }), lifecycleNotification({ lifecycleEvent: "reauthorizationRequired" })] },
      { value: [changeNotification({ messageId: "M2", subscriptionId: SENT_ID, clientState: undefined })] },
    ]);
    expect(outcome.enqueue.map((item) => item.kind).sort()).toEqual(["change", "lifecycle"]);
    expect(outcome.dropped).toEqual({ clientStateMismatch: 1 });
  });

  it("the same validation rules: a forged client state or another tenant is dropped before any read", async () => {
    const { hub, reads } = eventHub();
    const outcome = await hub.handleEvents([{ value: [changeNotification({ clientState: "forged" }), changeNotification({ tenantId: "00000000-0000-4000-8000-000000000000" })] }]);
    expect(outcome.enqueue).toEqual([]);
    expect(outcome.dropped).toEqual({ clientStateMismatch: 1, tenantMismatch: 1 });
    expect(reads).toEqual([]);
  });

  it("rich notifications on the hub: validation tokens vouch for the content, as on the webhook", async () => {
    const { hub } = eventHub();
    const encryptedContent = { data: "A".repeat(400), dataSignature: "B".repeat(44), dataKey: "C".repeat(344), encryptionCertificateId: "v1" };
    const trusted = await hub.handleEvents([{ validationTokens: [await identity.issueValidationToken({ audience: APP_ID })], value: [changeNotification({ messageId: "M1", encryptedContent })] }]);
    expect(trusted.enqueue[0]).toMatchObject({ encryptedContent: { M1: encryptedContent } });
    const forged = await hub.handleEvents([{ validationTokens: [await identity.issueForeignToken({ audience: APP_ID })], value: [changeNotification({ messageId: "M1", encryptedContent })] }]);
    expect(forged.enqueue[0]).not.toHaveProperty("encryptedContent");
    expect(forged.resourceDataSkipped).toEqual({ untrusted: 1 });
  });

  it.each([
    ["not JSON", "{not json"],
    ["an array", [changeNotification()]],
    ["no value", { items: [] }],
    ["a number", 42],
    ["more than 1 MB", JSON.stringify({ value: [], pad: "x".repeat(1_048_576) })],
  ])("an event that is %s is counted and skipped; the batch goes on", async (_name, event) => {
    const { hub } = eventHub();
    const outcome = await hub.handleEvents([event, { value: [changeNotification({ messageId: "M9" })] }]);
    expect(outcome.malformedEvents).toBe(1);
    expect(outcome.enqueue).toHaveLength(1);
  });
});

describe("notification URLs for Event Hubs", () => {
  it.each([
    ["EventHub:https://evh-abc.servicebus.windows.net/eventhubname/graph?tenantId=contoso.onmicrosoft.com", true],
    ["EventHub:https://kv-abc.vault.azure.net/secrets/graph-events?tenantId=contoso.onmicrosoft.com", true],
    ["EventHub:https://evh-abc.servicebus.windows.net/eventhubname/graph", false],
    ["EventHub:http://evh-abc.servicebus.windows.net/eventhubname/graph?tenantId=x", false],
  ])("%s → valid: %s", (value, valid) => {
    expect(webhookUrl(value, { environment: "azure" }) === undefined).toBe(valid);
  });
});
