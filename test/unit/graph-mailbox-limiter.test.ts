import { describe, expect, it } from "vitest";
import { OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX, createMailboxLimiter } from "../../src/adapters/graph/mailbox-limiter.js";

/** A task that stays in flight until released, recording the limiter's view when it starts. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("createMailboxLimiter", () => {
  it("defaults to Outlook's 4 concurrent requests per mailbox", () => {
    expect(createMailboxLimiter().maxConcurrency).toBe(OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX);
    expect(OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX).toBe(4);
  });

  it.each([0, 5, 2.5, -1, Number.NaN])("rejects maxConcurrency %s", (maxConcurrency) => {
    expect(() => createMailboxLimiter({ maxConcurrency })).toThrow(/maxConcurrency must be an integer from 1 to 4/);
  });

  it.each([1, 2, 3, 4])("never runs more than %i tasks of one mailbox at once", async (maxConcurrency) => {
    const limiter = createMailboxLimiter({ maxConcurrency });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 12 }, gate);
    const runs = gates.map((g) =>
      limiter.run("user@contoso.com", async () => {
        running += 1;
        peak = Math.max(peak, running);
        await g.done;
        running -= 1;
      }),
    );
    await tick();
    expect(limiter.inFlight("user@contoso.com")).toBe(maxConcurrency);
    expect(limiter.waiting("user@contoso.com")).toBe(12 - maxConcurrency);
    for (const g of gates) {
      g.release();
      await tick();
    }
    await Promise.all(runs);
    expect(peak).toBe(maxConcurrency);
    expect(limiter.inFlight("user@contoso.com")).toBe(0);
  });

  it("keeps mailboxes independent, and treats address case as one mailbox", async () => {
    const limiter = createMailboxLimiter({ maxConcurrency: 2 });
    const gates = Array.from({ length: 6 }, gate);
    const runs = [
      limiter.run("a@contoso.com", () => gates[0]!.done),
      limiter.run("A@Contoso.com", () => gates[1]!.done),
      limiter.run("a@contoso.com", () => gates[2]!.done),
      limiter.run("b@contoso.com", () => gates[3]!.done),
      limiter.run("b@contoso.com", () => gates[4]!.done),
    ];
    await tick();
    expect(limiter.inFlight("a@contoso.com")).toBe(2);
    expect(limiter.waiting("a@contoso.com")).toBe(1);
    expect(limiter.inFlight("b@contoso.com")).toBe(2);
    for (const g of gates) g.release();
    await Promise.all(runs);
  });

  it("serves waiters first come, first served: a batch needing all slots is not overtaken", async () => {
    const limiter = createMailboxLimiter({ maxConcurrency: 4 });
    const order: string[] = [];
    const first = gate();
    const held = limiter.run("m", async () => {
      order.push("single-1");
      await first.done;
    });
    const batch = limiter.run(
      "m",
      async () => {
        order.push("batch");
        expect(limiter.inFlight("m")).toBe(4);
      },
      { slots: 4 },
    );
    const later = limiter.run("m", async () => {
      order.push("single-2");
    });
    await tick();
    // Three slots are free, but the batch at the head needs four: the later single waits too.
    expect(order).toEqual(["single-1"]);
    expect(limiter.waiting("m")).toBe(2);
    first.release();
    await Promise.all([held, batch, later]);
    expect(order).toEqual(["single-1", "batch", "single-2"]);
  });

  it.each([
    [0, 1],
    [1, 1],
    [3, 3],
    [4, 4],
    [20, 4],
  ])("a task asking for %i slots holds %i", async (slots, held) => {
    const limiter = createMailboxLimiter({ maxConcurrency: 4 });
    let seen = -1;
    await limiter.run("m", async () => {
      seen = limiter.inFlight("m");
    }, { slots });
    expect(seen).toBe(held);
  });

  it("releases the slot when a task fails, and passes the failure on", async () => {
    const limiter = createMailboxLimiter({ maxConcurrency: 1 });
    await expect(limiter.run("m", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.inFlight("m")).toBe(0);
    await expect(limiter.run("m", async () => "next")).resolves.toBe("next");
  });
});
