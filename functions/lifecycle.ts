// HTTP POST /api/lifecycle: Graph's lifecycle notifications (reauthorizationRequired,
// subscriptionRemoved, missed). Validated like change notifications, handled from the queue.
import { output, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { validationAnswer } from "../src/app/notifications.js";
import { NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/app-settings.js";
import { readWebhookInput, toHttpResponse } from "../src/host/http.js";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export const lifecycleQueue = output.storageQueue({ queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION });

export async function lifecycle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const handshake = validationAnswer(request.query.get("validationToken"));
  if (handshake) return toHttpResponse(handshake);
  const { webhook, settings } = await getServices();
  const read = await readWebhookInput(request, { maxBodyBytes: settings.notifications.maxBodyBytes });
  if (!read.ok) return read.response;
  const answer = await webhook.handleLifecycleNotifications(read.input);
  if (answer.enqueue.length > 0) context.extraOutputs.set(lifecycleQueue, answer.enqueue);
  if (Object.keys(answer.dropped).length > 0) context.warn("dropped lifecycle notifications", answer.dropped);
  return toHttpResponse(answer);
}

registerFunction({
  kind: "http",
  name: "lifecycle",
  options: { methods: ["POST"], authLevel: "anonymous", extraOutputs: [lifecycleQueue], handler: lifecycle },
});
