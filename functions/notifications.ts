// HTTP POST /api/notifications: Graph's change notifications. Validates, enqueues, answers 202.
import { output, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/index.js";
import { answerWebhook } from "../src/host/http.js";
import { registerFunction } from "../src/host/registration.js";

export const notificationsQueue = output.storageQueue({ queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION });

export function notifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answerWebhook(request, context, {
    queue: notificationsQueue,
    handle: (webhook, input) => webhook.handleChangeNotifications(input),
  });
}

registerFunction({
  kind: "http",
  name: "notifications",
  options: { methods: ["POST"], authLevel: "anonymous", extraOutputs: [notificationsQueue], handler: notifications },
});
