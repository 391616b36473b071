// The TrackingStore in memory: for what-if replays and fast use-case tests. It applies the Cosmos
// adapter's own rules (size fitting, entry order and the 100-entry bound, record precedence), so
// the shared contract suite (test/contract) holds both to the same answers.
import type {
  ActivityStore,
  LookupStore,
  MailboxStatus,
  OutgoingEmail,
  OutgoingEmailStore,
  RecordDirectory,
  SettingsStore,
  TokenCounterStore,
  TrackingStore,
} from "../../app/ports.js";
import { activityMatchesKey, byRecencyDescending, inTimeRange, indexKeyFor, keepIdentity, withConversation } from "../../domain/activity-index.js";
import { normalizeAddress } from "../../domain/address.js";
import { withOrganizationDefaults } from "../../domain/settings.js";
import type { AddressEntry, CrmRecord, EmailActivity, MailboxSettings, OrganizationSettings } from "../../domain/types.js";
import { fitDocumentSize } from "../cosmos/document-size.js";
import { COMPACT_AT, currentEntries, toEntry, toStoredEntry, type StoredEntry } from "../cosmos/lookup-store.js";
import { decodePageToken, encodePageToken, listingScope } from "../cosmos/page-token.js";
import { byPrecedence } from "../cosmos/record-directory.js";

/** What a document store hands back: a JSON copy (undefined fields dropped, no shared references). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Lets other callers run between the steps of an operation, as a network round trip would. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function createActivities(): ActivityStore {
  const stored = new Map<string, EmailActivity>();
  /** Created with the mailbox index deferred and not yet given it: not listed by mailbox (as in Cosmos DB). */
  const unindexed = new Set<string>();
  return {
    createActivity: async (activity, options) => {
      await turn();
      const existing = stored.get(activity.id);
      if (existing) return { created: false, activity: jsonCopy(existing) };
      if (options?.mailboxIndex === "deferred") unindexed.add(activity.id);
      const parentId = activity.correlation.correlatedActivityId;
      const parent = parentId !== undefined ? stored.get(parentId) : undefined;
      const fitted = jsonCopy(fitDocumentSize(withConversation(activity, parent)));
      stored.set(activity.id, fitted);
      return { created: true, activity: jsonCopy(fitted) };
    },
    putMailboxIndex: async (activities) => {
      await turn();
      for (const activity of activities) unindexed.delete(activity.id);
    },
    getActivity: async (id) => {
      await turn();
      const found = stored.get(id);
      return found && jsonCopy(found);
    },
    updateActivity: async (id, update) => {
      await turn();
      const current = stored.get(id);
      if (!current) return undefined;
      const changed = update(jsonCopy(current));
      if (!changed) return jsonCopy(current);
      const next = jsonCopy(fitDocumentSize(keepIdentity(changed, current)));
      stored.set(id, next);
      return jsonCopy(next);
    },
    // A scan in memory; what it returns and how tokens behave match the Cosmos index listing.
    listActivities: async (filter, page) => {
      if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
      const scope = listingScope(filter);
      const offset = page.continuationToken === undefined ? 0 : Number(decodePageToken(page.continuationToken, { scope }));
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError("continuationToken is not a token this API returned");
      await turn();
      const key = indexKeyFor(filter);
      const matching = [...stored.values()]
        .filter((activity) => (key === undefined || activityMatchesKey(activity, key)) && inTimeRange(activity.activityTime, filter))
        .filter((activity) => !("mailbox" in filter && unindexed.has(activity.id)))
        .sort(byRecencyDescending);
      const items = matching.slice(offset, offset + page.limit).map((activity) => jsonCopy(activity));
      const next = offset + page.limit;
      return { items, ...(next < matching.length ? { continuationToken: encodePageToken(String(next), { scope }) } : {}) };
    },
  };
}

