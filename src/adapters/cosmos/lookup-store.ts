import type { Container, SqlQuerySpec } from "@azure/cosmos";
import type { LookupEntry, LookupStore } from "../../app/ports.js";
import { forEachConcurrently, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { translateErrors } from "./errors.js";

/** A lookup entry as stored: partition = the key, id = the activity, so one entry per (key, activity). */
interface LookupDocument extends LookupEntry {
  id: string;
}

const WRITE_CONCURRENCY = 16;

/**
 * Correlation lookups partitioned by key (`mid:…`, `tok:…`, `cix:…`, `addr:…`). Every read names
 * the partition, so its cost depends on the entries under that key only, never on how many
 * activities exist.
 */
export function createCosmosLookupStore(container: Container): LookupStore {
  const queryPartition = async (key: string, query: SqlQuerySpec): Promise<LookupEntry[]> => {
    const { resources } = await container.items.query<LookupDocument>(query, { partitionKey: key }).fetchAll();
    return resources.map(toEntry);
  };

  return {
    putEntries: (entries) =>
      translateErrors("putEntries", () =>
        forEachConcurrently(entries, WRITE_CONCURRENCY, async (entry) => {
          const document: LookupDocument = { ...toEntry(entry), id: toDocumentId(entry.activityId) };
          await container.items.upsert(document);
        }),
      ),
    findLatest: (key) =>
      translateErrors("findLatest", async () => {
        const [latest] = await queryPartition(key, {
          query: "SELECT TOP 1 * FROM c WHERE c.key = @key ORDER BY c.activityTime DESC",
          parameters: [{ name: "@key", value: key }],
        });
        return latest;
      }),
    listSince: (key, since) =>
      translateErrors("listSince", () =>
        queryPartition(key, {
          query: "SELECT * FROM c WHERE c.key = @key AND c.activityTime >= @since ORDER BY c.activityTime DESC",
          parameters: [
            { name: "@key", value: key },
            { name: "@since", value: since },
          ],
        }),
      ),
  };
}

/** Only the entry's own fields, in a fixed shape (drops the id, system properties and undefined). */
function toEntry(source: LookupEntry): LookupEntry {
  const { key, activityId, internetMessageId, activityTime, regarding, subjectHashes, addressHashes } =
    withoutSystemProperties(source);
  return {
    key,
    activityId,
    internetMessageId,
    activityTime,
    ...(regarding !== undefined && { regarding }),
    ...(subjectHashes !== undefined && { subjectHashes }),
    ...(addressHashes !== undefined && { addressHashes }),
  };
}
