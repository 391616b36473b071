// Mailbox health, alerts, the item-level log and Resync. Per mailbox below /admin/mailboxes/{address}
// (served by the mailboxes function; owners may read their own mailbox's), and organization-wide
// below /admin/health, /admin/alerts and /admin/item-log (one function each).
import { z } from "zod";
import type { AlertFilter } from "../../domain/alerts.js";
import type { Caller } from "../auth.js";
import { ApiProblem } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { ADMINS, READERS } from "../roles.js";
import { emailAddressParam, pageQueryShape, pageSchema } from "../schemas.js";
import type { ApiServices } from "../services.js";
import { orProblem } from "./admin-errors.js";
import {
  alertSchema,
  deletedSchema,
  itemLogEntrySchema,
  levelQuery,
  mailboxHealthSchema,
  organizationHealthSchema,
  outcomeQuery,
  resyncSchema,
  timeQuery,
} from "./health-schemas.js";

const TAG = "Health";
const MAILBOX = "/admin/mailboxes/{address}";
const params = z.strictObject({ address: emailAddressParam });
const mailboxQuery = { mailbox: z.string().min(3).max(320).optional().meta({ description: "Only this mailbox." }) };
const alertListQuery = z.strictObject({ ...pageQueryShape, ...levelQuery, ...timeQuery });
const alertDeleteQuery = z.strictObject({ ...levelQuery, ...timeQuery });
const itemLogQuery = z.strictObject({ ...pageQueryShape, ...outcomeQuery, ...timeQuery });
const TOKEN_FIELD = "query.continuationToken";

const isReader = (caller: Caller) => READERS.some((role) => caller.roles.includes(role));

function times(query: { since?: string | undefined; until?: string | undefined }) {
  return {
    ...(query.since ? { since: new Date(query.since).toISOString() } : {}),
    ...(query.until ? { until: new Date(query.until).toISOString() } : {}),
  };
}

function page(query: { limit: number; continuationToken?: string | undefined }) {
  return { limit: query.limit, ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}) };
}

function resyncResult(outcome: Awaited<ReturnType<ApiServices["healthAdmin"]["resync"]>>, field: string) {
  if (!outcome.ok) throw new ApiProblem(outcome.status, outcome.detail, { errors: [{ field, message: outcome.detail }] });
  return { status: 202, body: { mailboxes: outcome.mailboxes, folders: outcome.folders } };
}

/** Below /admin/mailboxes/{address}: registered with the mailboxes function. */
export const mailboxHealthRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "getMailboxHealth",
    method: "GET",
    path: `${MAILBOX}/health`,
    summary: "A mailbox's health: state, statuses, failures, subscriptions, per-folder coverage, counts, resync",
    access: { roles: READERS, mailboxOwner: true },
    params,
    responses: { 200: { description: "The mailbox's health.", body: mailboxHealthSchema }, 404: { description: "No such mailbox." } },
    mailboxOf: async ({ params: { address } }) => address,
    async handle({ params: { address } }, services) {
      const health = await services.healthAdmin.mailboxHealth(address);
      if (!health) throw new ApiProblem(404, `no mailbox ${address}`, { errors: [{ field: "params.address", message: "no such mailbox" }] });
      return { status: 200, body: health };
    },
  }),
  defineRoute(TAG, {
    operationId: "listMailboxAlerts",
    method: "GET",
    path: `${MAILBOX}/alerts`,
    summary: "A mailbox's alerts, newest first, by level and time",
    description: "Readers see every alert; the mailbox's owner (without a role) sees the alerts flagged for them (notifyMailboxOwnerOfAlerts).",
    access: { roles: READERS, mailboxOwner: true },
    params,
    query: alertListQuery,
    responses: { 200: { description: "A page of alerts.", body: pageSchema(alertSchema) } },
    mailboxOf: async ({ params: { address } }) => address,
    async handle({ params: { address }, query, caller }, services) {
      const filter: AlertFilter = { mailbox: address, ...(query.level ? { levels: [query.level] } : {}), ...times(query), ...(isReader(caller) ? {} : { ownerNotifiedOnly: true }) };
      return { status: 200, body: await orProblem(() => services.alerts.list(filter, page(query)), { tokenField: TOKEN_FIELD }) };
    },
  }),
  defineRoute(TAG, {
    operationId: "deleteMailboxAlerts",
    method: "DELETE",
    path: `${MAILBOX}/alerts`,
    summary: "Delete a mailbox's alerts (all, or by level and time)",
    access: { roles: ADMINS },
    params,
    query: alertDeleteQuery,
    responses: { 200: { description: "How many were deleted.", body: deletedSchema } },
    async handle({ params: { address }, query }, services) {
      const deleted = await services.alerts.delete({ mailbox: address, ...(query.level ? { levels: [query.level] } : {}), ...times(query) });
      return { status: 200, body: { deleted } };
    },
  }),
  defineRoute(TAG, {
    operationId: "listMailboxItemLog",
    method: "GET",
    path: `${MAILBOX}/item-log`,
    summary: "A mailbox's item-level log: each processed item and its decision (kept itemLogRetentionInDays)",
    description: "Subjects are shown to the mailbox's owner; for anyone else they are \"***\".",
    access: { roles: READERS, mailboxOwner: true },
    params,
    query: itemLogQuery,
    responses: { 200: { description: "A page of entries, newest first.", body: pageSchema(itemLogEntrySchema) } },
    mailboxOf: async ({ params: { address } }) => address,
    async handle({ params: { address }, query, caller }, services) {
      const filter = { mailbox: address, ...(query.outcome ? { outcome: query.outcome } : {}), ...times(query) };
      return { status: 200, body: await orProblem(() => services.healthAdmin.itemLog(filter, page(query), { objectId: caller.oid }), { tokenField: TOKEN_FIELD }) };
    },
  }),
  defineRoute(TAG, {
    operationId: "resyncMailbox",
    method: "POST",
    path: `${MAILBOX}/resync`,
    summary: "Queue a catch-up of every watched folder of the mailbox; progress and result appear in its health",
    access: { roles: ADMINS },
    params,
    responses: {
      202: { description: "Queued.", body: resyncSchema },
      404: { description: "No such mailbox." },
      409: { description: "The mailbox is not enabled for server-side synchronization." },
    },
    async handle({ params: { address } }, services) {
      return resyncResult(await services.healthAdmin.resync(address), "params.address");
    },
  }),
];

