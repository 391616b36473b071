import { describe, expect, it } from "vitest";
import { activityIdFor, activityScope, LOOKUP_SUBJECT_CHARS, lookupEntriesFor } from "../../src/domain/activity.js";
import { hashValue } from "../../src/domain/smart-matching.js";
import {
  compareByRecency,
  correlationFor,
  correlationProbes,
  type CorrelationFacts,
} from "../../src/domain/correlation.js";
import type { EmailActivity, RecordRef } from "../../src/domain/types.js";

const on = { useCorrelation: true, useTrackingTokens: true, doNotCorrelateForwardedEmailsAsReplies: false };

function facts(overrides: Partial<CorrelationFacts> = {}): CorrelationFacts {
  return {
    subject: "RE: Quote CRM:0001001",
    inReplyTo: ["parent@example.com"],
    references: ["root@example.com", "middle@example.com", "parent@example.com"],
    internetMessageId: "self@example.com",
    trackingTokenKey: "tok:CRM:0001001",
    conversationIndexKey: "cix:01abcd",
    ...overrides,
  };
}

describe("correlationProbes", () => {
  it("tries In-Reply-To, then References newest first, then the token, then ConversationIndex", () => {
    expect(correlationProbes(facts(), on)).toEqual([
      { method: "inReplyTo", key: "mid:parent@example.com" },
      { method: "references", key: "mid:middle@example.com" },
      { method: "references", key: "mid:root@example.com" },
      { method: "trackingToken", key: "tok:CRM:0001001" },
      { method: "conversationIndex", key: "cix:01abcd" },
    ]);
  });

  it.each([
    {
      name: "useCorrelation off keeps only the token",
      settings: { ...on, useCorrelation: false },
      input: facts(),
      methods: ["trackingToken"],
    },
    {
      name: "useTrackingTokens off drops the token",
      settings: { ...on, useTrackingTokens: false },
      input: facts(),
      methods: ["inReplyTo", "references", "references", "conversationIndex"],
    },
    {
      name: "both off: nothing to look up",
      settings: { ...on, useCorrelation: false, useTrackingTokens: false },
      input: facts(),
      methods: [],
    },
    {
      name: "a forward with the forward rule on keeps only the token",
      settings: { ...on, doNotCorrelateForwardedEmailsAsReplies: true },
      input: facts({ subject: "FW: Quote CRM:0001001" }),
      methods: ["trackingToken"],
    },
    {
      name: "a forward with the forward rule off correlates like a reply",
      settings: on,
      input: facts({ subject: "FW: Quote" }),
      methods: ["inReplyTo", "references", "references", "trackingToken", "conversationIndex"],
    },
    {
      name: "a reply with the forward rule on is unaffected",
      settings: { ...on, doNotCorrelateForwardedEmailsAsReplies: true },
      input: facts({ subject: "RE: Quote" }),
      methods: ["inReplyTo", "references", "references", "trackingToken", "conversationIndex"],
    },
    {
      name: "no headers, no token, no index",
      settings: on,
      input: facts({ inReplyTo: [], references: [], trackingTokenKey: undefined, conversationIndexKey: undefined }),
      methods: [],
    },
    {
      name: "a self-reference is ignored",
      settings: on,
      input: facts({ inReplyTo: ["self@example.com"], references: ["self@example.com"], trackingTokenKey: undefined, conversationIndexKey: undefined }),
      methods: [],
    },
    {
      name: "References repeating In-Reply-To are not looked up twice",
      settings: on,
      input: facts({ references: ["parent@example.com", "parent@example.com"], trackingTokenKey: undefined, conversationIndexKey: undefined }),
      methods: ["inReplyTo"],
    },
    {
      name: "References alone (client dropped In-Reply-To)",
      settings: on,
      input: facts({ inReplyTo: [], references: ["a@example.com"], trackingTokenKey: undefined, conversationIndexKey: undefined }),
      methods: ["references"],
    },
  ])("$name", ({ settings, input, methods }) => {
    expect(correlationProbes(input, settings).map((p) => p.method)).toEqual(methods);
  });

  it.each([
    {
      name: "every In-Reply-To id in order, then References newest first",
      input: facts({ inReplyTo: ["first@example.com", "second@example.com"], references: ["root@example.com", "second@example.com"] }),
      keys: ["mid:first@example.com", "mid:second@example.com", "mid:root@example.com"],
    },
    {
      name: "an In-Reply-To id repeated in References is probed once, as In-Reply-To",
      input: facts({ inReplyTo: ["a@example.com", "b@example.com"], references: ["b@example.com", "a@example.com"] }),
      keys: ["mid:a@example.com", "mid:b@example.com"],
    },
  ])("$name", ({ input, keys }) => {
    const probes = correlationProbes({ ...input, trackingTokenKey: undefined, conversationIndexKey: undefined } as CorrelationFacts, on);
    expect(probes.map((p) => p.key)).toEqual(keys);
    expect(probes.filter((p) => p.method === "inReplyTo")).toHaveLength(input.inReplyTo.length);
  });
});

