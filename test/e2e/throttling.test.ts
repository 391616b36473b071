// Throttling through the whole stack: a burst of mail meets a storm of 429s with fractional
// Retry-After. Everything is tracked exactly once, and Graph never sees more than Outlook's
// 4 concurrent requests for the mailbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityFor, deliver, startE2eStack, timesCreated, type E2eStack } from "./e2e-support.js";

const NOTIFIED = "burst@contoso.example.com";
const RACED = "raced@contoso.example.com";
const BURST = 30;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [NOTIFIED, RACED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

function mailboxId(address: string): string {
  const id = e2e.stack.graph.getMailbox(address)?.id;
  if (!id) throw new Error(`no simulator mailbox ${address}`);
  return id;
}

describe("a 429 storm", () => {
  it("while 30 notified messages arrive: all tracked once, at most 4 requests in flight for the mailbox", async () => {
    const { stack, decisions } = e2e;
    stack.graph.resetStats();
    stack.graph.faults.throttle({ mailbox: NOTIFIED, count: BURST, retryAfterSeconds: 0.05 });
    const burst = Array.from({ length: BURST }, (_, n) => deliver(stack, NOTIFIED, `Burst ${n + 1}`));
    try {
      await stack.settle();
    } finally {
      stack.graph.faults.clear();
    }

    expect(stack.graph.stats.throttled, JSON.stringify({ host: stack.host.stats(), graph: stack.graph.stats })).toBeGreaterThanOrEqual(BURST);
    for (const mail of burst) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: NOTIFIED });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    }
    expect(stack.graph.stats.maxConcurrencyByMailbox[mailboxId(NOTIFIED)]).toBeLessThanOrEqual(4);
  });

  it("while a catch-up races the notifications of 30 messages: all tracked once, at most 4 requests in flight", async () => {
    const { stack, decisions } = e2e;
    stack.graph.resetStats();
    // The storm is shorter than the gateway's retries for any one request, so it only slows things down.
    stack.graph.faults.throttle({ mailbox: RACED, count: BURST, retryAfterSeconds: 0.05 });
    const { subscriptions } = await stack.services();
    const burst = Array.from({ length: BURST }, (_, n) => deliver(stack, RACED, `Raced ${n + 1}`));
    try {
      await subscriptions.requestCatchUp(RACED, "inbox", "test: catch-up during a burst");
      await stack.settle();
    } finally {
      stack.graph.faults.clear();
    }

    expect(stack.graph.stats.throttled).toBeGreaterThanOrEqual(BURST);
    for (const mail of burst) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: RACED });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    }
    expect(stack.graph.stats.maxConcurrencyByMailbox[mailboxId(RACED)]).toBeLessThanOrEqual(4);
  });
});
