import { describe, expect, it } from "vitest";
import { createTtlCache } from "../../src/app/ttl-cache.js";

function setup(options: { ttlInMs?: number; maxEntries?: number } = {}) {
  let now = 0;
  const loads: string[] = [];
  const values = new Map<string, number>([["a", 1]]);
  let fail = false;
  const cache = createTtlCache<number>({
    ttlInMs: options.ttlInMs ?? 1_000,
    maxEntries: options.maxEntries ?? 100,
    clock: () => new Date(now),
    load: async (key) => {
      loads.push(key);
      if (fail) throw new Error("store down");
      return values.get(key);
    },
  });
  return { cache, loads, values, setNow: (t: number) => (now = t), setFail: (f: boolean) => (fail = f) };
}

describe("createTtlCache", () => {
  it("remembers a found value until it expires", async () => {
    const { cache, loads, values, setNow } = setup();
    expect(await cache.get("a")).toBe(1);
    values.set("a", 2);
    setNow(999);
    expect(await cache.get("a")).toBe(1);
    setNow(1_000);
    expect(await cache.get("a")).toBe(2);
    expect(loads).toEqual(["a", "a"]);
  });

  it("remembers a miss for the same time, so repeating a made-up key costs one load", async () => {
    const { cache, loads, values, setNow } = setup();
    for (let n = 0; n < 5; n++) expect(await cache.get("nope")).toBeUndefined();
    expect(loads).toEqual(["nope"]);
    expect(cache.has("nope")).toBe(true);
    values.set("nope", 7);
    setNow(1_000);
    expect(cache.has("nope")).toBe(false);
    expect(await cache.get("nope")).toBe(7);
    expect(loads).toEqual(["nope", "nope"]);
  });

  it("is bounded: the least recently used entry goes first", async () => {
    const { cache, loads } = setup({ maxEntries: 3 });
    for (const key of ["a", "b", "c"]) await cache.get(key);
    await cache.get("a"); // a is now the most recently used
    await cache.get("d"); // evicts b
    expect(cache.size).toBe(3);
    expect(cache.has("b")).toBe(false);
    expect(cache.has("a")).toBe(true);
    loads.length = 0;
    await cache.get("a");
    await cache.get("b");
    expect(loads).toEqual(["b"]);
    expect(cache.size).toBe(3);
  });

  it("shares one load between concurrent gets of a key", async () => {
    const { cache, loads } = setup();
    const results = await Promise.all([cache.get("a"), cache.get("a"), cache.get("a")]);
    expect(results).toEqual([1, 1, 1]);
    expect(loads).toEqual(["a"]);
  });

  it("does not remember a failed load", async () => {
    const { cache, loads, setFail } = setup();
    setFail(true);
    await expect(cache.get("a")).rejects.toThrow("store down");
    setFail(false);
    expect(await cache.get("a")).toBe(1);
    expect(loads).toEqual(["a", "a"]);
  });

  it("delete forgets a key, clear every key; a zero TTL remembers nothing", async () => {
    const { cache, loads } = setup();
    await cache.get("a");
    cache.delete("a");
    await cache.get("a");
    expect(loads).toEqual(["a", "a"]);
    cache.clear();
    expect(cache.size).toBe(0);
    await cache.get("a");
    expect(loads).toEqual(["a", "a", "a"]);
    const none = setup({ ttlInMs: 0 });
    await none.cache.get("a");
    await none.cache.get("a");
    expect(none.loads).toEqual(["a", "a"]);
  });

  it.each([
    { ttlInMs: -1, maxEntries: 1 },
    { ttlInMs: Number.NaN, maxEntries: 1 },
    { ttlInMs: 1, maxEntries: 0 },
    { ttlInMs: 1, maxEntries: 1.5 },
  ])("rejects ttl $ttlInMs / maxEntries $maxEntries", ({ ttlInMs, maxEntries }) => {
    expect(() => createTtlCache({ ttlInMs, maxEntries, clock: () => new Date(), load: async () => 1 })).toThrow(RangeError);
  });
});
