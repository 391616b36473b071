import type { Container, JSONObject, OperationInput, SqlQuerySpec } from "@azure/cosmos";
import type { ActivityPage, ActivityStore, CreateActivityOptions } from "../../app/ports.js";
import {
  activityIndexKeys,
  activityMatchesKey,
  byRecencyDescending,
  conversationIndexKeyOf,
  inTimeRange,
  indexKeyChanges,
  indexKeyFor,
  keepIdentity,
  mailboxIndexKey,
  startsConversation,
  withConversation,
  type ActivityFilter,
} from "../../domain/activity-index.js";
import type { EmailActivity } from "../../domain/types.js";
import { decodePageState, decodePageToken, encodePageState, encodePageToken, listingScope, type PageState } from "./page-token.js";
import { fromDocumentId, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { fitDocumentSize } from "./document-size.js";
import { statusOf, translateErrors } from "./errors.js";
import { MAX_BATCH_OPERATIONS } from "./item-log-store.js";
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

  const indexDocument = (activity: EmailActivity, key: string): IndexDocument => ({ id: toDocumentId(activity.id), key, activityId: activity.id, activityTime: activity.activityTime });
  const putIndex = (activity: EmailActivity, keys: readonly string[]) => Promise.all(keys.map((key) => index.items.upsert(indexDocument(activity, key))));

  /** Upserts, one transactional batch per mailbox (its index partition) and 100 entries. */
  async function putMailboxIndex(activities: readonly EmailActivity[]): Promise<void> {
    const byKey = new Map<string, Map<string, EmailActivity>>();
    for (const activity of activities) {
      const key = mailboxIndexKey(activity.receivingMailbox);
      // One entry per activity: two upserts of one id in a batch would fail it.
      (byKey.get(key) ?? byKey.set(key, new Map()).get(key))?.set(activity.id, activity);
    }
    await Promise.all(
      [...byKey].map(async ([key, byId]) => {
        const documents = [...byId.values()].map((activity) => indexDocument(activity, key));
        if (documents.length === 1) {
          await index.items.upsert(documents[0] as IndexDocument);
          return;
        }
        for (let start = 0; start < documents.length; start += MAX_BATCH_OPERATIONS) {
          const operations = documents.slice(start, start + MAX_BATCH_OPERATIONS).map((document): OperationInput => ({ operationType: "Upsert", partitionKey: key, resourceBody: document as unknown as JSONObject }));
          const response = await index.items.batch(operations, key);
          const failed = (response.result ?? []).find((result) => result.statusCode >= 400);
          if (failed || (response.result ?? []).length !== operations.length) {
            throw Object.assign(new Error(`the mailbox index batch failed with ${failed?.statusCode ?? response.code}`), { code: failed?.statusCode ?? response.code });
          }
        }
      }),
    );
  }
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

  async function createActivity(activity: EmailActivity, options: CreateActivityOptions = {}): Promise<{ created: boolean; activity: EmailActivity }> {
    const parentId = activity.correlation.correlatedActivityId;
    const parent = parentId !== undefined && activity.conversationId === undefined ? await read(parentId) : undefined;
    const fitted = fitDocumentSize(withConversation(activity, parent));
    const document = { ...fitted, id: toDocumentId(fitted.id) };
    // Index entries first: a crash after them leaves entries that readers skip (no activity yet),
    // never an activity that no listing shows; the redelivered message creates it. A deferred
    // mailbox entry is the caller's, written before the message counts as processed.
    const mailboxKey = mailboxIndexKey(fitted.receivingMailbox);
    await putIndex(fitted, activityIndexKeys(fitted).filter((key) => options.mailboxIndex !== "deferred" || key !== mailboxKey));
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

  /** One page of a query: over the index partition of `key`, or (no key) over every activity. */
  async function queryPage(
    filter: ActivityFilter,
    key: string | undefined,
    page: { maxItemCount: number; sdkToken?: string },
  ): Promise<{ activities: EmailActivity[]; sdkToken?: string }> {
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
      maxItemCount: page.maxItemCount,
      ...(key !== undefined ? { partitionKey: key } : {}),
      ...(page.sdkToken !== undefined ? { continuationToken: page.sdkToken } : {}),
    });
    const { resources, continuationToken } = await iterator.fetchNext();
    const next = continuationToken ? { sdkToken: continuationToken } : {};
    if (key === undefined) return { activities: resources.map((resource) => toActivity(resource as unknown as EmailActivity)), ...next };
    // Point reads of the page's activities; entries left behind by a crashed write are skipped.
    const found = await Promise.all(resources.map((resource) => read(String(resource.activityId))));
    const activities = found.filter((activity): activity is EmailActivity => activity !== undefined && activityMatchesKey(activity, key) && inTimeRange(activity.activityTime, filter));
    return { activities, ...next };
  }

  /**
   * A conversation: its replies from the index, and its first email (no index entry of its own,
   * see activityIndexKeys) by a point read of the conversation id, placed where it sorts. A page
   * that thereby holds one too many carries its oldest to the next page (in the token).
   */
  async function listConversation(filter: ActivityFilter & { conversationId: string }, page: { limit: number; continuationToken?: string }): Promise<ActivityPage> {
    const key = conversationIndexKeyOf(filter.conversationId);
    const scope = listingScope(filter);
    const state: PageState | undefined = page.continuationToken === undefined ? undefined : decodePageState(page.continuationToken, { scope });
    let starter: EmailActivity | undefined;
    if (!state?.starterListed) {
      const candidate = await read(filter.conversationId);
      if (candidate && startsConversation(candidate) && inTimeRange(candidate.activityTime, filter)) starter = candidate;
    }
    const carried = (await Promise.all((state?.carried ?? []).map((id) => read(id)))).filter((activity): activity is EmailActivity => activity !== undefined);
    let items = carried;
    let sdkToken: string | undefined = state?.sdkToken || undefined;
    let exhausted = state?.sdkToken === "";
    const room = page.limit - carried.length;
    if (!exhausted && room > 0) {
      const queried = await queryPage(filter, key, { maxItemCount: room, ...(sdkToken !== undefined ? { sdkToken } : {}) });
      // An entry the starter had before it lost it is skipped: the starter is placed below.
      items = [...items, ...queried.activities.filter((activity) => activity.id !== filter.conversationId)];
      sdkToken = queried.sdkToken;
      exhausted = sdkToken === undefined;
    }
    let starterListed = state?.starterListed === true || starter === undefined;
    const oldest = items[items.length - 1];
    if (starter && (exhausted || (oldest !== undefined && byRecencyDescending(starter, oldest) <= 0))) {
      items = [...items, starter].sort(byRecencyDescending);
      starterListed = true;
    }
    const nextCarried = items.slice(page.limit).map((activity) => activity.id);
    items = items.slice(0, page.limit);
    const done = exhausted && starterListed && nextCarried.length === 0;
    return {
      items,
      ...(done ? {} : { continuationToken: encodePageState({ sdkToken: sdkToken ?? "", ...(starterListed ? { starterListed } : {}), carried: nextCarried }, { scope }) }),
    };
  }

  async function listActivities(filter: ActivityFilter, page: { limit: number; continuationToken?: string }): Promise<ActivityPage> {
    if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
    if ("conversationId" in filter) return listConversation(filter, page);
    const key = indexKeyFor(filter);
    const scope = listingScope(filter);
    const sdkToken = page.continuationToken === undefined ? undefined : decodePageToken(page.continuationToken, { scope });
    const queried = await queryPage(filter, key, { maxItemCount: page.limit, ...(sdkToken !== undefined ? { sdkToken } : {}) });
    return { items: queried.activities, ...(queried.sdkToken ? { continuationToken: encodePageToken(queried.sdkToken, { scope }) } : {}) };
  }

  return {
    createActivity: (activity, options) => translateErrors("createActivity", () => createActivity(activity, options)),
    putMailboxIndex: (activities) => translateErrors("putMailboxIndex", () => putMailboxIndex(activities)),
    getActivity: (id) => translateErrors("getActivity", () => read(id)),
    updateActivity: (id, update) => translateErrors("updateActivity", () => updateActivity(id, update)),
    listActivities: (filter, page) => translateErrors("listActivities", () => listActivities(filter, page)),
  };
}

function toActivity(resource: EmailActivity): EmailActivity {
  const activity = withoutSystemProperties(resource);
  return { ...activity, id: fromDocumentId(activity.id) };
}
