// /admin/mailboxes: users' and queues' mailboxes. Create (with the organization's defaults), list
// by state, get (with Test & Enable's statuses), update personal options against If-Match, delete,
// approve / reject (Tracking.Approve), Test & Enable and disable. A mailbox's owner (without a
// role) may read it and change the personal options Dynamics lets a user set for themselves.
import { z } from "zod";
import type { MailboxOutcome, MailboxView } from "../../app/mailbox-admin.js";
import { MAILBOX_SETTINGS } from "../../domain/settings.js";
import { APPROVAL_STATUSES } from "../../domain/types.js";
import { ApiProblem } from "../problem.js";
import { defineRoute, type ApiResult, type ApiRoute } from "../route.js";
import { ADMINS, APPROVERS, READERS } from "../roles.js";
import { emailAddressParam, pageQueryShape, pageSchema, settingsObjectSchema } from "../schemas.js";
import type { ApiServices } from "../services.js";
import { etagHeader, ifMatchHeader, requireIfMatch } from "./etag.js";

const TAG = "Mailboxes";
const BASE = "/admin/mailboxes";

const testResultSchema = z.object({
  status: z.enum(["notRun", "success", "failure"]),
  at: z.string().optional(),
  reason: z.string().optional(),
});
const statusSchema = z.object({ incoming: testResultSchema, outgoing: testResultSchema }).meta({
  description: "Test & Enable's results (Dynamics' Incoming / Outgoing Email Status).",
});
const mailboxSettingsSchema = settingsObjectSchema(MAILBOX_SETTINGS, { partial: false });
const mailboxSchema = z.object({ ...mailboxSettingsSchema.shape, status: statusSchema }).meta({ description: "A mailbox: its settings and its test status." });
const createSchema = settingsObjectSchema(MAILBOX_SETTINGS, { partial: true, omit: ["enabled", "approvalStatus"] })
  .extend({ address: settingsObjectSchema(MAILBOX_SETTINGS, { partial: false }).shape.address })
  .meta({ description: "A new mailbox. Unset synchronization methods and filter come from the organization's defaults; it starts disabled and pending approval." });
const updateSchema = settingsObjectSchema(MAILBOX_SETTINGS, { partial: true, omit: ["enabled", "approvalStatus"] }).meta({
  description: "Personal options to change. A new address is a new mailbox: pending approval and disabled until tested again.",
});
/**
 * What Dynamics' Personal Options let users set for their own mailbox (the filter option and the
 * tracked folders with their regarding records); the synchronization methods, start date, owner,
 * approval and Test & Enable stay with administrators.
 */
const OWNER_PERSONAL_OPTIONS = ["incomingEmailFilter", "trackedFolders"] as const;
const personalOptionsSchema = updateSchema.pick(Object.fromEntries(OWNER_PERSONAL_OPTIONS.map((key) => [key, true])) as Record<(typeof OWNER_PERSONAL_OPTIONS)[number], true>).meta({
  description: "The personal options a mailbox's owner may change: the incoming email filter and the tracked folders with their regarding records.",
});
const params = z.strictObject({ address: emailAddressParam });
const ownMailbox = async ({ params: { address } }: { params: { address: string } }) => address;
const listQuery = z.strictObject({
  ...pageQueryShape,
  state: z.enum(["enabled", "disabled"]).optional().meta({ description: "Only enabled or only disabled mailboxes." }),
  approvalStatus: z.enum(APPROVAL_STATUSES).optional().meta({ description: "Only mailboxes with this approval status." }),
});
const testAndEnableSchema = z.object({ mailbox: mailboxSchema, enabled: z.boolean() });

function view(value: MailboxView) {
  return { ...value.mailbox, status: value.status };
}

function answer(outcome: MailboxOutcome<MailboxView>, address: string, status = 200): ApiResult {
  const value = unwrap(outcome, address);
  return { status, body: view(value), headers: { ETag: etagHeader(value.etag) } };
}

function unwrap<T>(outcome: MailboxOutcome<T>, address: string): T {
  if (outcome.ok) return outcome.value;
  switch (outcome.reason) {
    case "notFound":
      throw new ApiProblem(404, `no mailbox ${address}`, { errors: [{ field: "params.address", message: "no such mailbox" }] });
    case "exists":
      throw new ApiProblem(409, `a mailbox ${address} already exists`, { errors: [{ field: "address", message: "already exists" }] });
    case "versionMismatch":
      throw new ApiProblem(412, "the mailbox was changed by someone else since you read it: read it again and reapply your change", {
        errors: [{ field: "header.If-Match", message: "does not match the current version" }],
      });
    case "notApproved":
      throw new ApiProblem(409, outcome.detail, { errors: [{ field: "approvalStatus", message: "must be approved first" }] });
  }
}

/** A PATCH against If-Match; `*` applies the change to whatever is stored. */
async function update(services: ApiServices, address: string, changes: unknown, ifMatch: string): Promise<ApiResult> {
  const current = ifMatch === "*" ? await services.mailboxAdmin.get(address) : undefined;
  return answer(await services.mailboxAdmin.update(address, changes as never, { ifMatch: current?.etag ?? ifMatch }), address);
}

const mailboxResponse = { description: "The mailbox.", body: mailboxSchema, headers: { ETag: "The mailbox's version." } };

