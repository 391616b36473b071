// Email the app sends: created (Draft or Pending Send), sent from the queue (Sending, then Sent or
// Failed), and tracked at once as an outgoing activity. The subject carries a tracking token so a
// reply finds its way back even when every header is lost.
//
// Never sent twice: the app picks the Message-ID before the draft exists. Each attempt first asks
// Graph for a message with that Message-ID: one that is no longer a draft was sent (a crash came
// between the send and the status write), a draft is sent as it is, and only when there is none is
// a draft created. Only one worker at a time holds an email in Sending (If-Match on its document).
import { createHash, randomUUID } from "node:crypto";
import { normalizeAddress } from "../domain/address.js";
import { EXTENDED_PROPERTY_IDS } from "../domain/message.js";
import { MAX_DELIVERY_ATTEMPTS, deliveryBackoffInSeconds, mayMailboxSend, outgoingInternetMessageId } from "../domain/sending.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import { appendTrackingToken, formatTrackingToken } from "../domain/tracking-token.js";
import type { GraphMessage, OrganizationSettings, RecordRef } from "../domain/types.js";
import type { Actor } from "./activities.js";
import { AdminError } from "./admin-errors.js";
import { GraphFailure } from "./errors.js";
import type { MailGateway, OutgoingEmail, OutgoingRecipient, QueueItem, TrackingStore, WorkQueue } from "./ports.js";
import type { TrackResult, Tracker } from "./track-message.js";

export type RecipientInput = { address: string } | { record: RecordRef };

export interface CreateOutgoingInput {
  mailbox: string;
  to: RecipientInput[];
  cc?: RecipientInput[];
  bcc?: RecipientInput[];
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  regarding?: RecordRef;
  /** The Message-ID being answered, when this is a reply. */
  inReplyTo?: string;
  /** false: keep it as a Draft; default: Pending Send, queued for sending. */
  send?: boolean;
  /** The same key (per caller and mailbox) and request return the same email; another request is a conflict. */
  idempotencyKey?: string;
  by: Actor;
}

export interface SendTrackedEmailInput {
  mailbox: string;
  to: string[];
  cc?: string[];
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  regarding?: RecordRef;
  inReplyTo?: string;
  by?: Actor;
}

export interface SendTrackedEmailResult {
  /** Normalised (no angle brackets). */
  internetMessageId: string;
  subject: string;
  trackingToken?: string;
  tracking: TrackResult;
  warnings: string[];
}

/** A repeated create re-queues an email still waiting only after this long. */
const REQUEUE_AFTER_MS = 60_000;

/** Who sends when no person asked (the local scenario). */
export const SYSTEM_ACTOR: Actor = { oid: "00000000-0000-0000-0000-000000000000", name: "email-activity-tracker" };

export interface OutgoingEmailOptions {
  store: TrackingStore;
  gateway: MailGateway;
  tracker: Tracker;
  queue: WorkQueue;
  clock?: () => Date;
  /** First retry delay after a transient failure (doubled each attempt). Default 30 s. */
  retryBaseInSeconds?: number;
  /** An attempt older than this is taken to have died and may be taken over. Default 2 minutes. */
  sendingLeaseInMs?: number;
}

