// The shared handler's rich-notification gates: validation tokens vouch for resource data, which
// is otherwise set aside (the message is fetched), never the notification. The tokens are real
// JWTs from the simulator's identity, checked by the real jose-based verifier against its JWKS.
import { describe, expect, it, vi } from "vitest";
import { createNotificationHandler, MAX_QUEUED_RESOURCE_DATA_CHARS } from "../../src/app/notification-handler.js";
import type { SubscriptionRecord, ValidationTokenVerifier } from "../../src/app/ports.js";
import { createTtlCache } from "../../src/app/ttl-cache.js";
import { createValidationTokenVerifier, GRAPH_CHANGE_TRACKING_APP_ID } from "../../src/adapters/graph/validation-tokens.js";
import { createSimulatedIdentity } from "../../local/graph-simulator/identity.js";
import { INBOX_ID, TENANT, changeNotification, clientStates, lifecycleNotification, subscriptionRecords } from "../support/webhook-fixtures.js";

const APP_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
const identity = await createSimulatedIdentity({ tenantId: TENANT, authority: () => "https://login.example" });
const jwksFetch = async () => new Response(JSON.stringify(identity.jwks), { status: 200, headers: { "content-type": "application/json" } });
const verifier = createValidationTokenVerifier({ tenantId: TENANT, appId: APP_ID, authorityHost: "https://login.example", fetch: jwksFetch });

const content = (size = 100) => ({
  data: "A".repeat(size * 4),
  dataSignature: "B".repeat(44),
  dataKey: "C".repeat(344),
  encryptionCertificateId: "v1",
});

function richRecords(): Map<string, SubscriptionRecord> {
  const records = subscriptionRecords();
  for (const record of records.values()) records.set(record.id, { ...record, encryptionCertificateId: "v1" });
  return records;
}

function handler(options: { records?: Map<string, SubscriptionRecord>; tokens?: ValidationTokenVerifier } = {}) {
  const records = options.records ?? richRecords();
  return createNotificationHandler({
    subscriptions: createTtlCache({ ttlInMs: 60_000, maxEntries: 100, clock: () => new Date(), load: async (id) => records.get(id) }),
    clientStates,
    tenantId: TENANT,
    validationTokens: options.tokens ?? verifier,
    clock: () => new Date("2026-05-01T10:00:00Z"),
  });
}

describe("validation tokens (jose, against the identity's JWKS)", () => {
  it.each([
    { name: "Graph's token for this app", make: () => identity.issueValidationToken({ audience: APP_ID }), ok: true },
    { name: "a token for another app", make: () => identity.issueValidationToken({ audience: "7d1c0e1f-0000-4000-8000-000000000000" }), ok: false },
    { name: "an expired token", make: () => identity.issueValidationToken({ audience: APP_ID, lifetimeSeconds: -600 }), ok: false },
    { name: "an access token of another caller (azp not Graph's)", make: () => identity.issueApiToken({ audience: APP_ID, version: "1.0" }), ok: false },
    { name: "a token signed by a key not in the JWKS", make: () => identity.issueForeignToken({ audience: APP_ID }), ok: false },
  ])("$name → ok: $ok", async ({ make, ok }) => {
    expect((await verifier.verify(await make())).ok).toBe(ok);
  });

  it("Graph's publisher id is the one documented", () => {
    expect(GRAPH_CHANGE_TRACKING_APP_ID).toBe("0bf30f3b-4a52-48df-9a82-234910c4a086");
  });
});

