import { describe, expect, it } from "vitest";
import { resolveRecipient, resolveSender } from "../../src/domain/resolution.js";
import type { AddressEntry, RecordType } from "../../src/domain/types.js";

const ADDRESS = "pat@contoso.com";

function entry(type: RecordType, id: string, overrides: Partial<AddressEntry> = {}): AddressEntry {
  return { type, id, address: ADDRESS, active: true, createdOn: "2020-01-01T00:00:00Z", ...overrides };
}

const refs = (...pairs: Array<[RecordType, string]>) => pairs.map(([type, id]) => ({ type, id }));
const sender = { unresolveIfMultipleMatch: false };
const recipient = { unresolveIfMultipleMatch: false };

describe("resolveSender", () => {
  const ALL_TYPES: RecordType[] = ["systemuser", "contact", "account", "lead", "equipment", "team", "businessunit", "queue", "custom"];

  it.each(ALL_TYPES.map((type, i) => [type, ALL_TYPES.slice(i)] as const))(
    "%s wins over every later type",
    (winner, candidates) => {
      // Listed in reverse so that input order can't decide.
      const entries = [...candidates].reverse().map((type) => entry(type, `${type}-1`));
      expect(resolveSender(entries, sender)).toEqual(refs([winner, `${winner}-1`]));
    },
  );

  it.each([
    ["no entries", [], []],
    ["one active", [entry("contact", "c1")], refs(["contact", "c1"])],
    ["only inactive", [entry("systemuser", "u1", { active: false })], []],
    [
      "inactive user skipped for an active contact",
      [entry("systemuser", "u1", { active: false }), entry("contact", "c1")],
      refs(["contact", "c1"]),
    ],
    [
      "first created within a type",
      [entry("contact", "late", { createdOn: "2022-01-01T00:00:00Z" }), entry("contact", "early", { createdOn: "2021-01-01T00:00:00Z" })],
      refs(["contact", "early"]),
    ],
    [
      "creation compared as time, not text",
      [entry("contact", "utc", { createdOn: "2021-01-01T00:30:00Z" }), entry("contact", "offset", { createdOn: "2021-01-01T01:00:00+01:00" })],
      refs(["contact", "offset"]),
    ],
    [
      "same creation time: lowest id",
      [entry("lead", "b"), entry("lead", "a")],
      refs(["lead", "a"]),
    ],
    [
      "unreadable creation time goes last",
      [entry("account", "undated", { createdOn: "unknown" }), entry("account", "dated", { createdOn: "2030-01-01T00:00:00Z" })],
      refs(["account", "dated"]),
    ],
  ] as Array<[string, AddressEntry[], unknown]>)("%s", (_case, entries, expected) => {
    expect(resolveSender(entries, sender)).toEqual(expected);
  });

  describe("mailbox owner precedence", () => {
    const older = entry("contact", "older", { createdOn: "2019-01-01T00:00:00Z", ownerId: "someone-else" });
    const owned = entry("contact", "owned", { createdOn: "2021-01-01T00:00:00Z", ownerId: "OWNER-1" });

    it.each([
      ["owned record wins within the type", [older, owned], "owner-1", refs(["contact", "owned"])],
      ["owner id compared case-insensitively", [older, owned], "OWNER-1", refs(["contact", "owned"])],
      ["without a mailbox owner the first created wins", [older, owned], undefined, refs(["contact", "older"])],
      ["another owner: first created wins", [older, owned], "owner-2", refs(["contact", "older"])],
      // Project decision: type precedence outranks owner precedence.
      ["type outranks ownership", [owned, entry("systemuser", "u1")], "owner-1", refs(["systemuser", "u1"])],
      [
        "owned account loses to unowned contact",
        [entry("account", "a1", { ownerId: "owner-1" }), entry("contact", "c1")],
        "owner-1",
        refs(["contact", "c1"]),
      ],
      [
        "two owned records: first created",
        [owned, entry("contact", "owned-early", { createdOn: "2020-06-01T00:00:00Z", ownerId: "owner-1" }), older],
        "owner-1",
        refs(["contact", "owned-early"]),
      ],
      [
        "inactive owned record ignored",
        [older, entry("contact", "owned-inactive", { ownerId: "owner-1", active: false })],
        "owner-1",
        refs(["contact", "older"]),
      ],
    ] as Array<[string, AddressEntry[], string | undefined, unknown]>)("%s", (_case, entries, mailboxOwnerId, expected) => {
      expect(resolveSender(entries, { ...sender, ...(mailboxOwnerId ? { mailboxOwnerId } : {}) })).toEqual(expected);
    });
  });

  describe("multiple matches", () => {
    const two = [entry("contact", "c1"), entry("account", "a1")];

    it.each([
      ["two matches, setting off", two, false, refs(["contact", "c1"])],
      ["two matches, setting on", two, true, []],
      ["one match, setting on", [entry("lead", "l1")], true, refs(["lead", "l1"])],
      ["one active plus inactive, setting on", [entry("lead", "l1"), entry("contact", "c1", { active: false })], true, refs(["lead", "l1"])],
      ["the same record twice, setting on", [entry("contact", "c1"), entry("contact", "c1", { address: "PAT@contoso.com" })], true, refs(["contact", "c1"])],
    ] as Array<[string, AddressEntry[], boolean, unknown]>)("%s", (_case, entries, unresolveIfMultipleMatch, expected) => {
      expect(resolveSender(entries, { unresolveIfMultipleMatch })).toEqual(expected);
    });

    const many = (count: number) => Array.from({ length: count }, (_, i) => entry("contact", `c${String(i).padStart(3, "0")}`));

    it.each([
      [100, refs(["contact", "c000"])],
      [101, []],
    ] as Array<[number, unknown]>)("%i active matches", (count, expected) => {
      expect(resolveSender(many(count), sender)).toEqual(expected);
    });

    it("counts only active matches toward the limit of 100", () => {
      const entries = [...many(100), entry("contact", "gone", { active: false })];
      expect(resolveSender(entries, sender)).toEqual(refs(["contact", "c000"]));
    });

    it("counts a record listed twice once toward the limit", () => {
      expect(resolveSender([...many(100), entry("contact", "c000")], sender)).toEqual(refs(["contact", "c000"]));
    });
  });

  it.each([
    ["PAT@Contoso.com", refs(["contact", "c1"])],
    ["other@contoso.com", refs(["systemuser", "u-other"])],
    ["nobody@contoso.com", []],
  ])("with the address option %j only entries for that address count", (address, expected) => {
    const entries = [entry("systemuser", "u-other", { address: "other@contoso.com" }), entry("contact", "c1")];
    expect(resolveSender(entries, { ...sender, address })).toEqual(expected);
  });
});

