import type { Container } from "@azure/cosmos";
import type { RecordDirectory } from "../../app/ports.js";
import { RECORD_TYPES, type AddressEntry, type CrmRecord, type RecordRef } from "../../domain/types.js";
import { forEachConcurrently, toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";

/** `records` container: the record as given, under id `${type}:${id}`. */
interface RecordDocument {
  id: string;
  record: CrmRecord;
}

/** One record's row in an address document. */
interface AddressRow {
  /** The record's document id, `${type}:${id}` (escaped). */
  recordKey: string;
  type: AddressEntry["type"];
  recordId: string;
  name?: string;
  active: boolean;
  createdOn: string;
  ownerId?: string;
}

/**
 * `addresses` container: one document per lower-cased address (partition key /address, fixed id),
 * holding a row per record with that address. Resolution reads it with one point read: a query,
 * even one naming its partition, costs two requests because the SDK (4.10.1) always fetches a
 * query plan first. ~200 bytes a row: an address shared by ~9,000 records would reach 2 MB.
 */
interface AddressDocument {
  id: typeof ADDRESS_DOCUMENT_ID;
  address: string;
  rows: AddressRow[];
  _etag?: string;
}

const ADDRESS_DOCUMENT_ID = "records";
const RECORD_CONCURRENCY = 8;
/** Optimistic-concurrency rounds before giving up; each lost round means another writer progressed. */
const MAX_ATTEMPTS = 50;

/**
 * The address index that sender and recipient resolution reads: one point read per address.
 * Records are stored too so an update can remove the rows of addresses a record lost.
 */
export function createCosmosRecordDirectory(options: { records: Container; addresses: Container }): RecordDirectory {
  const { records, addresses } = options;

  const readPrevious = async (documentId: string): Promise<CrmRecord | undefined> => {
    const resource = await readItem<RecordDocument>(records, documentId, documentId);
    return resource?.record;
  };

  const readAddress = (address: string): Promise<AddressDocument | undefined> =>
    readItem<AddressDocument>(addresses, ADDRESS_DOCUMENT_ID, address);

  /**
   * Read-modify-write of one address document with If-Match, so records sharing an address can
   * be written concurrently without losing rows (412/409: re-read and try again).
   */
  const changeRows = async (address: string, change: (rows: AddressRow[]) => AddressRow[]): Promise<void> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await readAddress(address);
      const rows = change(stored?.rows ?? []);
      if (stored && JSON.stringify(rows) === JSON.stringify(stored.rows)) return; // nothing to write
      try {
        if (!stored) {
          if (rows.length > 0) await addresses.items.create({ id: ADDRESS_DOCUMENT_ID, address, rows });
        } else if (rows.length === 0) {
          await addresses.item(ADDRESS_DOCUMENT_ID, address).delete({ accessCondition: { type: "IfMatch", condition: stored._etag ?? "" } });
        } else {
          const document: AddressDocument = { id: ADDRESS_DOCUMENT_ID, address, rows };
          await addresses.item(ADDRESS_DOCUMENT_ID, address).replace(document, { accessCondition: { type: "IfMatch", condition: stored._etag ?? "" } });
        }
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 409 && status !== 404) throw error;
      }
    }
    throw new Error(`Address ${address} kept changing during ${MAX_ATTEMPTS} attempts to update its records`);
  };

  const upsertRecord = async (record: CrmRecord): Promise<void> => {
    const documentId = toDocumentId(`${record.type}:${record.id}`);
    const previous = await readPrevious(documentId);
    const current = normalisedAddresses(record.emailAddresses);
    const stale = normalisedAddresses(previous?.emailAddresses ?? []).filter((address) => !current.includes(address));
    const row = toAddressRow(documentId, record);

    // Index rows first and the record last: if this stops half-way, a retry still sees the old
    // record and removes the same stale rows.
    for (const address of current) {
      await changeRows(address, (rows) => [...rows.filter((other) => other.recordKey !== documentId), row].sort(byRecordKey));
    }
    for (const address of stale) {
      await changeRows(address, (rows) => rows.filter((other) => other.recordKey !== documentId));
    }
    const document: RecordDocument = { id: documentId, record };
    await records.items.upsert(document);
  };

  /** Address rows first, the record last: a retry after a crash still finds the addresses to clean. */
  const deleteRecord = async (ref: RecordRef): Promise<boolean> => {
    const documentId = toDocumentId(`${ref.type}:${ref.id}`);
    const previous = await readPrevious(documentId);
    if (!previous) return false;
    for (const address of normalisedAddresses(previous.emailAddresses)) {
      await changeRows(address, (rows) => rows.filter((other) => other.recordKey !== documentId));
    }
    try {
      await records.item(documentId, documentId).delete();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    return true;
  };

  return {
    upsertRecords: (list) => translateErrors("upsertRecords", () => forEachConcurrently(list, RECORD_CONCURRENCY, upsertRecord)),
    getRecord: (ref) => translateErrors("getRecord", () => readPrevious(toDocumentId(`${ref.type}:${ref.id}`))),
    deleteRecords: (refs) =>
      translateErrors("deleteRecords", async () => {
        const deleted: RecordRef[] = [];
        await forEachConcurrently(refs, RECORD_CONCURRENCY, async (ref) => {
          if (await deleteRecord(ref)) deleted.push({ type: ref.type, id: ref.id });
        });
        return deleted;
      }),
    findByAddress: (address) =>
      translateErrors("findByAddress", async () => {
        const normalised = normalizeAddress(address);
        if (normalised === "") return [];
        const stored = await readAddress(normalised);
        return (stored?.rows ?? []).map((row) => toAddressEntry(normalised, row)).sort(byPrecedence);
      }),
  };
}

function normalisedAddresses(list: readonly string[]): string[] {
  return [...new Set(list.map(normalizeAddress).filter((address) => address !== ""))];
}

function toAddressRow(recordKey: string, record: CrmRecord): AddressRow {
  return {
    recordKey,
    type: record.type,
    recordId: record.id,
    ...(record.name !== undefined && { name: record.name }),
    active: record.active ?? true,
    createdOn: record.createdOn,
    ...(record.ownerId !== undefined && { ownerId: record.ownerId }),
  };
}

function byRecordKey(a: AddressRow, b: AddressRow): number {
  return a.recordKey.localeCompare(b.recordKey);
}

function toAddressEntry(address: string, row: AddressRow): AddressEntry {
  return {
    type: row.type,
    id: row.recordId,
    address,
    ...(row.name !== undefined && { name: row.name }),
    active: row.active,
    createdOn: row.createdOn,
    ...(row.ownerId !== undefined && { ownerId: row.ownerId }),
  };
}

/** A stable order for callers: record-type precedence, then first created, then id. */
export function byPrecedence(a: AddressEntry, b: AddressEntry): number {
  return (
    RECORD_TYPES.indexOf(a.type) - RECORD_TYPES.indexOf(b.type) ||
    a.createdOn.localeCompare(b.createdOn) ||
    a.id.localeCompare(b.id)
  );
}