export const mailboxRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "createMailbox",
    method: "POST",
    path: BASE,
    summary: "Create a mailbox (user or queue) with the organization's defaults",
    access: { roles: ADMINS },
    body: createSchema,
    responses: { 201: mailboxResponse },
    async handle({ body }, services) {
      const outcome = await services.mailboxAdmin.create(body as never);
      const result = answer(outcome, String((body as { address: string }).address), 201);
      return { ...result, headers: { ...result.headers, Location: `/api${BASE}/${encodeURIComponent((result.body as { address: string }).address)}` } };
    },
  }),
  defineRoute(TAG, {
    operationId: "listMailboxes",
    method: "GET",
    path: BASE,
    summary: "List mailboxes, optionally by state or approval status",
    access: { roles: READERS },
    query: listQuery,
    responses: { 200: { description: "A page of mailboxes (settings only; get one for its test status).", body: pageSchema(mailboxSettingsSchema) } },
    async handle({ query }, services) {
      const page = await services.mailboxAdmin.list({
        limit: query.limit,
        ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
        ...(query.state ? { enabled: query.state === "enabled" } : {}),
        ...(query.approvalStatus ? { approvalStatus: query.approvalStatus } : {}),
      });
      return { status: 200, body: page };
    },
  }),
  defineRoute(TAG, {
    operationId: "getMailbox",
    method: "GET",
    path: `${BASE}/{address}`,
    summary: "Get a mailbox with its Test & Enable status",
    description: "Readers may get any mailbox; the mailbox's owner (without a role) their own.",
    access: { roles: READERS, mailboxOwner: true },
    params,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." } },
    mailboxOf: ownMailbox,
    async handle({ params: { address } }, services) {
      const found = await services.mailboxAdmin.get(address);
      return answer(found ? { ok: true, value: found } : { ok: false, reason: "notFound" }, address);
    },
  }),
  defineRoute(TAG, {
    operationId: "updateMailbox",
    method: "PATCH",
    path: `${BASE}/{address}`,
    summary: "Change a mailbox's personal options",
    description: "Synchronization methods, filter option, up to 25 tracked folders with their regarding records, start date, owner. Send If-Match with the ETag you read.",
    access: { roles: ADMINS },
    params,
    body: updateSchema,
    requestHeaders: ifMatchHeader,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." }, 409: { description: "The new address belongs to another mailbox." } },
    async handle({ params: { address }, body, header }, services) {
      return update(services, address, body, requireIfMatch(header("if-match")));
    },
  }),
  defineRoute(TAG, {
    operationId: "updateMailboxPersonalOptions",
    method: "PATCH",
    path: `${BASE}/{address}/personal-options`,
    summary: "Change the personal options a mailbox's owner may set: the filter and the tracked folders",
    description:
      "For the mailbox's owner (without a role) as in Dynamics' Personal Options, and for admins: the incoming email filter and up to 25 tracked folders with their regarding records. Send If-Match with the ETag you read.",
    access: { roles: ADMINS, mailboxOwner: true },
    params,
    body: personalOptionsSchema,
    requestHeaders: ifMatchHeader,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." } },
    mailboxOf: ownMailbox,
    async handle({ params: { address }, body, header }, services) {
      return update(services, address, body, requireIfMatch(header("if-match")));
    },
  }),
  defineRoute(TAG, {
    operationId: "deleteMailbox",
    method: "DELETE",
    path: `${BASE}/{address}`,
    summary: "Delete a mailbox (its subscriptions first)",
    access: { roles: ADMINS },
    params,
    responses: { 204: { description: "Deleted." }, 404: { description: "No such mailbox." } },
    async handle({ params: { address } }, services) {
      unwrap(await services.mailboxAdmin.remove(address), address);
      return { status: 204 };
    },
  }),
  defineRoute(TAG, {
    operationId: "approveMailbox",
    method: "POST",
    path: `${BASE}/{address}/approve`,
    summary: "Approve the mailbox's email address",
    access: { roles: APPROVERS },
    params,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." } },
    async handle({ params: { address } }, services) {
      return answer(await services.mailboxAdmin.decideApproval(address, "approved"), address);
    },
  }),
  defineRoute(TAG, {
    operationId: "rejectMailbox",
    method: "POST",
    path: `${BASE}/{address}/reject`,
    summary: "Reject the mailbox's email address",
    access: { roles: APPROVERS },
    params,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." } },
    async handle({ params: { address } }, services) {
      return answer(await services.mailboxAdmin.decideApproval(address, "rejected"), address);
    },
  }),
  defineRoute(TAG, {
    operationId: "testAndEnableMailbox",
    method: "POST",
    path: `${BASE}/{address}/test-and-enable`,
    summary: "Test Graph access to Inbox and Sent Items (reading only), record the result, then enable",
    description:
      "Records the incoming and outgoing status (notRun / success / failure, with time and reason). On success the mailbox is enabled, subscribed and a first catch-up is queued; on failure it is left disabled. While approval is required, an unapproved mailbox is refused (409) with the reason.",
    access: { roles: ADMINS },
    params,
    responses: {
      200: { description: "The test ran; `enabled` says whether it passed.", body: testAndEnableSchema },
      404: { description: "No such mailbox." },
      409: { description: "The mailbox's address is not approved while approval is required." },
    },
    async handle({ params: { address } }, services) {
      const result = unwrap(await services.mailboxAdmin.testAndEnable(address), address);
      return { status: 200, body: { mailbox: view(result.view), enabled: result.enabled }, headers: { ETag: etagHeader(result.view.etag) } };
    },
  }),
  defineRoute(TAG, {
    operationId: "disableMailbox",
    method: "POST",
    path: `${BASE}/{address}/disable`,
    summary: "Disable the mailbox (its subscriptions are removed)",
    access: { roles: ADMINS },
    params,
    responses: { 200: mailboxResponse, 404: { description: "No such mailbox." } },
    async handle({ params: { address } }, services) {
      return answer(await services.mailboxAdmin.disable(address), address);
    },
  }),
];