describe("correlationFor", () => {
  const candidate = { activityId: "a1", internetMessageId: "m1@example.com" };
  it.each([
    ["inReplyTo", true],
    ["references", true],
    ["conversationIndex", true],
    ["trackingToken", false],
    ["smartMatching", false],
  ] as const)("%s sets parentActivityId: %s", (method, parent) => {
    const correlation = correlationFor(method, candidate);
    expect(correlation.method).toBe(method);
    expect(correlation.correlatedActivityId).toBe("a1");
    expect(correlation.internetMessageId).toBe("m1@example.com");
    expect(correlation.parentActivityId).toBe(parent ? "a1" : undefined);
  });

  it("none carries no ids", () => {
    expect(correlationFor("none", candidate)).toEqual({ method: "none" });
    expect(correlationFor("inReplyTo")).toEqual({ method: "none" });
  });
});

describe("compareByRecency", () => {
  it("orders the most recent first and breaks ties on the id", () => {
    const items = [
      { activityTime: "2026-01-01T00:00:00.000Z", activityId: "b" },
      { activityTime: "2026-03-01T00:00:00.000Z", activityId: "a" },
      { activityTime: "2026-01-01T00:00:00.000Z", activityId: "c" },
    ];
    expect([...items].sort(compareByRecency).map((i) => i.activityId)).toEqual(["a", "c", "b"]);
  });
});

describe("activity identity", () => {
  it("is the same for the same Message-ID and scope, and differs otherwise", () => {
    const a = activityIdFor({ internetMessageId: "m@example.com" });
    expect(activityIdFor({ internetMessageId: "m@example.com" })).toBe(a);
    expect(activityIdFor({ internetMessageId: "n@example.com" })).not.toBe(a);
    expect(activityIdFor({ internetMessageId: "m@example.com", scope: "ann@example.com" })).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  const user: RecordRef = { type: "systemuser", id: "u1" };
  const contact: RecordRef = { type: "contact", id: "c1" };
  it.each([
    { name: "user to user, two activities", two: true, kind: "user", sender: [user], recipients: [user], scoped: true },
    { name: "user to user, one activity", two: false, kind: "user", sender: [user], recipients: [user], scoped: false },
    { name: "contact to user", two: true, kind: "user", sender: [contact], recipients: [user], scoped: false },
    { name: "user to contact", two: true, kind: "user", sender: [user], recipients: [contact], scoped: false },
    { name: "user to user via a queue mailbox", two: true, kind: "queue", sender: [user], recipients: [user], scoped: false },
    { name: "unresolved sender", two: true, kind: "user", sender: [], recipients: [user], scoped: false },
  ] as const)("scope: $name", ({ two, kind, sender, recipients, scoped }) => {
    const scope = activityScope({
      twoActivities: two,
      mailbox: { address: "ann@example.com", kind },
      senderRecords: [...sender],
      recipientRecords: [...recipients],
    });
    expect(scope).toBe(scoped ? "ann@example.com" : undefined);
  });
});

describe("lookupEntriesFor", () => {
  const activity = {
    id: "act1",
    internetMessageId: "m@example.com",
    subject: `Quote ${"x".repeat(200)}`,
    activityTime: "2026-05-01T10:00:00.000Z",
    trackingToken: "crm:0001001",
    threadKey: "01aa",
    regarding: { type: "account", id: "acc1" },
    receivingMailbox: "ann@example.com",
    smartMatch: { subjectHashes: ["s1"], addressHashes: ["h1", "h2", hashValue("ann@example.com")] },
  } as unknown as EmailActivity;

  it("indexes Message-ID, token and thread, plus addresses (not the receiving mailbox's own) only with smart matching", () => {
    const without = lookupEntriesFor(activity, { smartMatching: false }).map((e) => e.key);
    expect(without).toEqual(["mid:m@example.com", "tok:CRM:0001001", "cix:01aa"]);
    const withSmart = lookupEntriesFor(activity, { smartMatching: true });
    expect(withSmart.map((e) => e.key)).toEqual([...without, "addr:h1", "addr:h2"]);
    expect(withSmart.every((e) => e.activityId === "act1" && e.regarding?.id === "acc1")).toBe(true);
    expect(withSmart[3]?.subjectHashes).toEqual(["s1"]);
  });

  it("names the email by its subject, shortened, on all but the address entries", () => {
    const entries = lookupEntriesFor(activity, { smartMatching: true });
    const subjects = entries.map((e) => e.subject);
    expect(subjects.slice(0, 3).every((subject) => subject?.length === LOOKUP_SUBJECT_CHARS && subject.startsWith("Quote x") && subject.endsWith("…"))).toBe(true);
    expect(subjects.slice(3)).toEqual([undefined, undefined]);
  });

  it("does not index addresses of an email whose subject gave no words", () => {
    const empty = { ...activity, smartMatch: { subjectHashes: [], addressHashes: ["h1"] } } as EmailActivity;
    expect(lookupEntriesFor(empty, { smartMatching: true }).map((e) => e.key)).not.toContain("addr:h1");
  });
});
