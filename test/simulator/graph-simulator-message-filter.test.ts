// The simulator's message-list $filter: internetMessageId eq '…' only, quotes doubled as in OData.
import { describe, expect, it } from "vitest";
import { parseMessageListFilter, requestedInternetMessageId } from "../../local/graph-simulator/message-filter.js";

describe("parseMessageListFilter", () => {
  it.each([
    { filter: null, id: "<a@b>", matches: true },
    { filter: "", id: "<a@b>", matches: true },
    { filter: "internetMessageId eq '<a@b>'", id: "<a@b>", matches: true },
    { filter: "  InternetMessageId  EQ '<a@b>' ", id: "<a@b>", matches: true },
    { filter: "internetMessageId eq '<a@b>'", id: "<a@c>", matches: false },
    { filter: "internetMessageId eq '<o''neil@b>'", id: "<o'neil@b>", matches: true },
  ])("$filter against $id: $matches", ({ filter, id, matches }) => {
    const parsed = parseMessageListFilter(filter);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.matches({ internetMessageId: id })).toBe(matches);
  });

  it.each(["subject eq 'x'", "internetMessageId eq <a@b>", "internetMessageId ne '<a@b>'", "internetMessageId eq 'a' or subject eq 'b'"])("refuses %s", (filter) => {
    expect(parseMessageListFilter(filter).ok).toBe(false);
  });
});

describe("requestedInternetMessageId", () => {
  it.each([
    ["<tracked.1@contoso.test>", "<tracked.1@contoso.test>"],
    ["tracked.1@contoso.test", undefined],
    ["<no-at>", undefined],
    ["<a b@c>", undefined],
    [42, undefined],
  ])("%j → %j", (value, expected) => {
    expect(requestedInternetMessageId(value)).toBe(expected);
  });
});