describe("resource data in the handler", () => {
  it("trusted tokens: the encrypted content rides on the work item", async () => {
    const token = await identity.issueValidationToken({ audience: APP_ID });
    const outcome = await handler().handleCollection({ validationTokens: [token], value: [changeNotification({ messageId: "M1", encryptedContent: content() })] }, "change");
    expect(outcome.enqueue).toHaveLength(1);
    expect(outcome.enqueue[0]).toMatchObject({ kind: "change", messageIds: ["M1"], encryptedContent: { M1: content() } });
    expect(outcome.resourceDataSkipped).toEqual({});
  });

  it.each([
    { name: "no tokens", tokens: undefined },
    { name: "an empty list", tokens: [] as string[] },
    { name: "a token that fails", tokens: ["eyJhbGciOiJSUzI1NiJ9.e30.c2ln"] },
    { name: "not strings", tokens: [42] },
  ])("$name: the message is still accepted, its content set aside as untrusted", async ({ tokens }) => {
    const outcome = await handler().handleCollection({ ...(tokens ? { validationTokens: tokens } : {}), value: [changeNotification({ messageId: "M1", encryptedContent: content() })] }, "change");
    expect(outcome.enqueue).toEqual([expect.objectContaining({ messageIds: ["M1"] })]);
    expect(outcome.enqueue[0]).not.toHaveProperty("encryptedContent");
    expect(outcome.resourceDataSkipped).toEqual({ untrusted: 1 });
  });

  it("every token must pass: one good and one bad is not trusted", async () => {
    const good = await identity.issueValidationToken({ audience: APP_ID });
    const bad = await identity.issueForeignToken({ audience: APP_ID });
    const outcome = await handler().handleCollection({ validationTokens: [good, bad], value: [changeNotification({ encryptedContent: content() })] }, "change");
    expect(outcome.resourceDataSkipped).toEqual({ untrusted: 1 });
  });

  it("content on a basic subscription is unexpected; malformed content is set aside; both still fetched", async () => {
    const token = await identity.issueValidationToken({ audience: APP_ID });
    const basic = await handler({ records: subscriptionRecords() }).handleCollection({ validationTokens: [token], value: [changeNotification({ encryptedContent: content() })] }, "change");
    expect(basic.resourceDataSkipped).toEqual({ unexpected: 1 });
    expect(basic.enqueue[0]).not.toHaveProperty("encryptedContent");
    const malformed = await handler().handleCollection({ validationTokens: [token], value: [changeNotification({ encryptedContent: { data: "!" } })] }, "change");
    expect(malformed.resourceDataSkipped).toEqual({ malformed: 1 });
    expect(malformed.enqueue).toHaveLength(1);
  });

  it("content too large for a queue message is set aside; the rest is split to fit", async () => {
    const token = await identity.issueValidationToken({ audience: APP_ID });
    const big = content(MAX_QUEUED_RESOURCE_DATA_CHARS / 4);
    const medium = content(Math.floor(MAX_QUEUED_RESOURCE_DATA_CHARS / 12));
    const value = [
      changeNotification({ messageId: "M0", encryptedContent: big }),
      ...[1, 2, 3, 4].map((n) => changeNotification({ messageId: `M${n}`, encryptedContent: medium })),
    ];
    const outcome = await handler().handleCollection({ validationTokens: [token], value }, "change");
    expect(outcome.resourceDataSkipped).toEqual({ tooLargeForQueue: 1 });
    expect(outcome.enqueue.flatMap((item) => (item.kind === "change" ? item.messageIds : []))).toEqual(["M0", "M1", "M2", "M3", "M4"]);
    for (const item of outcome.enqueue) {
      if (item.kind !== "change") continue;
      const chars = Object.values(item.encryptedContent ?? {}).reduce((sum, c) => sum + c.data.length, 0);
      expect(chars).toBeLessThanOrEqual(MAX_QUEUED_RESOURCE_DATA_CHARS);
      expect(Buffer.byteLength(JSON.stringify(item)) * (4 / 3)).toBeLessThan(64 * 1024);
    }
  });

  it("tokens are not even looked at unless an item passed the client state and subscription gates", async () => {
    const verify = vi.fn(async () => ({ ok: true as const }));
    const outcome = await handler({ tokens: { verify } }).handleCollection(
      { validationTokens: ["x.y.z"], value: [changeNotification({ clientState: "forged", encryptedContent: content() }), changeNotification({ subscriptionId: "00000000-0000-4000-8000-000000000000", encryptedContent: content() })] },
      "change",
    );
    expect(verify).not.toHaveBeenCalled();
    expect(outcome.enqueue).toEqual([]);
    expect(outcome.dropped).toMatchObject({ clientStateMismatch: 1 });
  });

  it('"any" takes change and lifecycle items from one collection (Event Hubs)', async () => {
    const outcome = await handler().handleCollection({ value: [changeNotification({ messageId: "M1" }), lifecycleNotification({ lifecycleEvent: "missed" })] }, "any");
    expect(outcome.enqueue.map((item) => item.kind).sort()).toEqual(["change", "lifecycle"]);
    expect(outcome.enqueue.find((item) => item.kind === "lifecycle")).toMatchObject({ subscriptionId: INBOX_ID, lifecycleEvent: "missed" });
  });
});
