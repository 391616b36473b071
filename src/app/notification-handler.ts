// The one handler of Graph's notification collections, whichever way they arrive: the webhook
// (src/app/notifications.ts, over HTTP) and Event Hubs (src/app/event-hub-notifications.ts). It
// authenticates each item and turns what passes into queue work; everything that talks to Graph
// happens later, from the queue.
//
// Gate order per item (docs/architecture.md, "The webhook's threat model"): the client state (an
// HMAC, constant time, no I/O) → tenant → ids well formed → the cap on items per collection →
// only then the subscription lookup (cached for hits and misses, at most one per client state and
// at most MAX_STORE_READS_PER_REQUEST per collection) → the client state bound to that
// subscription → the resource's mailbox is the subscription's. Rich notifications add one more:
// the collection's validationTokens (JWTs, checked with jose) must all pass before any item's
// encrypted resource data is trusted; when they don't, the items are handled as basic
// notifications (the worker fetches the message from Graph), so nothing is lost.
import type { ClientStates } from "./client-state.js";
import { sameSecretString } from "./client-state.js";
import { isGuid, parseMessageResource, resourceUserMatches, type MessageResource } from "./notification-fields.js";
import { MAX_MESSAGES_PER_BATCH, type EncryptedContent, type QueueItem, type SubscriptionRecord, type ValidationTokenVerifier } from "./ports.js";
import { parseEncryptedContent } from "./resource-data.js";
import type { TtlCache } from "./ttl-cache.js";

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

/**
 * Resource data not used (the message is fetched instead), by reason: the validation tokens
 * failed, the subscription is not a rich one, the payload was malformed, or it would not fit in a
 * queue message.
 */
export type ResourceDataSkipReason = "untrusted" | "unexpected" | "malformed" | "tooLargeForQueue";

export interface NotificationOutcome {
  /** Work for the queue. */
  enqueue: QueueItem[];
  /** Items dropped, by reason (counted for monitoring, never processed). */
  dropped: Partial<Record<DropReason, number>>;
  /** Items accepted whose resource data was set aside, by reason. */
  resourceDataSkipped: Partial<Record<ResourceDataSkipReason, number>>;
  /** Store reads this collection cost (cache misses). */
  storeReads: number;
  /** Lines worth logging about dropped items; never a subscription id or a client state. */
  warnings: string[];
}

export interface NotificationHandlerOptions {
  /** Subscriptions by Graph's id, read through the one TTL cache (hits and misses remembered). */
  subscriptions: TtlCache<SubscriptionRecord>;
  clientStates: ClientStates;
  /** The app's tenant: every notification must name it. */
  tenantId: string;
  /** Checks rich notifications' validationTokens; without it resource data is never trusted. */
  validationTokens?: ValidationTokenVerifier;
  clock?: () => Date;
}

/** Which items a collection may hold: the webhook's two URLs take one kind each; Event Hubs both. */
export type CollectionKind = "change" | "lifecycle" | "any";

/**
 * Authenticated items handled per collection; the rest are dropped (counted). Graph sends far
 * fewer in one POST; the bound keeps the work of one request small whatever it holds.
 */
export const MAX_ITEMS_PER_REQUEST = 1_000;
/**
 * Store reads (cache misses) per collection. Each client state is bound to one subscription, so a
 * request can only need one read per distinct valid client state; this caps even that.
 */
export const MAX_STORE_READS_PER_REQUEST = 50;
/** Graph makes one token per app and tenant; more than this in one collection is not Graph's. */
const MAX_VALIDATION_TOKENS = 10;
/**
 * Characters of encrypted content one queue item carries. A storage queue message holds 64 KiB,
 * base64-encoded (48 KiB of JSON); the rest is left for the item's other fields.
 */
export const MAX_QUEUED_RESOURCE_DATA_CHARS = 40_000;

const LIFECYCLE_EVENTS = new Set(["reauthorizationRequired", "subscriptionRemoved", "missed"]);
const TRACKED_CHANGES = new Set(["created", "updated"]);

type LifecycleEvent = Extract<QueueItem, { kind: "lifecycle" }>["lifecycleEvent"];

