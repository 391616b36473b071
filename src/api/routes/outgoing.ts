// /admin/outgoing: email the app sends from a mailbox whose outgoing method is server-side sync.
// Created as Pending Send (or Draft), sent from the queue with retries, tracked once sent. The
// Idempotency-Key header makes a retried request return the same email instead of a second one.
import { z } from "zod";
import type { OutgoingEmail } from "../../app/ports.js";
import { listSenders } from "../../app/senders.js";
import { emailAddressSchema, recordRefSchema } from "../../app/records.js";
import { normalizeAddress } from "../../domain/address.js";
import type { Caller } from "../auth.js";
import { ApiProblem, invalid } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { ADMINS, READERS } from "../roles.js";
import { orProblem } from "./admin-errors.js";
import { recordRefOutputSchema } from "./records.js";

const TAG = "Outgoing email";

const recipientSchema = z.union([z.strictObject({ address: emailAddressSchema }), z.strictObject({ record: recordRefSchema })]).meta({
  description: "An address, or a record whose first email address is used.",
});
const recipientsSchema = z.array(recipientSchema).max(500).optional();

const createSchema = z.strictObject({
  to: recipientsSchema,
  cc: recipientsSchema,
  bcc: recipientsSchema,
  subject: z.string().max(1000).meta({ description: "The tracking token is appended; the result is cut to 255 characters." }),
  body: z.strictObject({ contentType: z.enum(["text", "html"]), content: z.string().max(1_000_000) }),
  regarding: recordRefSchema.optional(),
  inReplyTo: z.string().min(3).max(1000).optional().meta({ description: "The Message-ID this email answers." }),
  send: z.boolean().default(true).meta({ description: "false: keep it as a Draft; POST …/send later." }),
});

const outgoingSchema = z
  .object({
    id: z.string(),
    mailbox: z.string(),
    status: z.enum(["draft", "pendingSend", "sending", "sent", "failed"]).meta({ description: "Dynamics' status reasons Draft, Pending Send, Sending, Sent, Failed." }),
    deliveryAttempts: z.number().int(),
    to: z.array(z.object({ address: z.string(), record: recordRefOutputSchema.optional() })),
    cc: z.array(z.object({ address: z.string(), record: recordRefOutputSchema.optional() })),
    bcc: z.array(z.object({ address: z.string(), record: recordRefOutputSchema.optional() })),
    subject: z.string(),
    trackingToken: z.string().optional(),
    body: z.object({ contentType: z.enum(["text", "html"]), content: z.string() }),
    regarding: recordRefOutputSchema.optional(),
    inReplyTo: z.string().optional(),
    internetMessageId: z.string(),
    conversationIndex: z.string().optional(),
    activityId: z.string().optional().meta({ description: "The tracked activity, once sent." }),
    sentOn: z.string().optional(),
    nextAttemptAt: z.string().optional(),
    lastError: z.object({ at: z.string(), code: z.string(), message: z.string() }).optional(),
    createdBy: z.object({ oid: z.string(), name: z.string().optional() }),
    createdOn: z.string(),
    modifiedOn: z.string(),
  })
  .meta({ description: "An email the app sends." });

const addressParams = z.strictObject({ address: z.string().min(3).max(320) });
const emailParams = z.strictObject({ address: z.string().min(3).max(320), id: z.string().min(1).max(200) });
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** What the API shows: the request hash behind the Idempotency-Key stays inside. */
function view(email: OutgoingEmail) {
  const { idempotency: _i, sendingSince: _s, sendingAttempt: _a, draftId: _d, ...shown } = email;
  return shown;
}

const actor = (caller: Caller) => ({ oid: caller.oid, ...(caller.name ? { name: caller.name } : {}) });

const senderSchema = z.object({
  address: z.string(),
  kind: z.enum(["user", "queue"]),
  maySend: z.boolean(),
  reason: z.string().optional().meta({ description: "Why it may not send (e.g. disabled, not approved, outgoing method not Server-Side Synchronization)." }),
});

