import { describe, expect, it } from "vitest";
import {
  applyHealthChanges,
  applyHealthEvent,
  blindChanges,
  coverageOf,
  emptyHealth,
  mailboxState,
  resyncStatus,
  type HealthEvent,
  type MailboxHealth,
} from "../../src/domain/health.js";

const MAILBOX = "sales@contoso.com";
const T = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, "0")}:00.000Z`;

function catchUp(startedAt: string, overrides: Partial<{ found: number; folder: string; completedAt: string }> = {}): HealthEvent {
  return {
    kind: "catchUpCompleted",
    folder: overrides.folder ?? "inbox",
    summary: { startedAt, completedAt: overrides.completedAt ?? startedAt, found: overrides.found ?? 0, seen: 3, reason: "timer", restarted: false },
  };
}

const run = (events: HealthEvent[], start: MailboxHealth = emptyHealth(MAILBOX)) => events.reduce(applyHealthEvent, start);

describe("covered up to", () => {
  it.each<{ name: string; events: HealthEvent[]; coveredUpTo: string | undefined; gaps: string[]; needsCatchUp: boolean }>([
    { name: "never caught up", events: [], coveredUpTo: undefined, gaps: [], needsCatchUp: true },
    {
      name: "notifications alone prove nothing",
      events: [{ kind: "itemsProcessed", folder: "inbox", at: T(5), via: "notification", tracked: 3, skipped: {}, failed: 0 }],
      coveredUpTo: undefined,
      gaps: [],
      needsCatchUp: true,
    },
    { name: "a completed catch-up covers up to its start", events: [catchUp(T(10), { completedAt: T(12) })], coveredUpTo: T(10), gaps: [], needsCatchUp: false },
    { name: "a later catch-up advances it", events: [catchUp(T(10)), catchUp(T(20))], coveredUpTo: T(20), gaps: [], needsCatchUp: false },
    { name: "an earlier catch-up completing late never moves it back", events: [catchUp(T(20)), catchUp(T(10))], coveredUpTo: T(20), gaps: [], needsCatchUp: false },
    {
      name: "a missed event holds it back until a catch-up that started after it",
      events: [catchUp(T(10)), { kind: "gapOpened", folder: "inbox", gap: "missed", at: T(15), detail: "notifications missed" }],
      coveredUpTo: T(10),
      gaps: ["missed"],
      needsCatchUp: true,
    },
    {
      name: "a catch-up that started before the gap does not close it",
      events: [{ kind: "gapOpened", folder: "inbox", gap: "subscriptionLapsed", at: T(15), detail: "gone" }, catchUp(T(14), { completedAt: T(16) })],
      coveredUpTo: T(14),
      gaps: ["subscriptionLapsed"],
      needsCatchUp: true,
    },
    {
      name: "a catch-up that started at or after the gap closes it",
      events: [{ kind: "gapOpened", folder: "inbox", gap: "poisoned", at: T(15), detail: "x" }, catchUp(T(15))],
      coveredUpTo: T(15),
      gaps: [],
      needsCatchUp: false,
    },
    {
      name: "a reopened gap needs a catch-up after its latest opening",
      events: [
        { kind: "gapOpened", folder: "inbox", gap: "deltaReset", at: T(15), detail: "x" },
        { kind: "gapOpened", folder: "inbox", gap: "deltaReset", at: T(25), detail: "x" },
        catchUp(T(20)),
      ],
      coveredUpTo: T(20),
      gaps: ["deltaReset"],
      needsCatchUp: true,
    },
    {
      name: "gaps and catch-ups of another folder do not count",
      events: [catchUp(T(10)), { kind: "gapOpened", folder: "sentitems", gap: "missed", at: T(15), detail: "x" }, catchUp(T(30), { folder: "sentitems" })],
      coveredUpTo: T(10),
      gaps: [],
      needsCatchUp: false,
    },
  ])("$name", ({ events, coveredUpTo, gaps, needsCatchUp }) => {
    const coverage = coverageOf(run(events), "inbox", new Date(T(40)));
    expect(coverage.coveredUpTo).toBe(coveredUpTo);
    expect(coverage.openGaps.map((gap) => gap.kind)).toEqual(gaps);
    expect(coverage.needsCatchUp).toBe(needsCatchUp);
    expect(coverage.behindInMs).toBe(coveredUpTo === undefined ? undefined : Date.parse(T(40)) - Date.parse(coveredUpTo));
  });

  it("coverage of an unknown mailbox or folder is none, and needs a catch-up", () => {
    expect(coverageOf(undefined, "inbox", new Date(T(0)))).toEqual({ folder: "inbox", openGaps: [], needsCatchUp: true });
  });
});

describe("counts, last notification, last sync, last catch-up", () => {
  it("adds counts by reason, sets the last notification only for notifications, and the last sync only on a success", () => {
    const health = run([
      { kind: "itemsProcessed", folder: "inbox", at: T(1), via: "notification", tracked: 1, skipped: { rejectedByFilter: 2 }, failed: 0 },
      { kind: "itemsProcessed", folder: "inbox", at: T(2), via: "catchUp", tracked: 2, skipped: { rejectedByFilter: 1, messageGone: 1 }, failed: 0 },
      { kind: "itemsProcessed", folder: "inbox", at: T(3), via: "notification", tracked: 0, skipped: {}, failed: 1 },
    ]);
    expect(health.lastSuccessfulSyncAt).toBe(T(2));
    expect(health.folders.inbox).toEqual({ lastNotificationAt: T(3), tracked: 3, skipped: { rejectedByFilter: 3, messageGone: 1 }, failed: 1, gaps: {} });
  });

  it("a completed catch-up records what it found, clears the last catch-up error and is a successful sync", () => {
    const health = run([{ kind: "catchUpFailed", folder: "inbox", at: T(1), code: "temporary", message: "503" }, catchUp(T(5), { found: 2, completedAt: T(6) })]);
    expect(health.folders.inbox?.lastCatchUp).toEqual({ startedAt: T(5), completedAt: T(6), found: 2, seen: 3, reason: "timer", restarted: false });
    expect(health.folders.inbox?.lastCatchUpError).toBeUndefined();
    expect(health.lastSuccessfulSyncAt).toBe(T(6));
  });
});

describe("resync", () => {
  it.each<{ name: string; events: HealthEvent[]; status: string; completed: string[] }>([
    { name: "none asked", events: [], status: "none", completed: [] },
    { name: "queued", events: [{ kind: "resyncRequested", at: T(10), folders: ["inbox", "sentitems"] }], status: "queued", completed: [] },
    {
      name: "a catch-up that started before the request does not count",
      events: [{ kind: "resyncRequested", at: T(10), folders: ["inbox"] }, catchUp(T(9), { completedAt: T(11) })],
      status: "queued",
      completed: [],
    },
    {
      name: "one folder of two",
      events: [{ kind: "resyncRequested", at: T(10), folders: ["inbox", "sentitems"] }, catchUp(T(11), { found: 4 })],
      status: "queued",
      completed: ["inbox"],
    },
    {
      name: "every folder",
      events: [{ kind: "resyncRequested", at: T(10), folders: ["inbox", "sentitems"] }, catchUp(T(11)), catchUp(T(12), { folder: "sentitems" })],
      status: "completed",
      completed: ["inbox", "sentitems"],
    },
    {
      name: "a new request starts again",
      events: [{ kind: "resyncRequested", at: T(10), folders: ["inbox"] }, catchUp(T(11)), { kind: "resyncRequested", at: T(20), folders: ["inbox"] }],
      status: "queued",
      completed: [],
    },
  ])("$name → $status", ({ events, status, completed }) => {
    const health = run(events);
    expect(resyncStatus(health.resync)).toBe(status);
    expect(Object.keys(health.resync?.completed ?? {}).sort()).toEqual(completed);
  });

  it("keeps the first qualifying catch-up's result per folder", () => {
    const health = run([{ kind: "resyncRequested", at: T(10), folders: ["inbox"] }, catchUp(T(11), { found: 4, completedAt: T(12) }), catchUp(T(13), { found: 0 })]);
    expect(health.resync?.completed.inbox).toEqual({ completedAt: T(12), found: 4 });
  });
});

describe("blind changes do what the transition does", () => {
  const start = run([catchUp(T(1)), { kind: "itemsProcessed", folder: "inbox", at: T(2), via: "notification", tracked: 1, skipped: { draft: 1 }, failed: 0 }]);
  it.each<[string, HealthEvent]>([
    ["items (notification)", { kind: "itemsProcessed", folder: "inbox", at: T(5), via: "notification", tracked: 2, skipped: { draft: 1, rejectedByFilter: 3 }, failed: 1 }],
    ["items (catch-up), new folder", { kind: "itemsProcessed", folder: "sentitems", at: T(5), via: "catchUp", tracked: 0, skipped: { sentItemsNotAutoTracked: 1 }, failed: 0 }],
    ["only failures", { kind: "itemsProcessed", folder: "inbox", at: T(5), via: "notification", tracked: 0, skipped: {}, failed: 2 }],
    ["gap", { kind: "gapOpened", folder: "inbox", gap: "missed", at: T(5), detail: "missed" }],
    ["gap, new folder", { kind: "gapOpened", folder: "archive", gap: "subscriptionLapsed", at: T(5), detail: "gone" }],
    ["catch-up failed", { kind: "catchUpFailed", folder: "inbox", at: T(5), code: "temporary", message: "503" }],
    ["resync", { kind: "resyncRequested", at: T(5), folders: ["inbox"] }],
  ])("%s", (_name, event) => {
    const changes = blindChanges(event);
    expect(changes).toBeDefined();
    expect(applyHealthChanges(start, changes ?? [])).toEqual(applyHealthEvent(start, event));
  });

  it("a completed catch-up has none: it depends on the stored gaps", () => {
    expect(blindChanges(catchUp(T(5)))).toBeUndefined();
  });
});

describe("mailbox state", () => {
  const covered = coverageOf(run([catchUp(T(1))]), "inbox", new Date(T(5)));
  const gap = coverageOf(run([catchUp(T(1)), { kind: "gapOpened", folder: "inbox", gap: "missed", at: T(2), detail: "x" }]), "inbox", new Date(T(5)));
  const never = coverageOf(undefined, "inbox", new Date(T(5)));
  it.each([
    [{ enabled: false, consecutiveFailures: 0, coverage: [covered] }, "disabled"],
    [{ enabled: true, consecutiveFailures: 2, coverage: [covered] }, "failing"],
    [{ enabled: true, consecutiveFailures: 0, coverage: [covered] }, "healthy"],
    [{ enabled: true, consecutiveFailures: 0, coverage: [covered, gap] }, "degraded"],
    [{ enabled: true, consecutiveFailures: 0, coverage: [covered, never] }, "degraded"],
    [{ enabled: true, consecutiveFailures: 0, coverage: [never] }, "notRun"],
    [{ enabled: true, consecutiveFailures: 0, coverage: [] }, "healthy"],
  ])("%j → %s", (input, expected) => {
    expect(mailboxState(input)).toBe(expected);
  });
});