describe("resolveRecipient", () => {
  it.each([
    ["no entries", [], []],
    [
      "every active record, in type precedence then creation order",
      [
        entry("lead", "l1"),
        entry("contact", "c2", { createdOn: "2021-01-01T00:00:00Z" }),
        entry("queue", "q1"),
        entry("contact", "c1", { createdOn: "2019-01-01T00:00:00Z" }),
        entry("systemuser", "u1"),
      ],
      refs(["systemuser", "u1"], ["contact", "c1"], ["contact", "c2"], ["lead", "l1"], ["queue", "q1"]),
    ],
    ["inactive records left out", [entry("contact", "c1", { active: false }), entry("account", "a1")], refs(["account", "a1"])],
    ["a record with the address twice counts once", [entry("contact", "c1"), entry("contact", "c1")], refs(["contact", "c1"])],
    ["same id, different types are different records", [entry("contact", "x"), entry("account", "x")], refs(["contact", "x"], ["account", "x"])],
    ["ownership does not reorder", [entry("contact", "c1"), entry("contact", "c2", { ownerId: "o", createdOn: "2000-01-01T00:00:00Z" })], refs(["contact", "c2"], ["contact", "c1"])],
  ] as Array<[string, AddressEntry[], unknown]>)("%s", (_case, entries, expected) => {
    expect(resolveRecipient(entries, recipient)).toEqual(expected);
  });

  it.each([
    ["two matches, setting on", [entry("contact", "c1"), entry("lead", "l1")], true, []],
    ["two matches, setting off", [entry("contact", "c1"), entry("lead", "l1")], false, refs(["contact", "c1"], ["lead", "l1"])],
    ["one match, setting on", [entry("contact", "c1")], true, refs(["contact", "c1"])],
    ["duplicate entries of one record, setting on", [entry("contact", "c1"), entry("contact", "c1")], true, refs(["contact", "c1"])],
  ] as Array<[string, AddressEntry[], boolean, unknown]>)("%s", (_case, entries, unresolveIfMultipleMatch, expected) => {
    expect(resolveRecipient(entries, { unresolveIfMultipleMatch })).toEqual(expected);
  });

  it.each([
    [100, 100],
    [101, 0],
  ])("%i active matches resolve to %i records", (count, expected) => {
    const entries = Array.from({ length: count }, (_, i) => entry("contact", `c${i}`));
    expect(resolveRecipient(entries, recipient)).toHaveLength(expected);
  });

  it("compares the address option case-insensitively", () => {
    const entries = [entry("contact", "c1"), entry("contact", "c2", { address: "someone@else.com" })];
    expect(resolveRecipient(entries, { ...recipient, address: " Pat@CONTOSO.com" })).toEqual(refs(["contact", "c1"]));
  });

  it("returns references only, not index rows", () => {
    const [first] = resolveRecipient([entry("contact", "c1", { name: "Pat", ownerId: "o" })], recipient);
    expect(Object.keys(first ?? {}).sort()).toEqual(["id", "type"]);
  });
});
