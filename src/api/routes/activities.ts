// /admin/activities: tracked email activities. Listing by mailbox, regarding record, conversation
// or time range (paged); one activity with its explanation; re-link and unlink (recorded with who,
// when and why); tracking a given message on request. Readers see everything; a user without a
// role sees and acts on the activities of the mailboxes they own.
import { z } from "zod";
import { recordRefSchema } from "../../app/records.js";
import type { ActivityFilter } from "../../domain/activity-index.js";
import { RECORD_TYPES, type EmailActivity } from "../../domain/types.js";
import type { Caller } from "../auth.js";
import { ApiProblem } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { ADMINS, READERS } from "../roles.js";
import { pageQueryShape, pageSchema } from "../schemas.js";
import { orProblem } from "./admin-errors.js";
import { recordRefOutputSchema } from "./records.js";

const TAG = "Activities";

const partySchema = z.object({ address: z.string(), name: z.string().optional(), records: z.array(recordRefOutputSchema) });
const regardingChangeSchema = z.object({
  at: z.string(),
  by: z.object({ oid: z.string(), name: z.string().optional() }),
  action: z.enum(["relink", "unlink"]),
  scope: z.enum(["activity", "conversation"]),
  from: recordRefOutputSchema.optional(),
  to: recordRefOutputSchema.optional(),
  reason: z.string().optional(),
});

/** The stored EmailActivity (src/domain/types.ts); the fields a client relies on are listed. */
export const activitySchema = z
  .looseObject({
    id: z.string(),
    internetMessageId: z.string(),
    direction: z.enum(["incoming", "outgoing"]),
    subject: z.string(),
    sender: partySchema.optional(),
    toRecipients: z.array(partySchema),
    ccRecipients: z.array(partySchema),
    bccRecipients: z.array(partySchema),
    activityTime: z.string(),
    receivingMailbox: z.string(),
    regarding: recordRefOutputSchema.optional(),
    correlation: z.looseObject({ method: z.string(), correlatedActivityId: z.string().optional() }),
    decisionReason: z.string(),
    trackingToken: z.string().optional(),
    conversationId: z.string().optional().meta({ description: "The activity the conversation started with; absent: this one." }),
    regardingChanges: z.array(regardingChangeSchema).optional(),
  })
  .meta({ description: "A tracked email activity (src/domain/types.ts EmailActivity)." });

const idParams = z.strictObject({ id: z.string().min(1).max(200) });
const scopeSchema = z.enum(["activity", "conversation"]).default("activity").meta({ description: "conversation: every activity of its conversation." });
const reasonSchema = z.string().max(1000).optional();
const relinkResultSchema = z.object({ changed: z.array(activitySchema), unchanged: z.number().int() });

const listQuery = z
  .strictObject({
    ...pageQueryShape,
    mailbox: z.string().min(3).max(320).optional(),
    regardingType: z.enum(RECORD_TYPES).optional(),
    regardingId: z.string().min(1).max(200).optional(),
    conversationId: z.string().min(1).max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: "activityTime at or after (ISO 8601)." }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: "activityTime before (ISO 8601)." }),
  })
  .refine((q) => (q.regardingType === undefined) === (q.regardingId === undefined), { message: "give regardingType and regardingId together", path: ["regardingId"] })
  .refine((q) => [q.mailbox, q.regardingId, q.conversationId].filter((v) => v !== undefined).length <= 1, {
    message: "filter by one of mailbox, regarding record or conversationId (a time range combines with any)",
    path: ["mailbox"],
  });

const actor = (caller: Caller) => ({ oid: caller.oid, ...(caller.name ? { name: caller.name } : {}) });

/**
 * A caller let in as the mailbox's owner (no admin role) changes only that mailbox's activities,
 * even when the conversation spans other mailboxes.
 */
async function ownerScope(caller: Caller, activityId: string, services: Parameters<typeof mailboxOfActivity>[1]): Promise<{ onlyMailbox?: string }> {
  if (ADMINS.some((role) => caller.roles.includes(role))) return {};
  const mailbox = await mailboxOfActivity(activityId, services);
  return mailbox ? { onlyMailbox: mailbox } : {};
}

/** The mailbox an activity belongs to, for the owner check. */
async function mailboxOfActivity(id: string, services: { store: { activities: { getActivity(id: string): Promise<EmailActivity | undefined> } } }) {
  return (await services.store.activities.getActivity(id))?.receivingMailbox;
}