function createOutgoing(): OutgoingEmailStore {
  const stored = new Map<string, OutgoingEmail>();
  return {
    createOutgoing: async (email) => {
      await turn();
      const existing = stored.get(email.id);
      if (existing) return { created: false, email: jsonCopy(existing) };
      stored.set(email.id, jsonCopy(email));
      return { created: true, email: jsonCopy(email) };
    },
    getOutgoing: async (id) => {
      await turn();
      const found = stored.get(id);
      return found && jsonCopy(found);
    },
    updateOutgoing: async (id, update) => {
      await turn();
      const current = stored.get(id);
      if (!current) return undefined;
      const next = update(jsonCopy(current));
      if (!next) return jsonCopy(current);
      stored.set(id, jsonCopy({ ...next, id }));
      return jsonCopy({ ...next, id });
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
  // address → keys of the records listing it: the address document of the Cosmos adapter.
  const byAddress = new Map<string, Set<string>>();
  const addressesOf = (record: CrmRecord) => [...new Set(record.emailAddresses.map(normalizeAddress).filter((address) => address !== ""))];
  return {
    upsertRecords: async (list) => {
      await turn();
      for (const record of list) {
        const key = `${record.type}:${record.id}`;
        const previous = records.get(key);
        for (const address of previous ? addressesOf(previous) : []) byAddress.get(address)?.delete(key);
        records.set(key, jsonCopy(record));
        for (const address of addressesOf(record)) byAddress.set(address, (byAddress.get(address) ?? new Set()).add(key));
      }
    },
    findByAddress: async (address) => {
      await turn();
      const wanted = normalizeAddress(address);
      const found: AddressEntry[] = [];
      for (const key of byAddress.get(wanted) ?? []) {
        const record = records.get(key) as CrmRecord;
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
    getRecord: async (ref) => {
      await turn();
      const found = records.get(`${ref.type}:${ref.id}`);
      return found && jsonCopy(found);
    },
    deleteRecords: async (refs) => {
      await turn();
      const deleted = refs.filter((ref) => {
        const key = `${ref.type}:${ref.id}`;
        const record = records.get(key);
        for (const address of record ? addressesOf(record) : []) byAddress.get(address)?.delete(key);
        return records.delete(key);
      });
      return deleted.map(({ type, id }) => ({ type, id }));
    },
  };
}

function createSettings(): SettingsStore {
  // Each document has a version, as Cosmos DB's _etag: a new one on every write.
  let organization: { value: OrganizationSettings; etag: string } | undefined;
  const mailboxes = new Map<string, { value: MailboxSettings; etag: string }>();
  const statuses = new Map<string, MailboxStatus>();
  let version = 0;
  const nextEtag = () => `"${(version += 1)}"`;
  const mailboxWith = (settings: MailboxSettings) => {
    const address = normalizeAddress(settings.address);
    return { address, value: jsonCopy({ ...settings, address }) };
  };
  return {
    getOrganization: async () => {
      await turn();
      return organization && withOrganizationDefaults(jsonCopy(organization.value));
    },
    putOrganization: async (settings) => {
      await turn();
      organization = { value: jsonCopy(settings), etag: nextEtag() };
    },
    getOrganizationVersion: async () => {
      await turn();
      return organization && { value: withOrganizationDefaults(jsonCopy(organization.value)), etag: organization.etag };
    },
    saveOrganization: async (settings, options) => {
      await turn();
      if (options.ifMatch === undefined ? organization !== undefined : organization?.etag !== options.ifMatch) return { saved: false };
      organization = { value: jsonCopy(settings), etag: nextEtag() };
      return { saved: true, etag: organization.etag };
    },
    getMailbox: async (address) => {
      await turn();
      const found = mailboxes.get(normalizeAddress(address));
      return found && jsonCopy(found.value);
    },
    putMailbox: async (settings) => {
      await turn();
      const { address, value } = mailboxWith(settings);
      mailboxes.set(address, { value, etag: nextEtag() });
    },
    getMailboxVersion: async (address) => {
      await turn();
      const found = mailboxes.get(normalizeAddress(address));
      return found && jsonCopy(found);
    },
    saveMailbox: async (settings, options) => {
      await turn();
      const { address, value } = mailboxWith(settings);
      const existing = mailboxes.get(address);
      if (options.ifMatch === undefined ? existing !== undefined : existing?.etag !== options.ifMatch) return { saved: false };
      const etag = nextEtag();
      mailboxes.set(address, { value, etag });
      return { saved: true, etag };
    },
    deleteMailbox: async (address) => {
      await turn();
      const normalized = normalizeAddress(address);
      statuses.delete(normalized);
      return mailboxes.delete(normalized);
    },
    listMailboxes: async () => {
      await turn();
      return [...mailboxes.values()].map((entry) => jsonCopy(entry.value)).sort((a, b) => a.address.localeCompare(b.address));
    },
    listMailboxPage: async (options) => {
      await turn();
      // The continuation token is the last address of the previous page (addresses are unique).
      const after = options.continuationToken === undefined ? "" : Buffer.from(options.continuationToken, "base64url").toString("utf8");
      const matching = [...mailboxes.values()]
        .map((entry) => entry.value)
        .filter((mailbox) => options.enabled === undefined || mailbox.enabled === options.enabled)
        .filter((mailbox) => options.approvalStatus === undefined || mailbox.approvalStatus === options.approvalStatus)
        .filter((mailbox) => mailbox.address > after)
        // The order of `>` above (code units), not localeCompare's: with that, "user10@" sorted
        // after "user1@" but was also `<` it, so pages repeated addresses.
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      const items = matching.slice(0, options.limit).map((mailbox) => jsonCopy(mailbox));
      const last = items[items.length - 1];
      return matching.length > options.limit && last ? { items, continuationToken: Buffer.from(last.address, "utf8").toString("base64url") } : { items };
    },
    getMailboxStatus: async (address) => {
      await turn();
      const found = statuses.get(normalizeAddress(address));
      return found && jsonCopy(found);
    },
    putMailboxStatus: async (address, status) => {
      await turn();
      statuses.set(normalizeAddress(address), jsonCopy(status));
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
    outgoing: createOutgoing(),
  };
}
