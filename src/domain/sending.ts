// Whether a mailbox may send email through the app, and when a failed send is tried again.
// Pure rules; src/app/outgoing-email.ts applies them.
import { heldForApproval } from "./filtering.js";
import type { MailboxSettings, OrganizationSettings } from "./types.js";

export type SendPermission = { ok: true } | { ok: false; reason: string };

/**
 * The one place that decides whether email may be sent from a mailbox (spec administration.md
 * §7: outgoing method Server-Side Synchronization, enabled, and approved where approval applies).
 * Checked when the email is created and again before each attempt.
 */
export function mayMailboxSend(mailbox: MailboxSettings | undefined, organization: OrganizationSettings): SendPermission {
  if (!mailbox) return { ok: false, reason: "the mailbox is not configured" };
  if (mailbox.outgoingSyncMethod !== "serverSideSync") {
    return { ok: false, reason: `the mailbox's outgoing email method is ${mailbox.outgoingSyncMethod === "none" ? "None" : mailbox.outgoingSyncMethod}, not Server-Side Synchronization` };
  }
  if (!mailbox.enabled) return { ok: false, reason: "the mailbox is disabled (run Test & Enable)" };
  // The same rule that holds back its incoming mail ("process email only for approved users/queues").
  if (heldForApproval(mailbox, organization)) {
    return { ok: false, reason: `the mailbox's email address is not approved (${mailbox.approvalStatus}); a Tracking.Approve user must approve it` };
  }
  return { ok: true };
}

/** Send attempts before an email is Failed (Dynamics' delivery attempts). */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** Seconds to wait after the `attempt`-th failed attempt: base, 2×base, 4×base, … at most 15 minutes. */
export function deliveryBackoffInSeconds(attempt: number, options: { baseInSeconds: number }): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  return Math.min(900, options.baseInSeconds * 2 ** exponent);
}

/**
 * The Message-ID the app gives an outgoing email before its draft exists (Graph lets a draft's
 * be set): a retry after a crash finds the draft, or the sent message, by it.
 */
export function outgoingInternetMessageId(options: { outgoingId: string; mailbox: string }): string {
  // The id goes in as it is (a UUID or a hex hash), so two emails never share a Message-ID.
  if (!/^[A-Za-z0-9-]{1,64}$/.test(options.outgoingId)) throw new RangeError(`outgoing id must be letters, digits and '-', got "${options.outgoingId}"`);
  const domain = options.mailbox.split("@")[1] ?? "localhost";
  return `<tracked.${options.outgoingId}@${domain}>`;
}