export const activityRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "listActivities",
    method: "GET",
    path: "/admin/activities",
    summary: "List activities by mailbox, regarding record, conversation or time range, newest first",
    description:
      "Each filter reads one index partition; a bare time range (Tracking.Read) is the one listing across partitions. A page may hold fewer than limit items; follow continuationToken until it is absent. A user without a role may list a mailbox they own.",
    access: { roles: READERS, mailboxOwner: true },
    query: listQuery,
    responses: { 200: { description: "A page of activities.", body: pageSchema(activitySchema) } },
    async mailboxOf({ query }) {
      return query.mailbox;
    },
    async handle({ query }, services) {
      const range = { ...(query.from ? { from: new Date(query.from).toISOString() } : {}), ...(query.to ? { to: new Date(query.to).toISOString() } : {}) };
      const filter: ActivityFilter = query.mailbox
        ? { mailbox: query.mailbox, ...range }
        : query.regardingType && query.regardingId
          ? { regarding: { type: query.regardingType, id: query.regardingId }, ...range }
          : query.conversationId
            ? { conversationId: query.conversationId, ...range }
            : range;
      const page = await orProblem(
        () => services.activities.listActivities(filter, { limit: query.limit, ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}) }),
        { tokenField: "query.continuationToken" },
      );
      return { status: 200, body: page };
    },
  }),
  defineRoute(TAG, {
    operationId: "getActivity",
    method: "GET",
    path: "/admin/activities/{id}",
    summary: "One activity with the explanation of its tracking decision",
    description: "explanation: the engine's decision trace and sentence stored with the activity (null for one tracked before they were stored); decisionReason and correlation are on the activity.",
    access: { roles: READERS, mailboxOwner: true },
    params: idParams,
    responses: {
      200: {
        description: "The activity.",
        body: z.object({
          activity: activitySchema,
          explanation: z
            .looseObject({ why: z.string().meta({ description: "One sentence: why it was tracked and linked as it was." }), trace: z.unknown().meta({ description: "Every rule the engine applied, in order." }) })
            .nullable(),
        }),
      },
    },
    mailboxOf: ({ params }, services) => mailboxOfActivity(params.id, services),
    async handle({ params }, services) {
      return { status: 200, body: await orProblem(() => services.activities.getActivity(params.id)) };
    },
  }),
  defineRoute(TAG, {
    operationId: "relinkActivity",
    method: "POST",
    path: "/admin/activities/{id}/relink",
    summary: "Set the regarding record of an activity, or of its whole conversation",
    description:
      "Recorded on each activity changed (regardingChanges: who, when, why, from, to). The correlation lookups are rewritten, so later replies inherit the new regarding. Activities already linked so are left alone (a repeated request changes nothing). A mailbox owner without Tracking.Admin changes only their mailbox's activities of the conversation.",
    access: { roles: ADMINS, mailboxOwner: true },
    params: idParams,
    body: z.strictObject({ regarding: recordRefSchema, scope: scopeSchema, reason: reasonSchema }),
    responses: { 200: { description: "The activities changed.", body: relinkResultSchema } },
    mailboxOf: ({ params }, services) => mailboxOfActivity(params.id, services),
    async handle({ params, body, caller }, services) {
      const scope = await ownerScope(caller, params.id, services);
      const result = await orProblem(() =>
        services.activities.relink({ activityId: params.id, regarding: body.regarding, scope: body.scope, ...(body.reason ? { reason: body.reason } : {}), by: actor(caller), ...scope }),
      );
      return { status: 200, body: result };
    },
  }),
  defineRoute(TAG, {
    operationId: "unlinkActivity",
    method: "POST",
    path: "/admin/activities/{id}/unlink",
    summary: "Remove the regarding record of an activity, or of its whole conversation",
    description: "Recorded as relink is; later replies then inherit no regarding.",
    access: { roles: ADMINS, mailboxOwner: true },
    params: idParams,
    body: z.strictObject({ scope: scopeSchema, reason: reasonSchema }),
    responses: { 200: { description: "The activities changed.", body: relinkResultSchema } },
    mailboxOf: ({ params }, services) => mailboxOfActivity(params.id, services),
    async handle({ params, body, caller }, services) {
      const scope = await ownerScope(caller, params.id, services);
      const result = await orProblem(() =>
        services.activities.relink({ activityId: params.id, scope: body?.scope ?? "activity", ...(body?.reason ? { reason: body.reason } : {}), by: actor(caller), ...scope }),
      );
      return { status: 200, body: result };
    },
  }),
  defineRoute(TAG, {
    operationId: "trackMessage",
    method: "POST",
    path: "/admin/activities/track/{address}",
    summary: "Track a given message of a mailbox, whatever its filter says",
    description:
      "As the Dynamics App for Outlook does: the message (by Graph id or Message-ID) is tracked with decision reason trackedByUser, bypassing the mailbox's incoming-email filter (not a disabled or unapproved mailbox). A message tracked before is reported as alreadyTracked; with a regarding that differs, it is re-linked.",
    access: { roles: ADMINS, mailboxOwner: true },
    params: z.strictObject({ address: z.string().min(3).max(320) }),
    body: z
      .strictObject({
        graphMessageId: z.string().min(1).max(1000).optional(),
        internetMessageId: z.string().min(3).max(1000).optional(),
        regarding: recordRefSchema.optional(),
      })
      .refine((b) => (b.graphMessageId === undefined) !== (b.internetMessageId === undefined), { message: "give exactly one of graphMessageId and internetMessageId", path: ["graphMessageId"] }),
    responses: {
      200: {
        description: "The decision.",
        body: z.object({ tracked: z.boolean(), reason: z.string(), created: z.boolean(), activityId: z.string().optional(), activity: activitySchema.optional(), warnings: z.array(z.string()) }),
      },
    },
    async mailboxOf({ params }) {
      return params.address;
    },
    async handle({ params, body, caller }, services) {
      const result = await orProblem(() =>
        services.activities.trackGivenMessage({
          mailbox: params.address,
          ...(body.graphMessageId ? { graphMessageId: body.graphMessageId } : {}),
          ...(body.internetMessageId ? { internetMessageId: body.internetMessageId } : {}),
          ...(body.regarding ? { regarding: body.regarding } : {}),
          by: actor(caller),
        }),
      );
      if (!result.tracked && result.reason === "mailboxNotConfigured") throw new ApiProblem(404, `mailbox ${params.address} is not configured`);
      const { tracked, reason, created, activityId, activity, warnings } = result;
      return { status: 200, body: { tracked, reason, created, ...(activityId ? { activityId } : {}), ...(activity ? { activity } : {}), warnings } };
    },
  }),
];
