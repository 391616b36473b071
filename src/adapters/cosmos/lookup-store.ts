import type { Container, JSONObject, OperationInput, PatchOperation } from "@azure/cosmos";
import type { LookupEntry, LookupStore } from "../../app/ports.js";
import { forEachConcurrently, withoutSystemProperties } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

/**
 * Entries kept per key, the most recent by activityTime. `mid:`/`tok:`/`cix:` keys hold one or a
 * few entries and findLatest needs only the newest; `addr:` keys are the only long ones, and
 * smart matching then considers the 100 most recent emails with that address (within its window).
 */
export const MAX_ENTRIES_PER_KEY = 100;
/** Documents are compacted back to MAX_ENTRIES_PER_KEY once they hold this many entries. */
export const COMPACT_AT = 2 * MAX_ENTRIES_PER_KEY;

/** Cosmos DB accepts at most 10 operations in one patch request. */
const MAX_PATCH_OPERATIONS = 10;
const WRITE_CONCURRENCY = 16;
/** The SDK sends at most 100 operations of one partition in one bulk request. */
const MAX_BULK_OPERATIONS = 100;

/**
 * A Message-ID names one email, so its key is new for nearly every write: creating first saves
 * the patch that would answer 404 (one request per tracked email); the rare existing one costs a 409.
 * Keys the caller just found empty (`absentKeys`: a thread's first email) are created first too.
 */
const MESSAGE_ID_KEY_PREFIX = "mid:";

/** Partition key /key, one document per key under this fixed id. */
const ENTRIES_ID = "entries";

/** A stored entry: the key is the document's (partition) key, not repeated per entry. */
export type StoredEntry = Omit<LookupEntry, "key">;

interface LookupDocument {
  id: typeof ENTRIES_ID;
  key: string;
  /** In append order: for one activityId the last occurrence is the latest write. */
  entries: StoredEntry[];
  _etag?: string;
}

/**
 * Correlation lookups (`mid:…`, `tok:…`, `cix:…`, `addr:…`): one document per key, read with one
 * point read (a query costs a query-plan request too, and on the embedded server scans the whole
 * container). Writes append with a server-side patch, so concurrent writers of one key never
 * overwrite each other and no read comes first.
 */