export function createOutgoingEmail(deps: OutgoingEmailOptions) {
  const clock = deps.clock ?? (() => new Date());
  const retryBase = deps.retryBaseInSeconds ?? 30;
  const lease = deps.sendingLeaseInMs ?? 120_000;
  const { store } = deps;
  const organizationSettings = async (): Promise<OrganizationSettings> => (await store.settings.getOrganization()) ?? defaultOrganizationSettings();

  async function allocateToken(mailbox: string, organization: OrganizationSettings): Promise<string | undefined> {
    if (!organization.useTrackingTokens) return undefined;
    // The user number belongs to the sending user (or queue), so each sender has its own counter;
    // the counter is one atomic increment, so concurrent sends never share a token.
    const entries = await store.records.findByAddress(mailbox);
    const owner = entries.find((e) => e.active && (e.type === "systemuser" || e.type === "queue"));
    const userNumber = await store.counters.getUserNumber(owner ? `${owner.type}:${owner.id}` : `mailbox:${mailbox}`);
    const counter = await store.counters.nextCounter(userNumber);
    try {
      return formatTrackingToken({
        prefix: organization.trackingTokenPrefix,
        baseNumber: organization.trackingTokenBaseNumber,
        userNumber,
        counter,
        userDigits: organization.trackingTokenUserDigits,
        counterDigits: organization.trackingTokenCounterDigits,
      });
    } catch (error) {
      throw new AdminError("refused", `no tracking token: ${error instanceof Error ? error.message : String(error)}; raise trackingTokenUserDigits`, { field: "mailbox" });
    }
  }

  async function resolveRecipients(list: RecipientInput[] | undefined, field: string): Promise<OutgoingRecipient[]> {
    return Promise.all(
      (list ?? []).map(async (recipient, index) => {
        if ("address" in recipient) return { address: normalizeAddress(recipient.address) };
        const record = await store.records.getRecord(recipient.record);
        if (!record) throw new AdminError("invalid", `no ${recipient.record.type} ${recipient.record.id}`, { field: `${field}[${index}].record` });
        if (record.active === false) throw new AdminError("invalid", `${recipient.record.type} ${recipient.record.id} is inactive`, { field: `${field}[${index}].record` });
        const address = record.emailAddresses.map(normalizeAddress).find((candidate) => candidate !== "");
        if (!address) throw new AdminError("invalid", `${recipient.record.type} ${recipient.record.id} has no email address`, { field: `${field}[${index}].record` });
        return { address, record: { type: record.type, id: record.id } };
      }),
    );
  }

  async function enqueueSend(email: OutgoingEmail, options: { delayInSeconds?: number } = {}): Promise<void> {
    const item: QueueItem = { kind: "send", mailbox: email.mailbox, outgoingId: email.id, requestedAt: clock().toISOString() };
    await deps.queue.enqueue([item], options.delayInSeconds ? { delayInSeconds: options.delayInSeconds } : undefined);
  }

  async function requireSendingMailbox(mailbox: string): Promise<OrganizationSettings> {
    const [settings, organization] = await Promise.all([store.settings.getMailbox(mailbox), organizationSettings()]);
    const permission = mayMailboxSend(settings, organization);
    if (!permission.ok) throw new AdminError("refused", `mailbox ${mailbox} may not send email: ${permission.reason}`, { field: "mailbox" });
    return organization;
  }

  /** Creates the email (Draft or Pending Send, then queued). `created: false`: the Idempotency-Key's earlier email. */
  async function createOutgoing(input: CreateOutgoingInput): Promise<{ created: boolean; email: OutgoingEmail }> {
    const mailbox = normalizeAddress(input.mailbox);
    const requestHash = hashRequest({ ...input, mailbox, by: undefined, idempotencyKey: undefined });
    const id = input.idempotencyKey
      ? createHash("sha256").update(`${input.by.oid}\u0000${mailbox}\u0000${input.idempotencyKey}`).digest("hex").slice(0, 40)
      : randomUUID();
    if (input.idempotencyKey) {
      const earlier = await store.outgoing.getOutgoing(id);
      if (earlier) return repeat(earlier, requestHash);
    }
    const organization = await requireSendingMailbox(mailbox);
    const [to, cc, bcc] = await Promise.all([resolveRecipients(input.to, "to"), resolveRecipients(input.cc, "cc"), resolveRecipients(input.bcc, "bcc")]);
    if (to.length + cc.length + bcc.length === 0) throw new AdminError("invalid", "at least one recipient (to, cc or bcc) is required", { field: "to" });
    const token = await allocateToken(mailbox, organization);
    const now = clock().toISOString();
    const email: OutgoingEmail = {
      id,
      mailbox,
      status: input.send === false ? "draft" : "pendingSend",
      deliveryAttempts: 0,
      to,
      cc,
      bcc,
      subject: token ? appendTrackingToken(input.subject, token) : input.subject,
      ...(token ? { trackingToken: token } : {}),
      body: input.body,
      ...(input.regarding ? { regarding: input.regarding } : {}),
      ...(input.inReplyTo ? { inReplyTo: input.inReplyTo.trim().replace(/^<|>$/g, "") } : {}),
      internetMessageId: outgoingInternetMessageId({ outgoingId: id, mailbox }),
      createdBy: { oid: input.by.oid, ...(input.by.name ? { name: input.by.name } : {}) },
      createdOn: now,
      modifiedOn: now,
      ...(input.idempotencyKey ? { idempotency: { key: input.idempotencyKey, requestHash } } : {}),
    };
    const result = await store.outgoing.createOutgoing(email);
    if (!result.created) return repeat(result.email, requestHash);
    if (email.status === "pendingSend") await enqueueSend(email);
    return result;
  }

  /** The same request again: the same email (queued again if it is still waiting, in case the first enqueue was lost). */
  async function repeat(earlier: OutgoingEmail, requestHash: string): Promise<{ created: boolean; email: OutgoingEmail }> {
    if (earlier.idempotency?.requestHash !== requestHash) {
      throw new AdminError("conflict", "this Idempotency-Key was used for a different request", { field: "Idempotency-Key" });
    }
    // Queued a while ago and still waiting: the first enqueue may have been lost (a crash right
    // after the create), so queue it again. A quick repeat leaves the first item to do the work.
    if (earlier.status === "pendingSend" && clock().getTime() - Date.parse(earlier.modifiedOn) >= REQUEUE_AFTER_MS) await enqueueSend(earlier);
    return { created: false, email: earlier };
  }

  /** Draft → Pending Send, or Failed → Pending Send (a new round of attempts). Idempotent while queued. */
  async function sendOutgoing(id: string): Promise<OutgoingEmail> {
    const email = await getOutgoing(id);
    await requireSendingMailbox(email.mailbox);
    const now = clock().toISOString();
    const updated = await store.outgoing.updateOutgoing(id, (current) => {
      if (current.status !== "draft" && current.status !== "failed") return undefined;
      const { lastError: _e, nextAttemptAt: _n, ...rest } = current;
      return { ...rest, status: "pendingSend", deliveryAttempts: 0, modifiedOn: now };
    });
    if (!updated) throw new AdminError("notFound", `no outgoing email ${id}`, { field: "id" });
    if (updated.status === "sent" || updated.status === "sending") throw new AdminError("refused", `the email is already ${updated.status}`, { field: "id" });
    await enqueueSend(updated);
    return updated;
  }

  async function getOutgoing(id: string): Promise<OutgoingEmail> {
    const email = await store.outgoing.getOutgoing(id);
    if (!email) throw new AdminError("notFound", `no outgoing email ${id}`, { field: "id" });
    return email;
  }

  const setStatus = (id: string, change: (current: OutgoingEmail) => OutgoingEmail | undefined) => store.outgoing.updateOutgoing(id, change);

  /** One queue item of kind "send". Returns the status it left the email in (and the tracking, once sent). */
  async function processSend(item: Extract<QueueItem, { kind: "send" }>): Promise<{ status: string; tracking?: TrackResult }> {
    const email = await store.outgoing.getOutgoing(item.outgoingId);
    if (!email) return { status: "missing" };
    const now = clock();
    if (email.status === "sending" && email.sendingSince && now.getTime() - Date.parse(email.sendingSince) < lease) {
      // Another worker is at it; look again when its lease runs out, in case it died.
      const remaining = lease - (now.getTime() - Date.parse(email.sendingSince));
      await enqueueSend(email, { delayInSeconds: Math.ceil(remaining / 1000) + 1 });
      return { status: "sending" };
    }
    if (email.status !== "pendingSend" && email.status !== "sending") return { status: email.status };
    if (email.nextAttemptAt && Date.parse(email.nextAttemptAt) - now.getTime() > 1_000) return { status: email.status }; // an early duplicate

    const [settings, organization] = await Promise.all([store.settings.getMailbox(email.mailbox), organizationSettings()]);
    const permission = mayMailboxSend(settings, organization);
    if (!permission.ok) return fail(email.id, "mailboxMayNotSend", permission.reason);

    const since = now.toISOString();
    const attempt = randomUUID();
    const claimed = await setStatus(email.id, (current) =>
      current.status === "pendingSend" || (current.status === "sending" && (!current.sendingSince || now.getTime() - Date.parse(current.sendingSince) >= lease))
        ? { ...current, status: "sending", sendingSince: since, sendingAttempt: attempt, deliveryAttempts: current.deliveryAttempts + 1, modifiedOn: since }
        : undefined,
    );
    if (!claimed || claimed.status !== "sending" || claimed.sendingAttempt !== attempt) return { status: claimed?.status ?? "missing" };

    try {
      const found = await deps.gateway.findMessagesByInternetMessageId(claimed.mailbox, claimed.internetMessageId);
      const alreadySent = found.find((message) => !message.isDraft);
      if (alreadySent) return await finish(claimed, { id: alreadySent.id, conversationIndex: alreadySent.conversationIndex ?? claimed.conversationIndex });
      let draft = found.find((message) => message.isDraft);
      if (!draft) {
        const created = await deps.gateway.createDraft(claimed.mailbox, {
          subject: claimed.subject,
          body: claimed.body,
          toRecipients: claimed.to.map((r) => r.address),
          ccRecipients: claimed.cc.map((r) => r.address),
          bccRecipients: claimed.bcc.map((r) => r.address),
          internetMessageId: claimed.internetMessageId,
          ...(claimed.inReplyTo ? { inReplyTo: `<${claimed.inReplyTo}>` } : {}),
        });
        draft = { id: created.id, isDraft: true, ...(created.conversationIndex ? { conversationIndex: created.conversationIndex } : {}) };
        const draftId = created.id;
        await setStatus(claimed.id, (current) => ({ ...current, draftId, ...(created.conversationIndex ? { conversationIndex: created.conversationIndex } : {}) }));
      }
      await deps.gateway.sendDraft(claimed.mailbox, draft.id);
      return await finish(claimed, { id: draft.id, conversationIndex: draft.conversationIndex ?? claimed.conversationIndex });
    } catch (error) {
      if (!(error instanceof GraphFailure)) throw error; // store trouble: the queue retries; the lease expires meanwhile
      if (!error.transient && error.code !== "notFound") return fail(claimed.id, `graph.${error.code}`, error.message);
      if (claimed.deliveryAttempts >= MAX_DELIVERY_ATTEMPTS) {
        return fail(claimed.id, `graph.${error.code}`, `${error.message} (gave up after ${claimed.deliveryAttempts} attempts)`);
      }
      // Transient (or the draft vanished mid-send): the next attempt starts by looking for the sent copy.
      const delay = Math.max(deliveryBackoffInSeconds(claimed.deliveryAttempts, { baseInSeconds: retryBase }), Math.ceil((error.retryAfterInMs ?? 0) / 1000));
      const at = clock();
      const next = await setStatus(claimed.id, (current) => {
        if (current.status !== "sending") return undefined;
        const { sendingSince: _s, sendingAttempt: _a, ...rest } = current;
        return {
          ...rest,
          status: "pendingSend",
          nextAttemptAt: new Date(at.getTime() + delay * 1000).toISOString(),
          lastError: { at: at.toISOString(), code: `graph.${error.code}`, message: error.message },
          modifiedOn: at.toISOString(),
        };
      });
      if (next) await enqueueSend(next, { delayInSeconds: delay });
      return { status: next?.status ?? "pendingSend" };
    }
  }

  async function fail(id: string, code: string, message: string): Promise<{ status: string }> {
    const at = clock().toISOString();
    const failed = await setStatus(id, (current) => {
      if (current.status === "sent") return undefined;
      const { sendingSince: _s, sendingAttempt: _a, nextAttemptAt: _n, ...rest } = current;
      return { ...rest, status: "failed", lastError: { at, code, message }, modifiedOn: at };
    });
    return { status: failed?.status ?? "missing" };
  }

  /** Sent: tracked now (so a fast reply already correlates) and marked Sent. Safe to repeat. */
  async function finish(email: OutgoingEmail, sent: { id: string; conversationIndex?: string | undefined }): Promise<{ status: string; tracking: TrackResult }> {
    const sentOn = clock().toISOString();
    const message: GraphMessage = {
      id: sent.id,
      internetMessageId: email.internetMessageId,
      ...(sent.conversationIndex ? { conversationIndex: sent.conversationIndex } : {}),
      subject: email.subject,
      from: { emailAddress: { address: email.mailbox } },
      toRecipients: email.to.map(({ address }) => ({ emailAddress: { address } })),
      ccRecipients: email.cc.map(({ address }) => ({ emailAddress: { address } })),
      bccRecipients: email.bcc.map(({ address }) => ({ emailAddress: { address } })),
      sentDateTime: sentOn,
      body: email.body,
      singleValueExtendedProperties: [
        { id: EXTENDED_PROPERTY_IDS.messageId, value: email.internetMessageId },
        ...(email.inReplyTo ? [{ id: EXTENDED_PROPERTY_IDS.inReplyTo, value: `<${email.inReplyTo}>` }] : []),
      ],
    };
    const tracking = await deps.tracker.track({
      message,
      mailbox: email.mailbox,
      folder: { kind: "sentitems" },
      manual: { reason: "sentByApp", ...(email.regarding ? { regarding: email.regarding } : {}) },
    });
    const done = await setStatus(email.id, (current) => {
      const { sendingSince: _s, sendingAttempt: _a, nextAttemptAt: _n, ...rest } = current;
      return {
        ...rest,
        status: "sent",
        draftId: sent.id,
        ...(sent.conversationIndex ? { conversationIndex: sent.conversationIndex } : {}),
        ...(tracking.activityId ? { activityId: tracking.activityId } : {}),
        sentOn: current.sentOn ?? sentOn,
        modifiedOn: sentOn,
      };
    });
    return { status: done?.status ?? "missing", tracking };
  }

  /**
   * Creates and sends at once, without the queue (the local scenario and CLI): one attempt, with
   * the gateway's own retries for the draft. Throws when the email did not go out.
   */
  async function sendTrackedEmail(input: SendTrackedEmailInput): Promise<SendTrackedEmailResult> {
    const { email } = await createOutgoing({
      mailbox: input.mailbox,
      to: input.to.map((address) => ({ address })),
      ...(input.cc ? { cc: input.cc.map((address) => ({ address })) } : {}),
      subject: input.subject,
      body: input.body,
      ...(input.regarding ? { regarding: input.regarding } : {}),
      ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
      send: false,
      by: input.by ?? SYSTEM_ACTOR,
    });
    await store.outgoing.updateOutgoing(email.id, (current) => (current.status === "draft" ? { ...current, status: "pendingSend" } : undefined));
    const outcome = await processSend({ kind: "send", mailbox: email.mailbox, outgoingId: email.id, requestedAt: clock().toISOString() });
    if (!outcome.tracking) {
      const stored = await store.outgoing.getOutgoing(email.id);
      throw new AdminError("refused", `email not sent (${outcome.status})${stored?.lastError ? `: ${stored.lastError.message}` : ""}`, { field: "mailbox" });
    }
    return {
      internetMessageId: outcome.tracking.internetMessageId,
      subject: email.subject,
      ...(email.trackingToken ? { trackingToken: email.trackingToken } : {}),
      tracking: outcome.tracking,
      warnings: outcome.tracking.warnings,
    };
  }

  return { createOutgoing, sendOutgoing, getOutgoing, processSend, sendTrackedEmail };
}

export type OutgoingEmailService = ReturnType<typeof createOutgoingEmail>;

/** A stable hash of what was asked (key order does not matter). */
function hashRequest(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("base64url");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
