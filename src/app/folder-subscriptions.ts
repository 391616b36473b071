// Tracked folders live (folder-level tracking): which of a mailbox's tracked folders are
// subscribed, and what happens when one disappears. The subscription manager
// (src/app/subscriptions.ts) handles them as it handles Inbox and Sent Items — the same handshake,
// renewal, lifecycle events and catch-up — keyed by src/app/folder-keys.ts; this module holds
// what differs: a folder is found by its settings name once, then known by its Graph id (so a
// rename in Outlook changes nothing), and a folder that is gone is dropped with an alert instead of
// being retried as a failure. One moved out of the Inbox is found by src/app/folder-placement.ts.
import { GraphFailure } from "./errors.js";
import { folderLabel, isTrackedFolderKey, trackedFolderKey } from "./folder-keys.js";
import type { Alerts } from "./alerts.js";
import type { LiveTrackingStore, MailFolderName, SubscriptionRecord } from "./ports.js";
import type { MailboxSettings, OrganizationSettings } from "../domain/types.js";

/**
 * The tracked folders a mailbox needs subscriptions on: none for a queue (Dynamics has no
 * folder-level tracking for queues) or with folder-level tracking off. At most 25 (the settings
 * parser's limit), so a mailbox holds at most 27 of this app's subscriptions, far below Graph's
 * 1,000 per mailbox (docs/tracking-rules.md).
 */
export function trackedFoldersToWatch(mailbox: MailboxSettings, organization: OrganizationSettings): MailFolderName[] {
  if (!organization.useFolderLevelTracking || mailbox.kind === "queue") return [];
  return mailbox.trackedFolders.map((tracked) => trackedFolderKey(tracked.folder));
}

/** Graph has no such folder (deleted, or never made): retrying will not bring it back. */
export function isFolderMissing(folder: MailFolderName, error: unknown): boolean {
  return isTrackedFolderKey(folder) && error instanceof GraphFailure && error.code === "notFound";
}

export type FolderGoneReason = "deleted" | "removedFromSettings" | "notFound" | "movedOutOfInbox" | "resumed";

/** `where`: for movedOutOfInbox, the folder's path now ("Archive/Contoso"). */
const MESSAGES: Record<FolderGoneReason, { level: "error" | "warning" | "information"; message: (label: string, where?: string) => string; whatToDo: string }> = {
  deleted: {
    level: "warning",
    message: (label) => `${label} was deleted in the mailbox: its subscription is gone and mail filed there is no longer tracked`,
    whatToDo: "Recreate the folder under the Inbox (then Test & Enable the mailbox), or remove it from the mailbox's tracked folders.",
  },
  removedFromSettings: {
    level: "information",
    message: (label) => `${label} was removed from the mailbox's tracked folders: its subscription is deleted`,
    whatToDo: "Nothing, if that was intended; add the folder again to track its mail.",
  },
  notFound: {
    level: "warning",
    message: (label) => `${label} is not a folder below the Inbox of this mailbox: it is not subscribed`,
    whatToDo: "Create the folder under the Inbox, or correct its name in the mailbox's tracked folders (a path such as Customers/Contoso).",
  },
  movedOutOfInbox: {
    level: "warning",
    message: (label, where) => `${label} was moved out of the Inbox${where ? ` (it is now "${where}")` : ""}: folder-level tracking is for folders under the Inbox, so its subscription is deleted and mail filed there is no longer tracked`,
    whatToDo: "Move the folder back under the Inbox, to the path the mailbox's tracked folders name, to track it again (at the mailbox's next upkeep, or at once with Test & Enable); or remove it from the tracked folders.",
  },
  resumed: {
    level: "information",
    message: (label) => `${label} is under the Inbox again: it is subscribed and tracked again, and a catch-up tracks the mail filed in it`,
    whatToDo: "Nothing.",
  },
};

/**
 * Raises an alert (src/app/alerts.ts; without alerts, a mailbox event) that a tracked folder lost,
 * or never got, its subscription, or got it back. A folder not found is said once until something
 * else about it is said (the renewal timer would otherwise say it every run).
 */
export async function reportTrackedFolder(
  deps: { live: LiveTrackingStore; alerts?: Pick<Alerts, "raise"> | undefined },
  options: { mailbox: string; folder: MailFolderName; reason: FolderGoneReason; at: string; where?: string },
): Promise<void> {
  const { live } = deps;
  const text = MESSAGES[options.reason];
  const code = `trackedFolder.${options.reason}`;
  const label = folderLabel(options.folder);
  const message = text.message(label, options.where);
  if (options.reason === "notFound" || options.reason === "resumed") {
    // What was last said about this folder (each message starts with its label).
    const latest = (await live.syncState.getSyncState(options.mailbox))?.events.find((event) => event.code.startsWith("trackedFolder.") && event.message.startsWith(`${label} `));
    // Not found is said once, and not after "moved out of the Inbox", which says more.
    if (options.reason === "notFound" && (latest?.code === code || latest?.code === "trackedFolder.movedOutOfInbox")) return;
    // Back under the Inbox is said only after it was moved out.
    if (options.reason === "resumed" && latest?.code !== "trackedFolder.movedOutOfInbox") return;
  }
  if (deps.alerts) {
    await deps.alerts.raise(options.mailbox, { level: text.level, code, message, whatToDo: text.whatToDo, folder: options.folder });
    return;
  }
  await live.syncState.recordEvent(options.mailbox, { at: options.at, level: text.level, code, message, whatToDo: text.whatToDo });
}

/** The Graph id of a subscribed tracked folder, for a catch-up that has no delta link yet. */
export async function subscribedFolderId(live: LiveTrackingStore, mailbox: string, folder: MailFolderName): Promise<string | undefined> {
  if (!isTrackedFolderKey(folder)) return undefined;
  const records = await live.subscriptions.listSubscriptions({ mailbox });
  return records.find((record) => record.folder === folder && record.folderId !== undefined)?.folderId;
}

/** For a recreated subscription: the folder it was on, by id, so a renamed folder is still found. */
export function knownFolderId(record: SubscriptionRecord): { folderId?: string } {
  return isTrackedFolderKey(record.folder) && record.folderId !== undefined ? { folderId: record.folderId } : {};
}
