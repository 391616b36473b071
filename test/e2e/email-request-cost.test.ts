// What one tracked email costs in Cosmos DB requests through the whole stack: Graph's
// notification → webhook → queue → the real work processor with the health hooks wired (the
// item-level log and the mailbox's counts) → Cosmos DB. One email per notification, the case
// where the per-queue-item writes weigh most, and several in one notification POST. The per-step breakdown is pinned in
// test/contract/email-request-cost.test.ts; the live benchmark reports the same figure at scale.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, startE2eStack, timesCreated, type E2eStack } from "./e2e-support.js";

const ANN = "cost-ann@contoso.example.com";
const EMAILS = 5;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [ANN] });
  // Warm-up: the settings, the webhook's subscription and the mailbox's health version are cached.
  deliver(e2e.stack, ANN, "Warm-up");
  await e2e.stack.settle();
});

afterAll(async () => {
  await e2e?.stack.close();
});

/** Requests by operation between two snapshots. */
function difference(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].map(([operation, count]) => [operation, count - (before.get(operation) ?? 0)] as const).filter(([, count]) => count > 0));
}

describe("Cosmos DB requests per tracked email, health hooks included (live path)", () => {
  it("a new conversation (the simulator sets Thread-Index), one per notification, costs 7: claim, sender, thread probe, activity, mailbox index, one bulk of both lookups, one batch (marker, item log, health)", async () => {
    const { stack, decisions } = e2e;
    const services = await stack.services();
    const before = services.cosmosRequestCountByOperation();
    const mails = [];
    for (let n = 0; n < EMAILS; n++) {
      mails.push(deliver(stack, ANN, `Cost ${n}`));
      await stack.settle();
    }
    for (const mail of mails) expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    const spent = difference(services.cosmosRequestCountByOperation(), before);
    // Reads of cached settings and subscriptions come back on their timers (30–60 s), not per email.
    const timed = Object.entries(spent).filter(([operation]) => /^read (settings|subscriptions|syncState)$/.test(operation));
    const perEmail = Object.fromEntries(Object.entries(spent).filter(([operation]) => !timed.some(([name]) => name === operation)));
    expect(perEmail).toEqual({
      "create itemLog": EMAILS,
      "read addresses": EMAILS,
      "read lookups": EMAILS,
      "create activities": EMAILS,
      "upsert activityIndex": EMAILS,
      "batch lookups": EMAILS,
      "batch itemLog": EMAILS,
    });
    expect(timed.reduce((sum, [, count]) => sum + count, 0)).toBeLessThanOrEqual(3);
    const health = await services.live.health.getHealth(ANN);
    expect(health?.folders.inbox?.tracked).toBe(EMAILS + 1);
  });

  it("several new conversations in one notification POST (one queue item) cost 4 each and 3 for the item: the claims, the mailbox index entries and the final writes are one batch each", async () => {
    const { stack, decisions } = e2e;
    const services = await stack.services();
    const trackedBefore = (await services.live.health.getHealth(ANN))?.folders.inbox?.tracked ?? 0;
    const before = services.cosmosRequestCountByOperation();
    // Delivered together, they reach the webhook in one POST (the simulator gathers a window's notifications).
    const mails = Array.from({ length: EMAILS }, (_, n) => deliver(stack, ANN, `Together ${n}`));
    await stack.settle();
    for (const mail of mails) expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    const spent = difference(services.cosmosRequestCountByOperation(), before);
    const perItem = Object.fromEntries(Object.entries(spent).filter(([operation]) => !/^read (settings|subscriptions|syncState)$/.test(operation)));
    expect(perItem).toEqual({
      "batch itemLog": 2,
      "read addresses": EMAILS,
      "read lookups": EMAILS,
      "create activities": EMAILS,
      "batch activityIndex": 1,
      "batch lookups": EMAILS,
    });
    // Each is listed for its mailbox (its index entry came in the item's batch).
    const listed = await services.store.activities.listActivities({ mailbox: ANN }, { limit: 100 });
    for (const mail of mails) expect(listed.items.map((activity) => activity.internetMessageId)).toContain(mail.internetMessageId.replace(/^<|>$/g, ""));
    expect((await services.live.health.getHealth(ANN))?.folders.inbox?.tracked).toBe(trackedBefore + EMAILS);
  });
});