export const outgoingRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "listSenders",
    method: "GET",
    path: "/admin/outgoing/senders",
    summary: "The mailboxes email may be sent from, and why the others may not",
    description: "Every configured mailbox, those that may send first, by the rule POST /admin/outgoing/{address} applies (enabled, approved where approval applies, outgoing method Server-Side Synchronization).",
    access: { roles: ADMINS },
    responses: { 200: { description: "The mailboxes.", body: z.object({ items: z.array(senderSchema) }) } },
    async handle(_input, services) {
      return { status: 200, body: { items: await listSenders(services.store.settings) } };
    },
  }),
  defineRoute(TAG, {
    operationId: "createOutgoingEmail",
    method: "POST",
    path: "/admin/outgoing/{address}",
    summary: "Send a tracked email from a mailbox (queued), or save it as a Draft",
    description:
      "The mailbox must be enabled with outgoing method Server-Side Synchronization (409 with the reason otherwise). A unique tracking token is appended to the subject. The email is sent from the queue: transient failures are retried with backoff (30 s, doubling, 5 attempts), then it is Failed. Poll GET for the status. With Idempotency-Key, a repeat of the same request returns the same email (200); the same key with a different request is a 409.",
    access: { roles: ADMINS, mailboxOwner: true },
    params: addressParams,
    body: createSchema,
    requestHeaders: { "Idempotency-Key": { description: "Any 1–200 visible ASCII characters, unique per intended email (per caller and mailbox).", required: false } },
    responses: {
      201: { description: "Created: Pending Send (queued) or Draft.", body: outgoingSchema },
      200: { description: "The email an earlier request with this Idempotency-Key created.", body: outgoingSchema },
    },
    async mailboxOf({ params }) {
      return params.address;
    },
    async handle({ params, body, caller, header }, services) {
      const key = header("idempotency-key");
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw invalid("header.Idempotency-Key", "must be 1 to 200 visible ASCII characters");
      const { created, email } = await orProblem(() =>
        services.outgoing.createOutgoing({
          mailbox: params.address,
          to: body.to ?? [],
          ...(body.cc ? { cc: body.cc } : {}),
          ...(body.bcc ? { bcc: body.bcc } : {}),
          subject: body.subject,
          body: body.body,
          ...(body.regarding ? { regarding: body.regarding } : {}),
          ...(body.inReplyTo ? { inReplyTo: body.inReplyTo } : {}),
          send: body.send,
          ...(key !== undefined ? { idempotencyKey: key } : {}),
          by: actor(caller),
        }),
      );
      return { status: created ? 201 : 200, body: view(email) };
    },
  }),
  defineRoute(TAG, {
    operationId: "getOutgoingEmail",
    method: "GET",
    path: "/admin/outgoing/{address}/{id}",
    summary: "An outgoing email's status, attempts and, once sent, its activity",
    access: { roles: READERS, mailboxOwner: true },
    params: emailParams,
    responses: { 200: { description: "The email.", body: outgoingSchema } },
    async mailboxOf({ params }) {
      return params.address;
    },
    async handle({ params }, services) {
      const email = await orProblem(() => services.outgoing.getOutgoing(params.id));
      if (email.mailbox !== normalizeAddress(params.address)) throw new ApiProblem(404, `no outgoing email ${params.id} from ${params.address}`);
      return { status: 200, body: view(email) };
    },
  }),
  defineRoute(TAG, {
    operationId: "sendOutgoingEmail",
    method: "POST",
    path: "/admin/outgoing/{address}/{id}/send",
    summary: "Send a Draft, or try a Failed email again",
    description: "Moves it to Pending Send and queues it; repeating while it waits changes nothing. 409 when it is already Sending or Sent.",
    access: { roles: ADMINS, mailboxOwner: true },
    params: emailParams,
    responses: { 202: { description: "Queued.", body: outgoingSchema } },
    async mailboxOf({ params }) {
      return params.address;
    },
    async handle({ params }, services) {
      const email = await orProblem(() => services.outgoing.getOutgoing(params.id));
      if (email.mailbox !== normalizeAddress(params.address)) throw new ApiProblem(404, `no outgoing email ${params.id} from ${params.address}`);
      return { status: 202, body: view(await orProblem(() => services.outgoing.sendOutgoing(params.id))) };
    },
  }),
];