/** /admin/health: the organization overview and Resync of every mailbox. */
export const organizationHealthRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "getOrganizationHealth",
    method: "GET",
    path: "/admin/health",
    summary: "Every mailbox's state, counts by state, and the oldest covered-up-to",
    access: { roles: READERS },
    responses: { 200: { description: "The overview.", body: organizationHealthSchema } },
    async handle(_input, services) {
      return { status: 200, body: await services.healthAdmin.overview() };
    },
  }),
  defineRoute(TAG, {
    operationId: "resyncAllMailboxes",
    method: "POST",
    path: "/admin/health/resync",
    summary: "Queue a catch-up of every watched folder of every enabled mailbox",
    access: { roles: ADMINS },
    responses: { 202: { description: "Queued.", body: resyncSchema } },
    async handle(_input, services) {
      return resyncResult(await services.healthAdmin.resync(), "mailbox");
    },
  }),
];

/** /admin/alerts: every mailbox's alerts. */
export const alertRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "listAlerts",
    method: "GET",
    path: "/admin/alerts",
    summary: "Alerts of every mailbox (or one), newest first, by level and time",
    access: { roles: READERS },
    query: alertListQuery.extend(mailboxQuery),
    responses: { 200: { description: "A page of alerts.", body: pageSchema(alertSchema) } },
    async handle({ query }, services) {
      const filter: AlertFilter = { ...(query.mailbox ? { mailbox: query.mailbox } : {}), ...(query.level ? { levels: [query.level] } : {}), ...times(query) };
      return { status: 200, body: await orProblem(() => services.alerts.list(filter, page(query)), { tokenField: TOKEN_FIELD }) };
    },
  }),
  defineRoute(TAG, {
    operationId: "deleteAlerts",
    method: "DELETE",
    path: "/admin/alerts",
    summary: "Delete alerts (all, or by mailbox, level and time)",
    access: { roles: ADMINS },
    query: alertDeleteQuery.extend(mailboxQuery),
    responses: { 200: { description: "How many were deleted.", body: deletedSchema } },
    async handle({ query }, services) {
      const deleted = await services.alerts.delete({ ...(query.mailbox ? { mailbox: query.mailbox } : {}), ...(query.level ? { levels: [query.level] } : {}), ...times(query) });
      return { status: 200, body: { deleted } };
    },
  }),
];

/** /admin/item-log: every mailbox's item-level log, other users' subjects redacted. */
export const itemLogRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "listItemLog",
    method: "GET",
    path: "/admin/item-log",
    summary: "The item-level log of every mailbox (or one), newest first; subjects of mailboxes the caller does not own are \"***\"",
    access: { roles: READERS },
    query: itemLogQuery.extend(mailboxQuery),
    responses: { 200: { description: "A page of entries.", body: pageSchema(itemLogEntrySchema) } },
    async handle({ query, caller }, services) {
      const filter = { ...(query.mailbox ? { mailbox: query.mailbox } : {}), ...(query.outcome ? { outcome: query.outcome } : {}), ...times(query) };
      return { status: 200, body: await orProblem(() => services.healthAdmin.itemLog(filter, page(query), { objectId: caller.oid }), { tokenField: TOKEN_FIELD }) };
    },
  }),
];

