// Whether a tracked folder is still below the Inbox. Folder-level tracking is for folders under the
// Inbox (Dynamics' FLT), but a tracked folder is known by its Graph id, so one moved elsewhere (to
// Archive, say) keeps its id and would stay tracked. Graph sends no notification for a folder
// move; the app walks up the folder's parents (GET mailFolders/{id}, one request per level) and
// this rule says, from what the walk has seen so far, whether it is decided or which folder to
// read next. Pure: the walk itself is in src/app/folder-placement.ts.

/** One folder as read from Graph: its id, display name and parent's id. */
export interface FolderStep {
  id: string;
  displayName?: string;
  parentFolderId?: string;
}

export type FolderPlacement =
  | { kind: "underInbox" }
  /** `path`: where it is now, from the mailbox's top folder down ("Archive/Contoso"). */
  | { kind: "outsideInbox"; path: string }
  /** Too deep, or a cycle: nothing is concluded (the folder stays tracked). */
  | { kind: "unknown"; why: string }
  | { kind: "readNext"; folderId: string };

/** Deeper than this below the mailbox's top is not walked (Outlook folders are rarely 10 deep). */
export const MAX_FOLDER_DEPTH = 32;

/**
 * `chain`: the tracked folder first, then each parent read so far. `inboxId` and `rootId` (the
 * Inbox's parent, the top of the mailbox's folders) are the mailbox's.
 */
export function folderPlacement(input: { chain: readonly FolderStep[]; inboxId: string; rootId?: string | undefined }): FolderPlacement {
  const { chain, inboxId, rootId } = input;
  const last = chain.at(-1);
  if (!last) return { kind: "unknown", why: "no folder read" };
  if (chain[0]?.id === inboxId) return { kind: "underInbox" };
  const parent = last.parentFolderId;
  if (parent === inboxId) return { kind: "underInbox" };
  // At the top of the folder tree (or above it): the Inbox was not on the way.
  if (parent === undefined || parent === "" || parent === rootId || last.id === rootId) {
    const names = chain.filter((step) => step.id !== rootId).map((step) => step.displayName ?? step.id);
    return { kind: "outsideInbox", path: names.reverse().join("/") };
  }
  if (chain.some((step) => step.id === parent)) return { kind: "unknown", why: "the folder's parents form a cycle" };
  if (chain.length >= MAX_FOLDER_DEPTH) return { kind: "unknown", why: `more than ${MAX_FOLDER_DEPTH} levels deep` };
  return { kind: "readNext", folderId: parent };
}
