// The item-level log in the `itemLog` container (partition key /mailbox). Each entry carries its
// own `ttl` (the organization's itemLogRetentionInDays), so Cosmos DB expires it: no sweeper. The
// entries of one work item (at most 20) are written as one transactional batch: one request.
import type { Container, OperationInput, SqlParameter } from "@azure/cosmos";
import type { ItemLogEntry, ItemLogFilter, ItemLogStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { withoutSystemProperties } from "./document-ids.js";
import { translateErrors } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** Cosmos DB's transactional batch holds at most 100 operations. */
const MAX_BATCH_OPERATIONS = 100;

export function itemLogListingScope(filter: ItemLogFilter): string {
  return JSON.stringify(["itemLog", filter.mailbox === undefined ? null : normalizeAddress(filter.mailbox), filter.outcome ?? null, filter.since ?? null, filter.until ?? null]);
}

export function createCosmosItemLogStore(container: Container): ItemLogStore {
  return {
    putEntries: (mailbox, entries, options) =>
      translateErrors("putItemLogEntries", async () => {
        const key = normalizeAddress(mailbox);
        const ttl = options.retentionInDays * 86_400;
        for (let start = 0; start < entries.length; start += MAX_BATCH_OPERATIONS) {
          const operations: OperationInput[] = entries
            .slice(start, start + MAX_BATCH_OPERATIONS)
            // Each operation names its partition key too: the embedded server reads it from there.
            .map((entry) => ({ operationType: "Upsert", partitionKey: key, resourceBody: { ...entry, mailbox: key, ttl } }));
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
        const conditions: string[] = [];
        const parameters: SqlParameter[] = [];
        const add = (condition: string, name: string, value: string) => {
          conditions.push(condition);
          parameters.push({ name, value });
        };
        if (filter.mailbox !== undefined) add("c.mailbox = @mailbox", "@mailbox", normalizeAddress(filter.mailbox));
        if (filter.outcome !== undefined) add("c.outcome = @outcome", "@outcome", filter.outcome);
        if (filter.since !== undefined) add("c.at >= @since", "@since", filter.since);
        if (filter.until !== undefined) add("c.at < @until", "@until", filter.until);
        const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
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
