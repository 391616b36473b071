import { describe, it, expect } from "vitest";
import {
  FORWARD_PREFIXES,
  compileSubjectFilter,
  isForward,
  subjectWords,
} from "../../src/domain/subject.js";

const DEFAULT_FILTER = "^[\\s]*([\\w]+\\s?:[\\s]*)+";
const defaults = { hashFilterKeywords: DEFAULT_FILTER, hashMaxCount: 20 };

describe("subjectWords with the default filter", () => {
  it.each([
    ["plain", "Hello world", ["hello", "world"]],
    ["RE:", "RE: Hello world", ["hello", "world"]],
    ["Re: lower case", "Re: hello", ["hello"]],
    ["FW: RE:", "FW: RE: Hello", ["hello"]],
    ["FW: RE: Re : hello", "FW: RE: Re : hello", ["hello"]],
    ["leading whitespace", "   Re:Hello", ["hello"]],
    ["prefix without space", "RE:FW:Hello", ["hello"]],
    ["any leading word + colon is stripped like a prefix", "Hello: world", ["world"]],
    ["colon inside the subject is kept", "Meeting about x: agenda", ["meeting", "about", "x", "agenda"]],
    ["punctuation splits words", "Order #42 (urgent)!", ["order", "42", "urgent"]],
    ["hyphen splits words", "follow-up", ["follow", "up"]],
    ["underscore is part of a word", "snake_case name", ["snake_case", "name"]],
    ["duplicates keep the first", "Hello hello HELLO world Hello", ["hello", "world"]],
    ["tracking token words", "Order CRM:0001001", ["order", "crm", "0001001"]],
    ["only a prefix", "RE: ", []],
    ["only punctuation", "!!! ---", []],
    ["empty", "", []],
    ["null", null, []],
    ["undefined", undefined, []],
  ])("%s", (_name, subject, expected) => {
    expect(subjectWords(subject, defaults)).toEqual(expected);
  });

  it("gives the same words for 'Re: hello' and 'Hello'", () => {
    expect(subjectWords("Re: hello", defaults)).toEqual(subjectWords("Hello", defaults));
  });

  it.each([
    ["accented letters", "Café Überprüfung", ["café", "überprüfung"]],
    ["decomposed accent is one word, NFC", "Cafe\u0301", ["caf\u00e9"]],
    ["Cyrillic", "Привет Мир", ["привет", "мир"]],
    ["Greek final sigma lower-cased in context", "ΟΔΟΣ", ["οδος"]],
    ["CJK run is a word", "会议 通知", ["会议", "通知"]],
    ["Devanagari with vowel signs", "नमस्ते दुनिया", ["नमस्ते", "दुनिया"]],
    ["Arabic-Indic digits", "رقم ٤٢", ["رقم", "٤٢"]],
    ["emoji separates words", "go😀team", ["go", "team"]],
    ["Turkish dotted capital is not locale-lowered", "İSTANBUL", ["i̇stanbul"]],
  ])("Unicode: %s", (_name, subject, expected) => {
    expect(subjectWords(subject, defaults)).toEqual(expected);
  });
});

describe("subjectWords options", () => {
  it.each([
    [1, ["a"]],
    [3, ["a", "b", "c"]],
    [5, ["a", "b", "c", "d", "e"]],
    [20, ["a", "b", "c", "d", "e", "f"]],
    [0, []],
  ])("hashMaxCount %i", (hashMaxCount, expected) => {
    expect(subjectWords("a b a c d e f", { ...defaults, hashMaxCount })).toEqual(expected);
  });

  it("counts distinct words toward the cap", () => {
    expect(subjectWords("x x x x y", { ...defaults, hashMaxCount: 2 })).toEqual(["x", "y"]);
  });

  const outOfOffice = `${DEFAULT_FILTER}|Out of office:`;
  it.each([
    ["Out of office: Hello", ["hello"]],
    ["out of office: hello", ["hello"]],
    ["RE: Out of office: Hello", ["hello"]],
    ["Hello Out of office: there", ["hello", "there"]],
    ["Out of office Hello", ["out", "of", "office", "hello"]],
  ])("custom pattern with |Out of office: — %s", (subject, expected) => {
    expect(subjectWords(subject, { ...defaults, hashFilterKeywords: outOfOffice })).toEqual(expected);
  });

  it("the default pattern keeps 'Out of office'", () => {
    expect(subjectWords("Out of office: Hello", defaults)).toEqual(["out", "of", "office", "hello"]);
  });

  it("an empty pattern removes nothing", () => {
    expect(subjectWords("RE: Hello", { ...defaults, hashFilterKeywords: "" })).toEqual(["re", "hello"]);
  });

  it("an invalid pattern is a configuration error naming hashFilterKeywords", () => {
    expect(() => subjectWords("x", { ...defaults, hashFilterKeywords: "([" })).toThrow(/hashFilterKeywords/);
  });
});

describe("compileSubjectFilter", () => {
  it.each([
    [DEFAULT_FILTER],
    [`${DEFAULT_FILTER}|Out of office:`],
    [""],
    ["\\p{L}+"],
  ])("accepts %j with flags giu", (pattern) => {
    const result = compileSubjectFilter(pattern);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.regex.flags).toBe("giu");
  });

  it.each([["(["], ["a{2,1}"], ["\\"], ["(?<x>a)(?<x>b)"], ["\\-"]])("rejects %j with a reason", (pattern) => {
    const result = compileSubjectFilter(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^hashFilterKeywords is not a valid regular expression: /);
  });
});

describe("isForward", () => {
  it.each([
    ["FW: Hello", true],
    ["Fw: Hello", true],
    ["fw: hello", true],
    ["FWD: Hello", true],
    ["Fwd : Hello", true],
    ["  FW:Hello", true],
    ["FW: RE: Hello", true],
    ["Fwd[2]: Hello", true],
    ["[EXTERNAL] FW: Hello", true],
    ["[EXT] [Spam?] Fwd: Hello", true],
    ["WG: Hallo", true],
    ["TR: Bonjour", true],
    ["RV: Hola", true],
    ["VS: Hej", true],
    ["VB: Hej", true],
    ["VL: Hei", true],
    ["ENC: Olá", true],
    ["PD: Cześć", true],
    ["I: Ciao", true],
    ["Doorst: Hallo", true],
    ["RE: Hello", false],
    ["RE: FW: Hello", false],
    ["AW: WG: Hallo", false],
    ["SV: Hej", false],
    ["Antw: Hallo", false],
    ["R: Ciao", false],
    ["RIF: Ciao", false],
    ["Hello FW: x", false],
    ["FWX: Hello", false],
    ["FW Hello", false],
    ["Meeting: FW notes", false],
    ["Fwd", false],
    ["", false],
    [null, false],
    [undefined, false],
  ])("%j → %s", (subject, expected) => {
    expect(isForward(subject)).toBe(expected);
  });

  it("recognises every documented forward prefix", () => {
    for (const prefix of FORWARD_PREFIXES) {
      expect(isForward(`${prefix}: x`), prefix).toBe(true);
      expect(isForward(`${prefix.toLowerCase()} : x`), prefix).toBe(true);
    }
  });
});
