// Whether a mailbox may send email through the app, and when a failed send is tried again.
// Pure rules; src/app/outgoing-email.ts applies them.
import type { MailboxSettings, OrganizationSettings } from "./types.js";

export type SendPermission = { ok: true } | { ok: false; reason: string };

/**
 * The one place that decides whether email may be sent from a mailbox (spec administration.md
 * §7: outgoing method Server-Side Synchronization, enabled, and approved where approval applies).
 * Checked when the email is created and again before each attempt.
 */
export function mayMailboxSend(mailbox: MailboxSettings | undefined, organization: OrganizationSettings): SendPermission {
  void organization; // the approval switches ("process email only for approved users/queues") live here
  if (!mailbox) return { ok: false, reason: "the mailbox is not configured" };
  if (mailbox.outgoingSyncMethod !== "serverSideSync") {
    return { ok: false, reason: `the mailbox's outgoing email method is ${mailbox.outgoingSyncMethod === "none" ? "None" : mailbox.outgoingSyncMethod}, not Server-Side Synchronization` };
  }
  if (!mailbox.enabled) return { ok: false, reason: "the mailbox is disabled (run Test & Enable)" };
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
  const domain = options.mailbox.split("@")[1] ?? "localhost";
  const local = options.outgoingId.replace(/[^A-Za-z0-9.-]/g, "");
  return `<tracked.${local}@${domain}>`;
}