/** An item past the I/O-free gates: what it claims, not yet checked against the store. */
interface Claim {
  subscriptionId: string;
  nonce: string;
  change?: { resource: MessageResource; encryptedContent?: EncryptedContent; malformedContent?: boolean; updated?: boolean };
  lifecycleEvent?: LifecycleEvent;
}

export function createNotificationHandler(options: NotificationHandlerOptions) {
  const clock = options.clock ?? (() => new Date());
  const tenantId = options.tenantId.toLowerCase();
  if (!isGuid(tenantId)) throw new TypeError("the notification handler needs the app's tenant id (a GUID)");

  /** The I/O-free gates of one item, in order. */
  function claimOf(item: unknown, kind: CollectionKind): Claim | DropReason {
    if (!isObject(item)) return "notAnObject";
    const state = options.clientStates.verify(item.clientState);
    if (!state) return "clientStateMismatch";
    if (typeof item.tenantId !== "string" || item.tenantId.toLowerCase() !== tenantId) return "tenantMismatch";
    if (!isGuid(item.subscriptionId)) return "malformedSubscriptionId";
    const claim: Claim = { subscriptionId: item.subscriptionId, nonce: state.nonce };
    const isLifecycle = kind === "lifecycle" || (kind === "any" && item.lifecycleEvent !== undefined);
    if (isLifecycle) {
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
    // A change to mail already there: handled by the folder's delta (src/app/categories.ts), whatever it carries.
    if (item.changeType === "updated") return { ...claim, change: { resource, updated: true } };
    if (item.encryptedContent === undefined || item.encryptedContent === null) return { ...claim, change: { resource } };
    // Malformed resource data is set aside, not the notification: the message is fetched instead.
    const encryptedContent = parseEncryptedContent(item.encryptedContent);
    return { ...claim, change: encryptedContent ? { resource, encryptedContent } : { resource, malformedContent: true } };
  }

  /**
   * The gates that need the subscription. One read at most per client state (a state belongs to
   * one subscription, so a second subscription id with the same state is forged) and per collection.
   */
  async function authenticate(items: unknown[], kind: CollectionKind) {
    const dropped: NotificationOutcome["dropped"] = {};
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

  /**
   * Whether the collection's validationTokens vouch for its resource data: every token must pass
   * (Graph makes one per app and tenant, and this URL serves one app). Asked only when an item
   * that passed every other gate carries resource data, so no anonymous caller makes it fetch keys.
   */
  async function tokensTrusted(tokens: unknown): Promise<boolean> {
    if (!options.validationTokens || !Array.isArray(tokens) || tokens.length === 0 || tokens.length > MAX_VALIDATION_TOKENS) return false;
    for (const token of tokens) {
      if (typeof token !== "string" || token.length > 16_384) return false;
      if (!(await options.validationTokens.verify(token)).ok) return false;
    }
    return true;
  }

  async function changes(accepted: Array<{ claim: Claim; subscription: SubscriptionRecord }>, collection: Record<string, unknown>, outcome: NotificationOutcome) {
    const skipped = outcome.resourceDataSkipped;
    const skip = (reason: ResourceDataSkipReason) => {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    };
    const carriesData = accepted.some(({ claim, subscription }) => claim.change?.encryptedContent && subscription.encryptionCertificateId !== undefined);
    const trusted = carriesData && (await tokensTrusted(collection.validationTokens));
    // A burst for one subscription becomes work items of up to 20 messages: one $batch each.
    const bySubscription = new Map<string, { subscription: SubscriptionRecord; messages: Map<string, EncryptedContent | undefined> }>();
    const updatedBySubscription = new Map<string, { subscription: SubscriptionRecord; messageIds: Set<string> }>();
    for (const { claim, subscription } of accepted) {
      const change = claim.change;
      if (!change) continue;
      const messageId = change.resource.messageId;
      if (change.updated) {
        const updated = updatedBySubscription.get(subscription.id) ?? { subscription, messageIds: new Set<string>() };
        updatedBySubscription.set(subscription.id, updated);
        if (updated.messageIds.has(messageId)) outcome.dropped.duplicate = (outcome.dropped.duplicate ?? 0) + 1;
        updated.messageIds.add(messageId);
        continue;
      }
      const group = bySubscription.get(subscription.id) ?? { subscription, messages: new Map<string, EncryptedContent | undefined>() };
      bySubscription.set(subscription.id, group);
      if (group.messages.has(messageId)) {
        outcome.dropped.duplicate = (outcome.dropped.duplicate ?? 0) + 1;
        continue;
      }
      let content = change.encryptedContent;
      if (change.malformedContent) skip("malformed");
      else if (content && subscription.encryptionCertificateId === undefined) {
        skip("unexpected");
        content = undefined;
      } else if (content && !trusted) {
        skip("untrusted");
        content = undefined;
      }
      group.messages.set(messageId, content);
    }
    const acceptedAt = clock().toISOString();
    // `updated` items: a message that arrived in this collection is fetched anyway, so its `updated` adds nothing.
    for (const { subscription, messageIds } of updatedBySubscription.values()) {
      const created = bySubscription.get(subscription.id)?.messages;
      const ids = [...messageIds].filter((id) => {
        if (!created?.has(id)) return true;
        outcome.dropped.duplicate = (outcome.dropped.duplicate ?? 0) + 1;
        return false;
      });
      for (let start = 0; start < ids.length; start += MAX_MESSAGES_PER_BATCH) {
        outcome.enqueue.push({
          kind: "change",
          subscriptionId: subscription.id,
          mailbox: subscription.mailbox,
          folder: subscription.folder,
          changeType: "updated",
          ...(subscription.folderId !== undefined ? { folderId: subscription.folderId } : {}),
          messageIds: ids.slice(start, start + MAX_MESSAGES_PER_BATCH),
          acceptedAt,
        });
      }
    }
    for (const { subscription, messages } of bySubscription.values()) {
      let batch: { messageIds: string[]; content: Record<string, EncryptedContent>; chars: number } | undefined;
      const flush = () => {
        if (!batch) return;
        outcome.enqueue.push({
          kind: "change",
          subscriptionId: subscription.id,
          mailbox: subscription.mailbox,
          folder: subscription.folder,
          ...(subscription.folderId !== undefined ? { folderId: subscription.folderId } : {}),
          messageIds: batch.messageIds,
          ...(batch.chars > 0 ? { encryptedContent: batch.content } : {}),
          acceptedAt,
        });
        batch = undefined;
      };
      for (const [messageId, found] of messages) {
        let content = found;
        let chars = content ? content.data.length + content.dataKey.length + content.dataSignature.length + 200 : 0;
        if (chars > MAX_QUEUED_RESOURCE_DATA_CHARS) {
          skip("tooLargeForQueue");
          content = undefined;
          chars = 0;
        }
        if (batch && (batch.messageIds.length >= MAX_MESSAGES_PER_BATCH || batch.chars + chars > MAX_QUEUED_RESOURCE_DATA_CHARS)) flush();
        batch ??= { messageIds: [], content: {}, chars: 0 };
        batch.messageIds.push(messageId);
        if (content) {
          batch.content[messageId] = content;
          batch.chars += chars;
        }
      }
      flush();
    }
  }

  function lifecycles(accepted: Array<{ claim: Claim; subscription: SubscriptionRecord }>, outcome: NotificationOutcome) {
    const acceptedAt = clock().toISOString();
    const seen = new Set<string>();
    for (const { claim, subscription } of accepted) {
      const event = claim.lifecycleEvent;
      if (!event) continue;
      const key = `${subscription.id} ${event}`;
      if (seen.has(key)) {
        outcome.dropped.duplicate = (outcome.dropped.duplicate ?? 0) + 1;
        continue;
      }
      seen.add(key);
      outcome.enqueue.push({ kind: "lifecycle", subscriptionId: subscription.id, mailbox: subscription.mailbox, folder: subscription.folder, lifecycleEvent: event, acceptedAt });
    }
  }

  /** One collection (`{ value: [...], validationTokens?: [...] }`, already parsed and shaped). */
  async function handleCollection(collection: Record<string, unknown> & { value: unknown[] }, kind: CollectionKind): Promise<NotificationOutcome> {
    const { accepted, dropped, warnings, storeReads } = await authenticate(collection.value, kind);
    const outcome: NotificationOutcome = { enqueue: [], dropped, resourceDataSkipped: {}, storeReads, warnings };
    await changes(accepted, collection, outcome);
    lifecycles(accepted, outcome);
    return outcome;
  }

  return { handleCollection };
}

export type NotificationHandler = ReturnType<typeof createNotificationHandler>;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
