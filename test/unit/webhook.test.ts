import { describe, expect, it } from "vitest";
import { createClientStates } from "../../src/app/client-state.js";
import { MAX_ITEMS_PER_REQUEST, MAX_STORE_READS_PER_REQUEST, createWebhook, validationAnswer, type WebhookInput } from "../../src/app/notifications.js";
import type { SubscriptionRecord } from "../../src/app/ports.js";
import { createTtlCache } from "../../src/app/ttl-cache.js";
import {
  ANN_USER_ID,
  INBOX_ID,
  SENT_ID,
  TENANT,
  changeNotification as notification,
  clientStates,
  inboxState,
  lifecycleNotification,
  oldState,
  sentState,
  subscriptionRecords,
} from "../support/webhook-fixtures.js";

function setup(options: { maxBodyBytes?: number; records?: Map<string, SubscriptionRecord> } = {}) {
  const records = options.records ?? subscriptionRecords();
  const reads: string[] = [];
  const webhook = createWebhook({
    subscriptions: createTtlCache({
      ttlInMs: 60_000,
      maxEntries: 1_000,
      clock: () => new Date("2026-05-01T10:00:00Z"),
      load: async (id) => {
        reads.push(id);
        return records.get(id);
      },
    }),
    clientStates,
    tenantId: TENANT,
    maxBodyBytes: options.maxBodyBytes ?? 10_000,
    clock: () => new Date("2026-05-01T10:00:00Z"),
  });
  return { webhook, reads, records };
}

const { webhook } = setup();

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
    { name: "wrong content type", input: { contentType: "text/plain", body: "{}" }, status: 415, field: "content-type" },
    { name: "no content type", input: { body: "{}" }, status: 415, field: "content-type" },
    { name: "too large", input: { contentType: "application/json", body: `{"value":[],"pad":"${"x".repeat(10_001)}"}` }, status: 413, field: "body" },
    { name: "not JSON", input: { contentType: "application/json", body: "{not json" }, status: 400, field: "body" },
    { name: "no value array", input: { contentType: "application/json", body: '{"items":[]}' }, status: 400, field: "value" },
    { name: "an array body", input: { contentType: "application/json", body: "[]" }, status: 400, field: "value" },
  ])("$name → $status problem+json naming $field", async ({ input, status, field }) => {
    const answer = await webhook.handleChangeNotifications(input as WebhookInput);
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(answer.body ?? "{}")).toMatchObject({ status, field });
    expect(answer.enqueue).toEqual([]);
  });

  it("an empty value is 202 with nothing to do", async () => {
    const answer = await webhook.handleChangeNotifications(json({ value: [] }));
    expect(answer).toMatchObject({ status: 202, enqueue: [], storeReads: 0 });
  });
});

