import { describe, expect, it } from "vitest";
import { cachedFor } from "../../src/host/cache.js";

describe("cachedFor", () => {
  it("reuses a found value until it expires, and never remembers a miss", async () => {
    let now = 0;
    const loads: string[] = [];
    const values = new Map([["a", 1]]);
    const get = cachedFor(1_000, async (key) => {
      loads.push(key);
      return values.get(key);
    }, () => new Date(now));

    expect(await get("a")).toBe(1);
    values.set("a", 2);
    now = 999;
    expect(await get("a")).toBe(1);
    now = 1_000;
    expect(await get("a")).toBe(2);

    expect(await get("b")).toBeUndefined();
    values.set("b", 3);
    expect(await get("b")).toBe(3);
    expect(loads).toEqual(["a", "a", "b", "b"]);
  });
});
