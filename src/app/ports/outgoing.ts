// Ports of outgoing email: the email the app sends and its store.
import type { RecordRef } from "../../domain/types.js";

// ---- Outgoing email (sent by the app through Graph, src/app/outgoing-email.ts) ----------------

/** Dynamics' status reasons of an outgoing email (spec administration.md §7). */
export type OutgoingStatus = "draft" | "pendingSend" | "sending" | "sent" | "failed";

export interface OutgoingRecipient {
  address: string;
  /** The record the address was taken from, when the caller named a record. */
  record?: RecordRef;
}

/** An email the app sends, from creation to Sent (or Failed); the activity is tracked once sent. */
export interface OutgoingEmail {
  id: string;
  mailbox: string;
  status: OutgoingStatus;
  /** Graph send attempts made (Dynamics' delivery attempts). */
  deliveryAttempts: number;
  to: OutgoingRecipient[];
  cc: OutgoingRecipient[];
  bcc: OutgoingRecipient[];
  /** As sent: the caller's subject with the tracking token appended (within 255 characters). */
  subject: string;
  trackingToken?: string;
  body: { contentType: "text" | "html"; content: string };
  regarding?: RecordRef;
  inReplyTo?: string;
  /** Chosen by the app before the draft exists, so a retry can find the draft or the sent copy. */
  internetMessageId: string;
  draftId?: string;
  conversationIndex?: string;
  activityId?: string;
  sentOn?: string;
  /** While `sending`: when the current attempt began (a lease; an older one was abandoned). */
  sendingSince?: string;
  /** While `sending`: which attempt holds it (unique per attempt, so two workers never both think they won). */
  sendingAttempt?: string;
  /** When the next attempt is due after a transient failure. */
  nextAttemptAt?: string;
  lastError?: { at: string; code: string; message: string };
  createdBy: { oid: string; name?: string };
  createdOn: string;
  modifiedOn: string;
  /** The caller's Idempotency-Key and a hash of the request it came with. */
  idempotency?: { key: string; requestHash: string };
}

export interface OutgoingEmailStore {
  /** Create if no email has this id; `created: false` returns the stored one (exactly once). */
  createOutgoing(email: OutgoingEmail): Promise<{ created: boolean; email: OutgoingEmail }>;
  getOutgoing(id: string): Promise<OutgoingEmail | undefined>;
  /** Read-modify-write as ActivityStore.updateActivity: `update` sees the latest version. */
  updateOutgoing(id: string, update: (current: OutgoingEmail) => OutgoingEmail | undefined): Promise<OutgoingEmail | undefined>;
}
