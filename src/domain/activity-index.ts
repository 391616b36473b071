// How activities are found again for the administration API: by mailbox, by regarding record
// and by conversation. Every store keeps one index entry per (key, activity) under these keys,
// so a listing names its partition and never scans the whole store.
import type { EmailActivity, RecordRef } from "./types.js";

export type ActivityIndexKind = "mailbox" | "regarding" | "conversation";

/** What a listing asks for: one key, optionally bounded in activityTime (from inclusive, to exclusive). */
export type ActivityFilter =
  | { mailbox: string; from?: string; to?: string }
  | { regarding: RecordRef; from?: string; to?: string }
  | { conversationId: string; from?: string; to?: string }
  /** Every activity in the range: the one listing that is not partition-local. */
  | { from?: string; to?: string };

export function mailboxIndexKey(mailbox: string): string {
  return `mbx:${mailbox}`;
}

export function regardingIndexKey(regarding: RecordRef): string {
  return `reg:${regarding.type}:${regarding.id}`;
}

export function conversationIndexKeyOf(conversationId: string): string {
  return `cnv:${conversationId}`;
}

/** The index key a filter reads; undefined for a bare time range. */
export function indexKeyFor(filter: ActivityFilter): string | undefined {
  if ("mailbox" in filter) return mailboxIndexKey(filter.mailbox);
  if ("regarding" in filter) return regardingIndexKey(filter.regarding);
  if ("conversationId" in filter) return conversationIndexKeyOf(filter.conversationId);
  return undefined;
}

/** Whether an activityTime lies in the filter's range (from inclusive, to exclusive). */
export function inTimeRange(activityTime: string, filter: ActivityFilter): boolean {
  return (filter.from === undefined || activityTime >= filter.from) && (filter.to === undefined || activityTime < filter.to);
}

/** Listing order: most recent first; ties by the higher id (as lookups order candidates). */
export function byRecencyDescending(a: { activityTime: string; id: string }, b: { activityTime: string; id: string }): number {
  if (a.activityTime !== b.activityTime) return a.activityTime < b.activityTime ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Every index key an activity is listed under (its conversation once the store has set it). */
export function activityListingKeys(activity: EmailActivity): string[] {
  const keys = [mailboxIndexKey(activity.receivingMailbox), conversationIndexKeyOf(conversationOf(activity))];
  if (activity.regarding) keys.push(regardingIndexKey(activity.regarding));
  return keys;
}

/**
 * The keys a store writes index entries under: the listing keys but the conversation of an
 * activity that starts one. Most email starts a conversation, and its conversation's listing finds
 * it by id (the conversation id is its id), so that entry would cost a write per email for nothing.
 */
export function activityIndexKeys(activity: EmailActivity): string[] {
  return activityListingKeys(activity).filter((key) => !startsConversation(activity) || key !== conversationIndexKeyOf(activity.id));
}

/** Whether the activity started its conversation (it is not a reply joined to an earlier one). */
export function startsConversation(activity: EmailActivity): boolean {
  return conversationOf(activity) === activity.id;
}

/** The conversation an activity belongs to: the id of the activity that started it. */
export function conversationOf(activity: EmailActivity): string {
  return activity.conversationId ?? activity.id;
}

/**
 * A reply joins the conversation of the activity it correlated with (whatever the method: a
 * Gmail reply without Thread-Index still joins through In-Reply-To); anything else starts one
 * (undefined: its own id, not stored).
 */
export function conversationIdFor(activity: EmailActivity, correlated: EmailActivity | undefined): string | undefined {
  if (activity.conversationId) return activity.conversationId;
  if (correlated && activity.correlation.correlatedActivityId === correlated.id) return conversationOf(correlated);
  return undefined;
}

/** The activity with its conversation set from the correlated one (unchanged when it starts one). */
export function withConversation(activity: EmailActivity, correlated: EmailActivity | undefined): EmailActivity {
  const conversationId = conversationIdFor(activity, correlated);
  return conversationId === undefined || conversationId === activity.id ? activity : { ...activity, conversationId };
}

/** Whether the activity still belongs under the key (an index entry may lag a crashed update). */
export function activityMatchesKey(activity: EmailActivity, key: string): boolean {
  return activityListingKeys(activity).includes(key);
}

/** Index entries to remove and to add when an activity changes. */
export function indexKeyChanges(before: EmailActivity, after: EmailActivity): { removed: string[]; added: string[] } {
  const old = activityIndexKeys(before);
  const now = activityIndexKeys(after);
  return { removed: old.filter((key) => !now.includes(key)), added: now.filter((key) => !old.includes(key)) };
}

/** An update never changes what identifies the activity: its id and its conversation. */
export function keepIdentity(changed: EmailActivity, stored: EmailActivity): EmailActivity {
  const { conversationId: _ignored, ...rest } = changed;
  return { ...rest, id: stored.id, ...(stored.conversationId !== undefined && { conversationId: stored.conversationId }) };
}
