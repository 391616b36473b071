// The TrackingStore in memory: for what-if replays and fast use-case tests. It applies the Cosmos
// adapter's own rules (size fitting, entry order and the 100-entry bound, record precedence), so
// the shared contract suite (test/contract) holds both to the same answers.
import type { ActivityStore, LookupStore, RecordDirectory, SettingsStore, TokenCounterStore, TrackingStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import type { AddressEntry, CrmRecord, EmailActivity, MailboxSettings, OrganizationSettings } from "../../domain/types.js";
import { fitDocumentSize } from "../cosmos/document-size.js";
import { COMPACT_AT, currentEntries, toEntry, toStoredEntry, type StoredEntry } from "../cosmos/lookup-store.js";
import { byPrecedence } from "../cosmos/record-directory.js";

/** What a document store hands back: a JSON copy (undefined fields dropped, no shared references). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Lets other callers run between the steps of an operation, as a network round trip would. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function createActivities(): ActivityStore {
  const stored = new Map<string, EmailActivity>();
  return {
    createActivity: async (activity) => {
      await turn();
      const existing = stored.get(activity.id);
      if (existing) return { created: false, activity: jsonCopy(existing) };
      const fitted = jsonCopy(fitDocumentSize(activity));
      stored.set(activity.id, fitted);
      return { created: true, activity: jsonCopy(fitted) };
    },
    getActivity: async (id) => {
      await turn();
      const found = stored.get(id);
      return found && jsonCopy(found);
    },
  };
}

function createLookups(): LookupStore {
  // Per key, entries in append order, compacted as the Cosmos document is (readers never notice).
  const byKey = new Map<string, StoredEntry[]>();
  const read = (key: string) => currentEntries(byKey.get(key) ?? []);
  return {
    putEntries: async (entries) => {
      await turn();
      for (const entry of entries) {
        const list = byKey.get(entry.key) ?? [];
        list.push(jsonCopy(toStoredEntry(entry)));
        byKey.set(entry.key, list.length >= COMPACT_AT ? currentEntries(list).reverse() : list);
      }
    },
    findLatest: async (key) => {
      await turn();
      const [latest] = read(key);
      return latest && jsonCopy(toEntry(key, latest));
    },
    listSince: async (key, since) => {
      await turn();
      return read(key)
        .filter((entry) => entry.activityTime >= since)
        .map((entry) => jsonCopy(toEntry(key, entry)));
    },
  };
}

function createRecords(): RecordDirectory {
  const records = new Map<string, CrmRecord>();
  const addressesOf = (record: CrmRecord) => [...new Set(record.emailAddresses.map(normalizeAddress).filter((address) => address !== ""))];
  return {
    upsertRecords: async (list) => {
      await turn();
      for (const record of list) records.set(`${record.type}:${record.id}`, jsonCopy(record));
    },
    findByAddress: async (address) => {
      await turn();
      const wanted = normalizeAddress(address);
      if (wanted === "") return [];
      const found: AddressEntry[] = [];
      for (const record of records.values()) {
        if (!addressesOf(record).includes(wanted)) continue;
        found.push({
          type: record.type,
          id: record.id,
          address: wanted,
          ...(record.name !== undefined && { name: record.name }),
          active: record.active ?? true,
          createdOn: record.createdOn,
          ...(record.ownerId !== undefined && { ownerId: record.ownerId }),
        });
      }
      return found.sort(byPrecedence);
    },
  };
}

function createSettings(): SettingsStore {
  let organization: OrganizationSettings | undefined;
  const mailboxes = new Map<string, MailboxSettings>();
  return {
    getOrganization: async () => {
      await turn();
      return organization && jsonCopy(organization);
    },
    putOrganization: async (settings) => {
      await turn();
      organization = jsonCopy(settings);
    },
    getMailbox: async (address) => {
      await turn();
      const found = mailboxes.get(normalizeAddress(address));
      return found && jsonCopy(found);
    },
    putMailbox: async (settings) => {
      await turn();
      const address = normalizeAddress(settings.address);
      mailboxes.set(address, jsonCopy({ ...settings, address }));
    },
    listMailboxes: async () => {
      await turn();
      return [...mailboxes.values()].map((settings) => jsonCopy(settings)).sort((a, b) => a.address.localeCompare(b.address));
    },
  };
}

function createCounters(): TokenCounterStore {
  const userNumbers = new Map<string, number>();
  const counters = new Map<number, number>();
  return {
    getUserNumber: async (userId) => {
      if (userId.trim() === "") throw new RangeError("userId must not be empty");
      await turn();
      const known = userNumbers.get(userId);
      if (known !== undefined) return known;
      const userNumber = userNumbers.size + 1;
      userNumbers.set(userId, userNumber);
      return userNumber;
    },
    nextCounter: async (userNumber) => {
      if (!Number.isSafeInteger(userNumber) || userNumber < 1) {
        throw new RangeError(`userNumber must be a positive integer, got ${String(userNumber)}`);
      }
      await turn();
      const value = (counters.get(userNumber) ?? 0) + 1;
      counters.set(userNumber, value);
      return value;
    },
  };
}

/** An empty in-memory TrackingStore of its own. */
export function createMemoryTrackingStore(): TrackingStore {
  return {
    activities: createActivities(),
    lookups: createLookups(),
    records: createRecords(),
    settings: createSettings(),
    counters: createCounters(),
  };
}
