// Email the app sends: a tracking token in the subject (so the customer's reply finds its way
// back even when every header is lost), sent through Graph as draft + send so the Message-ID is
// known, and tracked at once as an outgoing activity.
import type { MailGateway, TrackingStore } from "./ports.js";
import type { TrackResult, Tracker } from "./track-message.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import { appendTrackingToken, formatTrackingToken } from "../domain/tracking-token.js";
import type { GraphMessage, RecordRef } from "../domain/types.js";

export interface SendTrackedEmailInput {
  mailbox: string;
  to: string[];
  cc?: string[];
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  regarding?: RecordRef;
  /** The Message-ID being answered, when this is a reply. */
  inReplyTo?: string;
}

export interface SendTrackedEmailResult {
  internetMessageId: string;
  subject: string;
  trackingToken?: string;
  tracking: TrackResult;
  warnings: string[];
}

export class OutgoingEmailError extends Error {
  override readonly name = "OutgoingEmailError";
}

export function createOutgoingEmail(deps: { store: TrackingStore; gateway: MailGateway; tracker: Tracker; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());

  async function allocateToken(mailbox: string): Promise<{ token?: string; warning?: string }> {
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    if (!organization.useTrackingTokens) return {};
    // The user number belongs to the sending user (or queue), so each sender has its own counter.
    const entries = await deps.store.records.findByAddress(mailbox);
    const owner = entries.find((e) => e.active && (e.type === "systemuser" || e.type === "queue"));
    const userNumber = await deps.store.counters.getUserNumber(owner ? `${owner.type}:${owner.id}` : `mailbox:${mailbox}`);
    const counter = await deps.store.counters.nextCounter(userNumber);
    try {
      const token = formatTrackingToken({
        prefix: organization.trackingTokenPrefix,
        baseNumber: organization.trackingTokenBaseNumber,
        userNumber,
        counter,
        userDigits: organization.trackingTokenUserDigits,
        counterDigits: organization.trackingTokenCounterDigits,
      });
      return { token };
    } catch (error) {
      // More senders than the user digits can number: send without a token rather than not at all.
      return { warning: `no tracking token: ${error instanceof Error ? error.message : String(error)}; raise trackingTokenUserDigits` };
    }
  }

  async function sendTrackedEmail(input: SendTrackedEmailInput): Promise<SendTrackedEmailResult> {
    const mailbox = input.mailbox.trim().toLowerCase();
    const settings = await deps.store.settings.getMailbox(mailbox);
    if (!settings) throw new OutgoingEmailError(`mailbox ${mailbox} is not configured`);
    if (!settings.enabled) throw new OutgoingEmailError(`mailbox ${mailbox} is disabled`);
    if (settings.outgoingSyncMethod !== "serverSideSync") {
      throw new OutgoingEmailError(`mailbox ${mailbox} does not send email (outgoingSyncMethod is ${settings.outgoingSyncMethod})`);
    }
    if (input.to.length === 0) throw new OutgoingEmailError("at least one recipient is required");

    const warnings: string[] = [];
    const { token, warning } = await allocateToken(mailbox);
    if (warning) warnings.push(warning);
    const subject = token ? appendTrackingToken(input.subject, token) : input.subject;
    const sent = await deps.gateway.sendMail(mailbox, {
      subject,
      body: input.body,
      toRecipients: input.to,
      ...(input.cc ? { ccRecipients: input.cc } : {}),
      ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    });

    // Track now rather than when the Sent Items copy arrives, so a fast reply already correlates.
    // The Sent Items copy then finds this activity by its Message-ID.
    const now = clock().toISOString();
    const message: GraphMessage = {
      id: sent.id,
      internetMessageId: sent.internetMessageId,
      ...(sent.conversationIndex ? { conversationIndex: sent.conversationIndex } : {}),
      subject,
      from: { emailAddress: { address: mailbox } },
      toRecipients: input.to.map((address) => ({ emailAddress: { address } })),
      ccRecipients: (input.cc ?? []).map((address) => ({ emailAddress: { address } })),
      sentDateTime: now,
      body: input.body,
      singleValueExtendedProperties: [
        { id: "String 0x1035", value: sent.internetMessageId },
        ...(input.inReplyTo ? [{ id: "String 0x1042", value: `<${input.inReplyTo.replace(/^<|>$/g, "")}>` }] : []),
      ],
    };
    const tracking = await deps.tracker.track({
      message,
      mailbox,
      folder: { kind: "sentitems" },
      manual: { reason: "sentByApp", ...(input.regarding ? { regarding: input.regarding } : {}) },
    });
    return { internetMessageId: tracking.internetMessageId, subject, ...(token ? { trackingToken: token } : {}), tracking, warnings: [...warnings, ...tracking.warnings] };
  }

  return { sendTrackedEmail };
}
