import { describe, it, expect } from "vitest";
import {
  appendTrackingToken,
  findTrackingToken,
  formatTrackingToken,
  stripTrackingTokens,
  trackingTokenKey,
} from "../../src/domain/tracking-token.js";

const defaults = {
  prefix: "CRM:",
  baseNumber: 0,
  userNumber: 1,
  counter: 1,
  userDigits: 3,
  counterDigits: 3,
};

describe("formatTrackingToken", () => {
  it.each([
    ["defaults", {}, "CRM:0001001"],
    ["user 42 counter 7", { userNumber: 42, counter: 7 }, "CRM:0042007"],
    ["base 7", { baseNumber: 7 }, "CRM:7001001"],
    ["base 2147483647", { baseNumber: 2147483647 }, "CRM:2147483647001001"],
    ["1 user digit, 1 counter digit", { userDigits: 1, counterDigits: 1, userNumber: 5, counter: 3 }, "CRM:053"],
    ["9 user digits, 9 counter digits", { userDigits: 9, counterDigits: 9, userNumber: 12, counter: 345 }, "CRM:0000000012000000345"],
    ["user 999 in 3 digits", { userNumber: 999 }, "CRM:0999001"],
    ["user 0", { userNumber: 0 }, "CRM:0000001"],
    ["other prefix", { prefix: "[#CASE" }, "[#CASE0001001"],
    ["20-character prefix", { prefix: "ABCDEFGHIJKLMNOPQRS:" }, "ABCDEFGHIJKLMNOPQRS:0001001"],
  ])("%s", (_name, overrides, expected) => {
    expect(formatTrackingToken({ ...defaults, ...overrides })).toBe(expected);
  });

  it.each([
    [998, "998"],
    [999, "999"],
    [1000, "000"],
    [1001, "001"],
    [2999, "999"],
    [0, "000"],
  ])("counter %i wraps to %s with 3 digits", (counter, suffix) => {
    expect(formatTrackingToken({ ...defaults, counter })).toBe(`CRM:0001${suffix}`);
  });

  it("wraps with 1 counter digit: 9 then 0", () => {
    expect(formatTrackingToken({ ...defaults, counterDigits: 1, counter: 9 })).toBe("CRM:00019");
    expect(formatTrackingToken({ ...defaults, counterDigits: 1, counter: 10 })).toBe("CRM:00010");
  });

  it.each([
    ["userNumber too large for digits", { userNumber: 1000 }, /userNumber/],
    ["userNumber too large for 1 digit", { userNumber: 10, userDigits: 1 }, /userNumber/],
    ["negative userNumber", { userNumber: -1 }, /userNumber/],
    ["fractional userNumber", { userNumber: 1.5 }, /userNumber/],
    ["negative baseNumber", { baseNumber: -1 }, /baseNumber/],
    ["baseNumber over 2147483647", { baseNumber: 2147483648 }, /baseNumber/],
    ["userDigits 0", { userDigits: 0 }, /userDigits/],
    ["counterDigits 10", { counterDigits: 10 }, /counterDigits/],
    ["negative counter", { counter: -1 }, /counter/],
    ["empty prefix", { prefix: "" }, /prefix/],
    ["21-character prefix", { prefix: "ABCDEFGHIJKLMNOPQRST:" }, /prefix/],
  ])("rejects %s with a RangeError", (_name, overrides, message) => {
    expect(() => formatTrackingToken({ ...defaults, ...overrides })).toThrow(RangeError);
    expect(() => formatTrackingToken({ ...defaults, ...overrides })).toThrow(message);
  });
});

