// The item-level log in the `itemLog` container (partition key /mailbox). Each entry carries its
// own `ttl` (the organization's itemLogRetentionInDays), so Cosmos DB expires it: no sweeper. The
// entries of one work item (at most 20) are written as one transactional batch, with the item's
// processed markers and health change (mailbox-batch-store.ts): one request. The container also
// holds those markers and the health document, so a listing reads entries only (`outcome`).
import type { Container, OperationInput, SqlParameter } from "@azure/cosmos";
import type { ItemLogEntry, ItemLogFilter, ItemLogStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { withoutSystemProperties } from "./document-ids.js";
import { translateErrors } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** Cosmos DB's transactional batch holds at most 100 operations. */
export const MAX_BATCH_OPERATIONS = 100;

export function itemLogListingScope(filter: ItemLogFilter): string {
  return JSON.stringify(["itemLog", filter.mailbox === undefined ? null : normalizeAddress(filter.mailbox), filter.outcome ?? null, filter.since ?? null, filter.until ?? null]);
}

/** The stored form of an entry: its mailbox lower-cased (the partition key) and its own `ttl`. */
export function itemLogDocument(mailbox: string, entry: ItemLogEntry, options: { retentionInDays: number }): ItemLogEntry & { ttl: number } {
  return { ...entry, mailbox, ttl: options.retentionInDays * 86_400 };
}

export function createCosmosItemLogStore(container: Container): ItemLogStore {
  return {
    putEntries: (mailbox, entries, options) =>
      translateErrors("putItemLogEntries", async () => {
        const key = normalizeAddress(mailbox);
        for (let start = 0; start < entries.length; start += MAX_BATCH_OPERATIONS) {
          const operations: OperationInput[] = entries
            .slice(start, start + MAX_BATCH_OPERATIONS)
            // Each operation names its partition key too: the embedded server reads it from there.
            .map((entry) => ({ operationType: "Upsert", partitionKey: key, resourceBody: { ...itemLogDocument(key, entry, options) } }));
          const response = await container.items.batch(operations, key);
          const failed = response.result?.find((result) => result.statusCode >= 400);
          if (failed) throw Object.assign(new Error(`item log batch failed with ${failed.statusCode}`), { code: failed.statusCode });
        }
      }),
    listEntries: (filter, page) =>
      translateErrors("listItemLogEntries", async () => {
        if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
        const scope = itemLogListingScope(filter);
        const sdkToken = page.continuationToken === undefined ? undefined : decodePageToken(page.continuationToken, { scope });
        // Entries only: the container also holds processed markers and the health document.
        const conditions: string[] = ["IS_DEFINED(c.outcome)"];
        const parameters: SqlParameter[] = [];
        const add = (condition: string, name: string, value: string) => {
          conditions.push(condition);
          parameters.push({ name, value });
        };
        if (filter.mailbox !== undefined) add("c.mailbox = @mailbox", "@mailbox", normalizeAddress(filter.mailbox));
        if (filter.outcome !== undefined) add("c.outcome = @outcome", "@outcome", filter.outcome);
        if (filter.since !== undefined) add("c.at >= @since", "@since", filter.since);
        if (filter.until !== undefined) add("c.at < @until", "@until", filter.until);
        const where = ` WHERE ${conditions.join(" AND ")}`;
        const { resources, continuationToken } = await container.items
          .query<ItemLogEntry & { ttl?: number }>(
            { query: `SELECT * FROM c${where} ORDER BY c.at DESC`, parameters },
            {
              maxItemCount: page.limit,
              ...(filter.mailbox !== undefined ? { partitionKey: normalizeAddress(filter.mailbox) } : {}),
              ...(sdkToken !== undefined ? { continuationToken: sdkToken } : {}),
            },
          )
          .fetchNext();
        return {
          items: resources.map((resource) => {
            const { ttl: _ttl, ...entry } = withoutSystemProperties(resource);
            return entry;
          }),
          ...(continuationToken ? { continuationToken: encodePageToken(continuationToken, { scope }) } : {}),
        };
      }),
  };
}
