// Mailbox health and the item-level log in memory, with the Cosmos adapters' rules (lower-cased
// mailboxes, one entry per id, newest first, filter-bound tokens) and the log's TTL honoured:
// an entry is gone once its retention has passed on the store's clock.
import type { HealthStore, ItemLogEntry, ItemLogStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { applyHealthChanges, emptyHealth, type MailboxHealth } from "../../domain/health.js";
import { itemLogListingScope } from "../cosmos/item-log-store.js";
import { decodePageToken, encodePageToken } from "../cosmos/page-token.js";
import { jsonCopy, turn } from "./tracking-store.js";

export function createMemoryHealthStore(): HealthStore {
  const stored = new Map<string, MailboxHealth>();
  return {
    getHealth: async (mailbox) => {
      await turn();
      const found = stored.get(normalizeAddress(mailbox));
      return found && jsonCopy(found);
    },
    applyChanges: async (mailbox, changes) => {
      const key = normalizeAddress(mailbox);
      for (const change of changes) {
        if (change.path.some((segment) => segment.length === 0 || segment.includes("|"))) throw new RangeError(`health path ${JSON.stringify(change.path)} has an empty segment or "|"`);
      }
      await turn();
      stored.set(key, applyHealthChanges(stored.get(key) ?? emptyHealth(key), changes));
    },
    updateHealth: async (mailbox, update) => {
      const key = normalizeAddress(mailbox);
      await turn();
      const next = jsonCopy(update(jsonCopy(stored.get(key) ?? emptyHealth(key))));
      stored.set(key, next);
      return jsonCopy(next);
    },
    listHealth: async () => {
      await turn();
      return [...stored.values()].map((health) => jsonCopy(health)).sort((a, b) => a.mailbox.localeCompare(b.mailbox));
    },
  };
}

export function createMemoryItemLogStore(options: { clock: () => Date }): ItemLogStore {
  const stored = new Map<string, { entry: ItemLogEntry; expiresAt: number }>();
  const current = (): ItemLogEntry[] => {
    const now = options.clock().getTime();
    for (const [key, { expiresAt }] of stored) if (expiresAt <= now) stored.delete(key);
    return [...stored.values()].map(({ entry }) => entry);
  };
  return {
    putEntries: async (mailbox, entries, putOptions) => {
      const key = normalizeAddress(mailbox);
      await turn();
      // Cosmos DB's TTL counts from the write, not from the entry's own time.
      const expiresAt = options.clock().getTime() + putOptions.retentionInDays * 86_400_000;
      for (const entry of entries) stored.set(`${key} ${entry.id}`, { entry: jsonCopy({ ...entry, mailbox: key }), expiresAt });
    },
    listEntries: async (filter, page) => {
      const scope = itemLogListingScope(filter);
      const offset = page.continuationToken === undefined ? 0 : Number(decodePageToken(page.continuationToken, { scope }));
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError("continuationToken is not a token this API returned");
      await turn();
      const mailbox = filter.mailbox === undefined ? undefined : normalizeAddress(filter.mailbox);
      const matching = current()
        .filter(
          (entry) =>
            (mailbox === undefined || entry.mailbox === mailbox) &&
            (filter.outcome === undefined || entry.outcome === filter.outcome) &&
            (filter.since === undefined || entry.at >= filter.since) &&
            (filter.until === undefined || entry.at < filter.until),
        )
        .sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
      const next = offset + page.limit;
      return {
        items: matching.slice(offset, next).map((entry) => jsonCopy(entry)),
        ...(next < matching.length ? { continuationToken: encodePageToken(String(next), { scope }) } : {}),
      };
    },
  };
}
