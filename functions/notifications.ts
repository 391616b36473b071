// HTTP POST /api/notifications: Graph's change notifications. Validates, enqueues, answers 202.
import { output, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { validationAnswer } from "../src/app/notifications.js";
import { NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/app-settings.js";
import { readWebhookInput, toHttpResponse } from "../src/host/http.js";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export const notificationsQueue = output.storageQueue({ queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION });

export async function notifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const handshake = validationAnswer(request.query.get("validationToken"));
  if (handshake) return toHttpResponse(handshake);
  const { webhook, settings } = await getServices();
  const read = await readWebhookInput(request, { maxBodyBytes: settings.notifications.maxBodyBytes });
  if (!read.ok) return read.response;
  const answer = await webhook.handleChangeNotifications(read.input);
  if (answer.enqueue.length > 0) context.extraOutputs.set(notificationsQueue, answer.enqueue);
  if (Object.keys(answer.dropped).length > 0) context.warn("dropped notifications", answer.dropped);
  return toHttpResponse(answer);
}

registerFunction({
  kind: "http",
  name: "notifications",
  options: { methods: ["POST"], authLevel: "anonymous", extraOutputs: [notificationsQueue], handler: notifications },
});
