// Mapping between @azure/functions HTTP types and the runtime-neutral webhook core.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { WebhookAnswer, WebhookInput } from "../app/notifications.js";

/** Reads the body, refusing one whose declared length is over the limit before reading it. */
export async function readWebhookInput(
  request: HttpRequest,
  options: { maxBodyBytes: number },
): Promise<{ ok: true; input: WebhookInput } | { ok: false; response: HttpResponseInit }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
    return { ok: false, response: { status: 413, jsonBody: { error: { message: `body larger than ${options.maxBodyBytes} bytes` } } } };
  }
  return { ok: true, input: { contentType: request.headers.get("content-type"), body: await request.text() } };
}

export function toHttpResponse(answer: WebhookAnswer): HttpResponseInit {
  return { status: answer.status, headers: answer.headers, ...(answer.body !== undefined ? { body: answer.body } : {}) };
}
