// Change-notification subscriptions: the validation handshake, batching, retries, faults and
// lifecycle events, delivered over real HTTP(S) to the subscriber's endpoints.
import http from "node:http";
import https from "node:https";
import { randomBytes, randomUUID } from "node:crypto";
import type { X509Certificate } from "node:crypto";
import type { SimFolder, SimMessage } from "./mail-store.js";
import { etagOf } from "./mail-store.js";
import { renderMessage } from "./message-view.js";
import { encryptResourceData } from "./resource-data.js";

export type ChangeType = "created" | "updated" | "deleted";
export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface SimSubscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  notificationQueryOptions: null;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  includeResourceData: boolean | null;
  latestSupportedTlsVersion: string;
  encryptionCertificate: string | null;
  encryptionCertificateId: string | null;
  notificationUrlAppId: null;
  /** Simulator state below: never rendered. */
  /** The subscribing app's client id: rich notifications' validation tokens are addressed to it. */
  subscriberAppId: string;
  /** Rich subscriptions: the parsed certificate and the resource's $select. */
  certificate?: X509Certificate;
  select?: string[];
  mailboxId: string;
  /** The subscribed folder, resolved from the resource's well-known name or id when created. */
  folderId: string;
  immutableIds: boolean;
  paused: boolean;
  pending: NotificationItem[];
}

export type NotificationItem = Record<string, unknown>;

export interface DeliveryStats {
  /** POSTs attempted, retries included. */
  attempted: number;
  /** Notification items acknowledged with a 2xx. */
  delivered: number;
  /** Items given up after the last retry. */
  failed: number;
  /** Items discarded by the drop fault. */
  dropped: number;
  /** Items held while a subscription awaited reauthorization. */
  queuedWhilePaused: number;
  lifecycleDelivered: number;
}

export interface DeliveryFaults {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
  /** `updated` notifications emitted after each `created` (Outlook often sends several). */
  updatedAfterCreated: number;
  /** Selected properties left out of rich notifications' resource data (Graph may not carry them all). */
  resourceDataOmits: string[];
}

export interface DeliveryOptions {
  tenantId: string;
  clock: () => Date;
  /** Events closer together than this are batched into one POST per notification URL. */
  notificationDelayMs: number;
  /** Graph batches "several" notifications per POST, never unbounded: a burst is split into POSTs of at most this many. */
  maxNotificationsPerPost: number;
  notificationTimeoutMs: number;
  notificationMaxAttempts: number;
  notificationRetryBaseMs: number;
  validationTimeoutMs: number;
  /** Extra CA for HTTPS receivers (plain HTTP on localhost needs none). */
  receiverCa?: string | undefined;
  /** Signs a rich notification's validation token for the app (the simulator's identity). */
  signValidationToken?: (appId: string) => Promise<string>;
}

interface PostResult {
  status: number;
  body: string;
}

export const VALIDATION_FAILED =
  "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.";
export const VALIDATION_MISMATCH = "Response must exactly match validationToken query parameter.";
export const VALIDATION_TIMEOUT = "Subscription validation request timed out.";

