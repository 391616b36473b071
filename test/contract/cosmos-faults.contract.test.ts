// What the embedded server never does (throttle, refuse large items, deny access), injected by a
// proxy: the adapter relies on the SDK's 429 retries and translates what is left into StoreError.
import { afterEach, describe, expect, it } from "vitest";
import { StoreError } from "../../src/adapters/cosmos/errors.js";
import { buildActivity, openFaultyTestStore, type InjectFault } from "../support/cosmos.js";

const isItemRequest = (url: string) => /\/colls\/activities\/docs/.test(url);

describe("Cosmos DB adapter under injected faults", () => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  const open = async (inject: InjectFault) => {
    const opened = await openFaultyTestStore(inject);
    dispose = opened.dispose;
    return opened;
  };

  it.each([1, 3])("retries %i throttled answers (429) after the wait Cosmos DB asks for, then succeeds", async (throttled) => {
    let remaining = 0;
    const opened = await open(({ url }) => {
      if (!isItemRequest(url) || remaining === 0) return undefined;
      remaining--;
      return { status: 429, headers: { "x-ms-retry-after-ms": "20" } };
    });
    const activity = buildActivity();
    await opened.store.activities.createActivity(activity);
    opened.resetRequestCount();
    remaining = throttled;

    // One point read (createActivity also writes its index entries, so it is more than one request).
    expect(await opened.store.activities.getActivity(activity.id)).toEqual(activity);
    expect(opened.requestCount()).toBe(throttled + 1);
    expect(remaining).toBe(0);
  });

  it("reports throttled once the SDK's retries are used up", async () => {
    let throttle = false;
    const opened = await open(({ url }) => (throttle && isItemRequest(url) ? { status: 429, headers: { "x-ms-retry-after-ms": "1" } } : undefined));
    throttle = true;
    opened.resetRequestCount();
    const failure = await opened.store.activities.getActivity("a1").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: "throttled", statusCode: 429, retryable: true });
    // The first attempt and the SDK's default 9 retries.
    expect(opened.requestCount()).toBe(10);
  });

  it.each([
    { status: 413, code: "tooLarge", retryable: false },
    { status: 403, code: "permission", retryable: false },
    { status: 401, code: "permission", retryable: false },
    { status: 412, code: "conflict", retryable: false },
  ])("translates $status on create into StoreError $code", async ({ status, code, retryable }) => {
    let fail = false;
    const opened = await open(({ method, url }) => (fail && method === "POST" && isItemRequest(url) ? { status } : undefined));
    fail = true;
    const failure = await opened.store.activities.createActivity(buildActivity()).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code, statusCode: status, retryable });
  });
});
