// Mapping between @azure/functions HTTP types and the runtime-neutral webhook core.
import type { HttpRequest, HttpResponseInit, InvocationContext, StorageQueueOutput } from "@azure/functions";
import { problem, validationAnswer, type WebhookAnswer, type WebhookInput } from "../app/notifications.js";
import { getServices, type Services } from "./services.js";

/** Reads the body, refusing one whose declared length is over the limit before reading it. */
export async function readWebhookInput(
  request: HttpRequest,
  options: { maxBodyBytes: number },
): Promise<{ ok: true; input: WebhookInput } | { ok: false; response: HttpResponseInit }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
    return { ok: false, response: toHttpResponse(problem(413, `body larger than ${options.maxBodyBytes} bytes`, "body")) };
  }
  return { ok: true, input: { contentType: request.headers.get("content-type"), body: await request.text() } };
}

export function toHttpResponse(answer: WebhookAnswer): HttpResponseInit {
  return { status: answer.status, headers: answer.headers, ...(answer.body !== undefined ? { body: answer.body } : {}) };
}

/**
 * One webhook request: the validation handshake first (before any configuration is loaded, so a
 * cold start still answers within Graph's 10 seconds), then the gates, then the valid items to
 * the queue through the output binding.
 */
export async function answerWebhook(
  request: HttpRequest,
  context: InvocationContext,
  options: {
    queue: StorageQueueOutput;
    handle(webhook: Services["webhook"], input: WebhookInput): Promise<WebhookAnswer>;
  },
): Promise<HttpResponseInit> {
  const handshake = validationAnswer(request.query.get("validationToken"));
  if (handshake) return toHttpResponse(handshake);
  const { webhook, settings } = await getServices();
  const read = await readWebhookInput(request, { maxBodyBytes: settings.notifications.maxBodyBytes });
  if (!read.ok) return read.response;
  const answer = await options.handle(webhook, read.input);
  if (answer.enqueue.length > 0) context.extraOutputs.set(options.queue, answer.enqueue);
  // Counts and mailbox names only: never a subscription id or a client state.
  if (Object.keys(answer.dropped).length > 0) context.warn(`${context.functionName}: dropped notifications`, answer.dropped);
  for (const warning of answer.warnings) context.warn(`${context.functionName}: ${warning}`);
  return toHttpResponse(answer);
}
