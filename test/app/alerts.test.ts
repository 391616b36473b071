// Raising alerts on the in-memory stores: the organization's level switches, the owner flag, the
// mailbox's recent events, and a store failure that never reaches the caller.
import { describe, expect, it } from "vitest";
import { createMemoryLiveTrackingStore, createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { createAlerts } from "../../src/app/alerts.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const MAILBOX = "sales@contoso.com";

function setup() {
  const store = createMemoryTrackingStore();
  const live = createMemoryLiveTrackingStore({ clock: () => NOW });
  const lines: string[] = [];
  return { store, live, lines, alerts: createAlerts({ store, live, clock: () => NOW, log: (line) => lines.push(line) }) };
}

describe("raising alerts", () => {
  it("records an alert with the time and the mailbox lower-cased, lists it, and adds it to the recent events", async () => {
    const { live, alerts, lines } = setup();
    const raised = await alerts.raise("Sales@Contoso.com", { level: "error", code: "mailbox.gone", message: "no mailbox", whatToDo: "Correct the address." });
    expect(raised).toMatchObject({ recorded: true, alert: { mailbox: MAILBOX, at: NOW.toISOString(), ownerNotified: false } });
    expect((await alerts.list({ mailbox: MAILBOX }, { limit: 10 })).items).toEqual([raised.alert]);
    expect((await live.syncState.getSyncState(MAILBOX))?.events).toEqual([
      { at: NOW.toISOString(), level: "error", code: "mailbox.gone", message: "no mailbox", whatToDo: "Correct the address." },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^error: mailbox sales@contoso\.com: alert mailbox\.gone: no mailbox \{.*"mailbox":"sales@contoso\.com"/)]);
  });

  it.each([
    ["error", { recordErrorAlerts: false }],
    ["warning", { recordWarningAlerts: false }],
    ["information", { recordInformationAlerts: false }],
  ] as const)("a level the organization does not record (%s) is logged but not stored", async (level, switches) => {
    const { store, live, alerts, lines } = setup();
    await store.settings.putOrganization(parseOrganizationSettings(switches));
    expect(await alerts.raise(MAILBOX, { level, code: "x", message: "m" })).toEqual({ recorded: false });
    expect((await alerts.list({}, { limit: 10 })).items).toEqual([]);
    expect(await live.syncState.getSyncState(MAILBOX)).toBeUndefined();
    expect(lines).toHaveLength(1);
  });

  it("flags alerts for the owner when notifyMailboxOwnerOfAlerts is on; the owner's view lists only those", async () => {
    const { store, alerts } = setup();
    await alerts.raise(MAILBOX, { level: "warning", code: "before", message: "m" });
    await store.settings.putOrganization(parseOrganizationSettings({ notifyMailboxOwnerOfAlerts: true }));
    const flagged = await alerts.raise(MAILBOX, { level: "warning", code: "after", message: "m" });
    expect(flagged.alert?.ownerNotified).toBe(true);
    expect((await alerts.list({ mailbox: MAILBOX, ownerNotifiedOnly: true }, { limit: 10 })).items.map((a) => a.code)).toEqual(["after"]);
  });

  it("the same occurrence raised twice is one alert", async () => {
    const { alerts } = setup();
    await alerts.raise(MAILBOX, { level: "information", code: "catchUp.tracked", message: "2 found", occurrence: "run-1" });
    await alerts.raise(MAILBOX, { level: "information", code: "catchUp.tracked", message: "2 found", occurrence: "run-1" });
    expect((await alerts.list({ mailbox: MAILBOX }, { limit: 10 })).items).toHaveLength(1);
  });

  it("a store that fails does not fail the raise: it is logged as an error", async () => {
    const { store, live, lines } = setup();
    const failing = { ...live, alerts: { ...live.alerts, putAlert: async () => Promise.reject(new Error("Cosmos DB is down")) } };
    const alerts = createAlerts({ store, live: failing, clock: () => NOW, log: (line) => lines.push(line) });
    expect(await alerts.raise(MAILBOX, { level: "error", code: "x", message: "m" })).toEqual({ recorded: false });
    expect(lines[1]).toMatch(/^error: mailbox sales@contoso\.com: alert x could not be recorded: Cosmos DB is down/);
  });

  it("deletes by filter", async () => {
    const { alerts } = setup();
    await alerts.raise(MAILBOX, { level: "error", code: "e", message: "m" });
    await alerts.raise(MAILBOX, { level: "information", code: "i", message: "m" });
    expect(await alerts.delete({ mailbox: "SALES@contoso.com", levels: ["error"] })).toBe(1);
    expect((await alerts.list({ mailbox: MAILBOX }, { limit: 10 })).items.map((a) => a.code)).toEqual(["i"]);
  });
});