describe("appendTrackingToken", () => {
  const token = "CRM:0001001"; // 11 characters
  const a = (n: number) => "a".repeat(n);

  it.each([
    ["plain subject", "Hello", "Hello CRM:0001001"],
    ["empty subject", "", "CRM:0001001"],
    ["whitespace-only subject", "   ", "CRM:0001001"],
    ["trailing whitespace is dropped", "Hello  ", "Hello CRM:0001001"],
    ["token already present", "Re: Hello CRM:0001001", "Re: Hello CRM:0001001"],
    ["token present in the middle", "Hello CRM:0001001 again", "Hello CRM:0001001 again"],
    ["a longer token is not this token", "Hello CRM:00010012", "Hello CRM:00010012 CRM:0001001"],
    ["a glued token is not this token", "HelloCRM:0001001", "HelloCRM:0001001 CRM:0001001"],
    ["another token is kept", "Hello CRM:0001002", "Hello CRM:0001002 CRM:0001001"],
  ])("%s", (_name, subject, expected) => {
    expect(appendTrackingToken(subject, token)).toBe(expected);
  });

  it.each([
    ["subject + token exactly 255", a(243), `${a(243)} ${token}`],
    ["one over the limit truncates one character", a(244), `${a(243)} ${token}`],
    ["long subject truncated to fit", a(400), `${a(243)} ${token}`],
    ["subject alone exactly 255", a(255), `${a(243)} ${token}`],
    ["truncation trims trailing whitespace", `${a(240)}   ${a(10)}`, `${a(240)} ${token}`],
  ])("255 limit: %s", (_name, subject, expected) => {
    const result = appendTrackingToken(subject, token);
    expect(result).toBe(expected);
    expect(result.length).toBeLessThanOrEqual(255);
  });

  it("does not split a surrogate pair when truncating", () => {
    const emoji = "😀"; // 2 UTF-16 code units
    // 242 a's + emoji = 244 units; the cut at 243 would fall inside the emoji.
    const result = appendTrackingToken(a(242) + emoji, token);
    expect(result).toBe(`${a(242)} ${token}`);
  });

  it("keeps a surrogate pair that fits exactly", () => {
    const result = appendTrackingToken(`${a(241)}😀xyz`, token);
    expect(result).toBe(`${a(241)}😀 ${token}`);
    expect(result.length).toBe(255);
  });

  it.each([
    ["max 20, 20-character-prefix token (27) does not fit", "Hello", "ABCDEFGHIJKLMNOPQRS:0001001", 20, "Hello"],
    ["token longer than limit, subject truncated", "Hello world", "CRM:0001001", 8, "Hello wo"],
    ["token longer than limit, truncation trims", "Hello world", "CRM:0001001", 6, "Hello"],
    ["token exactly the limit replaces the subject", "Hello", "CRM:0001001", 11, "CRM:0001001"],
    ["token plus separator leaves one character", "Hello", "CRM:0001001", 13, "H CRM:0001001"],
    ["custom limit 30 with 20-character prefix", "Quarterly report", "ABCDEFGHIJKLMNOPQRS:0001001", 30, "Qu ABCDEFGHIJKLMNOPQRS:0001001"],
  ])("custom limit: %s", (_name, subject, tok, maxSubjectLength, expected) => {
    expect(appendTrackingToken(subject, tok, { maxSubjectLength })).toBe(expected);
  });

  it("rejects a non-positive limit", () => {
    expect(() => appendTrackingToken("x", token, { maxSubjectLength: 0 })).toThrow(/maxSubjectLength/);
  });
});