export class NotificationHub {
  readonly subscriptions = new Map<string, SimSubscription>();
  readonly stats: DeliveryStats = {
    attempted: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
    queuedWhilePaused: 0,
    lifecycleDelivered: 0,
  };
  readonly faults: DeliveryFaults = { drop: false, duplicate: false, reorder: false, updatedAfterCreated: 0, resourceDataOmits: [] };
  private readonly buffers = new Map<string, NotificationItem[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly requests = new Set<http.ClientRequest>();
  private notificationCount = 0;
  private closed = false;
  /** Which app a rich item is for: one validation token per app in each POST, as Graph makes them. */
  private readonly richItemApps = new WeakMap<NotificationItem, string>();

  constructor(private readonly options: DeliveryOptions) {}

  /** From the next flush on, POSTs carry at most `count` notifications (1: one email per POST, as a quiet mailbox sees). */
  setMaxNotificationsPerPost(count: number): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`maxNotificationsPerPost must be a positive integer, got ${count}`);
    this.options.maxNotificationsPerPost = count;
  }

  resetStats(): void {
    for (const key of Object.keys(this.stats) as (keyof DeliveryStats)[]) this.stats[key] = 0;
  }

  /** An active subscription: known and not past its expiry by the simulator clock. */
  active(id: string): SimSubscription | undefined {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return undefined;
    if (Date.parse(subscription.expirationDateTime) <= this.options.clock().getTime()) return undefined;
    return subscription;
  }

  /** Sends the validation POST; resolves with an error message, or null when it passed. */
  async validateEndpoint(url: string): Promise<string | null> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.append("validationToken", token);
    // URLSearchParams encodes spaces as '+'; Graph sends %20.
    const href = target.href.replace(/validationToken=[^&]*/, `validationToken=${encodeURIComponent(token)}`);
    let result: PostResult;
    try {
      result = await this.post(href, "", "text/plain; charset=utf-8", this.options.validationTimeoutMs);
    } catch (error) {
      return (error as Error).message === "timeout" ? VALIDATION_TIMEOUT : VALIDATION_FAILED;
    }
    if (result.status !== 200) return VALIDATION_FAILED;
    if (result.body !== token) return VALIDATION_MISMATCH;
    return null;
  }

  /** Emits change notifications for a message change in a folder. */
  notifyChange(input: {
    mailboxId: string;
    folderId: string;
    /** The folder itself, when known: a rich payload shows headers as a GET from it would. */
    folder?: SimFolder;
    changeType: ChangeType;
    message: SimMessage;
  }): void {
    for (const subscription of this.subscriptions.values()) {
      if (!this.active(subscription.id)) continue;
      if (subscription.mailboxId !== input.mailboxId) continue;
      if (subscription.folderId !== input.folderId) continue;
      const types = subscription.changeType.split(",").map((type) => type.trim());
      if (types.includes(input.changeType)) {
        this.enqueue(subscription, this.changeItem(subscription, input.changeType, input.message, input.folder));
      }
      if (input.changeType === "created" && types.includes("updated")) {
        for (let i = 0; i < this.faults.updatedAfterCreated; i += 1) {
          this.enqueue(subscription, this.changeItem(subscription, "updated", input.message, input.folder));
        }
      }
    }
  }

  /** Sends a lifecycle event; reauthorizationRequired pauses delivery, subscriptionRemoved deletes. */
  triggerLifecycle(subscription: SimSubscription, event: LifecycleEvent): void {
    if (event === "reauthorizationRequired") subscription.paused = true;
    if (event === "subscriptionRemoved") this.subscriptions.delete(subscription.id);
    if (!subscription.lifecycleNotificationUrl) return;
    const item: NotificationItem = {
      lifecycleEvent: event,
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: subscription.expirationDateTime,
      clientState: subscription.clientState,
      tenantId: this.options.tenantId,
    };
    this.track(
      this.deliver(subscription.lifecycleNotificationUrl, [item]).then((delivered) => {
        if (delivered) this.stats.lifecycleDelivered += 1;
      }),
    );
  }

  /** Resumes a paused subscription and releases what was held. */
  resume(subscription: SimSubscription): void {
    subscription.paused = false;
    const held = subscription.pending.splice(0);
    for (const item of held) this.enqueue(subscription, item);
  }

  /** Resolves when every buffered and in-flight delivery has finished (retries included). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.timers.size === 0 && this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight]);
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.requests) request.destroy();
  }

  private changeItem(subscription: SimSubscription, changeType: ChangeType, message: SimMessage, folder?: SimFolder): NotificationItem {
    const id = subscription.immutableIds ? message.immutableId : message.restId;
    const resource = `Users/${subscription.mailboxId}/Messages/${id}`;
    this.notificationCount += 1;
    const item: NotificationItem = {};
    // Graph omits `id` on some notifications: every third one here.
    if (this.notificationCount % 3 !== 0) item.id = randomBytes(9).toString("base64url");
    Object.assign(item, {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: subscription.expirationDateTime,
      changeType,
      resource,
      resourceData: {
        "@odata.type": "#Microsoft.Graph.Message",
        "@odata.id": resource,
        "@odata.etag": etagOf(message),
        id,
      },
      clientState: subscription.clientState,
      tenantId: this.options.tenantId,
    });
    if (subscription.includeResourceData && subscription.certificate && subscription.encryptionCertificateId) {
      // Only the selected properties, rendered as a GET with that $select would (body as HTML:
      // a notification has no Prefer header).
      const omits = this.faults.resourceDataOmits;
      const view = renderMessage(message, {
        select: subscription.select?.filter((name) => !omits.includes(name)),
        immutableIds: subscription.immutableIds,
        bodyAsText: false,
        folder: folder ?? { id: subscription.folderId, wellKnownName: null, displayName: "", parentFolderId: null },
      });
      delete view["@odata.etag"];
      item.encryptedContent = encryptResourceData(view, { certificate: subscription.certificate, certificateId: subscription.encryptionCertificateId });
      this.richItemApps.set(item, subscription.subscriberAppId);
    }
    return item;
  }

  private enqueue(subscription: SimSubscription, item: NotificationItem): void {
    if (this.closed) return;
    if (subscription.paused) {
      subscription.pending.push(item);
      this.stats.queuedWhilePaused += 1;
      return;
    }
    const url = subscription.notificationUrl;
    const buffer = this.buffers.get(url);
    if (buffer) {
      buffer.push(item);
      return;
    }
    this.buffers.set(url, [item]);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const items = this.buffers.get(url) ?? [];
      this.buffers.delete(url);
      this.track(this.flush(url, items));
    }, this.options.notificationDelayMs);
    this.timers.add(timer);
  }

  private async flush(url: string, items: NotificationItem[]): Promise<void> {
    if (this.faults.drop) {
      this.stats.dropped += items.length;
      return;
    }
    const size = Math.max(1, this.options.maxNotificationsPerPost);
    const batches = this.faults.reorder
      ? items.map((item) => [item]).reverse()
      : Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
    for (const batch of batches) {
      await this.deliver(url, batch);
      if (this.faults.duplicate) await this.deliver(url, batch);
    }
  }

  /** POSTs one batch with bounded exponential backoff; true when acknowledged with a 2xx. */
  private async deliver(url: string, items: NotificationItem[]): Promise<boolean> {
    const apps = new Set(items.flatMap((item) => this.richItemApps.get(item) ?? []));
    const validationTokens = this.options.signValidationToken && apps.size > 0 ? await Promise.all([...apps].map((app) => this.options.signValidationToken!(app))) : [];
    const body = JSON.stringify(validationTokens.length > 0 ? { validationTokens, value: items } : { value: items });
    for (let attempt = 1; attempt <= this.options.notificationMaxAttempts; attempt += 1) {
      if (this.closed) return false;
      this.stats.attempted += 1;
      try {
        const result = await this.post(url, body, "application/json; charset=utf-8", this.options.notificationTimeoutMs);
        if (result.status >= 200 && result.status < 300) {
          this.stats.delivered += items.length;
          return true;
        }
      } catch {
        // Timeouts and connection errors are retried like non-2xx answers.
      }
      if (attempt < this.options.notificationMaxAttempts) {
        await this.sleep(this.options.notificationRetryBaseMs * 2 ** (attempt - 1));
      }
    }
    this.stats.failed += items.length;
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const transport = target.protocol === "https:" ? https : http;
      const request = transport.request(
        target,
        {
          method: "POST",
          headers: { "content-type": contentType, "content-length": Buffer.byteLength(body) },
          ...(target.protocol === "https:" && this.options.receiverCa ? { ca: this.options.receiverCa } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            clearTimeout(timer);
            this.requests.delete(request);
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
          });
          response.on("error", (error) => {
            clearTimeout(timer);
            reject(error);
          });
        },
      );
      this.requests.add(request);
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error("timeout"));
      }, timeoutMs);
      request.on("error", (error) => {
        clearTimeout(timer);
        this.requests.delete(request);
        reject(error);
      });
      request.end(body);
    });
  }
}

