import { describe, expect, it } from "vitest";
import { buildAlert, isRecorded, matchesAlertFilter, type Alert, type AlertLevel, type AlertSettings } from "../../src/domain/alerts.js";

const ALL: AlertSettings = { recordErrorAlerts: true, recordWarningAlerts: true, recordInformationAlerts: true, notifyMailboxOwnerOfAlerts: false };

describe("which alert levels are recorded", () => {
  it.each<[AlertLevel, Partial<AlertSettings>, boolean]>([
    ["error", {}, true],
    ["warning", {}, true],
    ["information", {}, true],
    ["error", { recordErrorAlerts: false }, false],
    ["warning", { recordErrorAlerts: false }, true],
    ["warning", { recordWarningAlerts: false }, false],
    ["information", { recordWarningAlerts: false }, true],
    ["information", { recordInformationAlerts: false }, false],
    ["error", { recordInformationAlerts: false, recordWarningAlerts: false }, true],
  ])("%s with %j → %s", (level, overrides, expected) => {
    expect(isRecorded(level, { ...ALL, ...overrides })).toBe(expected);
  });
});

describe("buildAlert", () => {
  const at = "2025-03-01T10:00:00.000Z";
  let counter = 0;
  const randomId = () => `random-${++counter}`;

  it("names the same occurrence with the same id, another occurrence, code or mailbox with another", () => {
    const input = { level: "warning" as const, code: "catchUp.tracked", message: "found 2", occurrence: "2025-03-01T09:00:00.000Z" };
    const once = buildAlert("a@contoso.com", input, { at, settings: ALL, randomId });
    expect(buildAlert("a@contoso.com", input, { at: "2025-03-01T11:00:00.000Z", settings: ALL, randomId }).id).toBe(once.id);
    expect(buildAlert("a@contoso.com", { ...input, occurrence: "other" }, { at, settings: ALL, randomId }).id).not.toBe(once.id);
    expect(buildAlert("a@contoso.com", { ...input, code: "other" }, { at, settings: ALL, randomId }).id).not.toBe(once.id);
    expect(buildAlert("b@contoso.com", input, { at, settings: ALL, randomId }).id).not.toBe(once.id);
  });

  it("without an occurrence every raise is a new alert", () => {
    const input = { level: "error" as const, code: "x", message: "m" };
    expect(buildAlert("a@contoso.com", input, { at, settings: ALL, randomId }).id).not.toBe(buildAlert("a@contoso.com", input, { at, settings: ALL, randomId }).id);
  });

  it.each([
    [false, false],
    [true, true],
  ])("notifyMailboxOwnerOfAlerts %s → ownerNotified %s; optional fields only when given", (notify, flagged) => {
    const alert = buildAlert("a@contoso.com", { level: "error", code: "x", message: "m", whatToDo: "w" }, { at, settings: { ...ALL, notifyMailboxOwnerOfAlerts: notify }, randomId });
    expect(alert).toEqual({ id: expect.any(String), mailbox: "a@contoso.com", at, level: "error", code: "x", message: "m", whatToDo: "w", ownerNotified: flagged });
  });
});

describe("matchesAlertFilter", () => {
  const alert: Alert = { id: "1", mailbox: "a@contoso.com", at: "2025-03-01T10:00:00.000Z", level: "warning", code: "x", message: "m", ownerNotified: false };
  it.each([
    [{}, true],
    [{ mailbox: "A@Contoso.com" }, true],
    [{ mailbox: "b@contoso.com" }, false],
    [{ levels: ["warning" as const] }, true],
    [{ levels: ["error" as const] }, false],
    [{ since: "2025-03-01T10:00:00.000Z" }, true],
    [{ since: "2025-03-01T10:00:00.001Z" }, false],
    [{ until: "2025-03-01T10:00:00.000Z" }, false],
    [{ until: "2025-03-01T10:00:00.001Z" }, true],
    [{ ownerNotifiedOnly: true }, false],
  ])("%j → %s", (filter, expected) => {
    expect(matchesAlertFilter(alert, filter)).toBe(expected);
  });
});