describe("findTrackingToken", () => {
  const prefixes = ["CRM:"];

  it.each([
    ["token at the end", "Re: Order CRM:0001001", "CRM:0001001"],
    ["token alone", "CRM:0001001", "CRM:0001001"],
    ["lower-case prefix canonicalised", "re: order crm:0001001", "CRM:0001001"],
    ["mixed-case prefix canonicalised", "Order Crm:0001001", "CRM:0001001"],
    ["token followed by punctuation", "Order (CRM:0001001).", "CRM:0001001"],
    ["token after punctuation", "Order-CRM:0001001", "CRM:0001001"],
    ["token in the middle", "Order CRM:0001001 follow-up", "CRM:0001001"],
    ["last token wins", "Fw: CRM:0001001 Re: x CRM:0002005", "CRM:0002005"],
    ["any digit count", "x CRM:12", "CRM:12"],
    ["maximal digits run", "x CRM:00010011234", "CRM:00010011234"],
    ["glued to a preceding letter", "xCRM:0001001", undefined],
    ["glued to a preceding digit", "1CRM:0001001", undefined],
    ["glued to a preceding underscore", "_CRM:0001001", undefined],
    ["glued and a later real token", "xCRM:0001001 CRM:0001002", "CRM:0001002"],
    ["no digits", "CRM: hello", undefined],
    ["space inside the token", "CRM: 0001001", undefined],
    ["no token", "Hello", undefined],
    ["empty", "", undefined],
    ["null", null, undefined],
    ["undefined", undefined, undefined],
  ])("%s", (_name, subject, expected) => {
    expect(findTrackingToken(subject, { prefixes })).toBe(expected);
  });

  it.each([
    ["current prefix", "Re: x NEW-0001001", "NEW-0001001"],
    ["earlier prefix", "Re: x CRM:0001001", "CRM:0001001"],
    ["oldest prefix, lower case", "Re: x old#0001001", "OLD#0001001"],
    ["last token across prefixes", "CRM:0001001 NEW-0002002", "NEW-0002002"],
    ["last token across prefixes, older last", "NEW-0002002 x CRM:0001001", "CRM:0001001"],
  ])("prefix history: %s", (_name, subject, expected) => {
    expect(findTrackingToken(subject, { prefixes: ["NEW-", "CRM:", "OLD#"] })).toBe(expected);
  });

  it.each([
    ["[#CASE", "Re: Problem [#CASE42]", "[#CASE42"],
    ["CRM:", "Problem CRM:0001001", "CRM:0001001"],
    ["a.b*", "Problem a.b*77", "a.b*77"],
    ["(T)+", "Problem (T)+5", "(T)+5"],
    ["$^|?", "Problem $^|?9", "$^|?9"],
    ["{x}\\", "Problem {x}\\3", "{x}\\3"],
    ["T-", "Problem T-3", "T-3"],
  ])("regex-special prefix %s", (prefix, subject, expected) => {
    expect(findTrackingToken(subject, { prefixes: [prefix] })).toBe(expected);
  });

  it("treats regex-special characters literally", () => {
    expect(findTrackingToken("Problem aXb*77", { prefixes: ["a.b*"] })).toBeUndefined();
    expect(findTrackingToken("Problem CASE42", { prefixes: ["[#CASE"] })).toBeUndefined();
  });

  it.each([
    ["longer prefix listed after", ["CRM:", "XCRM:"], "Re: XCRM:0001001", "XCRM:0001001"],
    ["longer prefix listed first", ["XCRM:", "CRM:"], "Re: XCRM:0001001", "XCRM:0001001"],
    ["punctuation prefix ending another", ["#", "[#"], "Re: [#123]", "[#123"],
    ["shorter prefix still matches alone", ["CRM:", "XCRM:"], "Re: CRM:0001001", "CRM:0001001"],
  ])("a prefix ending another cannot steal the match: %s", (_name, list, subject, expected) => {
    expect(findTrackingToken(subject, { prefixes: list })).toBe(expected);
  });

  it("keeps the first (newest) spelling of case-insensitive duplicates", () => {
    expect(findTrackingToken("x crm:1", { prefixes: ["Crm:", "CRM:"] })).toBe("Crm:1");
  });

  it.each([
    ["no prefixes", []],
    ["only empty prefixes", [""]],
  ])("%s finds nothing", (_name, list) => {
    expect(findTrackingToken("CRM:0001001", { prefixes: list })).toBeUndefined();
  });
});

describe("trackingTokenKey", () => {
  it.each([
    ["CRM:0001001", "tok:CRM:0001001"],
    ["crm:0001001", "tok:CRM:0001001"],
    ["[#case42", "tok:[#CASE42"],
  ])("%s → %s", (token, key) => {
    expect(trackingTokenKey(token)).toBe(key);
  });
});

describe("stripTrackingTokens", () => {
  it.each([
    ["token at the end", "Re: Order CRM:0001001", "Re: Order"],
    ["token in the middle", "Order CRM:0001001 follow-up", "Order follow-up"],
    ["token at the start", "CRM:0001001 Order", "Order"],
    ["several tokens and prefixes", "Order crm:1 OLD#2 x", "Order x"],
    ["glued token kept", "OrderCRM:0001001", "OrderCRM:0001001"],
    ["no token", "Order", "Order"],
    ["null", null, ""],
  ])("%s", (_name, subject, expected) => {
    expect(stripTrackingTokens(subject, { prefixes: ["CRM:", "OLD#"] })).toBe(expected);
  });
});
