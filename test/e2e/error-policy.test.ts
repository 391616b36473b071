// The error policy through the whole stack: access denied disables a mailbox at once with an error
// alert; transient failures disable it once there are enough of them; Test & Enable recovers it and
// the catch-up it asks for tracks what arrived meanwhile, exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { activityFor, deliver, eventsOf, startE2eStack, timesCreated, type E2eStack } from "./e2e-support.js";

const DENIED = "policy-denied@contoso.example.com";
const FLAKY = "policy-flaky@contoso.example.com";
const STEADY = "policy-steady@contoso.example.com";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [DENIED, FLAKY, STEADY] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

async function mailboxState(address: string) {
  const { store, live } = await e2e.stack.services();
  return {
    enabled: (await store.settings.getMailbox(address))?.enabled,
    status: await store.settings.getMailboxStatus(address),
    failures: (await live.syncState.getSyncState(address))?.failures,
  };
}

/** What an admin reads: the mailbox's health and its stored alerts. */
async function healthAndAlerts(address: string) {
  const { healthAdmin, alerts } = await e2e.stack.services();
  return { health: await healthAdmin.mailboxHealth(address), alerts: (await alerts.list({ mailbox: address }, { limit: 100 })).items };
}

async function testAndEnable(address: string) {
  const { mailboxAdmin } = await e2e.stack.services();
  const outcome = await mailboxAdmin.testAndEnable(address);
  expect(outcome).toMatchObject({ ok: true, value: { enabled: true } });
  await e2e.stack.settle();
}

describe("error policy", () => {
  it("access denied disables the mailbox at once with an error alert; Test & Enable recovers it and the mail", async () => {
    const { stack, decisions } = e2e;
    stack.graph.faults.accessDenied(DENIED, true);
    let mail: ReturnType<typeof deliver>;
    try {
      mail = deliver(stack, DENIED, "Denied");
      await stack.settle();
      const state = await mailboxState(DENIED);
      expect(state.enabled).toBe(false);
      expect(state.status?.incoming).toMatchObject({ status: "failure", reason: expect.stringContaining("permission") });
      expect(state.failures).toMatchObject({ consecutiveFailures: 1, lastError: { code: "permission" } });
      const alerts = (await eventsOf(stack, DENIED)).filter((e) => e.code === "mailbox.permissionLost");
      expect(alerts).toEqual([expect.objectContaining({ level: "error", whatToDo: expect.stringContaining("Test & Enable") })]);
      expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
      const read = await healthAndAlerts(DENIED);
      expect(read.health).toMatchObject({ state: "disabled", enabled: false, consecutiveFailures: 1, lastError: { code: "permission" }, incoming: { status: "failure" } });
      expect(read.health?.folders.find((f) => f.folder === "inbox")?.failed).toBeGreaterThan(0);
      expect(read.alerts).toContainEqual(expect.objectContaining({ level: "error", code: "mailbox.permissionLost", whatToDo: expect.stringContaining("Test & Enable") }));
    } finally {
      stack.graph.faults.accessDenied(DENIED, false);
    }

    await testAndEnable(DENIED);
    const state = await mailboxState(DENIED);
    expect(state.enabled).toBe(true);
    const recovered = await healthAndAlerts(DENIED);
    expect(recovered.health).toMatchObject({ state: "healthy", consecutiveFailures: 0 });
    expect(recovered.health?.lastError).toBeUndefined();
    expect(recovered.alerts.map((a) => a.code)).toContain("testAndEnable.succeeded");
    expect(state.failures).toBeUndefined();
    expect((await eventsOf(stack, DENIED)).map((e) => e.code)).toContain("testAndEnable.succeeded");
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: DENIED });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("ten transient failures disable the mailbox; the other mailboxes go on; Test & Enable recovers it", async () => {
    const { stack, decisions } = e2e;
    const { store } = await stack.services();
    const organization = await store.settings.getOrganization();
    // Real time in this test: every failure counts, instead of one per five minutes.
    await store.settings.putOrganization(parseOrganizationSettings({ ...organization, mailboxFailureIntervalInMinutes: 0 }));
    stack.graph.faults.throttle({ mailbox: FLAKY, count: 100_000, retryAfterSeconds: 0.01 });
    let flaky: Array<ReturnType<typeof deliver>> = [];
    let steady: ReturnType<typeof deliver>;
    try {
      // One at a time, so each is its own queue item with its own attempts (5 each).
      for (const subject of ["Flaky 1", "Flaky 2", "Flaky 3"]) {
        flaky.push(deliver(stack, FLAKY, subject));
        await stack.settle();
      }
      steady = deliver(stack, STEADY, "Steady");
      await stack.settle();
      const state = await mailboxState(FLAKY);
      expect(state.enabled).toBe(false);
      expect(state.failures).toMatchObject({ consecutiveFailures: 10, lastError: { code: "throttled" } });
      const alerts = (await eventsOf(stack, FLAKY)).filter((e) => e.code === "mailbox.tooManyFailures");
      expect(alerts).toEqual([expect.objectContaining({ level: "error", message: expect.stringContaining("10 consecutive failures") })]);
      const read = await healthAndAlerts(FLAKY);
      expect(read.health).toMatchObject({ state: "disabled", consecutiveFailures: 10, lastError: { code: "throttled" } });
      expect(read.alerts).toContainEqual(expect.objectContaining({ level: "error", code: "mailbox.tooManyFailures" }));
      expect((await healthAndAlerts(STEADY)).health?.state).toBe("healthy");
      // One failing mailbox never holds up another.
      expect(await activityFor(stack, steady.internetMessageId)).toMatchObject({ receivingMailbox: STEADY });
      expect((await mailboxState(STEADY)).enabled).toBe(true);
    } finally {
      stack.graph.faults.clear();
      await store.settings.putOrganization(parseOrganizationSettings({ ...organization }));
    }

    await testAndEnable(FLAKY);
    expect(await mailboxState(FLAKY)).toMatchObject({ enabled: true, failures: undefined });
    const recovered = await healthAndAlerts(FLAKY);
    expect(recovered.health).toMatchObject({ state: "healthy", consecutiveFailures: 0 });
    expect(recovered.health?.folders.find((f) => f.folder === "inbox")?.lastCatchUp?.found).toBe(flaky.length);
    for (const mail of flaky) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: FLAKY });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    }
  });
});
