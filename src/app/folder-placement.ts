// Tracked folders moved out of the Inbox. The sweep, Test & Enable and the replacement of a
// tracked folder's subscription walk the folder's parents up to the Inbox or the top of the
// mailbox (src/domain/folder-placement.ts decides); one no longer below the Inbox has its
// subscription deleted and an alert naming it and where it is now. The settings still name it,
// so a later upkeep looks for it by its path below the Inbox again: moved back there, it is
// subscribed again and caught up.
import { GraphFailure } from "./errors.js";
import { isTrackedFolderKey } from "./folder-keys.js";
import type { MailGateway, SubscriptionRecord } from "./ports.js";
import { folderPlacement, type FolderPlacement, type FolderStep } from "../domain/folder-placement.js";

/** Walks one folder's parents, one Graph request per level. */
export async function placementOf(gateway: Pick<MailGateway, "getFolder">, mailbox: string, folderId: string, inbox: FolderStep): Promise<FolderPlacement> {
  const chain: FolderStep[] = [];
  let next = folderId;
  for (;;) {
    chain.push(await gateway.getFolder(mailbox, next));
    const placement = folderPlacement({ chain, inboxId: inbox.id, rootId: inbox.parentFolderId });
    if (placement.kind !== "readNext") return placement;
    next = placement.folderId;
  }
}

/**
 * The mailbox's tracked-folder subscriptions whose folder is no longer below the Inbox, with the
 * folder's path now. No request at all for a mailbox without tracked folders; otherwise one for
 * the Inbox and one per level of each tracked folder. A folder that cannot be placed (gone, a
 * Graph failure, too deep) is left alone: deletion has its own path, and the next sweep asks again.
 */
export async function subscriptionsOutsideInbox(
  deps: { gateway: Pick<MailGateway, "getFolder">; log?: (line: string) => void },
  mailbox: string,
  records: readonly SubscriptionRecord[],
): Promise<Map<string, string>> {
  const outside = new Map<string, string>();
  const tracked = records.filter((record) => isTrackedFolderKey(record.folder) && record.folderId !== undefined);
  if (tracked.length === 0) return outside;
  let inbox: FolderStep;
  try {
    inbox = await deps.gateway.getFolder(mailbox, "inbox");
  } catch (error) {
    deps.log?.(`placing ${mailbox}'s tracked folders: the Inbox could not be read: ${describe(error)}`);
    return outside;
  }
  for (const record of tracked) {
    try {
      const placement = await placementOf(deps.gateway, mailbox, record.folderId ?? "", inbox);
      if (placement.kind === "outsideInbox") outside.set(record.id, placement.path);
      else if (placement.kind === "unknown") deps.log?.(`placing ${mailbox}/${record.folder}: not concluded (${placement.why})`);
    } catch (error) {
      deps.log?.(`placing ${mailbox}/${record.folder}: ${describe(error)}`);
    }
  }
  return outside;
}

function describe(error: unknown): string {
  return error instanceof GraphFailure ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
}
