// A local Microsoft Graph stand-in for development and tests: token endpoint, mail, delta,
// sending, subscriptions with real webhook delivery, $batch, throttling and fault injection.
// Never imported by product code (src/).
// This file starts the server and holds the public types and the admin API; each concern's
// routes live beside it (dispatch.ts routes to them).
import https from "node:https";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { createLocalCertificate } from "../certificates.js";
import { MailStore, newInternetMessageId } from "./mail-store.js";
import type { SimAddress, SimHeader } from "./mail-store.js";
import { NotificationHub } from "./subscriptions.js";
import type { DeliveryStats, LifecycleEvent, SimSubscription } from "./subscriptions.js";
import { graphError, newRequestId } from "./http-util.js";
import { createSimulatedIdentity, objectIdFor, type SimulatedIdentity } from "./identity.js";
import { createBrowserSignIn } from "./sign-in.js";
import { ALL_APP_ROLES } from "../../src/api/roles.js";
import { createSimulatorControl } from "./control.js";
import type { FaultState, SimContext } from "./context.js";
import { createFaults } from "./faults.js";
import { createMessageLifecycle } from "./message-lifecycle.js";
import type { Composition } from "./message-lifecycle.js";
import { createTokens } from "./tokens.js";
import { createFolderRoutes } from "./folder-routes.js";
import { createGraphRouter } from "./dispatch.js";
import { createHttpLayer } from "./http-layer.js";

export interface GraphSimulatorOptions {
  port?: number;
  tenantId?: string;
  clock?: () => Date;
  /** Events within this window are batched into one notification POST (default 20 ms). */
  notificationDelayMs?: number;
  /** Most notifications in one POST; a larger batch goes out as several (default 100). */
  maxNotificationsPerPost?: number;
  /** Per-attempt timeout of a notification POST (default 10 s). */
  notificationTimeoutMs?: number;
  /** Attempts per notification POST before giving up (default 5). */
  notificationMaxAttempts?: number;
  /** First retry delay, doubled per attempt (default 1 s; use a few ms in tests). */
  notificationRetryBaseMs?: number;
  /** Validation handshake deadline (Graph: 10 s). */
  validationTimeoutMs?: number;
  /** Grants subscriptions at most this lifetime, so callers must store the returned expiry. */
  maxSubscriptionMinutes?: number;
  /** When set, only these client ids (and secrets) get tokens. */
  clients?: { clientId: string; clientSecret?: string }[];
  tokenLifetimeSeconds?: number;
  /** Delta page size without `Prefer: odata.maxpagesize` (default 10). */
  defaultDeltaPageSize?: number;
  /** Retry-After sent with MailboxConcurrency 429s (default 1). */
  concurrencyRetryAfterSeconds?: number;
  /** Extra CA for HTTPS notification receivers. */
  receiverCa?: string;
}

export interface MailboxInfo {
  id: string;
  address: string;
  displayName: string;
}

export interface DeliverExternalInput {
  to: string[];
  cc?: string[];
  from: { address: string; name?: string };
  subject: string;
  body?: string | { contentType: "text" | "html"; content: string };
  /** Raw MIME headers, e.g. In-Reply-To, References, Thread-Index, Auto-Submitted. */
  headers?: SimHeader[];
  internetMessageId?: string;
  /** Base64; otherwise taken from Thread-Index, derived from the parent, or new. */
  conversationIndex?: string;
  receivedDateTime?: string;
}

export interface Delivery {
  mailboxId: string;
  /** The immutable id. */
  messageId: string;
  restId: string;
}

export interface DeliverResult {
  internetMessageId: string;
  deliveries: Delivery[];
}

export interface SimMessageSnapshot {
  id: string;
  restId: string;
  /** The well-known name, or a user folder's display name. */
  folder: string;
  folderId: string;
  subject: string;
  internetMessageId: string;
  inReplyTo: string | null;
  references: string | null;
  conversationId: string;
  conversationIndex: string;
  headers: SimHeader[];
  categories: string[];
  isDraft: boolean;
  from: SimAddress | null;
  toRecipients: SimAddress[];
  ccRecipients: SimAddress[];
  receivedDateTime: string;
}

