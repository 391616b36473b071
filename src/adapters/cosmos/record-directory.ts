import type { Container } from "@azure/cosmos";
import type { RecordDirectory } from "../../app/ports.js";
import { RECORD_TYPES, type AddressEntry, type CrmRecord } from "../../domain/types.js";
import { forEachConcurrently, toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";

/** `records` container: the record as given, under id `${type}:${id}`. */
interface RecordDocument {
  id: string;
  record: CrmRecord;
}

/** `addresses` container: one row per (address, record), partitioned by the lower-cased address. */
interface AddressDocument {
  id: string;
  address: string;
  type: AddressEntry["type"];
  recordId: string;
  name?: string;
  active: boolean;
  createdOn: string;
  ownerId?: string;
}

const RECORD_CONCURRENCY = 8;

/**
 * The address index that sender and recipient resolution reads: one single-partition query per
 * address. Records are stored too so an update can remove the rows of addresses a record lost.
 */
export function createCosmosRecordDirectory(options: { records: Container; addresses: Container }): RecordDirectory {
  const { records, addresses } = options;

  const readPrevious = async (documentId: string): Promise<CrmRecord | undefined> => {
    try {
      const { resource } = await records.item(documentId, documentId).read<RecordDocument>();
      return resource?.record;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  const upsertRecord = async (record: CrmRecord): Promise<void> => {
    const documentId = toDocumentId(`${record.type}:${record.id}`);
    const previous = await readPrevious(documentId);
    const current = normalisedAddresses(record.emailAddresses);
    const stale = normalisedAddresses(previous?.emailAddresses ?? []).filter((address) => !current.includes(address));

    // Index rows first and the record last: if this stops half-way, a retry still sees the old
    // record and removes the same stale rows.
    for (const address of current) {
      await addresses.items.upsert(toAddressDocument(documentId, address, record));
    }
    for (const address of stale) {
      try {
        await addresses.item(documentId, address).delete();
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    const document: RecordDocument = { id: documentId, record };
    await records.items.upsert(document);
  };

  return {
    upsertRecords: (list) => translateErrors("upsertRecords", () => forEachConcurrently(list, RECORD_CONCURRENCY, upsertRecord)),
    findByAddress: (address) =>
      translateErrors("findByAddress", async () => {
        const normalised = normaliseAddress(address);
        if (normalised === "") return [];
        const { resources } = await addresses.items
          .query<AddressDocument>(
            { query: "SELECT * FROM c WHERE c.address = @address", parameters: [{ name: "@address", value: normalised }] },
            { partitionKey: normalised },
          )
          .fetchAll();
        return resources.map(toAddressEntry).sort(byPrecedence);
      }),
  };
}

export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

function normalisedAddresses(list: readonly string[]): string[] {
  return [...new Set(list.map(normaliseAddress).filter((address) => address !== ""))];
}

function toAddressDocument(documentId: string, address: string, record: CrmRecord): AddressDocument {
  return {
    id: documentId,
    address,
    type: record.type,
    recordId: record.id,
    ...(record.name !== undefined && { name: record.name }),
    active: record.active ?? true,
    createdOn: record.createdOn,
    ...(record.ownerId !== undefined && { ownerId: record.ownerId }),
  };
}

function toAddressEntry(document: AddressDocument): AddressEntry {
  return {
    type: document.type,
    id: document.recordId,
    address: document.address,
    ...(document.name !== undefined && { name: document.name }),
    active: document.active,
    createdOn: document.createdOn,
    ...(document.ownerId !== undefined && { ownerId: document.ownerId }),
  };
}

/** A stable order for callers: record-type precedence, then first created, then id. */
function byPrecedence(a: AddressEntry, b: AddressEntry): number {
  return (
    RECORD_TYPES.indexOf(a.type) - RECORD_TYPES.indexOf(b.type) ||
    a.createdOn.localeCompare(b.createdOn) ||
    a.id.localeCompare(b.id)
  );
}
