// Alerts in memory, with the Cosmos adapter's rules: lower-cased mailboxes, newest first, filter-
// bound continuation tokens, and expiry after the alerts container's TTL (read from containers.json).
import type { AlertStore } from "../../app/ports.js";
import { byAlertRecency, matchesAlertFilter, type Alert, type AlertFilter } from "../../domain/alerts.js";
import { normalizeAddress } from "../../domain/address.js";
import { alertListingScope } from "../cosmos/alert-store.js";
import { containerDefinitions } from "../cosmos/containers.js";
import { decodePageToken, encodePageToken } from "../cosmos/page-token.js";
import { jsonCopy, turn } from "./tracking-store.js";

const ALERT_TTL_IN_MS = (containerDefinitions.containers.find((c) => c.name === "alerts")?.defaultTtl ?? Infinity) * 1000;

export function createMemoryAlertStore(options: { clock: () => Date }): AlertStore {
  const stored = new Map<string, Alert>();
  const live = (filter: AlertFilter): Alert[] => {
    const now = options.clock().getTime();
    for (const [id, alert] of stored) if (Date.parse(alert.at) + ALERT_TTL_IN_MS <= now) stored.delete(id);
    return [...stored.values()].filter((alert) => matchesAlertFilter(alert, filter)).sort(byAlertRecency);
  };
  return {
    putAlert: async (alert) => {
      await turn();
      const mailbox = normalizeAddress(alert.mailbox);
      stored.set(`${mailbox} ${alert.id}`, jsonCopy({ ...alert, mailbox }));
    },
    listAlerts: async (filter, page) => {
      const scope = alertListingScope(filter);
      const offset = page.continuationToken === undefined ? 0 : Number(decodePageToken(page.continuationToken, { scope }));
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError("continuationToken is not a token this API returned");
      await turn();
      const matching = live(filter);
      const next = offset + page.limit;
      return {
        items: matching.slice(offset, next).map((alert) => jsonCopy(alert)),
        ...(next < matching.length ? { continuationToken: encodePageToken(String(next), { scope }) } : {}),
      };
    },
    deleteAlerts: async (filter) => {
      await turn();
      const matching = live(filter);
      for (const alert of matching) stored.delete(`${alert.mailbox} ${alert.id}`);
      return matching.length;
    },
  };
}
