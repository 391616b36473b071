import { createHash } from "node:crypto";
import { describe, it, expect } from "vitest";
import {
  addressKey,
  chooseSmartMatch,
  hashValue,
  isSmartMatch,
  smartMatchHashes,
} from "../../src/domain/smart-matching.js";
import type { SmartMatchCandidate, SmartMatchHashes } from "../../src/domain/smart-matching.js";

const hashOptions = { hashFilterKeywords: "^[\\s]*([\\w]+\\s?:[\\s]*)+", hashMaxCount: 20 };
const matchOptions = { hashDeltaSubjectCount: 0, hashMinAddressCount: 2 };

function sha16(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex").slice(0, 16);
}

/** Hashes built from readable names, so tables stay readable. */
function hashes(words: string[], addresses: string[]): SmartMatchHashes {
  return { subjectHashes: words.map(hashValue), addressHashes: addresses.map(hashValue).sort() };
}

describe("hashValue", () => {
  it.each([["hello"], [""], ["café"], ["a@contoso.com"]])("%j is the first 16 hex of SHA-256", (text) => {
    const value = hashValue(text);
    expect(value).toMatch(/^[0-9a-f]{16}$/);
    expect(value).toBe(sha16(text));
  });

  it("is case-sensitive (callers lower-case first)", () => {
    expect(hashValue("Hello")).not.toBe(hashValue("hello"));
  });
});

describe("smartMatchHashes", () => {
  it("hashes each subject word in order and each unique address, sorted", () => {
    const result = smartMatchHashes(
      { subject: "RE: Order 42 order", addresses: ["B@contoso.com", "a@contoso.com", " b@CONTOSO.com "] },
      hashOptions,
    );
    expect(result.subjectHashes).toEqual([sha16("order"), sha16("42")]);
    expect(result.addressHashes).toEqual([sha16("a@contoso.com"), sha16("b@contoso.com")].sort());
  });

  it("gives the same hashes for 'Re: hello' and 'Hello'", () => {
    const a = smartMatchHashes({ subject: "Re: hello", addresses: [] }, hashOptions);
    const b = smartMatchHashes({ subject: "Hello", addresses: [] }, hashOptions);
    expect(a.subjectHashes).toEqual(b.subjectHashes);
    expect(a.subjectHashes).toHaveLength(1);
  });

  it.each([
    [1, 1],
    [3, 3],
    [20, 5],
  ])("hashMaxCount %i caps subject and address hashes at %i", (hashMaxCount, expected) => {
    const addresses = ["e@x.com", "d@x.com", "c@x.com", "b@x.com", "a@x.com"];
    const result = smartMatchHashes({ subject: "one two three four five", addresses }, { ...hashOptions, hashMaxCount });
    expect(result.subjectHashes).toHaveLength(expected);
    expect(result.addressHashes).toHaveLength(expected);
    // Input order (from, to, cc, bcc) decides which addresses are kept.
    expect(result.addressHashes).toEqual(addresses.slice(0, expected).map(sha16).sort());
  });

  it("counts distinct addresses toward the cap and drops empty ones", () => {
    const result = smartMatchHashes(
      { subject: "x", addresses: ["a@x.com", "A@X.COM", "", "  ", "b@x.com"] },
      { ...hashOptions, hashMaxCount: 2 },
    );
    expect(result.addressHashes).toEqual([sha16("a@x.com"), sha16("b@x.com")].sort());
  });

  it.each([[""], [null], [undefined], ["RE: "]])("subject %j gives no subject hashes", (subject) => {
    expect(smartMatchHashes({ subject, addresses: ["a@x.com"] }, hashOptions).subjectHashes).toEqual([]);
  });
});

describe("addressKey", () => {
  it("prefixes the hash with addr:", () => {
    expect(addressKey("0123456789abcdef")).toBe("addr:0123456789abcdef");
  });
});

describe("isSmartMatch", () => {
  const ab = ["a@x.com", "b@x.com"];

  it.each([
    ["equal words, delta 0", ["order", "42"], ["order", "42"], ab, ab, 0, 2, true],
    ["equal words in another order", ["order", "42"], ["42", "order"], ab, ab, 0, 2, true],
    ["one extra word, delta 0", ["order", "42"], ["order", "42", "urgent"], ab, ab, 0, 2, false],
    ["one extra word, delta 1", ["order", "42"], ["order", "42", "urgent"], ab, ab, 1, 2, true],
    ["one extra word on current, delta 1", ["order", "42", "urgent"], ["order", "42"], ab, ab, 1, 2, true],
    ["two extra words, delta 1", ["order"], ["order", "42", "urgent"], ab, ab, 1, 2, false],
    ["same count, different word, delta 1", ["order", "42"], ["order", "43"], ab, ab, 1, 2, false],
    ["extra word not a superset, delta 1", ["order", "42"], ["order", "43", "x"], ab, ab, 1, 2, false],
    ["disjoint words", ["hello"], ["bye"], ab, ab, 5, 2, false],
    ["one shared address, min 2", ["order"], ["order"], ["a@x.com", "c@x.com"], ab, 0, 2, false],
    ["two shared of three, min 2", ["order"], ["order"], ["a@x.com", "b@x.com", "c@x.com"], ["a@x.com", "b@x.com", "d@x.com"], 0, 2, true],
    ["two shared, min 3", ["order"], ["order"], ab, ab, 0, 3, false],
    ["no shared address, min 0", ["order"], ["order"], ["a@x.com"], ["c@x.com"], 0, 0, true],
    ["one shared, min 1", ["order"], ["order"], ["a@x.com"], ["a@x.com", "c@x.com"], 0, 1, true],
    ["empty current subject", [], ["order"], ab, ab, 5, 2, false],
    ["empty candidate subject", ["order"], [], ab, ab, 5, 2, false],
    ["both subjects empty", [], [], ab, ab, 5, 2, false],
  ])("%s → %s", (_name, currentWords, candidateWords, currentAddresses, candidateAddresses, delta, min, expected) => {
    const result = isSmartMatch(
      hashes(currentWords, currentAddresses),
      hashes(candidateWords, candidateAddresses),
      { hashDeltaSubjectCount: delta, hashMinAddressCount: min },
    );
    expect(result).toBe(expected);
  });

  it("duplicate hashes neither pad counts nor shared addresses", () => {
    const current = { subjectHashes: ["h1", "h1"], addressHashes: ["a1", "a1"] };
    const candidate = { subjectHashes: ["h1"], addressHashes: ["a1", "a2"] };
    expect(isSmartMatch(current, candidate, { hashDeltaSubjectCount: 0, hashMinAddressCount: 1 })).toBe(true);
    expect(isSmartMatch(current, candidate, { hashDeltaSubjectCount: 0, hashMinAddressCount: 2 })).toBe(false);
  });
});