export interface GraphSimulatorStats {
  requests: { total: number; byEndpoint: Record<string, number>; byMailbox: Record<string, number> };
  throttled: number;
  maxConcurrencyByMailbox: Record<string, number>;
  tokensIssued: number;
  notifications: DeliveryStats;
}

export interface GraphSimulatorFaults {
  /** The next `count` requests (for one mailbox, or any) get 429 TooManyRequests. */
  throttle(input: { mailbox?: string; count: number; retryAfterSeconds: number }): void;
  serverError(input: { count: number; status?: number; mailbox?: string }): void;
  slow(input: { ms: number; count: number; mailbox?: string }): void;
  dropNotifications(on: boolean): void;
  duplicateNotifications(on: boolean): void;
  reorderNotifications(on: boolean): void;
  /** Emits `count` `updated` notifications after every `created` (for subscriptions asking for updates). */
  updatedAfterCreated(count: number): void;
  /** Leaves these selected properties out of rich notifications' resource data ([]: none). */
  resourceDataOmits(properties: string[]): void;
  deltaGone(input: { mailbox?: string; count: number }): void;
  accessDenied(mailbox: string, on: boolean): void;
  clear(): void;
}

export interface GraphSimulator {
  baseUrl: string;
  authorityHost: string;
  ca: string;
  tenantId: string;
  /** Signed access tokens for the admin API, and the JWKS that verifies them (identity.ts). */
  identity: SimulatedIdentity;
  stats: GraphSimulatorStats;
  faults: GraphSimulatorFaults;
  addMailbox(input: { id?: string; address: string; displayName?: string }): string;
  getMailbox(idOrAddress: string): MailboxInfo | undefined;
  deliverExternal(input: DeliverExternalInput): DeliverResult;
  /** `folder`: a well-known name, a folder id, or a path of display names below the Inbox ("Customers/Contoso"). */
  moveMessage(mailbox: string, messageId: string, folder: string): SimMessageSnapshot;
  /** A user's folder under `parent` (a well-known name, an id or a path below the Inbox); returns its id. */
  createFolder(mailbox: string, input: { parent: string; displayName: string }): string;
  renameFolder(mailbox: string, folder: string, displayName: string): void;
  deleteFolder(mailbox: string, folder: string): void;
  moveFolder(mailbox: string, folder: string, parent: string): void;
  listFolders(mailbox: string): Array<{ id: string; displayName: string; parentFolderId: string | null; wellKnownName: string | null }>;
  deleteMessage(mailbox: string, messageId: string): void;
  updateMessage(mailbox: string, messageId: string, changes: { categories?: string[]; isRead?: boolean; subject?: string }): SimMessageSnapshot;
  listMessages(mailbox: string, folder: string): SimMessageSnapshot[];
  listSubscriptions(): SimSubscription[];
  triggerLifecycle(subscriptionId: string, event: LifecycleEvent): void;
  /** Expires a subscription now, without a lifecycle notification (as Graph sometimes does). */
  expireSubscription(subscriptionId: string): void;
  /** Deletes a subscription behind its owner's back: no lifecycle notification, no trace. */
  removeSubscriptionSilently(subscriptionId: string): void;
  /** Resolves once buffered notifications and their retries are finished. */
  notificationsIdle(): Promise<void>;
  /** Changes the `maxNotificationsPerPost` option of a running simulator. */
  setMaxNotificationsPerPost(count: number): void;
  resetStats(): void;
  close(): Promise<void>;
}

function headerValue(headers: SimHeader[], name: string): string | undefined {
  return headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;
}

