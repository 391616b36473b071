// The webhook: Graph's validation handshake, then a fixed gate order for change and lifecycle
// notifications. It only validates and turns notifications into work items; everything that
// talks to Graph happens later, from the queue, so Graph gets its answer in milliseconds.
import { timingSafeEqual } from "node:crypto";
import type { QueueItem, SubscriptionRecord } from "./ports.js";

export interface WebhookInput {
  /** The `validationToken` query parameter, already URL-decoded. */
  validationToken?: string | null;
  contentType?: string | null;
  /** The raw body. */
  body: string;
}

export interface WebhookAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** Work for the queue. */
  enqueue: QueueItem[];
  /** Items dropped, by reason (counted for monitoring, never processed). */
  dropped: Partial<Record<DropReason, number>>;
}

export type DropReason =
  | "notAnObject"
  | "unknownSubscription"
  | "clientStateMismatch"
  | "tenantMismatch"
  | "unsupportedChangeType"
  | "missingResource"
  | "unknownLifecycleEvent"
  | "duplicate";

export interface WebhookOptions {
  /** Looks a subscription up by Graph's id (a point read, usually cached). */
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  /** The current client state first, then any still accepted during a rotation. */
  clientStates: readonly string[];
  /** When set, notifications for other tenants are dropped. */
  tenantId?: string;
  maxBodyBytes: number;
  clock?: () => Date;
}

const LIFECYCLE_EVENTS = new Set(["reauthorizationRequired", "subscriptionRemoved", "missed"]);
const TRACKED_CHANGES = new Set(["created", "updated"]);
/** Graph's $batch limit. */
const MAX_MESSAGES_PER_ITEM = 20;