export function createCosmosLookupStore(container: Container): LookupStore {
  const read = async (key: string): Promise<StoredEntry[]> => {
    const resource = await readItem<LookupDocument>(container, ENTRIES_ID, key);
    return resource?.entries ?? [];
  };

  /**
   * Appends with one patch; a missing document (404) is created with the entries instead (409:
   * someone else did, patch it). `createFirst` tries the create first, for keys nearly always new.
   */
  const append = async (key: string, entries: StoredEntry[], options: { createFirst: boolean }): Promise<LookupDocument | undefined> => {
    const operations: PatchOperation[] = entries.map((value) => ({ op: "add", path: "/entries/-", value }));
    let create = options.createFirst;
    // patch, create, patch (or create, patch, create): a third miss means documents are deleted meanwhile.
    for (let attempt = 1; ; attempt++, create = !create) {
      try {
        if (!create) return (await container.item(ENTRIES_ID, key).patch<LookupDocument>(operations)).resource;
        const document: LookupDocument = { id: ENTRIES_ID, key, entries };
        return (await container.items.create<LookupDocument>(document)).resource;
      } catch (error) {
        if (attempt >= 3 || statusOf(error) !== (create ? 409 : 404)) throw error;
      }
    }
  };

  /**
   * Rewrites the document deduplicated and trimmed, only the version just seen (If-Match): if
   * another writer changed it meanwhile (412), a later write trims. Readers apply the same rule,
   * so what they see does not depend on when compaction ran.
   */
  const compact = async (stored: LookupDocument): Promise<void> => {
    // Lazily: a busy key (an address on every email) would otherwise be rewritten on every write.
    // Readers see the same entries either way; the document never passes COMPACT_AT entries.
    if (stored.entries.length < COMPACT_AT) return;
    const kept = currentEntries(stored.entries);
    try {
      const document: LookupDocument = { id: ENTRIES_ID, key: stored.key, entries: kept.reverse() };
      await container.item(ENTRIES_ID, stored.key).replace(document, { accessCondition: { type: "IfMatch", condition: stored._etag ?? "" } });
    } catch (error) {
      if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
    }
  };

  const createsFirst = (key: string, absentKeys: ReadonlySet<string> | undefined) => key.startsWith(MESSAGE_ID_KEY_PREFIX) || absentKeys?.has(key) === true;

  /** `from`: the entries before it are written already (by the bulk create). */
  const putKey = async ([key, entries]: [string, StoredEntry[]], absentKeys: ReadonlySet<string> | undefined, from = 0): Promise<void> => {
    for (let start = from; start < entries.length; start += MAX_PATCH_OPERATIONS) {
      const createFirst = start === 0 && createsFirst(key, absentKeys);
      const stored = await append(key, entries.slice(start, start + MAX_PATCH_OPERATIONS), { createFirst });
      if (stored) await compact(stored);
    }
  };

  /**
   * Keys nearly always new (a new email's Message-ID and a new thread's key) are created together
   * with one bulk request: Cosmos DB groups a bulk's operations by physical partition, so a
   * container of one partition takes them in one request where separate creates took one each. A
   * key that exists after all (409) goes the usual way, appended to with a patch.
   * Returns, per created key, how many of its entries are written.
   */
  const createTogether = async (keyed: ReadonlyArray<[string, StoredEntry[]]>): Promise<Map<string, number>> => {
    const written = new Map<string, number>();
    if (keyed.length < 2) return written;
    const operations = keyed.map(([key, entries]): OperationInput => {
      const document: LookupDocument = { id: ENTRIES_ID, key, entries: entries.slice(0, MAX_PATCH_OPERATIONS) };
      return { operationType: "Create", partitionKey: key, resourceBody: document as unknown as JSONObject };
    });
    for (let start = 0; start < operations.length; start += MAX_BULK_OPERATIONS) {
      // bulk(), though deprecated: its successor executeBulkOperations gathers operations on a
      // timer (about a second per call here), and the embedded server refuses its requests (500/400).
      const results = await container.items.bulk(operations.slice(start, start + MAX_BULK_OPERATIONS));
      keyed.slice(start, start + MAX_BULK_OPERATIONS).forEach(([key, entries], index) => {
        if (results[index]?.statusCode === 201) written.set(key, Math.min(entries.length, MAX_PATCH_OPERATIONS));
      });
    }
    return written;
  };

  return {
    putEntries: (entries, options) =>
      translateErrors("putEntries", async () => {
        const byKey = new Map<string, StoredEntry[]>();
        for (const entry of entries) {
          const list = byKey.get(entry.key) ?? [];
          list.push(toStoredEntry(entry));
          byKey.set(entry.key, list);
        }
        const created = await createTogether([...byKey].filter(([key]) => createsFirst(key, options?.absentKeys)));
        // A created document holds fewer than COMPACT_AT entries: nothing to compact.
        const rest = [...byKey].filter(([key, entries]) => (created.get(key) ?? 0) < entries.length);
        await forEachConcurrently(rest, WRITE_CONCURRENCY, (keyed) => putKey(keyed, options?.absentKeys, created.get(keyed[0]) ?? 0));
      }),
    findLatest: (key) =>
      translateErrors("findLatest", async () => {
        const [latest] = currentEntries(await read(key));
        return latest && toEntry(key, latest);
      }),
    listSince: (key, since) =>
      translateErrors("listSince", async () =>
        currentEntries(await read(key))
          .filter((entry) => entry.activityTime >= since)
          .map((entry) => toEntry(key, entry)),
      ),
  };
}

/**
 * One entry per activityId (its last write), most recent first (ties: higher activityId), at most
 * MAX_ENTRIES_PER_KEY: what readers see and what compaction keeps.
 */
export function currentEntries(stored: readonly StoredEntry[]): StoredEntry[] {
  const byActivity = new Map<string, StoredEntry>();
  for (const entry of stored) byActivity.set(entry.activityId, entry);
  return [...byActivity.values()].sort(byRecency).slice(0, MAX_ENTRIES_PER_KEY);
}

function byRecency(a: StoredEntry, b: StoredEntry): number {
  return compareText(b.activityTime, a.activityTime) || compareText(b.activityId, a.activityId);
}

/** Ordinal comparison: ISO timestamps and ids order by code unit, whatever the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Only the entry's own fields, in a fixed shape (drops the key, system properties and undefined). */
export function toStoredEntry(source: LookupEntry | StoredEntry): StoredEntry {
  const { activityId, internetMessageId, activityTime, regarding, subject, subjectHashes, addressHashes } = withoutSystemProperties(source);
  return {
    activityId,
    internetMessageId,
    activityTime,
    ...(regarding !== undefined && { regarding }),
    ...(subject !== undefined && { subject }),
    ...(subjectHashes !== undefined && { subjectHashes }),
    ...(addressHashes !== undefined && { addressHashes }),
  };
}

export function toEntry(key: string, stored: StoredEntry): LookupEntry {
  return { key, ...toStoredEntry(stored) };
}
