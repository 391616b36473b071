// The webhook: Graph's validation handshake, then a fixed gate order for change and lifecycle
// notifications. It only validates and turns notifications into work items; everything that
// talks to Graph happens later, from the queue, so Graph gets its answer in milliseconds.
//
// Gate order (docs/architecture.md, "The webhook's threat model"): request shape and size →
// per item, the client state (an HMAC, constant time, no I/O) → tenant → ids well formed → the
// cap on items per request → only then the subscription lookup (cached for hits and misses,
// at most one per client state and at most MAX_STORE_READS_PER_REQUEST per request) → the
// client state bound to that subscription → the resource's mailbox is the subscription's.
import type { ClientStates } from "./client-state.js";
import { sameSecretString } from "./client-state.js";
import { isGuid, parseMessageResource, resourceUserMatches, type MessageResource } from "./notification-fields.js";
import { MAX_MESSAGES_PER_BATCH, type QueueItem, type SubscriptionRecord } from "./ports.js";
import type { TtlCache } from "./ttl-cache.js";

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
  /** Store reads this request cost (cache misses). */
  storeReads: number;
  /** Lines worth logging about dropped items; never a subscription id or a client state. */
  warnings: string[];
}

export type DropReason =
  | "notAnObject"
  | "clientStateMismatch"
  | "tenantMismatch"
  | "malformedSubscriptionId"
  | "malformedResource"
  | "unsupportedChangeType"
  | "unknownLifecycleEvent"
  | "tooManyItems"
  | "clientStateReused"
  | "readBudgetExceeded"
  | "unknownSubscription"
  | "clientStateNotBound"
  | "mailboxMismatch"
  | "duplicate";

export interface WebhookOptions {
  /** Subscriptions by Graph's id, read through the one TTL cache (hits and misses remembered). */
  subscriptions: TtlCache<SubscriptionRecord>;
  clientStates: ClientStates;
  /** The app's tenant: every notification must name it. */
  tenantId: string;
  maxBodyBytes: number;
  clock?: () => Date;
}

/**
 * Authenticated items handled per request; the rest are dropped (counted). Graph sends far fewer
 * in one POST; the bound keeps the work of one request small whatever it holds.
 */
export const MAX_ITEMS_PER_REQUEST = 1_000;
/**
 * Store reads (cache misses) per request. Each client state is bound to one subscription, so a
 * request can only need one read per distinct valid client state; this caps even that.
 */
export const MAX_STORE_READS_PER_REQUEST = 50;

const LIFECYCLE_EVENTS = new Set(["reauthorizationRequired", "subscriptionRemoved", "missed"]);
const TRACKED_CHANGES = new Set(["created", "updated"]);
/** Graph's $batch limit. */
const MAX_MESSAGES_PER_ITEM = MAX_MESSAGES_PER_BATCH;

type LifecycleEvent = Extract<QueueItem, { kind: "lifecycle" }>["lifecycleEvent"];

/** An item past the I/O-free gates: what it claims, not yet checked against the store. */
interface Claim {
  subscriptionId: string;
  nonce: string;
  change?: { resource: MessageResource };
  lifecycleEvent?: LifecycleEvent;
}

