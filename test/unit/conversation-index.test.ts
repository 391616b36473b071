import { describe, it, expect } from "vitest";
import {
  appendChildBlock,
  conversationIndexKey,
  createConversationIndex,
  parseConversationIndex,
} from "../../src/domain/conversation-index.js";

// The conversationIndex of the Graph documentation's sample message (22-byte header only).
const GRAPH_SAMPLE = "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ==";
const GRAPH_SAMPLE_HEX = "0101d37bbfd502788e255802c449ad175cfa658d6b15";

const GUID = Uint8Array.from([
  0x0f, 0x11, 0x34, 0x28, 0x82, 0x9d, 0xdd, 0x31, 0xc2, 0x34, 0x7d, 0x06, 0x26, 0xce, 0xcd, 0xa4,
]);
const T0 = new Date("2024-05-01T10:00:00Z");
// FILETIME of T0 is 0x01DA9BAE54319000; the header keeps the high 40 bits 01 DA 9B AE 54.
const T0_HEADER_HEX = "0101da9bae54" + "0f113428829ddd31c2347d0626cecda4";

function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

describe("parseConversationIndex", () => {
  it("reads the Graph sample header", () => {
    const result = parseConversationIndex(GRAPH_SAMPLE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.index.threadKey).toBe(GRAPH_SAMPLE_HEX);
    expect(result.index.bytes).toHaveLength(22);
    expect(result.index.childCount).toBe(0);
    expect(result.index.children).toEqual([]);
    expect(result.index.guid).toBe("02788e25-5802-c449-ad17-5cfa658d6b15");
    // FILETIME 0x01D37BBFD5000000 (low 24 bits dropped).
    expect(result.index.headerTime.toISOString()).toBe("2017-12-23T07:29:56.639Z");
    expect(result.index.base64).toBe(GRAPH_SAMPLE);
  });

  it.each([
    ["surrounding whitespace", `  ${GRAPH_SAMPLE}\r\n`],
    ["folded header whitespace", "AQHTe7/VAniOJVgC\r\n\txEmtF1z6ZY1rFQ=="],
    ["spaces inside", "AQHT e7/V AniO JVgC xEmt F1z6 ZY1r FQ=="],
    ["missing padding", "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ"],
  ])("accepts %s", (_name, value) => {
    const result = parseConversationIndex(value);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.index.threadKey).toBe(GRAPH_SAMPLE_HEX);
      expect(result.index.base64).toBe(GRAPH_SAMPLE);
    }
  });

  it.each([
    [1, 27],
    [2, 32],
    [3, 37],
  ])("counts %i child block(s) in %i bytes and keeps the header as thread key", (children, length) => {
    const hex = GRAPH_SAMPLE_HEX + "000218703a".repeat(children);
    const result = parseConversationIndex(hexToBase64(hex));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.index.bytes).toHaveLength(length);
    expect(result.index.childCount).toBe(children);
    expect(result.index.threadKey).toBe(GRAPH_SAMPLE_HEX);
    expect(result.index.children[0]).toMatchObject({ random: 3, sequence: 10 });
  });

  it.each([
    ["null", null, /missing/],
    ["undefined", undefined, /missing/],
    ["empty", "", /empty/],
    ["whitespace only", "  \r\n\t ", /empty/],
    ["non-base64 characters", "AQHTe7/VAniOJVgC!EmtF1z6ZY1rFQ==", /not valid base64/],
    ["URL-safe alphabet", "AQHTe7_VAniOJVgCxEmtF1z6ZY1rFQ==", /not valid base64/],
    ["padding in the middle", "AQ==Te7/VAniOJVgCxEmtF1z6ZY1rFQ==", /not valid base64/],
    ["length 4n+1", "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ==A", /not valid base64/],
    ["too much padding", "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ===", /not valid base64/],
    ["truncated to 21 bytes", hexToBase64(GRAPH_SAMPLE_HEX.slice(0, 42)), /21 bytes, shorter than the 22-byte header/],
    ["a single byte", "AQ==", /1 bytes, shorter/],
    ["header plus 1 byte", hexToBase64(GRAPH_SAMPLE_HEX + "00"), /23 bytes: not a 22-byte header plus 5-byte child blocks/],
    ["header plus 4 bytes", hexToBase64(GRAPH_SAMPLE_HEX + "00000000"), /26 bytes/],
    ["header plus 6 bytes", hexToBase64(GRAPH_SAMPLE_HEX + "000000000000"), /28 bytes/],
  ])("rejects %s with a reason", (_name, value, reason) => {
    const result = parseConversationIndex(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe("createConversationIndex", () => {
  it("writes 0x01, the high 40 bits of the FILETIME and the GUID", () => {
    const value = createConversationIndex({ time: T0, guid: GUID });
    expect(Buffer.from(value, "base64").toString("hex")).toBe(T0_HEADER_HEX);
    const parsed = parseConversationIndex(value);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.index.threadKey).toBe(T0_HEADER_HEX);
    expect(parsed.index.guid).toBe("0f113428-829d-dd31-c234-7d0626cecda4");
    // The header time is rounded down to 2^24 ticks (about 1.68 s).
    expect(parsed.index.headerTime.toISOString()).toBe("2024-05-01T09:59:59.675Z");
  });

  it("uses a random GUID when none is given", () => {
    const a = parseConversationIndex(createConversationIndex({ time: T0 }));
    const b = parseConversationIndex(createConversationIndex({ time: T0 }));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.index.bytes.subarray(0, 6)).toEqual(b.index.bytes.subarray(0, 6));
    expect(a.index.guid).not.toBe(b.index.guid);
  });

  it.each([
    ["a 15-byte GUID", { time: T0, guid: new Uint8Array(15) }, /guid must be 16 bytes/],
    ["an invalid date", { time: new Date("nope") }, /time is not a valid date/],
    ["a date before 1601", { time: new Date("1600-12-31T00:00:00Z") }, /before 1601/],
  ])("rejects %s", (_name, options, message) => {
    expect(() => createConversationIndex(options)).toThrow(message);
  });
});

describe("appendChildBlock", () => {
  const parent = createConversationIndex({ time: T0, guid: GUID });

  it.each([
    // delta = 1 h + (T0 − header time) = 36003248128 ticks; code 0 keeps bits 18..48.
    ["one hour later (short delta)", new Date("2024-05-01T11:00:00Z"), 3, "0002187d30"],
    // delta = 630720003248128 ticks ≥ 2^48; code 1 keeps bits 23..53.
    ["two years later (long delta)", new Date("2026-05-01T10:00:00Z"), 15, "847b45e3f0"],
    ["before the header time (zero delta)", new Date("2024-04-30T00:00:00Z"), 0, "0000000000"],
  ])("%s", (_name, time, random, blockHex) => {
    const child = appendChildBlock(parent, { time, random });
    expect(Buffer.from(child, "base64").toString("hex")).toBe(T0_HEADER_HEX + blockHex);
  });

  it("round trip: create → append → parse keeps the thread key with one child", () => {
    const time = new Date("2024-05-01T11:00:00Z");
    const parsed = parseConversationIndex(appendChildBlock(parent, { time }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.index.threadKey).toBe(T0_HEADER_HEX);
    expect(conversationIndexKey(parsed.index.threadKey)).toBe(`cix:${T0_HEADER_HEX}`);
    expect(parsed.index.childCount).toBe(1);
    expect(parsed.index.bytes).toHaveLength(27);
    const child = parsed.index.children[0];
    expect(child?.sequence).toBe(0);
    // Short deltas are stored with 2^18-tick (≈ 26 ms) resolution, rounded down.
    const error = time.getTime() - (child?.time.getTime() ?? 0);
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThan(27);
  });

  it("numbers successive children with the sequence nibble", () => {
    let value = parent;
    for (let i = 0; i < 17; i += 1) {
      value = appendChildBlock(value, { time: new Date(T0.getTime() + (i + 1) * 60_000), random: 1 });
    }
    const parsed = parseConversationIndex(value);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.index.childCount).toBe(17);
    expect(parsed.index.threadKey).toBe(T0_HEADER_HEX);
    expect(parsed.index.children.map((c) => c.sequence)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0,
    ]);
    // Each child is relative to the header, so the decoded times increase.
    const times = parsed.index.children.map((c) => c.time.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it.each([
    ["an invalid parent", "not base64!", { time: T0 }, /parentBase64: conversation index is not valid base64/],
    ["a short parent", "AQ==", { time: T0 }, /parentBase64: .*shorter/],
    ["random 16", parent, { time: T0, random: 16 }, /random must be/],
    ["an invalid date", parent, { time: new Date(Number.NaN) }, /time is not a valid date/],
  ])("rejects %s", (_name, value, options, message) => {
    expect(() => appendChildBlock(value, options)).toThrow(message);
  });
});

describe("conversationIndexKey", () => {
  it.each([
    [GRAPH_SAMPLE_HEX, `cix:${GRAPH_SAMPLE_HEX}`],
    ["00", "cix:00"],
  ])("%s", (threadKey, key) => {
    expect(conversationIndexKey(threadKey)).toBe(key);
  });
});