/** The subscription as Graph renders it; GET /subscriptions omits clientState. */
export function renderSubscription(
  subscription: SimSubscription,
  options: { includeClientState: boolean },
): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    id: subscription.id,
    resource: subscription.resource,
    applicationId: subscription.applicationId,
    changeType: subscription.changeType,
    clientState: options.includeClientState ? subscription.clientState : null,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: subscription.notificationQueryOptions,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    expirationDateTime: subscription.expirationDateTime,
    creatorId: subscription.creatorId,
    includeResourceData: subscription.includeResourceData,
    latestSupportedTlsVersion: subscription.latestSupportedTlsVersion,
    encryptionCertificate: subscription.encryptionCertificate,
    encryptionCertificateId: subscription.encryptionCertificateId,
    notificationUrlAppId: subscription.notificationUrlAppId,
  };
  return rendered;
}

/**
 * Parses `users/{id}/mailFolders('inbox')/messages` in its usual spellings; the folder is a
 * well-known name or a folder id (the caller resolves it).
 */
export function parseSubscriptionResource(
  resource: string,
): { user: string; folder: string; select?: string[] } | undefined {
  const [path = "", query] = resource.trim().split("?", 2);
  const match =
    /^\/?users\/([^/]+)\/mailfolders(?:\(\s*'([^']+)'\s*\)|\(\s*"([^"]+)"\s*\)|\/([^/]+))\/messages\/?$/i.exec(path);
  if (!match) return undefined;
  const user = decodeURIComponent(match[1] ?? "");
  const folder = decodeURIComponent(match[2] ?? match[3] ?? match[4] ?? "");
  if (folder.length === 0) return undefined;
  const select = query === undefined ? undefined : new URLSearchParams(query).get("$select");
  if (query !== undefined && !select) return undefined;
  return select ? { user, folder, select: select.split(",").map((name) => name.trim()).filter((name) => name.length > 0) } : { user, folder };
}
