import { describe, expect, it } from "vitest";
import { createWebhook, validationAnswer, type WebhookInput } from "../../src/app/notifications.js";
import type { SubscriptionRecord } from "../../src/app/ports.js";

const SECRET = "client-state-secret-value-0123456789";
const OLD_SECRET = "previous-client-state-value-9876543210";
const TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95";

const subscriptions = new Map<string, SubscriptionRecord>([
  ["sub-inbox", { id: "sub-inbox", mailbox: "ann@example.com", folder: "inbox", resource: "users/ann@example.com/mailFolders('inbox')/messages", expirationDateTime: "2030-01-01T00:00:00Z", createdOn: "2026-01-01T00:00:00Z" }],
  ["sub-sent", { id: "sub-sent", mailbox: "ann@example.com", folder: "sentitems", resource: "users/ann@example.com/mailFolders('sentitems')/messages", expirationDateTime: "2030-01-01T00:00:00Z", createdOn: "2026-01-01T00:00:00Z" }],
]);

const webhook = createWebhook({
  getSubscription: async (id) => subscriptions.get(id),
  clientStates: [SECRET, OLD_SECRET],
  tenantId: TENANT,
  maxBodyBytes: 10_000,
  clock: () => new Date("2026-05-01T10:00:00Z"),
});

