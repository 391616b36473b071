// The behaviour every implementation of the monitoring stores owes: alerts, mailbox health and
// the item-level log. Register it once per implementation:
// describeMonitoringStoreContract("name", open).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemLogEntry, LiveTrackingStore } from "../../src/app/ports.js";
import type { Alert } from "../../src/domain/alerts.js";
import { applyHealthEvent, emptyHealth, type MailboxHealth } from "../../src/domain/health.js";

export interface MonitoringContractStore {
  live: LiveTrackingStore;
  dispose(): Promise<void>;
}

export type OpenMonitoringContractStore = () => Promise<MonitoringContractStore>;

const mailboxAddress = () => `mbx-${randomUUID()}@contoso.com`;

function alert(overrides: Partial<Alert> & Pick<Alert, "mailbox" | "at">): Alert {
  return { id: randomUUID(), level: "warning", code: "test.alert", message: "something happened", ownerNotified: false, ...overrides };
}

async function allPages(live: LiveTrackingStore, filter: Parameters<LiveTrackingStore["alerts"]["listAlerts"]>[0], limit: number): Promise<Alert[]> {
  const items: Alert[] = [];
  let continuationToken: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await live.alerts.listAlerts(filter, { limit, ...(continuationToken ? { continuationToken } : {}) });
    items.push(...page.items);
    continuationToken = page.continuationToken;
    if (!continuationToken) return items;
  }
  throw new Error("listAlerts kept returning continuation tokens");
}

