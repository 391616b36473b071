// The behaviour every implementation of the monitoring stores owes (alerts; the item-level log and
// mailbox health follow the same pattern). Register it once per implementation:
// describeMonitoringStoreContract("name", open).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveTrackingStore } from "../../src/app/ports.js";
import type { Alert } from "../../src/domain/alerts.js";

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
  });
}
