// Mailbox alerts in the `alerts` container (partition key /mailbox; the container's TTL expires
// them). A mailbox's list reads its partition; the organization's list is a cross-partition query,
// run only when an admin looks.
import type { Container, SqlParameter, SqlQuerySpec } from "@azure/cosmos";
import type { AlertStore } from "../../app/ports.js";
import type { Alert, AlertFilter } from "../../domain/alerts.js";
import { normalizeAddress } from "../../domain/address.js";
import { withoutSystemProperties } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** What a continuation token is bound to: the whole filter. */
export function alertListingScope(filter: AlertFilter): string {
  return JSON.stringify([
    filter.mailbox === undefined ? null : normalizeAddress(filter.mailbox),
    filter.levels ? [...filter.levels].sort() : null,
    filter.since ?? null,
    filter.until ?? null,
    filter.ownerNotifiedOnly === true,
  ]);
}

function whereClause(filter: AlertFilter): { where: string; parameters: SqlParameter[] } {
  const conditions: string[] = [];
  const parameters: SqlParameter[] = [];
  if (filter.mailbox !== undefined) {
    conditions.push("c.mailbox = @mailbox");
    parameters.push({ name: "@mailbox", value: normalizeAddress(filter.mailbox) });
  }
  if (filter.levels !== undefined) {
    conditions.push("ARRAY_CONTAINS(@levels, c.level)");
    parameters.push({ name: "@levels", value: [...filter.levels] });
  }
  if (filter.since !== undefined) {
    conditions.push("c.at >= @since");
    parameters.push({ name: "@since", value: filter.since });
  }
  if (filter.until !== undefined) {
    conditions.push("c.at < @until");
    parameters.push({ name: "@until", value: filter.until });
  }
  if (filter.ownerNotifiedOnly) conditions.push("c.ownerNotified = true");
  return { where: conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "", parameters };
}

export function createCosmosAlertStore(container: Container): AlertStore {
  return {
    putAlert: (alert) =>
      translateErrors("putAlert", async () => {
        await container.items.upsert({ ...alert, mailbox: normalizeAddress(alert.mailbox) });
      }),
    listAlerts: (filter, page) =>
      translateErrors("listAlerts", async () => {
        if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
        const scope = alertListingScope(filter);
        const sdkToken = page.continuationToken === undefined ? undefined : decodePageToken(page.continuationToken, { scope });
        const { where, parameters } = whereClause(filter);
        const query: SqlQuerySpec = { query: `SELECT * FROM c${where} ORDER BY c.at DESC`, parameters };
        const { resources, continuationToken } = await container.items
          .query<Alert>(query, {
            maxItemCount: page.limit,
            ...(filter.mailbox !== undefined ? { partitionKey: normalizeAddress(filter.mailbox) } : {}),
            ...(sdkToken !== undefined ? { continuationToken: sdkToken } : {}),
          })
          .fetchNext();
        return {
          items: resources.map((resource) => withoutSystemProperties(resource)),
          ...(continuationToken ? { continuationToken: encodePageToken(continuationToken, { scope }) } : {}),
        };
      }),
    deleteAlerts: (filter) =>
      translateErrors("deleteAlerts", async () => {
        const { where, parameters } = whereClause(filter);
        const { resources } = await container.items
          .query<{ id: string; mailbox: string }>(
            { query: `SELECT c.id, c.mailbox FROM c${where}`, parameters },
            filter.mailbox !== undefined ? { partitionKey: normalizeAddress(filter.mailbox) } : {},
          )
          .fetchAll();
        let deleted = 0;
        for (const { id, mailbox } of resources) {
          try {
            await container.item(id, mailbox).delete();
            deleted += 1;
          } catch (error) {
            // Deleted meanwhile (another delete, or the TTL): as good as deleted by us.
            if (statusOf(error) !== 404) throw error;
          }
        }
        return deleted;
      }),
  };
}
