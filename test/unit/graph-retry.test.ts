import { describe, expect, it } from "vitest";
import { GraphFailure } from "../../src/app/errors.js";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay, retryDelayFor, withRetries } from "../../src/adapters/graph/graph-retry.js";

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe("backoffDelay", () => {
  it.each([
    [1, 0.999999, BACKOFF_BASE_MS - 1],
    [2, 0.999999, 2 * BACKOFF_BASE_MS - 1],
    [3, 0.5, 2 * BACKOFF_BASE_MS],
    [7, 0.999999, BACKOFF_CAP_MS - 1],
    [20, 0.999999, BACKOFF_CAP_MS - 1],
    [1, 0, 1],
  ])("retry %i with random %f → %i ms", (retry, random, expected) => {
    expect(backoffDelay(retry, { random: () => random })).toBe(expected);
  });

  it("honours a custom base and cap", () => {
    expect(backoffDelay(4, { random: () => 0.5, baseMs: 10, capMs: 60 })).toBe(30);
  });
});

describe("retryDelayFor", () => {
  it.each<[string, GraphFailure, number | undefined]>([
    ["throttled with Retry-After", new GraphFailure("throttled", "t", { retryAfterInMs: 2128 }), 2128],
    ["temporary with Retry-After", new GraphFailure("temporary", "t", { retryAfterInMs: 0 }), 0],
    ["throttled without Retry-After uses backoff", new GraphFailure("throttled", "t"), 250],
    ["temporary without Retry-After uses backoff", new GraphFailure("temporary", "t"), 250],
    ["huge Retry-After is capped", new GraphFailure("throttled", "t", { retryAfterInMs: 10_000_000 }), BACKOFF_CAP_MS * 10],
    ["notFound is not retried", new GraphFailure("notFound", "t"), undefined],
    ["permission is not retried", new GraphFailure("permission", "t"), undefined],
    ["cursorExpired is not retried", new GraphFailure("cursorExpired", "t"), undefined],
    ["subscriptionGone is not retried", new GraphFailure("subscriptionGone", "t"), undefined],
    ["invalidRequest is not retried", new GraphFailure("invalidRequest", "t"), undefined],
  ])("%s", (_name, failure, expected) => {
    expect(retryDelayFor(failure, 1, { random: () => 0.5 })).toBe(expected);
  });
});

describe("withRetries", () => {
  it("retries transient failures with the delays asked for, then succeeds", async () => {
    const { delays, sleep } = recorder();
    const failures = [new GraphFailure("throttled", "t", { retryAfterInMs: 50 }), new GraphFailure("temporary", "t")];
    const attempts: number[] = [];
    const result = await withRetries(
      async (attempt) => {
        attempts.push(attempt);
        const failure = failures.shift();
        if (failure) throw failure;
        return "ok";
      },
      { maxRetries: 5, sleep, random: () => 0.5, what: "test" },
    );
    expect(result).toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([50, BACKOFF_BASE_MS]);
  });

  it("gives up after maxRetries retries with the last failure", async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const run = withRetries(
      async () => {
        calls += 1;
        throw new GraphFailure("temporary", `attempt ${calls}`);
      },
      { maxRetries: 3, sleep, random: () => 0.5, what: "test" },
    );
    await expect(run).rejects.toMatchObject({ code: "temporary", message: "attempt 4" });
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
  });

  it.each(["notFound", "permission", "invalidRequest", "cursorExpired", "subscriptionGone"] as const)("does not retry %s", async (code) => {
    const { delays, sleep } = recorder();
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new GraphFailure(code, "no");
        },
        { maxRetries: 5, sleep, what: "test" },
      ),
    ).rejects.toMatchObject({ code });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it("rethrows errors that are not GraphFailure without retrying", async () => {
    const { sleep, delays } = recorder();
    await expect(withRetries(async () => Promise.reject(new TypeError("bug")), { maxRetries: 5, sleep, what: "t" })).rejects.toBeInstanceOf(TypeError);
    expect(delays).toEqual([]);
  });

  it("with maxRetries 0 makes one attempt", async () => {
    const { sleep } = recorder();
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new GraphFailure("throttled", "t");
        },
        { maxRetries: 0, sleep, what: "t" },
      ),
    ).rejects.toMatchObject({ code: "throttled" });
    expect(calls).toBe(1);
  });

  it("logs each retry", async () => {
    const lines: string[] = [];
    const { sleep } = recorder();
    let calls = 0;
    await withRetries(
      async () => {
        calls += 1;
        if (calls === 1) throw new GraphFailure("throttled", "t", { status: 429, retryAfterInMs: 7 });
        return calls;
      },
      { maxRetries: 2, sleep, what: "read m1", log: (line) => lines.push(line) },
    );
    expect(lines).toEqual(["graph: read m1: throttled (HTTP 429), retry 1/2 in 7 ms"]);
  });
});
