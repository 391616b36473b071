// --activities files: which shapes are read, what each bad entry is reported as, and the activity
// the tracker would have stored for an entry. Pure functions, no store.
import { describe, expect, it } from "vitest";
import { parseActivities, seedActivityId, toActivity } from "../../src/app/replay/activities.js";
import { compareLines } from "../../src/cli/replay-table.js";
import type { ReplayLine } from "../../src/cli/summary.js";
import { activityIdFor } from "../../src/domain/activity.js";
import { createConversationIndex, parseConversationIndex } from "../../src/domain/conversation-index.js";
import { defaultOrganizationSettings, parseMailboxSettings, parseOrganizationSettings } from "../../src/domain/settings.js";

const activity = { internetMessageId: "<a@example.org>", subject: "Quote CRM:0001001", sentOn: "2025-02-03T08:12:00Z" };
const replayLine = {
  file: "mail/01.eml",
  internetMessageId: "a@example.org",
  subject: "Quote",
  sentOn: "2025-02-03T08:12:00.000Z",
  tracked: true,
  reason: "sentByApp",
  activityId: "act-1",
  created: true,
  correlation: { method: "none" },
  sender: { address: "dana@example.com", records: [{ type: "systemuser", id: "u1" }] },
  recipients: [{ address: "Priya@Example.org", name: "Priya", records: [] }],
  warnings: [],
};
const lines = (...values: unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n");

describe("parseActivities: accepted shapes", () => {
  it.each([
    ["an activity, angle brackets removed", lines(activity), { internetMessageId: "a@example.org", subject: "Quote CRM:0001001", activityTime: "2025-02-03T08:12:00Z", line: 1 }],
    ["a tracked replay line: its activityId, reason and recipients", lines(replayLine), { id: "act-1", decisionReason: "sentByApp", toRecipients: [{ address: "priya@example.org", name: "Priya", records: [] }] }],
    ["a --compare line: its base side", lines({ file: "x", changed: false, base: replayLine, compare: { ...replayLine, activityId: "other" } }), { id: "act-1" }],
    ["a JSON array, numbered from 1", JSON.stringify([{ internetMessageId: "x@y" , receivedOn: "2025-01-01T00:00:00Z" }, activity], null, 2), { internetMessageId: "a@example.org", line: 2 }],
    ["CRLF lines and blank lines, numbered as in the file", `\r\n${lines(activity)}\r\n`, { line: 2 }],
    ["activityTime before sentOn", lines({ ...activity, activityTime: "2025-02-04T00:00:00Z" }), { activityTime: "2025-02-04T00:00:00Z", sentOn: "2025-02-03T08:12:00Z" }],
    ["Cosmos DB system fields and unknown fields ignored", lines({ ...activity, _rid: "r", _ts: 1, body: { content: "x" } }), { internetMessageId: "a@example.org" }],
  ])("%s", (_name, text, expected) => {
    const parsed = parseActivities(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.seeds.at(-1)).toMatchObject(expected);
  });

  it("skips untracked replay lines without calling them bad", () => {
    const parsed = parseActivities(lines({ ...replayLine, tracked: false, reason: "rejectedByFilter" }, { file: "u", tracked: false, reason: "unreadable: empty file" }));
    expect([parsed.seeds, parsed.untracked, parsed.problems]).toEqual([[], 2, []]);
  });

  it("an empty file has nothing and nothing wrong", () => {
    expect(parseActivities("\n\n")).toEqual({ seeds: [], untracked: 0, problems: [] });
  });
});

describe("parseActivities: bad entries, by line, every problem at once", () => {
  it.each([
    ["not JSON", "{", /^line 1: not JSON \(/],
    ["not an object", "42", "line 1: must be a JSON object (a replay line or an activity)"],
    ["no Message-ID", lines({ sentOn: "2025-02-03T08:12:00Z" }), "line 1: internetMessageId is required (the activity's Message-ID)"],
    ["an empty Message-ID", lines({ ...activity, internetMessageId: "<>" }), "line 1: internetMessageId is required (the activity's Message-ID)"],
    ["no time", lines({ internetMessageId: "a@b" }), "line 1: needs a time: sentOn, receivedOn or activityTime"],
    ["a time without zone", lines({ ...activity, sentOn: "2025-02-03T08:12:00" }), 'line 1: sentOn must be an ISO 8601 date-time with a zone (got "2025-02-03T08:12:00")'],
    ["a subject that is not text", lines({ ...activity, subject: 7 }), "line 1: subject must be a string"],
    ["a bad regarding", lines({ ...activity, regarding: { type: "person", id: "p1" } }), /^line 1: regarding must be \{"type": one of systemuser, /],
    ["a sender without address", lines({ ...activity, sender: { name: "Dana" } }), /^line 1: sender must be \{"address"/],
    ["recipients that are not a list", lines({ ...activity, toRecipients: "a@b" }), 'line 1: toRecipients must be a list of {"address": "…"}'],
    ["a bad record of a recipient", lines({ ...activity, ccRecipients: [{ address: "a@b", records: [{ type: "x", id: "1" }] }] }), /^line 1: ccRecipients\[0\]\.records\[0\] must be/],
    ["a bad threadKey", lines({ ...activity, threadKey: "abc" }), "line 1: threadKey must be 44 hex digits (a 22-byte thread header)"],
    ["a bad conversationIndex", lines({ ...activity, conversationIndex: "!!" }), "line 1: conversationIndex: conversation index is not valid base64"],
    ["two problems on one line", lines({ internetMessageId: 3, subject: false, sentOn: "2025-02-03T08:12:00Z" }), "line 1: internetMessageId is required (the activity's Message-ID); subject must be a string"],
  ])("%s", (_name, text, problem) => {
    const parsed = parseActivities(text);
    expect(parsed.seeds).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    if (typeof problem === "string") expect(parsed.problems[0]).toBe(problem);
    else expect(parsed.problems[0]).toMatch(problem);
  });

  it("keeps the good lines around the bad ones", () => {
    const parsed = parseActivities(lines(activity, "nope", { ...activity, internetMessageId: "b@example.org" }));
    expect([parsed.seeds.map((s) => [s.line, s.internetMessageId]), parsed.problems.map((p) => p.slice(0, 6))]).toEqual([
      [
        [1, "a@example.org"],
        [3, "b@example.org"],
      ],
      ["line 2"],
    ]);
  });
});

describe("toActivity", () => {
  const mailbox = parseMailboxSettings({ address: "dana@example.com" });
  const now = "2026-01-01T00:00:00.000Z";
  const seedOf = (entry: object) => {
    const [seed] = parseActivities(JSON.stringify(entry)).seeds;
    if (!seed) throw new Error("no seed");
    return seed;
  };

  it.each([
    ["the current prefix", defaultOrganizationSettings(), "Quote CRM:0001001", "CRM:0001001"],
    ["a historical prefix", parseOrganizationSettings({ trackingTokenPrefix: "NEW:", trackingTokenPrefixHistory: ["CRM:"] }), "Quote CRM:0001001", "CRM:0001001"],
    ["an unknown prefix: no token", parseOrganizationSettings({ trackingTokenPrefix: "NEW:" }), "Quote CRM:0001001", undefined],
  ])("reads the tracking token from the subject with %s", (_name, organization, subject, token) => {
    expect(toActivity(seedOf({ ...activity, subject }), { organization, mailbox, now }).trackingToken).toBe(token);
  });

  it("keeps a given token, id, regarding and scope", () => {
    const seed = seedOf({ ...activity, id: "act-9", trackingToken: "OLD:42", regarding: { type: "account", id: "acc-1" }, scope: "dana@example.com" });
    const made = toActivity(seed, { organization: defaultOrganizationSettings(), mailbox, now });
    expect([made.id, made.trackingToken, made.regarding, made.scope]).toEqual(["act-9", "OLD:42", { type: "account", id: "acc-1" }, "dana@example.com"]);
  });

  it("derives the id as the tracker does, so the same message replayed again is alreadyTracked", () => {
    expect(seedActivityId(seedOf(activity))).toBe(activityIdFor({ internetMessageId: "a@example.org" }));
    expect(seedActivityId(seedOf({ ...activity, scope: "dana@example.com" }))).toBe(activityIdFor({ internetMessageId: "a@example.org", scope: "dana@example.com" }));
  });

  it("takes the thread from conversationIndex, and the direction from the sender", () => {
    const index = createConversationIndex({ time: new Date("2025-02-03T08:12:00Z"), guid: new Uint8Array(16).fill(7) });
    const parsed = parseConversationIndex(index);
    if (!parsed.ok) throw new Error(parsed.reason);
    const outgoing = toActivity(seedOf({ ...activity, conversationIndex: index, sender: { address: "Dana@Example.com" } }), { organization: defaultOrganizationSettings(), mailbox, now });
    expect([outgoing.threadKey, outgoing.direction, outgoing.folder]).toEqual([parsed.index.threadKey, "outgoing", { kind: "sentitems" }]);
    const incoming = toActivity(seedOf({ ...activity, sender: { address: "priya@example.org" } }), { organization: defaultOrganizationSettings(), mailbox, now });
    expect([incoming.threadKey, incoming.direction, incoming.decisionReason]).toEqual([undefined, "incoming", "acceptedByFilter"]);
  });

  it("hashes subject and addresses for smart matching under the given settings", () => {
    const seed = seedOf({ ...activity, subject: "Spring catalogue pricing", sender: { address: "jorge@example.net" }, toRecipients: [{ address: "dana@example.com" }] });
    const made = toActivity(seed, { organization: parseOrganizationSettings({ useSmartMatching: true }), mailbox, now });
    expect(made.smartMatch.subjectHashes.length).toBeGreaterThan(0);
    expect(made.smartMatch.addressHashes).toHaveLength(2);
  });
});

describe("compareLines: what counts as a change", () => {
  const line = (file: string, extra: Partial<ReplayLine> = {}): ReplayLine => ({
    file,
    tracked: true,
    reason: "acceptedByFilter",
    created: true,
    activityId: `id-${file}`,
    correlation: { method: "none" },
    recipients: [],
    warnings: [],
    ...extra,
  });
  const parent = line("01.eml");

  it.each([
    ["nothing differs", {}, {}, false],
    ["tracked on one side only", {}, { tracked: false, reason: "rejectedByFilter", created: false }, true],
    ["another rule", {}, { reason: "trackingCategory" }, true],
    ["another correlation method", { correlation: { method: "inReplyTo" as const, activityId: "id-01.eml" } }, { correlation: { method: "references" as const, activityId: "id-01.eml" } }, true],
    ["another regarding", {}, { regarding: { type: "account" as const, id: "a1" } }, true],
    ["only the warnings differ", {}, { warnings: ["x"] }, false],
  ])("%s → changed: %s", (_name, a, b, changed) => {
    const [compared] = compareLines([parent, line("02.eml", a)].slice(1), [line("02.eml", b)]);
    expect(compared?.changed).toBe(changed);
  });

  it("the same parent file under other activity ids is no change", () => {
    const base = [parent, line("02.eml", { correlation: { method: "inReplyTo", activityId: "id-01.eml" } })];
    const other = [
      { ...parent, activityId: "other-01" },
      line("02.eml", { correlation: { method: "inReplyTo", activityId: "other-01" } }),
    ];
    expect(compareLines(base, other).map((c) => c.changed)).toEqual([false, false]);
  });

  it("another parent file is a change", () => {
    const base = [parent, line("03.eml"), line("02.eml", { correlation: { method: "trackingToken", activityId: "id-01.eml" } })];
    const other = [parent, line("03.eml"), line("02.eml", { correlation: { method: "trackingToken", activityId: "id-03.eml" } })];
    expect(compareLines(base, other).map((c) => c.changed)).toEqual([false, false, true]);
  });
});
