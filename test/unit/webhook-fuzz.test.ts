// The hostile-request table (test/support/webhook-fuzz-cases.ts) against the pure webhook: each
// case gets its status, queues nothing, and costs no more store reads than the table allows.
import { describe, expect, it } from "vitest";
import { createWebhook } from "../../src/app/notifications.js";
import { createTtlCache } from "../../src/app/ttl-cache.js";
import { fuzzCases, type FuzzContext } from "../support/webhook-fuzz-cases.js";
import { ANN_USER_ID, INBOX_ID, TENANT, clientStates, inboxState, subscriptionRecords } from "../support/webhook-fixtures.js";

const MAX_BODY_BYTES = 1_048_576;
const context: FuzzContext = { subscriptionId: INBOX_ID, clientState: inboxState.clientState, tenantId: TENANT, userId: ANN_USER_ID, maxBodyBytes: MAX_BODY_BYTES };
const cases = fuzzCases();

describe("webhook fuzz (pure)", () => {
  it("has at least 60 cases across both webhooks", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.endpoint))).toEqual(new Set(["notifications", "lifecycle"]));
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)("$name → $status, nothing queued, at most $reads store reads", async (fuzz) => {
    const records = subscriptionRecords();
    let reads = 0;
    const webhook = createWebhook({
      subscriptions: createTtlCache({
        ttlInMs: 60_000,
        maxEntries: 100,
        clock: () => new Date(),
        load: async (id) => {
          reads += 1;
          return records.get(id);
        },
      }),
      clientStates,
      tenantId: TENANT,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    const input = { contentType: fuzz.contentType, body: fuzz.body(context) };
    const answer = fuzz.endpoint === "notifications" ? await webhook.handleChangeNotifications(input) : await webhook.handleLifecycleNotifications(input);
    expect(answer.status).toBe(fuzz.status);
    expect(answer.enqueue).toEqual([]);
    expect(reads).toBe(fuzz.reads);
    expect(answer.storeReads).toBe(fuzz.reads);
  });
});
