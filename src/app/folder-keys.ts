// Names of the folders live tracking subscribes to. A tracked folder is keyed by its name in the
// mailbox's settings (not its Graph id, which only the subscription knows): a queue item, a delta
// link and a subscription record all say which configured folder they are for. The name is
// URI-encoded so a key never holds "/" or "~" (it becomes part of a Cosmos DB patch path).
import type { MailFolderName, TrackedFolderKey } from "./ports.js";
import type { Folder } from "../domain/types.js";

export function trackedFolderKey(name: string): TrackedFolderKey {
  return `tracked:${encodeURIComponent(name.trim()).replace(/~/g, "%7E")}`;
}

export function isTrackedFolderKey(folder: string): folder is TrackedFolderKey {
  return folder.startsWith("tracked:") && folder.length > "tracked:".length;
}

/** The settings name a tracked-folder key stands for; undefined for Inbox and Sent Items or a malformed key. */
export function trackedFolderName(folder: MailFolderName): string | undefined {
  if (!isTrackedFolderKey(folder)) return undefined;
  try {
    return decodeURIComponent(folder.slice("tracked:".length));
  } catch {
    return undefined;
  }
}

/** Whether a value (from a queue message or a stored document) names a folder this app watches. */
export function isMailFolderName(value: unknown): value is MailFolderName {
  if (value === "inbox" || value === "sentitems") return true;
  if (typeof value !== "string" || !isTrackedFolderKey(value)) return false;
  const name = trackedFolderName(value);
  return name !== undefined && name.trim().length > 0;
}

/** The folder as the tracking rules see it. */
export function domainFolder(folder: MailFolderName): Folder {
  const name = trackedFolderName(folder);
  if (name !== undefined) return { kind: "tracked", name };
  return folder === "sentitems" ? { kind: "sentitems" } : { kind: "inbox" };
}

/** How a folder is named in logs and mailbox events: "inbox", "sentitems" or the tracked folder's name. */
export function folderLabel(folder: MailFolderName): string {
  const name = trackedFolderName(folder);
  return name === undefined ? folder : `tracked folder "${name}"`;
}
