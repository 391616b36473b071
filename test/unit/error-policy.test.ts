import { describe, expect, it } from "vitest";
import {
  classifyFailure,
  decideOnFailure,
  FAILURE_RULES,
  GRAPH_FAILURE_CODES,
  type FailureCounter,
  type MailboxFailureCode,
} from "../../src/domain/error-policy.js";

const settings = { mailboxFailureLimit: 10, mailboxFailureIntervalInMinutes: 5 };
const T0 = Date.parse("2026-01-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function counter(count: number, lastCountedMinute: number): FailureCounter {
  return { consecutiveFailures: count, lastCountedAt: at(lastCountedMinute), lastError: { code: "temporary", message: "503", at: at(lastCountedMinute) } };
}

describe("classifyFailure", () => {
  it.each<[MailboxFailureCode, "permanent" | "transient"]>([
    ["permission", "permanent"],
    ["notFound", "permanent"],
    ["approvalRequired", "permanent"],
    ["temporary", "transient"],
    ["throttled", "transient"],
    ["unauthenticated", "transient"],
    ["invalidRequest", "transient"],
    ["subscriptionGone", "transient"],
    ["cursorExpired", "transient"],
  ])("%s is %s", (code, expected) => {
    expect(classifyFailure(code)).toBe(expected);
  });

  it("has a rule, with what to do, for every Graph failure code", () => {
    for (const code of GRAPH_FAILURE_CODES) expect(FAILURE_RULES[code].whatToDo.length).toBeGreaterThan(20);
  });
});

describe("decideOnFailure", () => {
  it.each<[string, FailureCounter | undefined, MailboxFailureCode, number, "retry" | "disable", number, boolean]>([
    // name, previous, code, minute of this failure, action, count after, counted
    ["a first transient failure counts once", undefined, "temporary", 0, "retry", 1, true],
    ["a permanent failure disables at once", undefined, "permission", 0, "disable", 1, true],
    ["mailbox gone disables at once even after transient ones", counter(3, 0), "notFound", 1, "disable", 3, false],
    ["a retry sooner than the interval is not counted", counter(1, 0), "throttled", 4, "retry", 1, false],
    ["exactly the interval later is counted", counter(1, 0), "throttled", 5, "retry", 2, true],
    ["the ninth counted failure still retries", counter(8, 0), "temporary", 5, "retry", 9, true],
    ["the tenth counted failure disables", counter(9, 0), "temporary", 5, "disable", 10, true],
    ["a tenth attempt too soon does not disable", counter(9, 0), "temporary", 2, "retry", 9, false],
    ["an expired secret is retried like a transient failure", counter(2, 0), "unauthenticated", 30, "retry", 3, true],
  ])("%s", (_name, previous, code, minute, action, count, counted) => {
    const decision = decideOnFailure(previous, { code, message: "boom", at: at(minute) }, settings);
    expect(decision.action).toBe(action);
    expect(decision.counter.consecutiveFailures).toBe(count);
    expect(decision.counter.lastError).toEqual({ code, message: "boom", at: at(minute) });
    expect(decision.counter.lastCountedAt).toBe(counted ? at(minute) : previous?.lastCountedAt);
    if (decision.action === "retry") expect(decision.counted).toBe(counted);
  });

  it("says why a mailbox is disabled, with an error alert naming what to do", () => {
    const permanent = decideOnFailure(undefined, { code: "permission", message: "Access is denied", at: at(0) }, settings);
    expect(permanent).toMatchObject({
      action: "disable",
      why: "permanent",
      alert: { level: "error", code: "mailbox.permissionLost", message: "mailbox disabled: permission: Access is denied" },
    });
    const tooMany = decideOnFailure(counter(9, 0), { code: "throttled", message: "429", at: at(10) }, settings);
    expect(tooMany).toMatchObject({ action: "disable", why: "tooManyFailures", alert: { level: "error", code: "mailbox.tooManyFailures" } });
    expect(tooMany.action === "disable" && tooMany.alert.message).toContain("10 consecutive failures at least 5 minutes apart");
  });

  it.each([
    [1, 0, 1, "disable"],
    [3, 0, 2, "retry"],
    [3, 0, 3, "disable"],
  ] as const)("with limit %i and interval %i, failure number %i → %s", (limit, interval, failures, expected) => {
    let previous: FailureCounter | undefined;
    let action = "";
    for (let n = 0; n < failures; n++) {
      const decision = decideOnFailure(previous, { code: "temporary", message: "503", at: at(n) }, { mailboxFailureLimit: limit, mailboxFailureIntervalInMinutes: interval });
      previous = decision.counter;
      action = decision.action;
    }
    expect(action).toBe(expected);
  });
});