/** Notifications per POST unless told otherwise (docs/graph-simulator.md). */
export const DEFAULT_MAX_NOTIFICATIONS_PER_POST = 100;

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const tenantId = options.tenantId ?? randomUUID();
  const clock = options.clock ?? (() => new Date());
  const certificate = await createLocalCertificate({ commonName: "graph-simulator.local", hosts: ["127.0.0.1", "localhost"] });
  const store = new MailStore();
  const hub = new NotificationHub({
    tenantId,
    clock,
    notificationDelayMs: options.notificationDelayMs ?? 20,
    maxNotificationsPerPost: options.maxNotificationsPerPost ?? DEFAULT_MAX_NOTIFICATIONS_PER_POST,
    notificationTimeoutMs: options.notificationTimeoutMs ?? 10_000,
    notificationMaxAttempts: options.notificationMaxAttempts ?? 5,
    notificationRetryBaseMs: options.notificationRetryBaseMs ?? 1_000,
    validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
    receiverCa: options.receiverCa,
    // The identity is made below; tokens are only signed once notifications flow.
    signValidationToken: (appId) => identity.issueValidationToken({ audience: appId }),
  });
  const messageDomain = "SIM0PR01MB0001.namprd00.prod.outlook.com";
  const applicationId = randomUUID();
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  const stats: GraphSimulatorStats = {
    requests: { total: 0, byEndpoint: {}, byMailbox: {} },
    throttled: 0,
    maxConcurrencyByMailbox: {},
    tokensIssued: 0,
    notifications: hub.stats,
  };
  const faultState: FaultState = {
    throttle: [],
    serverError: [],
    slow: [],
    deltaGone: [],
    accessDenied: new Set<string>(),
  };
  const ctx: SimContext = { options, tenantId, clock, store, hub, messageDomain, applicationId, tokens, stats, faultState, baseUrl: "" };
  const identity = await createSimulatedIdentity({ tenantId, authority: () => ctx.baseUrl.replace(/\/$/, "") });
  let simulator: GraphSimulator | undefined;
  const control = createSimulatorControl((input) => {
    if (!simulator) throw new Error("the simulator is starting");
    return simulator.deliverExternal(input);
  }, (clientId) => issueToken(clientId));
  // The admin center's interactive sign-in (sign-in.ts), with tokens from the same identity.
  const browserSignIn = createBrowserSignIn({
    tenantId,
    authority: () => ctx.baseUrl.replace(/\/$/, ""),
    issueAccessToken: (request) => identity.issueApiToken({ ...request, roles: [...request.roles] }),
    objectIdFor,
    roles: ALL_APP_ROLES,
    knownUsers: () => [...store.mailboxes.values()].map((mailbox) => mailbox.address),
  });

  const faults = createFaults(ctx);
  const lifecycle = createMessageLifecycle(ctx);
  const { threadIndexFor, deliverToRecipients, snapshot, folderByName, userFolder, requireMessage, moveMessage, notify } = lifecycle;
  const tokenRoutes = createTokens(ctx);
  const { issueToken } = tokenRoutes;
  const folders = createFolderRoutes(ctx, lifecycle);
  const { deleteFolder } = folders;
  const { dispatch } = createGraphRouter(ctx, lifecycle, folders);
  const { send, handleHttp } = createHttpLayer(ctx, { identity, browserSignIn, control, tokenRoutes, dispatch });

  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (incoming, outgoing) => {
    handleHttp(incoming, outgoing).catch((error: unknown) => {
      const requestId = newRequestId();
      if (!outgoing.headersSent) {
        send(outgoing, graphError({ requestId }, 500, "InternalServerError", `Simulator failure: ${(error as Error).message}`), requestId);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `https://127.0.0.1:${port}/`;

  // ---------- admin API ----------

  simulator = {
    baseUrl: ctx.baseUrl,
    authorityHost: `https://127.0.0.1:${port}`,
    ca: certificate.ca,
    tenantId,
    identity,
    stats,
    faults,
    addMailbox: (input) => store.addMailbox(input).id,
    getMailbox: (idOrAddress) => {
      const mailbox = store.findMailbox(idOrAddress);
      return mailbox ? { id: mailbox.id, address: mailbox.address, displayName: mailbox.displayName } : undefined;
    },
    deliverExternal: (input) => {
      if (input.to.length + (input.cc?.length ?? 0) === 0) throw new Error("deliverExternal needs at least one recipient in to or cc.");
      const given = input.headers ?? [];
      const now = clock();
      const inReplyTo = headerValue(given, "In-Reply-To") ?? null;
      const threadIndex = input.conversationIndex ?? headerValue(given, "Thread-Index");
      const composition: Composition = {
        subject: input.subject,
        body: typeof input.body === "string" || input.body === undefined
          ? { contentType: "text", content: input.body ?? "" }
          : input.body,
        from: { address: input.from.address, ...(input.from.name ? { name: input.from.name } : {}) },
        toRecipients: input.to.map((address) => ({ address })),
        ccRecipients: (input.cc ?? []).map((address) => ({ address })),
        bccRecipients: [],
        replyTo: [],
        internetMessageId: input.internetMessageId ?? headerValue(given, "Message-ID") ?? newInternetMessageId("mail.example.net"),
        inReplyTo,
        references: headerValue(given, "References") ?? null,
        conversationIndex: threadIndex ? Buffer.from(threadIndex, "base64") : threadIndexFor(inReplyTo, now),
        extraHeaders: given,
        sentDateTime: input.receivedDateTime ?? now.toISOString(),
      };
      const deliveries = deliverToRecipients(composition, input.receivedDateTime ?? now.toISOString());
      return { internetMessageId: composition.internetMessageId, deliveries };
    },
    moveMessage: (mailboxKey, messageId, folderName) => {
      const message = requireMessage(mailboxKey, messageId);
      const mailbox = store.requireMailbox(mailboxKey);
      moveMessage(message, folderByName(mailbox, folderName));
      return snapshot(message);
    },
    createFolder: (mailboxKey, input) => {
      const mailbox = store.requireMailbox(mailboxKey);
      return store.createChildFolder(mailbox, folderByName(mailbox, input.parent), input.displayName).id;
    },
    renameFolder: (mailboxKey, folderName, displayName) => {
      const mailbox = store.requireMailbox(mailboxKey);
      store.renameFolder(mailbox, userFolder(mailbox, folderName), displayName);
    },
    deleteFolder: (mailboxKey, folderName) => {
      const mailbox = store.requireMailbox(mailboxKey);
      deleteFolder(mailbox, userFolder(mailbox, folderName));
    },
    moveFolder: (mailboxKey, folderName, parent) => {
      const mailbox = store.requireMailbox(mailboxKey);
      store.moveFolder(mailbox, userFolder(mailbox, folderName), folderByName(mailbox, parent));
    },
    listFolders: (mailboxKey) =>
      [...store.requireMailbox(mailboxKey).folders.values()].map((folder) => ({
        id: folder.id,
        displayName: folder.displayName,
        parentFolderId: folder.parentFolderId,
        wellKnownName: folder.wellKnownName,
      })),
    deleteMessage: (mailboxKey, messageId) => {
      const message = requireMessage(mailboxKey, messageId);
      const folder = store.folderOf(message);
      store.remove(message);
      notify(message, folder, "deleted");
    },
    updateMessage: (mailboxKey, messageId, changes) => {
      const message = requireMessage(mailboxKey, messageId);
      if (changes.categories) message.categories = [...changes.categories];
      if (changes.isRead !== undefined) message.isRead = changes.isRead;
      if (changes.subject !== undefined) message.subject = changes.subject;
      store.update(message, clock());
      notify(message, store.folderOf(message), "updated");
      return snapshot(message);
    },
    listMessages: (mailboxKey, folderName) => {
      const mailbox = store.requireMailbox(mailboxKey);
      return store.listFolder(mailbox, folderByName(mailbox, folderName)).map(snapshot);
    },
    listSubscriptions: () => [...hub.subscriptions.values()],
    triggerLifecycle: (subscriptionId, event) => {
      const subscription = hub.subscriptions.get(subscriptionId);
      if (!subscription) throw new Error(`No subscription ${subscriptionId} in the simulator.`);
      hub.triggerLifecycle(subscription, event);
    },
    expireSubscription: (subscriptionId) => {
      const subscription = hub.subscriptions.get(subscriptionId);
      if (!subscription) throw new Error(`No subscription ${subscriptionId} in the simulator.`);
      subscription.expirationDateTime = new Date(clock().getTime() - 1_000).toISOString();
    },
    removeSubscriptionSilently: (subscriptionId) => {
      if (!hub.subscriptions.delete(subscriptionId)) throw new Error(`No subscription ${subscriptionId} in the simulator.`);
    },
    notificationsIdle: () => hub.idle(),
    setMaxNotificationsPerPost: (count) => hub.setMaxNotificationsPerPost(count),
    resetStats: () => {
      stats.requests = { total: 0, byEndpoint: {}, byMailbox: {} };
      stats.throttled = 0;
      stats.maxConcurrencyByMailbox = {};
      stats.tokensIssued = 0;
      hub.resetStats();
    },
    close: async () => {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return simulator;
}
