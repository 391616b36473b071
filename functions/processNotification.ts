// Queue trigger on "notifications": fetch and track a notified message, handle a lifecycle event,
// or catch a folder up. A thrown error makes the queue retry; after the dequeue limit the host
// moves the item to "notifications-poison" and the reason is already recorded on the mailbox.
import type { InvocationContext } from "@azure/functions";
import { mailboxLogMessage } from "../src/app/mailbox-log.js";
import { parseQueueItem } from "../src/app/process-work.js";
import { NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/index.js";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function processNotification(queueItem: unknown, context: InvocationContext): Promise<void> {
  const parsed = parseQueueItem(queueItem);
  if (!parsed.ok) {
    // Retrying a malformed item can't help; log it and let it go.
    context.error(`discarding queue item: ${parsed.reason}`);
    return;
  }
  const { work, settings } = await getServices();
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const { kind, mailbox } = parsed.item;
  const folder = "folder" in parsed.item ? { folder: parsed.item.folder } : {};
  let outcome: Awaited<ReturnType<typeof work.process>>;
  try {
    outcome = await work.process(parsed.item, { dequeueCount });
  } catch (error) {
    // Retried by the queue: a warning; the last attempt (the item goes to the poison queue) an error.
    const message = `${kind} item failed (attempt ${dequeueCount}): ${error instanceof Error ? error.message : String(error)}`;
    const fields = { item: kind, ...folder, dequeueCount };
    if (dequeueCount >= settings.queue.maxDequeueCount) context.error(mailboxLogMessage("error", mailbox, message, fields));
    else context.warn(mailboxLogMessage("warning", mailbox, message, fields));
    throw error;
  }
  // Reads and rich-notification fallbacks per item: how often resource data was not enough (docs/scaling.md §3).
  const reads =
    outcome.kind === "notified"
      ? {
          fetched: outcome.fetched,
          fromResourceData: outcome.fromResourceData,
          ...(Object.keys(outcome.resourceDataFallbacks).length > 0 ? { resourceDataFallbacks: outcome.resourceDataFallbacks } : {}),
        }
      : {};
  context.log(mailboxLogMessage("information", mailbox, `${kind} item: ${outcome.kind}`, { item: kind, ...folder, outcome: outcome.kind, ...reads }));
}

registerFunction({
  kind: "storageQueue",
  name: "processNotification",
  options: { queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION, handler: processNotification },
});