describe("per-item gates", () => {
  it("enqueues a valid notification with the subscription's mailbox, folder and folder id", async () => {
    const answer = await webhook.handleChangeNotifications(json({ value: [notification()] }));
    expect(answer.status).toBe(202);
    expect(answer.dropped).toEqual({});
    expect(answer.enqueue).toEqual([
      {
        kind: "change",
        subscriptionId: INBOX_ID,
        mailbox: "ann@example.com",
        folder: "inbox",
        folderId: "folder-inbox",
        messageIds: ["AAMkAD1"],
        acceptedAt: "2026-05-01T10:00:00.000Z",
      },
    ]);
  });

  it.each([
    { name: "not an object", item: "hello", reason: "notAnObject" },
    { name: "an array item", item: [1], reason: "notAnObject" },
    { name: "no client state", item: notification({ clientState: undefined }), reason: "clientStateMismatch" },
    { name: "a guessed client state", item: notification({ clientState: "guess" }), reason: "clientStateMismatch" },
    { name: "the app secret itself as client state", item: notification({ clientState: "app-secret-for-client-states-0123456789" }), reason: "clientStateMismatch" },
    { name: "a client state signed with another secret", item: notification({ clientState: createClientStates(["some-other-secret-xxxxxxxx"]).issue().clientState }), reason: "clientStateMismatch" },
    { name: "a client state with a changed nonce", item: notification({ clientState: `B${inboxState.clientState.slice(1)}` }), reason: "clientStateMismatch" },
    { name: "a client state in another spelling of its MAC", item: notification({ clientState: inboxState.clientState.slice(0, -1) + (inboxState.clientState.endsWith("A") ? "B" : "A") }), reason: "clientStateMismatch" },
    { name: "no tenant", item: notification({ tenantId: undefined }), reason: "tenantMismatch" },
    { name: "a numeric tenant", item: notification({ tenantId: 42 }), reason: "tenantMismatch" },
    { name: "another tenant", item: notification({ tenantId: "00000000-0000-0000-0000-000000000000" }), reason: "tenantMismatch" },
    { name: "an empty subscription id", item: notification({ subscriptionId: "" }), reason: "malformedSubscriptionId" },
    { name: "a subscription id that is no GUID", item: notification({ subscriptionId: "forged" }), reason: "malformedSubscriptionId" },
    { name: "a 300-character subscription id", item: notification({ subscriptionId: "a".repeat(300) }), reason: "malformedSubscriptionId" },
    { name: "a lone surrogate subscription id", item: notification({ subscriptionId: "\ud800" }), reason: "malformedSubscriptionId" },
    { name: "a deleted change", item: notification({ changeType: "deleted" }), reason: "unsupportedChangeType" },
    { name: "no change type", item: notification({ changeType: undefined }), reason: "unsupportedChangeType" },
    { name: "no resource", item: notification({ resource: undefined }), reason: "malformedResource" },
    { name: "a folder resource", item: notification({ resource: `Users/${ANN_USER_ID}/mailFolders('inbox')/messages` }), reason: "malformedResource" },
    { name: "a bad %-escape in the resource", item: notification({ resource: `Users/${ANN_USER_ID}/Messages/AAMk%E0%A4%A`, resourceData: undefined }), reason: "malformedResource" },
    { name: "message id ..", item: notification({ messageId: "..", resourceData: undefined }), reason: "malformedResource" },
    { name: "message id .", item: notification({ messageId: ".", resourceData: undefined }), reason: "malformedResource" },
    { name: "message id %2E%2E", item: notification({ resource: `Users/${ANN_USER_ID}/Messages/%2E%2E`, resourceData: undefined }), reason: "malformedResource" },
    { name: "a lone surrogate in the resource", item: notification({ resource: `Users/${ANN_USER_ID}/Messages/%ED%A0%80`, resourceData: undefined }), reason: "malformedResource" },
    { name: "resourceData naming another message", item: notification({ resourceData: { id: "AAMkOTHER" } }), reason: "malformedResource" },
    { name: "resourceData that is a string", item: notification({ resourceData: "AAMkAD1" }), reason: "malformedResource" },
    { name: "an unknown subscription", item: notification({ subscriptionId: "0a0a0a0a-0000-4000-8000-000000000000" }), reason: "unknownSubscription" },
    { name: "another subscription's client state", item: notification({ clientState: sentState.clientState }), reason: "clientStateNotBound" },
    { name: "a resource naming another user", item: notification({ resource: "Users/99999999-2222-3333-4444-555555555555/Messages/AAMkAD1" }), reason: "mailboxMismatch" },
    { name: "a resource naming another address", item: notification({ resource: "Users/bob@example.com/Messages/AAMkAD1" }), reason: "mailboxMismatch" },
    { name: "a resource naming another tenant", item: notification({ resource: `Users/${ANN_USER_ID}@00000000-0000-0000-0000-000000000000/Messages/AAMkAD1` }), reason: "mailboxMismatch" },
  ])("drops $name ($reason) and still answers 202", async ({ item, reason }) => {
    const answer = await webhook.handleChangeNotifications(json({ value: [item] }));
    expect(answer.status).toBe(202);
    expect(answer.enqueue).toEqual([]);
    expect(answer.dropped).toEqual({ [reason]: 1 });
  });

  it.each([
    { name: "the user's object id", resource: `Users/${ANN_USER_ID}/Messages/AAMkAD1` },
    { name: "object id @ tenant", resource: `Users/${ANN_USER_ID}@${TENANT}/Messages/AAMkAD1` },
    { name: "the mailbox address, any casing", resource: "users/Ann@Example.com/messages/AAMkAD1" },
  ])("accepts a resource naming the mailbox by $name", async ({ resource }) => {
    const answer = await webhook.handleChangeNotifications(json({ value: [notification({ resource })] }));
    expect(answer.dropped).toEqual({});
    expect(answer.enqueue).toHaveLength(1);
  });

  it("a mailbox mismatch is worth a log line that names the mailbox but no id or state", async () => {
    const answer = await webhook.handleChangeNotifications(json({ value: [notification({ resource: "Users/bob@example.com/Messages/AAMkAD1" })] }));
    expect(answer.warnings).toHaveLength(1);
    expect(answer.warnings[0]).toContain("ann@example.com/inbox");
    expect(answer.warnings[0]).not.toContain(INBOX_ID);
    expect(answer.warnings[0]).not.toContain(inboxState.nonce);
  });

  it("accepts a state made with the previous secret during a rotation", async () => {
    const records = subscriptionRecords();
    records.set(INBOX_ID, { ...(records.get(INBOX_ID) as SubscriptionRecord), clientStateNonce: oldState.nonce, clientStateKeyId: oldState.keyId });
    const { webhook: rotating } = setup({ records });
    const answer = await rotating.handleChangeNotifications(json({ value: [notification({ clientState: oldState.clientState })] }));
    expect(answer.enqueue).toHaveLength(1);
  });

  it("a subscription stored without a nonce (made before per-subscription states) accepts nothing", async () => {
    const records = subscriptionRecords();
    const { clientStateNonce: _nonce, ...legacy } = records.get(INBOX_ID) as SubscriptionRecord;
    records.set(INBOX_ID, legacy);
    const { webhook: legacyHook } = setup({ records });
    const answer = await legacyHook.handleChangeNotifications(json({ value: [notification()] }));
    expect(answer.dropped).toEqual({ clientStateNotBound: 1 });
  });

  it("groups a burst per subscription (one $batch each), takes ids from the resource when resourceData is missing, drops repeats", async () => {
    const answer = await webhook.handleChangeNotifications(
      json({
        value: [
          notification({ resourceData: undefined, resource: `Users/${ANN_USER_ID}/Messages/AAMk%2FX1` }),
          notification({ subscriptionId: SENT_ID, clientState: sentState.clientState, messageId: "SENT1" }),
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

  it("makes `updated` notifications their own item (handled by the folder's delta), unless the message arrived in the same request", async () => {
    const answer = await webhook.handleChangeNotifications(
      json({ value: [notification({ changeType: "updated", messageId: "CHANGED1" }), notification({ changeType: "updated" }), notification()] }),
    );
    expect(answer.enqueue.map((i) => (i.kind === "change" ? [i.changeType ?? "created", i.messageIds] : []))).toEqual([
      ["updated", ["CHANGED1"]],
      ["created", ["AAMkAD1"]],
    ]);
    expect(answer.dropped).toEqual({ duplicate: 1 });
  });

  it("splits a burst of more than 20 messages into items of at most 20", async () => {
    const { webhook: roomy } = setup({ maxBodyBytes: 1_000_000 });
    const value = Array.from({ length: 45 }, (_, n) => notification({ messageId: `M${n}` }));
    const answer = await roomy.handleChangeNotifications(json({ value }));
    expect(answer.enqueue.map((i) => (i.kind === "change" ? i.messageIds.length : 0))).toEqual([20, 20, 5]);
    expect(answer.enqueue.flatMap((i) => (i.kind === "change" ? i.messageIds : []))).toEqual(value.map((_, n) => `M${n}`));
  });
});

describe("what one request costs", () => {
  const made = (n: number) => `${n.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;

  it("forged items (made-up ids, guessed states) cost no store read at all", async () => {
    const { webhook: counted, reads } = setup({ maxBodyBytes: 5_000_000 });
    const value = Array.from({ length: 5_000 }, (_, n) => notification({ subscriptionId: made(n), clientState: `forged-${n}` }));
    const answer = await counted.handleChangeNotifications(json({ value }));
    expect(answer).toMatchObject({ status: 202, enqueue: [], storeReads: 0, dropped: { clientStateMismatch: 5_000 } });
    expect(reads).toEqual([]);
  });

  it("one real client state with many made-up subscription ids costs one read", async () => {
    const { webhook: counted, reads } = setup({ maxBodyBytes: 2_000_000 });
    const value = Array.from({ length: 500 }, (_, n) => notification({ subscriptionId: made(n) }));
    const answer = await counted.handleChangeNotifications(json({ value }));
    expect(reads).toHaveLength(1);
    expect(answer.storeReads).toBe(1);
    expect(answer.dropped).toEqual({ unknownSubscription: 1, clientStateReused: 499 });
  });

  it("misses are cached: the same made-up id again costs nothing", async () => {
    const { webhook: counted, reads } = setup();
    const body = json({ value: [notification({ subscriptionId: made(1) })] });
    await counted.handleChangeNotifications(body);
    await counted.handleChangeNotifications(body);
    expect(reads).toEqual([made(1)]);
  });

  it(`at most ${MAX_STORE_READS_PER_REQUEST} store reads per request, whatever it holds`, async () => {
    const { webhook: counted, reads } = setup({ maxBodyBytes: 2_000_000 });
    // Many distinct valid client states (only the app secret's holder can make these).
    const value = Array.from({ length: MAX_STORE_READS_PER_REQUEST + 30 }, (_, n) =>
      notification({ subscriptionId: made(n), clientState: clientStates.issue().clientState }),
    );
    const answer = await counted.handleChangeNotifications(json({ value }));
    expect(reads).toHaveLength(MAX_STORE_READS_PER_REQUEST);
    expect(answer.dropped).toEqual({ unknownSubscription: MAX_STORE_READS_PER_REQUEST, readBudgetExceeded: 30 });
  });

  it(`handles at most ${MAX_ITEMS_PER_REQUEST} authenticated items per request`, async () => {
    const { webhook: counted } = setup({ maxBodyBytes: 2_000_000 });
    const value = Array.from({ length: MAX_ITEMS_PER_REQUEST + 5 }, (_, n) => notification({ messageId: `M${n}` }));
    const answer = await counted.handleChangeNotifications(json({ value }));
    expect(answer.dropped).toEqual({ tooManyItems: 5 });
    expect(answer.enqueue.flatMap((i) => (i.kind === "change" ? i.messageIds : []))).toHaveLength(MAX_ITEMS_PER_REQUEST);
  });
});

describe("lifecycle notifications", () => {
  it.each(["reauthorizationRequired", "subscriptionRemoved", "missed"])("%s becomes a lifecycle work item", async (event) => {
    const answer = await webhook.handleLifecycleNotifications(json({ value: [lifecycleNotification({ lifecycleEvent: event })] }));
    expect(answer.status).toBe(202);
    expect(answer.enqueue).toEqual([
      { kind: "lifecycle", subscriptionId: INBOX_ID, mailbox: "ann@example.com", folder: "inbox", lifecycleEvent: event, acceptedAt: "2026-05-01T10:00:00.000Z" },
    ]);
  });

  it("drops unknown events, forged ones, other tenants' and repeats", async () => {
    const answer = await webhook.handleLifecycleNotifications(
      json({
        value: [
          lifecycleNotification({ lifecycleEvent: "somethingElse" }),
          lifecycleNotification({ clientState: "forged" }),
          lifecycleNotification({ tenantId: undefined }),
          lifecycleNotification({ clientState: sentState.clientState }),
          lifecycleNotification(),
          lifecycleNotification(),
        ],
      }),
    );
    expect(answer.enqueue).toHaveLength(1);
    expect(answer.dropped).toEqual({ unknownLifecycleEvent: 1, clientStateMismatch: 1, tenantMismatch: 1, clientStateNotBound: 1, duplicate: 1 });
  });
});

describe("configuration", () => {
  it("refuses to run without a tenant id", () => {
    expect(() =>
      createWebhook({
        subscriptions: createTtlCache<SubscriptionRecord>({ ttlInMs: 1, maxEntries: 1, clock: () => new Date(), load: async () => undefined }),
        clientStates,
        tenantId: "",
        maxBodyBytes: 1,
      }),
    ).toThrow(/tenant/);
  });
});
