// The email activity: its identity (what makes tracking exactly-once) and its correlation lookups.
import { createHash } from "node:crypto";
import { messageIdKey } from "./correlation.js";
import { conversationIndexKey } from "./conversation-index.js";
import { addressKey, hashValue } from "./smart-matching.js";
import { trackingTokenKey } from "./tracking-token.js";
import { shortened } from "./trace.js";
import type { EmailActivity, LookupEntry, MailboxSettings, RecordRef } from "./types.js";

/**
 * The activity id is derived from the Message-ID (and, for email between users tracked as two
 * activities, the receiving mailbox), so every copy of one email — redelivered notifications,
 * concurrent workers, the catch-up finding it again, another mailbox receiving it — lands on the
 * same document and Cosmos DB's create-if-absent makes the write happen once.
 */
export function activityIdFor(options: { internetMessageId: string; scope?: string }): string {
  const material = `${options.scope ?? ""}\u0000${options.internetMessageId}`;
  return createHash("sha256").update(material).digest("base64url").slice(0, 32);
}

/**
 * Email between users: the sender is a system user and so is a recipient (Sent Items copy) or the
 * receiving mailbox's owner (Inbox copy). With `trackEmailsBetweenUsersAsTwoActivities` each user
 * mailbox gets its own activity; otherwise one activity per Message-ID serves everyone.
 */
export function activityScope(options: {
  twoActivities: boolean;
  mailbox: Pick<MailboxSettings, "address" | "kind">;
  senderRecords: RecordRef[];
  recipientRecords: RecordRef[];
}): string | undefined {
  if (!options.twoActivities || options.mailbox.kind !== "user") return undefined;
  const senderIsUser = options.senderRecords.some((r) => r.type === "systemuser");
  const recipientIsUser = options.recipientRecords.some((r) => r.type === "systemuser");
  return senderIsUser && recipientIsUser ? options.mailbox.address : undefined;
}

/** Characters of the subject a lookup entry keeps. */
export const LOOKUP_SUBJECT_CHARS = 120;

/** The lookup rows that let later email correlate with this activity. */
export function lookupEntriesFor(
  activity: EmailActivity,
  options: { smartMatching: boolean },
): LookupEntry[] {
  const base = {
    activityId: activity.id,
    internetMessageId: activity.internetMessageId,
    activityTime: activity.activityTime,
    ...(activity.regarding ? { regarding: activity.regarding } : {}),
  };
  const keys = [messageIdKey(activity.internetMessageId)];
  if (activity.trackingToken) keys.push(trackingTokenKey(activity.trackingToken));
  if (activity.threadKey) keys.push(conversationIndexKey(activity.threadKey));
  // The subject names the email in later decisions' explanations; address entries, read by the
  // hundred for smart matching, go without it.
  const subject = shortened(activity.subject, LOOKUP_SUBJECT_CHARS);
  const entries: LookupEntry[] = keys.map((key) => ({ key, ...base, ...(subject ? { subject } : {}) }));
  if (options.smartMatching && activity.smartMatch.subjectHashes.length > 0) {
    // The receiving mailbox's own address is on nearly every email it tracks: its entry would be a
    // hot document rewritten by every email and would match on subject words alone. Every other
    // address of the email is indexed.
    const ownHash = hashValue(activity.receivingMailbox);
    for (const hash of activity.smartMatch.addressHashes) {
      if (hash === ownHash) continue;
      entries.push({
        key: addressKey(hash),
        ...base,
        subjectHashes: activity.smartMatch.subjectHashes,
        addressHashes: activity.smartMatch.addressHashes,
      });
    }
  }
  return entries;
}
