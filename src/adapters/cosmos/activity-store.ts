import type { Container, SqlQuerySpec } from "@azure/cosmos";
import type { ActivityPage, ActivityStore } from "../../app/ports.js";
import {
  activityIndexKeys,
  activityMatchesKey,
  inTimeRange,
  indexKeyChanges,
  indexKeyFor,
  keepIdentity,
  withConversation,
  type ActivityFilter,
} from "../../domain/activity-index.js";
import type { EmailActivity } from "../../domain/types.js";
import { decodePageToken, encodePageToken, listingScope } from "./page-token.js";
import { fromDocumentId, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { fitDocumentSize } from "./document-size.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

/** `activityIndex` container: one item per (key, activity), partition key /key, id = the activity id. */
interface IndexDocument {
  id: string;
  key: string;
  activityId: string;
  activityTime: string;
}

/** Optimistic-concurrency rounds of an update before giving up. */
const MAX_UPDATE_ATTEMPTS = 20;

/**
 * Activities keyed by their deterministic id (partition key /id): creating is a single `create`,
 * and Cosmos DB's 409 on a second create is what makes tracking exactly-once. The index container
 * lists them by mailbox, regarding record and conversation, one partition per key.
 */
export function createCosmosActivityStore(options: { activities: Container; index: Container }): ActivityStore {
  const { activities: container, index } = options;

  const readDocument = async (id: string): Promise<{ activity: EmailActivity; etag: string } | undefined> => {
    const documentId = toDocumentId(id);
    const resource = await readItem<EmailActivity>(container, documentId, documentId);
    return resource ? { activity: toActivity(resource), etag: resource._etag } : undefined;
  };
  const read = async (id: string) => (await readDocument(id))?.activity;

  const putIndex = (activity: EmailActivity, keys: readonly string[]) =>
    Promise.all(
      keys.map((key) => {
        const document: IndexDocument = { id: toDocumentId(activity.id), key, activityId: activity.id, activityTime: activity.activityTime };
        return index.items.upsert(document);
      }),
    );
  const deleteIndex = (activityId: string, keys: readonly string[]) =>
    Promise.all(
      keys.map(async (key) => {
        try {
          await index.item(toDocumentId(activityId), key).delete();
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }),
    );

  async function createActivity(activity: EmailActivity): Promise<{ created: boolean; activity: EmailActivity }> {
    const parentId = activity.correlation.correlatedActivityId;
    const parent = parentId !== undefined && activity.conversationId === undefined ? await read(parentId) : undefined;
    const fitted = fitDocumentSize(withConversation(activity, parent));
    const document = { ...fitted, id: toDocumentId(fitted.id) };
    // Index entries first: a crash after them leaves entries that readers skip (no activity yet),
    // never an activity that no listing shows; the redelivered message creates it.
    await putIndex(fitted, activityIndexKeys(fitted));
    // A create that lost the race reads the winner; if that one vanished meanwhile, try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await container.items.create(document);
        return { created: true, activity: fitted };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      const stored = await read(activity.id);
      if (stored) {
        const stale = activityIndexKeys(fitted).filter((key) => !activityIndexKeys(stored).includes(key));
        await deleteIndex(stored.id, stale);
        return { created: false, activity: stored };
      }
    }
    throw new Error(`Activity ${activity.id} keeps conflicting on create but cannot be read`);
  }

  async function updateActivity(id: string, update: (current: EmailActivity) => EmailActivity | undefined): Promise<EmailActivity | undefined> {
    const tried = new Set<string>();
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const stored = await readDocument(id);
      if (!stored) return undefined;
      const changed = update(stored.activity);
      if (!changed) return stored.activity;
      const next = fitDocumentSize(keepIdentity(changed, stored.activity));
      const { removed, added } = indexKeyChanges(stored.activity, next);
      // New keys before the write (a crash leaves entries readers skip), old ones after it.
      await putIndex(next, added);
      added.forEach((key) => tried.add(key));
      const documentId = toDocumentId(id);
      try {
        await container.item(documentId, documentId).replace({ ...next, id: documentId }, { accessCondition: { type: "IfMatch", condition: stored.etag } });
      } catch (error) {
        const status = statusOf(error);
        if (status === 412) continue;
        if (status === 404) return undefined;
        throw error;
      }
      const current = activityIndexKeys(next);
      await deleteIndex(id, [...removed, ...[...tried].filter((key) => !current.includes(key))]);
      return next;
    }
    throw new Error(`Activity ${id} kept changing during ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
  }

  async function listActivities(filter: ActivityFilter, page: { limit: number; continuationToken?: string }): Promise<ActivityPage> {
    if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
    const key = indexKeyFor(filter);
    const scope = listingScope(filter);
    const sdkToken = page.continuationToken === undefined ? undefined : decodePageToken(page.continuationToken, { scope });
    const conditions: string[] = [];
    const parameters: Array<{ name: string; value: string }> = [];
    if (filter.from !== undefined) {
      conditions.push("c.activityTime >= @from");
      parameters.push({ name: "@from", value: filter.from });
    }
    if (filter.to !== undefined) {
      conditions.push("c.activityTime < @to");
      parameters.push({ name: "@to", value: filter.to });
    }
    if (key !== undefined) {
      conditions.push("c.key = @key");
      parameters.push({ name: "@key", value: key });
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
    const query: SqlQuerySpec = {
      query: key !== undefined ? `SELECT c.activityId FROM c${where} ORDER BY c.activityTime DESC` : `SELECT * FROM c${where} ORDER BY c.activityTime DESC`,
      parameters,
    };
    const target = key !== undefined ? index : container;
    const iterator = target.items.query<Record<string, unknown>>(query, {
      maxItemCount: page.limit,
      ...(key !== undefined ? { partitionKey: key } : {}),
      ...(sdkToken !== undefined ? { continuationToken: sdkToken } : {}),
    });
    const { resources, continuationToken } = await iterator.fetchNext();
    let activities: EmailActivity[];
    if (key === undefined) {
      activities = resources.map((resource) => toActivity(resource as unknown as EmailActivity));
    } else {
      // Point reads of the page's activities; entries left behind by a crashed write are skipped.
      const found = await Promise.all(resources.map((resource) => read(String(resource.activityId))));
      activities = found.filter((activity): activity is EmailActivity => activity !== undefined && activityMatchesKey(activity, key) && inTimeRange(activity.activityTime, filter));
    }
    return { items: activities, ...(continuationToken ? { continuationToken: encodePageToken(continuationToken, { scope }) } : {}) };
  }

  return {
    createActivity: (activity) => translateErrors("createActivity", () => createActivity(activity)),
    getActivity: (id) => translateErrors("getActivity", () => read(id)),
    updateActivity: (id, update) => translateErrors("updateActivity", () => updateActivity(id, update)),
    listActivities: (filter, page) => translateErrors("listActivities", () => listActivities(filter, page)),
  };
}

function toActivity(resource: EmailActivity): EmailActivity {
  const activity = withoutSystemProperties(resource);
  return { ...activity, id: fromDocumentId(activity.id) };
}
