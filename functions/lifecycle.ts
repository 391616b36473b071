// HTTP POST /api/lifecycle: Graph's lifecycle notifications (reauthorizationRequired,
// subscriptionRemoved, missed). Validated like change notifications, handled from the queue.
import { output, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { NOTIFICATIONS_QUEUE, STORAGE_CONNECTION } from "../src/config/index.js";
import { answerWebhook } from "../src/host/http.js";
import { registerFunction } from "../src/host/registration.js";

export const lifecycleQueue = output.storageQueue({ queueName: NOTIFICATIONS_QUEUE, connection: STORAGE_CONNECTION });

export function lifecycle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answerWebhook(request, context, {
    queue: lifecycleQueue,
    handle: (webhook, input) => webhook.handleLifecycleNotifications(input),
  });
}

registerFunction({
  kind: "http",
  name: "lifecycle",
  options: { methods: ["POST"], authLevel: "anonymous", extraOutputs: [lifecycleQueue], handler: lifecycle },
});