describe("chooseSmartMatch", () => {
  const addresses = ["a@x.com", "b@x.com"];
  const current = hashes(["order", "42"], addresses);
  const matching = hashes(["order", "42"], addresses);
  const other = hashes(["invoice"], addresses);
  const options = { ...matchOptions, notBefore: "2024-02-01T00:00:00Z" };

  interface Candidate extends SmartMatchCandidate {
    label: string;
  }
  function candidate(label: string, activityTime: string, h: Partial<SmartMatchHashes> = matching): Candidate {
    return { label, activityId: label, activityTime, ...h };
  }

  it.each<[string, Candidate[], Partial<typeof options> & { excludeActivityId?: string }, string | undefined]>([
    ["no candidates", [], {}, undefined],
    ["one match", [candidate("m1", "2024-03-01T00:00:00Z")], {}, "m1"],
    [
      "most recent of several",
      [candidate("m1", "2024-03-01T00:00:00Z"), candidate("m3", "2024-03-03T00:00:00Z"), candidate("m2", "2024-03-02T00:00:00Z")],
      {},
      "m3",
    ],
    [
      "a more recent non-match is skipped",
      [candidate("m1", "2024-03-01T00:00:00Z"), candidate("x", "2024-03-05T00:00:00Z", other)],
      {},
      "m1",
    ],
    ["older than the window", [candidate("old", "2024-01-31T23:59:59Z")], {}, undefined],
    ["exactly at the window start", [candidate("edge", "2024-02-01T00:00:00Z")], {}, "edge"],
    [
      "window skips old, keeps newer",
      [candidate("old", "2024-01-01T00:00:00Z"), candidate("new", "2024-02-02T00:00:00Z")],
      {},
      "new",
    ],
    [
      "excluded activity",
      [candidate("self", "2024-03-05T00:00:00Z"), candidate("m1", "2024-03-01T00:00:00Z")],
      { excludeActivityId: "self" },
      "m1",
    ],
    [
      "tie on time: greater activityId",
      [candidate("b", "2024-03-01T00:00:00Z"), candidate("c", "2024-03-01T00:00:00Z"), candidate("a", "2024-03-01T00:00:00Z")],
      {},
      "c",
    ],
    [
      "times compared as instants, not strings",
      [candidate("utc", "2024-03-01T10:00:00Z"), candidate("offset", "2024-03-01T11:30:00+02:00")],
      {},
      "utc",
    ],
    ["candidate without hashes", [candidate("bare", "2024-03-01T00:00:00Z", {})], {}, undefined],
    ["unreadable time", [candidate("bad", "yesterday")], {}, undefined],
    [
      "delta 1 admits a superset",
      [candidate("sup", "2024-03-01T00:00:00Z", hashes(["order", "42", "urgent"], addresses))],
      { hashDeltaSubjectCount: 1 },
      "sup",
    ],
  ])("%s", (_name, candidates, overrides, expected) => {
    expect(chooseSmartMatch(current, candidates, { ...options, ...overrides })?.label).toBe(expected);
  });

  it("is independent of candidate order and duplicates", () => {
    const list = [
      candidate("m1", "2024-03-01T00:00:00Z"),
      candidate("m2", "2024-03-02T00:00:00Z"),
      candidate("m2b", "2024-03-02T00:00:00Z"),
    ];
    const expected = chooseSmartMatch(current, list, options)?.label;
    expect(expected).toBe("m2b");
    const shuffled = [list[2]!, list[0]!, list[1]!, list[2]!, list[0]!];
    expect(chooseSmartMatch(current, shuffled, options)?.label).toBe(expected);
    expect(chooseSmartMatch(current, [...list].reverse(), options)?.label).toBe(expected);
  });

  it("rejects an unreadable notBefore", () => {
    expect(() => chooseSmartMatch(current, [], { ...matchOptions, notBefore: "soon" })).toThrow(/notBefore/);
  });
});
