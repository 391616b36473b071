// The webhook: Graph's validation handshake, then the HTTP gates (content type, size, JSON shape),
// then the shared notification handler (src/app/notification-handler.ts: the per-item gates in
// their fixed order, the same for Event Hubs delivery). It only validates and turns notifications
// into work items; everything that talks to Graph happens later, from the queue, so Graph gets
// its answer in milliseconds.
import {
  createNotificationHandler,
  isObject,
  type CollectionKind,
  type NotificationHandlerOptions,
  type NotificationOutcome,
} from "./notification-handler.js";

export { MAX_ITEMS_PER_REQUEST, MAX_STORE_READS_PER_REQUEST, type DropReason } from "./notification-handler.js";

export interface WebhookInput {
  /** The `validationToken` query parameter, already URL-decoded. */
  validationToken?: string | null;
  contentType?: string | null;
  /** The raw body. */
  body: string;
}

export interface WebhookAnswer extends NotificationOutcome {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export interface WebhookOptions extends NotificationHandlerOptions {
  maxBodyBytes: number;
}

export function createWebhook(options: WebhookOptions) {
  const handler = createNotificationHandler(options);

  /** Shared gates: handshake, content type, size, JSON shape. Returns the collection or an answer. */
  function parse(input: WebhookInput): { collection: Record<string, unknown> & { value: unknown[] } } | { answer: WebhookAnswer } {
    const handshake = validationAnswer(input.validationToken);
    if (handshake) return { answer: handshake };
    const mediaType = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") {
      return { answer: problem(415, "Content-Type must be application/json", "content-type") };
    }
    if (typeof input.body !== "string" || Buffer.byteLength(input.body, "utf8") > options.maxBodyBytes) {
      return { answer: problem(413, `body larger than ${options.maxBodyBytes} bytes`, "body") };
    }
    let parsed: unknown;
    try {
      // A byte-order mark is allowed, as the Functions host's text decoding drops it anyway.
      parsed = JSON.parse(input.body.replace(/^\ufeff/, ""));
    } catch {
      return { answer: problem(400, "body is not valid JSON", "body") };
    }
    if (!isObject(parsed) || !Array.isArray(parsed.value)) {
      return { answer: problem(400, 'body must be an object with a "value" array', "value") };
    }
    return { collection: parsed as Record<string, unknown> & { value: unknown[] } };
  }

  async function handle(input: WebhookInput, kind: CollectionKind): Promise<WebhookAnswer> {
    const parsed = parse(input);
    if ("answer" in parsed) return parsed.answer;
    return { status: 202, headers: {}, ...(await handler.handleCollection(parsed.collection, kind)) };
  }

  return {
    handleChangeNotifications: (input: WebhookInput) => handle(input, "change"),
    handleLifecycleNotifications: (input: WebhookInput) => handle(input, "lifecycle"),
  };
}

export type Webhook = ReturnType<typeof createWebhook>;

/**
 * Graph's validation handshake: echo the (already URL-decoded) token as plain text. Needs no
 * configuration or storage, so it answers within Graph's 10 seconds even on a cold start.
 */
export function validationAnswer(validationToken: string | null | undefined): WebhookAnswer | undefined {
  if (typeof validationToken !== "string") return undefined;
  return {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
    body: validationToken,
    enqueue: [],
    dropped: {},
    resourceDataSkipped: {},
    storeReads: 0,
    warnings: [],
  };
}

/** An application/problem+json answer naming the field at fault. */
export function problem(status: number, detail: string, field: string): WebhookAnswer {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: JSON.stringify({ type: "about:blank", title: TITLES[status] ?? "Bad Request", status, detail, field }),
    enqueue: [],
    dropped: {},
    resourceDataSkipped: {},
    storeReads: 0,
    warnings: [],
  };
}

const TITLES: Record<number, string> = { 400: "Bad Request", 413: "Content Too Large", 415: "Unsupported Media Type" };
