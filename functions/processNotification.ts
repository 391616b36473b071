// Queue trigger on "notifications": fetch and track a notified message, handle a lifecycle event,
// or catch a folder up. A thrown error makes the queue retry; after the dequeue limit the host
// moves the item to "notifications-poison" and the reason is already recorded on the mailbox.
import type { InvocationContext } from "@azure/functions";
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
  const { work } = await getServices();
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const outcome = await work.process(parsed.item, { dequeueCount });
  const where = "folder" in parsed.item ? `${parsed.item.mailbox}/${parsed.item.folder}` : parsed.item.mailbox;
  context.log(`${parsed.item.kind} ${where}: ${outcome.kind}`);
}

registerFunction({
  kind: "storageQueue",
  name: "processNotification",
  options: { queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION, handler: processNotification },
});