function notification(overrides: Record<string, unknown> = {}) {
  return {
    subscriptionId: "sub-inbox",
    subscriptionExpirationDateTime: "2030-01-01T00:00:00Z",
    changeType: "created",
    clientState: SECRET,
    tenantId: TENANT,
    resource: "Users/11111111-2222-3333-4444-555555555555/Messages/AAMkAD1",
    resourceData: { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": "Users/x/Messages/AAMkAD1", id: "AAMkAD1" },
    ...overrides,
  };
}

function json(body: unknown): WebhookInput {
  return { contentType: "application/json; charset=utf-8", body: JSON.stringify(body) };
}

describe("validation handshake", () => {
  it("echoes the decoded token as text/plain with nosniff, before anything else", async () => {
    const token = "Validation: Testing client application reachability for subscription Request-Id: 3f1a";
    const answer = await webhook.handleChangeNotifications({ validationToken: token, contentType: "text/plain", body: "" });
    expect(answer).toMatchObject({ status: 200, body: token, enqueue: [] });
    expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(validationAnswer(undefined)).toBeUndefined();
    expect(validationAnswer("")?.body).toBe("");
  });
});

describe("request gates, in order", () => {
  it.each([
    { name: "wrong content type", input: { contentType: "text/plain", body: "{}" }, status: 415 },
    { name: "no content type", input: { body: "{}" }, status: 415 },
    { name: "too large", input: { contentType: "application/json", body: `{"value":[],"pad":"${"x".repeat(10_001)}"}` }, status: 413 },
    { name: "not JSON", input: { contentType: "application/json", body: "{not json" }, status: 400 },
    { name: "no value array", input: { contentType: "application/json", body: '{"items":[]}' }, status: 400 },
    { name: "an array body", input: { contentType: "application/json", body: "[]" }, status: 400 },
    { name: "empty value", input: { contentType: "application/json", body: '{"value":[]}' }, status: 202 },
  ])("$name → $status", async ({ input, status }) => {
    const answer = await webhook.handleChangeNotifications(input as WebhookInput);
    expect(answer.status).toBe(status);
    expect(answer.enqueue).toEqual([]);
  });
});

describe("per-item gates", () => {
  it("enqueues a valid notification with the subscription's mailbox and folder", async () => {
    const answer = await webhook.handleChangeNotifications(json({ value: [notification()] }));
    expect(answer.status).toBe(202);
    expect(answer.enqueue).toEqual([
      {
        kind: "change",
        subscriptionId: "sub-inbox",
        mailbox: "ann@example.com",
        folder: "inbox",
        messageIds: ["AAMkAD1"],
        acceptedAt: "2026-05-01T10:00:00.000Z",
      },
    ]);
  });

  it.each([
    { name: "unknown subscription", item: notification({ subscriptionId: "forged" }), reason: "unknownSubscription" },
    { name: "forged client state", item: notification({ clientState: "guess" }), reason: "clientStateMismatch" },
    { name: "client state of another length", item: notification({ clientState: SECRET + "x" }), reason: "clientStateMismatch" },
    { name: "missing client state", item: notification({ clientState: undefined }), reason: "clientStateMismatch" },
    { name: "other tenant", item: notification({ tenantId: "00000000-0000-0000-0000-000000000000" }), reason: "tenantMismatch" },
    { name: "deleted change", item: notification({ changeType: "deleted" }), reason: "unsupportedChangeType" },
    { name: "no resource", item: notification({ resource: undefined, resourceData: undefined }), reason: "missingResource" },
    { name: "not an object", item: "hello", reason: "notAnObject" },
    { name: "no subscription id", item: { clientState: SECRET }, reason: "notAnObject" },
  ])("drops $name ($reason) and still answers 202", async ({ item, reason }) => {
    const answer = await webhook.handleChangeNotifications(json({ value: [item] }));
    expect(answer.status).toBe(202);
    expect(answer.enqueue).toEqual([]);
    expect(answer.dropped).toEqual({ [reason]: 1 });
  });

  it("accepts the previous client state during a rotation", async () => {
    const answer = await webhook.handleChangeNotifications(json({ value: [notification({ clientState: OLD_SECRET })] }));
    expect(answer.enqueue).toHaveLength(1);
  });

  it("groups a burst per subscription (one $batch each), takes ids from the resource when resourceData is missing, drops repeats", async () => {
    const answer = await webhook.handleChangeNotifications(
      json({
        value: [
          notification({ resourceData: undefined, resource: "Users/u/Messages/AAMk%2FX1" }),
          notification({ subscriptionId: "sub-sent", resourceData: { id: "SENT1" } }),
          notification({ changeType: "updated" }),
          notification(),
        ],
      }),
    );
    expect(answer.enqueue.map((i) => (i.kind === "change" ? [i.folder, i.messageIds] : []))).toEqual([
      ["inbox", ["AAMk/X1", "AAMkAD1"]],
      ["sentitems", ["SENT1"]],
    ]);
    expect(answer.dropped).toEqual({ duplicate: 1 });
  });

  it("splits a burst of more than 20 messages into items of at most 20", async () => {
    const roomy = createWebhook({ getSubscription: async (id) => subscriptions.get(id), clientStates: [SECRET], maxBodyBytes: 1_000_000 });
    const value = Array.from({ length: 45 }, (_, n) => notification({ resourceData: { id: `M${n}` } }));
    const answer = await roomy.handleChangeNotifications(json({ value }));
    expect(answer.enqueue.map((i) => (i.kind === "change" ? i.messageIds.length : 0))).toEqual([20, 20, 5]);
    expect(answer.enqueue.flatMap((i) => (i.kind === "change" ? i.messageIds : []))).toEqual(value.map((_, n) => `M${n}`));
  });
});

describe("lifecycle notifications", () => {
  it.each(["reauthorizationRequired", "subscriptionRemoved", "missed"])("%s becomes a lifecycle work item", async (event) => {
    const answer = await webhook.handleLifecycleNotifications(
      json({ value: [{ lifecycleEvent: event, subscriptionId: "sub-inbox", clientState: SECRET, tenantId: TENANT }] }),
    );
    expect(answer.status).toBe(202);
    expect(answer.enqueue).toEqual([
      { kind: "lifecycle", subscriptionId: "sub-inbox", mailbox: "ann@example.com", folder: "inbox", lifecycleEvent: event, acceptedAt: "2026-05-01T10:00:00.000Z" },
    ]);
  });

  it("drops unknown events and forged ones", async () => {
    const answer = await webhook.handleLifecycleNotifications(
      json({
        value: [
          { lifecycleEvent: "somethingElse", subscriptionId: "sub-inbox", clientState: SECRET },
          { lifecycleEvent: "missed", subscriptionId: "sub-inbox", clientState: "forged" },
        ],
      }),
    );
    expect(answer.enqueue).toEqual([]);
    expect(answer.dropped).toEqual({ unknownLifecycleEvent: 1, clientStateMismatch: 1 });
  });
});

describe("configuration", () => {
  it("refuses to run without a client state", () => {
    expect(() => createWebhook({ getSubscription: async () => undefined, clientStates: [""], maxBodyBytes: 1 })).toThrow(/client state/);
  });
});