export function createWebhook(options: WebhookOptions) {
  const clock = options.clock ?? (() => new Date());
  const secrets = options.clientStates.filter((s) => s.length > 0).map((s) => Buffer.from(s, "utf8"));
  if (secrets.length === 0) throw new TypeError("at least one client state is required");

  function clientStateMatches(value: unknown): boolean {
    if (typeof value !== "string") return false;
    const given = Buffer.from(value, "utf8");
    // Compare against every accepted secret, always, so timing says nothing about which matched.
    let matched = false;
    for (const secret of secrets) {
      const same = given.length === secret.length && timingSafeEqual(given, secret);
      matched = matched || same;
    }
    return matched;
  }

  /** Shared gates: handshake, content type, size, JSON shape. Returns the items or an answer. */
  function parse(input: WebhookInput): { items: unknown[] } | { answer: WebhookAnswer } {
    const handshake = validationAnswer(input.validationToken);
    if (handshake) return { answer: handshake };
    const mediaType = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") {
      return { answer: problem(415, "Content-Type must be application/json") };
    }
    if (Buffer.byteLength(input.body, "utf8") > options.maxBodyBytes) {
      return { answer: problem(413, `body larger than ${options.maxBodyBytes} bytes`) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.body);
    } catch {
      return { answer: problem(400, "body is not valid JSON") };
    }
    if (!isObject(parsed) || !Array.isArray(parsed.value)) {
      return { answer: problem(400, 'body must be an object with a "value" array') };
    }
    return { items: parsed.value };
  }

  /** Per item, in order: known subscription, client state, tenant. */
  async function authenticate(
    item: unknown,
    dropped: WebhookAnswer["dropped"],
  ): Promise<{ item: Record<string, unknown>; subscription: SubscriptionRecord } | undefined> {
    const drop = (reason: DropReason) => {
      dropped[reason] = (dropped[reason] ?? 0) + 1;
      return undefined;
    };
    if (!isObject(item) || typeof item.subscriptionId !== "string") return drop("notAnObject");
    const subscription = await options.getSubscription(item.subscriptionId);
    if (!subscription) return drop("unknownSubscription");
    if (!clientStateMatches(item.clientState)) return drop("clientStateMismatch");
    if (options.tenantId && typeof item.tenantId === "string" && item.tenantId.toLowerCase() !== options.tenantId.toLowerCase()) {
      return drop("tenantMismatch");
    }
    return { item, subscription };
  }

  async function handleChangeNotifications(input: WebhookInput): Promise<WebhookAnswer> {
    const parsed = parse(input);
    if ("answer" in parsed) return parsed.answer;
    const dropped: WebhookAnswer["dropped"] = {};
    // A burst for one subscription becomes work items of up to 20 messages: one $batch each.
    const bySubscription = new Map<string, { subscription: SubscriptionRecord; messageIds: string[] }>();
    for (const raw of parsed.items) {
      const valid = await authenticate(raw, dropped);
      if (!valid) continue;
      const { item, subscription } = valid;
      const changeType = typeof item.changeType === "string" ? item.changeType : "";
      if (!TRACKED_CHANGES.has(changeType)) {
        dropped.unsupportedChangeType = (dropped.unsupportedChangeType ?? 0) + 1;
        continue;
      }
      const messageId = messageIdOf(item);
      if (!messageId) {
        dropped.missingResource = (dropped.missingResource ?? 0) + 1;
        continue;
      }
      const group = bySubscription.get(subscription.id) ?? { subscription, messageIds: [] };
      bySubscription.set(subscription.id, group);
      if (group.messageIds.includes(messageId)) {
        dropped.duplicate = (dropped.duplicate ?? 0) + 1;
        continue;
      }
      group.messageIds.push(messageId);
    }
    const acceptedAt = clock().toISOString();
    const enqueue: QueueItem[] = [];
    for (const { subscription, messageIds } of bySubscription.values()) {
      for (let start = 0; start < messageIds.length; start += MAX_MESSAGES_PER_ITEM) {
        enqueue.push({
          kind: "change",
          subscriptionId: subscription.id,
          mailbox: subscription.mailbox,
          folder: subscription.folder,
          messageIds: messageIds.slice(start, start + MAX_MESSAGES_PER_ITEM),
          acceptedAt,
        });
      }
    }
    return accepted(enqueue, dropped);
  }

  async function handleLifecycleNotifications(input: WebhookInput): Promise<WebhookAnswer> {
    const parsed = parse(input);
    if ("answer" in parsed) return parsed.answer;
    const dropped: WebhookAnswer["dropped"] = {};
    const enqueue: QueueItem[] = [];
    const acceptedAt = clock().toISOString();
    for (const raw of parsed.items) {
      const valid = await authenticate(raw, dropped);
      if (!valid) continue;
      const { item, subscription } = valid;
      const lifecycleEvent = item.lifecycleEvent;
      if (typeof lifecycleEvent !== "string" || !LIFECYCLE_EVENTS.has(lifecycleEvent)) {
        dropped.unknownLifecycleEvent = (dropped.unknownLifecycleEvent ?? 0) + 1;
        continue;
      }
      enqueue.push({
        kind: "lifecycle",
        subscriptionId: subscription.id,
        mailbox: subscription.mailbox,
        folder: subscription.folder,
        lifecycleEvent: lifecycleEvent as "reauthorizationRequired" | "subscriptionRemoved" | "missed",
        acceptedAt,
      });
    }
    return accepted(enqueue, dropped);
  }

  return { handleChangeNotifications, handleLifecycleNotifications };
}

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
  };
}

/** The message id: `resourceData.id`, else the last segment of `resource` (`Users/{u}/Messages/{id}`). */
function messageIdOf(item: Record<string, unknown>): string | undefined {
  const data = item.resourceData;
  if (isObject(data) && typeof data.id === "string" && data.id.length > 0) return data.id;
  if (typeof item.resource === "string") {
    const match = /\/messages\/([^/?]+)$/i.exec(item.resource);
    if (match?.[1]) return decodeURIComponent(match[1]);
  }
  return undefined;
}

function accepted(enqueue: QueueItem[], dropped: WebhookAnswer["dropped"]): WebhookAnswer {
  return { status: 202, headers: {}, enqueue, dropped };
}

function problem(status: number, message: string): WebhookAnswer {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: { message } }),
    enqueue: [],
    dropped: {},
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

