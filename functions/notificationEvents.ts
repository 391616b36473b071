// Event Hubs trigger (NOTIFICATION_DELIVERY=eventHubs): Graph's change and lifecycle
// notifications from the hub, through the same gates as the webhook (src/app/notification-handler.ts),
// onto the same queue. Registered only with Event Hubs delivery, so a webhook deployment needs no
// Event Hubs settings. A throw makes the host retry the batch from its checkpoint.
import { output, type InvocationContext } from "@azure/functions";
import { effectiveValue, EVENT_HUB_CONNECTION, NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/index.js";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export const notificationEventsQueue = output.storageQueue({ queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION });

export async function notificationEvents(events: unknown, context: InvocationContext): Promise<void> {
  const { eventHub } = await getServices();
  const outcome = await eventHub.handleEvents(Array.isArray(events) ? events : [events]);
  if (outcome.enqueue.length > 0) context.extraOutputs.set(notificationEventsQueue, outcome.enqueue);
  // Counts and mailbox names only: never a subscription id or a client state.
  if (Object.keys(outcome.dropped).length > 0 || outcome.malformedEvents > 0) {
    context.warn("notificationEvents: dropped notifications", { ...outcome.dropped, malformedEvents: outcome.malformedEvents });
  }
  for (const warning of outcome.warnings) context.warn(`notificationEvents: ${warning}`);
}

if (effectiveValue(process.env, "NOTIFICATION_DELIVERY") === "eventHubs") {
  registerFunction({
    kind: "eventHub",
    name: "notificationEvents",
    options: {
      eventHubName: "%EVENT_HUB_NAME%",
      connection: EVENT_HUB_CONNECTION,
      cardinality: "many",
      extraOutputs: [notificationEventsQueue],
      handler: notificationEvents,
    },
  });
}