export function createWebhook(options: WebhookOptions) {
  const clock = options.clock ?? (() => new Date());
  const tenantId = options.tenantId.toLowerCase();
  if (!isGuid(tenantId)) throw new TypeError("the webhook needs the app's tenant id (a GUID)");

  /** Shared gates: handshake, content type, size, JSON shape. Returns the items or an answer. */
  function parse(input: WebhookInput): { items: unknown[] } | { answer: WebhookAnswer } {
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
    return { items: parsed.value };
  }

  /** The I/O-free gates of one item, in order. */
  function claimOf(item: unknown, kind: "change" | "lifecycle"): Claim | DropReason {
    if (!isObject(item)) return "notAnObject";
    const state = options.clientStates.verify(item.clientState);
    if (!state) return "clientStateMismatch";
    if (typeof item.tenantId !== "string" || item.tenantId.toLowerCase() !== tenantId) return "tenantMismatch";
    if (!isGuid(item.subscriptionId)) return "malformedSubscriptionId";
    const claim: Claim = { subscriptionId: item.subscriptionId, nonce: state.nonce };
    if (kind === "lifecycle") {
      const event = item.lifecycleEvent;
      if (typeof event !== "string" || !LIFECYCLE_EVENTS.has(event)) return "unknownLifecycleEvent";
      return { ...claim, lifecycleEvent: event as LifecycleEvent };
    }
    if (typeof item.changeType !== "string" || !TRACKED_CHANGES.has(item.changeType)) return "unsupportedChangeType";
    const resource = parseMessageResource(item.resource);
    if (!resource) return "malformedResource";
    // resourceData.id, when present, must name the same message as the resource.
    const data = item.resourceData;
    if (data !== undefined && !(isObject(data) && (data.id === undefined || data.id === resource.messageId))) return "malformedResource";
    return { ...claim, change: { resource } };
  }

  /**
   * The gates that need the subscription. One read at most per client state (a state belongs to
   * one subscription, so a second subscription id with the same state is forged) and per request.
   */
  async function authenticate(items: unknown[], kind: "change" | "lifecycle") {
    const dropped: WebhookAnswer["dropped"] = {};
    const warnings: string[] = [];
    const drop = (reason: DropReason) => {
      dropped[reason] = (dropped[reason] ?? 0) + 1;
    };
    const accepted: Array<{ claim: Claim; subscription: SubscriptionRecord }> = [];
    const subscriptionOfNonce = new Map<string, string>();
    let storeReads = 0;
    let passed = 0;
    for (const item of items) {
      const claim = claimOf(item, kind);
      if (typeof claim === "string") {
        drop(claim);
        continue;
      }
      if (++passed > MAX_ITEMS_PER_REQUEST) {
        drop("tooManyItems");
        continue;
      }
      const bound = subscriptionOfNonce.get(claim.nonce);
      if (bound !== undefined && bound !== claim.subscriptionId) {
        drop("clientStateReused");
        continue;
      }
      subscriptionOfNonce.set(claim.nonce, claim.subscriptionId);
      if (!options.subscriptions.has(claim.subscriptionId)) {
        if (storeReads >= MAX_STORE_READS_PER_REQUEST) {
          drop("readBudgetExceeded");
          continue;
        }
        storeReads += 1;
      }
      const subscription = await options.subscriptions.get(claim.subscriptionId);
      if (!subscription) {
        drop("unknownSubscription");
        continue;
      }
      if (subscription.clientStateNonce === undefined || !sameSecretString(subscription.clientStateNonce, claim.nonce)) {
        drop("clientStateNotBound");
        continue;
      }
      if (claim.change && !resourceUserMatches(claim.change.resource.user, subscription, tenantId)) {
        drop("mailboxMismatch");
        warnings.push(`a notification for ${subscription.mailbox}/${subscription.folder} names another mailbox in its resource: dropped`);
        continue;
      }
      accepted.push({ claim, subscription });
    }
    return { accepted, dropped, warnings, storeReads };
  }

  async function handleChangeNotifications(input: WebhookInput): Promise<WebhookAnswer> {
    const parsed = parse(input);
    if ("answer" in parsed) return parsed.answer;
    const { accepted, dropped, warnings, storeReads } = await authenticate(parsed.items, "change");
    // A burst for one subscription becomes work items of up to 20 messages: one $batch each.
    const bySubscription = new Map<string, { subscription: SubscriptionRecord; messageIds: Set<string> }>();
    for (const { claim, subscription } of accepted) {
      const messageId = claim.change?.resource.messageId as string;
      const group = bySubscription.get(subscription.id) ?? { subscription, messageIds: new Set<string>() };
      bySubscription.set(subscription.id, group);
      if (group.messageIds.has(messageId)) {
        dropped.duplicate = (dropped.duplicate ?? 0) + 1;
        continue;
      }
      group.messageIds.add(messageId);
    }
    const acceptedAt = clock().toISOString();
    const enqueue: QueueItem[] = [];
    for (const { subscription, messageIds } of bySubscription.values()) {
      const ids = [...messageIds];
      for (let start = 0; start < ids.length; start += MAX_MESSAGES_PER_ITEM) {
        enqueue.push({
          kind: "change",
          subscriptionId: subscription.id,
          mailbox: subscription.mailbox,
          folder: subscription.folder,
          ...(subscription.folderId !== undefined ? { folderId: subscription.folderId } : {}),
          messageIds: ids.slice(start, start + MAX_MESSAGES_PER_ITEM),
          acceptedAt,
        });
      }
    }
    return { status: 202, headers: {}, enqueue, dropped, storeReads, warnings };
  }

  async function handleLifecycleNotifications(input: WebhookInput): Promise<WebhookAnswer> {
    const parsed = parse(input);
    if ("answer" in parsed) return parsed.answer;
    const { accepted, dropped, warnings, storeReads } = await authenticate(parsed.items, "lifecycle");
    const acceptedAt = clock().toISOString();
    const seen = new Set<string>();
    const enqueue: QueueItem[] = [];
    for (const { claim, subscription } of accepted) {
      const event = claim.lifecycleEvent as LifecycleEvent;
      const key = `${subscription.id} ${event}`;
      if (seen.has(key)) {
        dropped.duplicate = (dropped.duplicate ?? 0) + 1;
        continue;
      }
      seen.add(key);
      enqueue.push({ kind: "lifecycle", subscriptionId: subscription.id, mailbox: subscription.mailbox, folder: subscription.folder, lifecycleEvent: event, acceptedAt });
    }
    return { status: 202, headers: {}, enqueue, dropped, storeReads, warnings };
  }

  return { handleChangeNotifications, handleLifecycleNotifications };
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
    storeReads: 0,
    warnings: [],
  };
}

const TITLES: Record<number, string> = { 400: "Bad Request", 413: "Content Too Large", 415: "Unsupported Media Type" };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
