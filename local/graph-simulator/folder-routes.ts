// Mail folder routes: a folder's view, child folders, rename, move and delete.
import { FolderNameTaken } from "./mail-store.js";
import type { SimFolder, SimMailbox } from "./mail-store.js";
import { emptyResponse, graphError, jsonResponse } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import type { SimContext } from "./context.js";
import type { MessageLifecycle } from "./message-lifecycle.js";

export type FolderRoutes = ReturnType<typeof createFolderRoutes>;

export function createFolderRoutes(ctx: SimContext, { notify }: MessageLifecycle) {
  const { store, hub } = ctx;

  function renderFolder(mailbox: SimMailbox, folder: SimFolder, options: { context?: boolean } = {}): Record<string, unknown> {
    const messages = store.listFolder(mailbox, folder);
    return {
      ...(options.context === false ? {} : { "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users('${mailbox.id}')/mailFolders/$entity` }),
      id: folder.id,
      displayName: folder.displayName,
      parentFolderId: folder.parentFolderId,
      childFolderCount: store.childFolders(mailbox, folder).length,
      unreadItemCount: messages.filter((message) => !message.isRead).length,
      totalItemCount: messages.length,
      sizeInBytes: 0,
      isHidden: false,
    };
  }

  // ---------- child folders ----------

  function handleChildFolders(request: SimRequest, mailbox: SimMailbox, parent: SimFolder): SimResponse {
    const value = store.childFolders(mailbox, parent).map((folder) => renderFolder(mailbox, folder, { context: false }));
    return jsonResponse(200, { "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users('${mailbox.id}')/mailFolders('${parent.id}')/childFolders`, value });
  }

  function displayNameOf(request: SimRequest): string | undefined {
    const name = (request.body as { displayName?: unknown } | undefined)?.displayName;
    return typeof name === "string" && name.trim().length > 0 ? name.trim() : undefined;
  }

  function folderExists(request: SimRequest, error: unknown): SimResponse {
    if (error instanceof FolderNameTaken) return graphError(request, 409, "ErrorFolderExists", error.message);
    throw error;
  }

  function handleCreateChildFolder(request: SimRequest, mailbox: SimMailbox, parent: SimFolder): SimResponse {
    const displayName = displayNameOf(request);
    if (!displayName) return graphError(request, 400, "ErrorInvalidRequest", "displayName is required.");
    try {
      return jsonResponse(201, renderFolder(mailbox, store.createChildFolder(mailbox, parent, displayName)));
    } catch (error) {
      return folderExists(request, error);
    }
  }

  /** PATCH renames a user's folder; DELETE removes it with its messages and subfolders. */
  function handleFolderChange(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (folder.wellKnownName !== null) return graphError(request, 400, "ErrorInvalidRequest", "A well-known folder can't be renamed or deleted.");
    if (request.method === "DELETE") {
      deleteFolder(mailbox, folder);
      return emptyResponse(204);
    }
    const displayName = displayNameOf(request);
    if (!displayName) return graphError(request, 400, "ErrorInvalidRequest", "displayName is required.");
    try {
      store.renameFolder(mailbox, folder, displayName);
    } catch (error) {
      return folderExists(request, error);
    }
    return jsonResponse(200, renderFolder(mailbox, folder));
  }

  function handleFolderMove(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (folder.wellKnownName !== null) return graphError(request, 400, "ErrorInvalidRequest", "A well-known folder can't be moved.");
    const destinationId = (request.body as { destinationId?: unknown } | undefined)?.destinationId;
    const target = typeof destinationId === "string" ? store.findFolder(mailbox, destinationId) : undefined;
    if (!target) return graphError(request, 400, "ErrorInvalidIdMalformed", "Id is malformed.");
    try {
      store.moveFolder(mailbox, folder, target);
    } catch (error) {
      if (error instanceof FolderNameTaken) return folderExists(request, error);
      return graphError(request, 400, "ErrorMoveCopyFailed", (error as Error).message);
    }
    return jsonResponse(201, renderFolder(mailbox, folder));
  }

  /**
   * Deletes a user's folder for good: its messages go (`deleted` notifications) and each
   * subscription on it or a subfolder ends with `subscriptionRemoved` (a simulator choice: Graph's
   * documentation does not say what a subscription on a deleted folder receives).
   */
  function deleteFolder(mailbox: SimMailbox, folder: SimFolder): void {
    const gone = store.subtree(mailbox, folder);
    const goneIds = new Set(gone.map((each) => each.id));
    for (const each of gone) {
      for (const message of store.listFolder(mailbox, each)) {
        store.remove(message);
        notify(message, each, "deleted");
      }
    }
    for (const subscription of [...hub.subscriptions.values()]) {
      if (subscription.mailboxId === mailbox.id && goneIds.has(subscription.folderId)) hub.triggerLifecycle(subscription, "subscriptionRemoved");
    }
    store.removeFolder(mailbox, folder);
  }
  return { renderFolder, handleChildFolders, handleCreateChildFolder, handleFolderChange, handleFolderMove, deleteFolder };
}