export function describeMonitoringStoreContract(name: string, open: OpenMonitoringContractStore): void {
  describe(`monitoring store contract: ${name}`, () => {
    let opened: MonitoringContractStore;
    let live: LiveTrackingStore;

    beforeAll(async () => {
      opened = await open();
      live = opened.live;
    });

    afterAll(async () => {
      await opened?.dispose();
    });

    it("lists a mailbox's alerts newest first, as stored, with the address lower-cased", async () => {
      const mailbox = mailboxAddress();
      const first = alert({ mailbox: mailbox.toUpperCase(), at: "2025-03-01T10:00:00.000Z", whatToDo: "Run Test & Enable.", folder: "inbox", messageId: "AAMk1" });
      const second = alert({ mailbox, at: "2025-03-01T11:00:00.000Z", level: "error" });
      await live.alerts.putAlert(first);
      await live.alerts.putAlert(second);
      const page = await live.alerts.listAlerts({ mailbox }, { limit: 10 });
      expect(page.items).toEqual([second, { ...first, mailbox }]);
      expect(page.continuationToken).toBeUndefined();
    });

    it("putting an alert with the same id again keeps one (idempotent raise)", async () => {
      const mailbox = mailboxAddress();
      const once = alert({ mailbox, at: "2025-03-01T10:00:00.000Z" });
      await live.alerts.putAlert(once);
      await live.alerts.putAlert({ ...once, message: "again" });
      expect((await live.alerts.listAlerts({ mailbox }, { limit: 10 })).items).toEqual([{ ...once, message: "again" }]);
    });

    it.each([
      { filter: { levels: ["error" as const] }, expected: ["e1"] },
      { filter: { levels: ["warning" as const, "information" as const] }, expected: ["w2", "i3"] },
      { filter: { since: "2025-03-02T00:00:00.000Z" }, expected: ["w2", "i3"] },
      { filter: { until: "2025-03-02T12:00:00.000Z" }, expected: ["e1", "w2"] },
      { filter: { since: "2025-03-02T00:00:00.000Z", until: "2025-03-02T12:00:00.000Z" }, expected: ["w2"] },
      { filter: { ownerNotifiedOnly: true }, expected: ["i3"] },
      { filter: {}, expected: ["e1", "w2", "i3"] },
    ])("filters by level, time and owner flag: $filter", async ({ filter, expected }) => {
      const mailbox = mailboxAddress();
      const stored = [
        alert({ id: `e1-${randomUUID()}`, mailbox, level: "error", at: "2025-03-01T10:00:00.000Z" }),
        alert({ id: `w2-${randomUUID()}`, mailbox, level: "warning", at: "2025-03-02T10:00:00.000Z" }),
        alert({ id: `i3-${randomUUID()}`, mailbox, level: "information", at: "2025-03-03T10:00:00.000Z", ownerNotified: true }),
      ];
      for (const item of stored) await live.alerts.putAlert(item);
      const found = await allPages(live, { mailbox, ...filter }, 10);
      expect(found.map((item) => item.id.split("-")[0]).sort()).toEqual([...expected].sort());
      // Newest first.
      expect(found.map((item) => item.at)).toEqual(found.map((item) => item.at).sort().reverse());
    });

    it("pages through a mailbox's alerts with continuation tokens, each once, newest first", async () => {
      const mailbox = mailboxAddress();
      const stored = Array.from({ length: 7 }, (_, index) => alert({ mailbox, at: `2025-03-01T10:0${index}:00.000Z` }));
      for (const item of stored) await live.alerts.putAlert(item);
      const found = await allPages(live, { mailbox }, 3);
      expect(found.map((item) => item.id)).toEqual([...stored].reverse().map((item) => item.id));
    });

    it("lists across mailboxes when no mailbox is named", async () => {
      const a = mailboxAddress();
      const b = mailboxAddress();
      const since = "2031-01-01T00:00:00.000Z";
      const stored = [alert({ mailbox: a, at: "2031-01-01T10:00:00.000Z" }), alert({ mailbox: b, at: "2031-01-01T11:00:00.000Z" })];
      for (const item of stored) await live.alerts.putAlert(item);
      const found = (await allPages(live, { since }, 1)).filter((item) => item.mailbox === a || item.mailbox === b);
      expect(found.map((item) => item.id)).toEqual([stored[1]?.id, stored[0]?.id]);
    });

    it("refuses a continuation token from another filter", async () => {
      const mailbox = mailboxAddress();
      for (let index = 0; index < 3; index++) await live.alerts.putAlert(alert({ mailbox, at: `2025-03-01T10:0${index}:00.000Z` }));
      const page = await live.alerts.listAlerts({ mailbox }, { limit: 1 });
      expect(page.continuationToken).toBeDefined();
      await expect(live.alerts.listAlerts({ mailbox, levels: ["error"] }, { limit: 1, continuationToken: page.continuationToken as string })).rejects.toThrow(RangeError);
      await expect(live.alerts.listAlerts({ mailbox }, { limit: 1, continuationToken: "not-a-token" })).rejects.toThrow(RangeError);
    });

    it("deletes what the filter covers, only that, and says how many; again deletes none", async () => {
      const mailbox = mailboxAddress();
      const other = mailboxAddress();
      await live.alerts.putAlert(alert({ mailbox, level: "error", at: "2025-03-01T10:00:00.000Z" }));
      const kept = alert({ mailbox, level: "warning", at: "2025-03-01T11:00:00.000Z" });
      await live.alerts.putAlert(kept);
      const elsewhere = alert({ mailbox: other, level: "error", at: "2025-03-01T10:00:00.000Z" });
      await live.alerts.putAlert(elsewhere);
      expect(await live.alerts.deleteAlerts({ mailbox, levels: ["error"] })).toBe(1);
      expect(await live.alerts.deleteAlerts({ mailbox, levels: ["error"] })).toBe(0);
      expect((await live.alerts.listAlerts({ mailbox }, { limit: 10 })).items).toEqual([kept]);
      expect((await live.alerts.listAlerts({ mailbox: other }, { limit: 10 })).items).toEqual([elsewhere]);
      expect(await live.alerts.deleteAlerts({ mailbox })).toBe(1);
      expect((await live.alerts.listAlerts({ mailbox }, { limit: 10 })).items).toEqual([]);
    });

    it("health: no document until the first change; blind changes add up; the mailbox is lower-cased", async () => {
      const mailbox = mailboxAddress();
      expect(await live.health.getHealth(mailbox)).toBeUndefined();
      await live.health.applyChanges(mailbox.toUpperCase(), [
        { op: "set", path: ["lastSuccessfulSyncAt"], value: "2025-03-01T10:00:00.000Z" },
        { op: "set", path: ["folders", "inbox", "lastNotificationAt"], value: "2025-03-01T10:00:00.000Z" },
        { op: "incr", path: ["folders", "inbox", "tracked"], by: 2 },
        { op: "incr", path: ["folders", "inbox", "skipped", "rejectedByFilter"], by: 1 },
      ]);
      await live.health.applyChanges(mailbox, [
        { op: "incr", path: ["folders", "inbox", "tracked"], by: 3 },
        { op: "incr", path: ["folders", "inbox", "skipped", "rejectedByFilter"], by: 1 },
        { op: "incr", path: ["folders", "sentitems", "skipped", "sentItemsNotAutoTracked"], by: 4 },
        { op: "set", path: ["folders", "inbox", "gaps", "missed"], value: { at: "2025-03-01T10:05:00.000Z", detail: "notifications missed" } },
      ]);
      expect(await live.health.getHealth(mailbox)).toEqual({
        mailbox,
        lastSuccessfulSyncAt: "2025-03-01T10:00:00.000Z",
        folders: {
          inbox: {
            lastNotificationAt: "2025-03-01T10:00:00.000Z",
            tracked: 5,
            skipped: { rejectedByFilter: 2 },
            failed: 0,
            gaps: { missed: { at: "2025-03-01T10:05:00.000Z", detail: "notifications missed" } },
          },
          sentitems: { tracked: 0, skipped: { sentItemsNotAutoTracked: 4 }, failed: 0, gaps: {} },
        },
      });
    });

    it("health: more than ten changes at once are all applied (Cosmos DB patches take ten)", async () => {
      const mailbox = mailboxAddress();
      const reasons = Array.from({ length: 13 }, (_, index) => `reason${index}`);
      await live.health.applyChanges(mailbox, reasons.map((reason) => ({ op: "incr", path: ["folders", "inbox", "skipped", reason], by: 1 })));
      expect(Object.keys((await live.health.getHealth(mailbox))?.folders.inbox?.skipped ?? {}).sort()).toEqual([...reasons].sort());
    });

    it("health: a path segment with | is refused", async () => {
      await expect(live.health.applyChanges(mailboxAddress(), [{ op: "incr", path: ["folders", "in|box", "tracked"], by: 1 }])).rejects.toThrow(RangeError);
    });

    it("health: updateHealth reads, transforms and stores; concurrent updates each apply once", async () => {
      const mailbox = mailboxAddress();
      const completed = (startedAt: string) => (current: MailboxHealth) =>
        applyHealthEvent(current, {
          kind: "catchUpCompleted",
          folder: "inbox",
          summary: { startedAt, completedAt: startedAt, found: 1, seen: 1, reason: "test", restarted: false },
        });
      await live.health.applyChanges(mailbox, [{ op: "set", path: ["folders", "inbox", "gaps", "poisoned"], value: { at: "2025-03-01T09:00:00.000Z", detail: "x" } }]);
      const updated = await live.health.updateHealth(mailbox, completed("2025-03-01T10:00:00.000Z"));
      expect(updated.folders.inbox).toMatchObject({ coveredUpTo: "2025-03-01T10:00:00.000Z", gaps: {} });
      expect(await live.health.getHealth(mailbox)).toEqual(updated);
      // Ten at once: each sees the one before it (optimistic concurrency), the latest start wins.
      const starts = Array.from({ length: 10 }, (_, index) => `2025-03-01T11:0${index}:00.000Z`);
      await Promise.all([
        ...starts.map((start) => live.health.updateHealth(mailbox, completed(start))),
        live.health.applyChanges(mailbox, [{ op: "incr", path: ["folders", "inbox", "tracked"], by: 1 }]),
      ]);
      expect((await live.health.getHealth(mailbox))?.folders.inbox).toMatchObject({ coveredUpTo: "2025-03-01T11:09:00.000Z", tracked: 1 });
      expect(await live.health.updateHealth(mailboxAddress(), (current) => current)).toEqual(emptyHealth(expect.any(String) as unknown as string));
    });

    it("health: lists every mailbox's health", async () => {
      const a = mailboxAddress();
      await live.health.applyChanges(a, [{ op: "incr", path: ["folders", "inbox", "tracked"], by: 1 }]);
      expect((await live.health.listHealth()).find((health) => health.mailbox === a)?.folders.inbox?.tracked).toBe(1);
    });

    const entry = (overrides: Partial<ItemLogEntry> & Pick<ItemLogEntry, "mailbox" | "at">): ItemLogEntry => ({
      id: randomUUID(),
      folder: "inbox",
      messageId: `AAMk-${randomUUID()}`,
      via: "notification",
      outcome: "tracked",
      reason: "acceptedByFilter",
      subject: "Order 42",
      ...overrides,
    });

    it("item log: entries of a mailbox newest first, idempotent per id, filtered by outcome and time, paged", async () => {
      const mailbox = mailboxAddress();
      const entries = [
        entry({ mailbox, at: "2025-03-01T10:00:00.000Z" }),
        entry({ mailbox, at: "2025-03-01T10:01:00.000Z", outcome: "skipped", reason: "rejectedByFilter" }),
        entry({ mailbox, at: "2025-03-01T10:02:00.000Z", outcome: "failed", reason: "temporary", error: { code: "temporary", message: "503" } }),
      ];
      await live.itemLog.putEntries(mailbox.toUpperCase(), entries, { retentionInDays: 3 });
      await live.itemLog.putEntries(mailbox, [entries[0] as ItemLogEntry], { retentionInDays: 3 });
      const all = await live.itemLog.listEntries({ mailbox }, { limit: 10 });
      expect(all.items).toEqual([...entries].reverse());
      expect((await live.itemLog.listEntries({ mailbox, outcome: "skipped" }, { limit: 10 })).items).toEqual([entries[1]]);
      expect((await live.itemLog.listEntries({ mailbox, since: "2025-03-01T10:01:00.000Z", until: "2025-03-01T10:02:00.000Z" }, { limit: 10 })).items).toEqual([entries[1]]);
      const first = await live.itemLog.listEntries({ mailbox }, { limit: 2 });
      expect(first.items).toEqual([entries[2], entries[1]]);
      const second = await live.itemLog.listEntries({ mailbox }, { limit: 2, continuationToken: first.continuationToken as string });
      expect(second.items).toEqual([entries[0]]);
      expect(second.continuationToken).toBeUndefined();
      await expect(live.itemLog.listEntries({ mailbox, outcome: "failed" }, { limit: 2, continuationToken: first.continuationToken as string })).rejects.toThrow(RangeError);
    });

    it("item log: lists across mailboxes when none is named", async () => {
      const a = mailboxAddress();
      const b = mailboxAddress();
      await live.itemLog.putEntries(a, [entry({ mailbox: a, at: "2032-01-01T10:00:00.000Z" })], { retentionInDays: 3 });
      await live.itemLog.putEntries(b, [entry({ mailbox: b, at: "2032-01-01T11:00:00.000Z" })], { retentionInDays: 3 });
      const found = (await live.itemLog.listEntries({ since: "2032-01-01T00:00:00.000Z" }, { limit: 10 })).items.filter((item) => item.mailbox === a || item.mailbox === b);
      expect(found.map((item) => item.mailbox)).toEqual([b, a]);
    });
  });
}
