// A local Microsoft Graph stand-in for development and tests: token endpoint, mail, delta,
// sending, subscriptions with real webhook delivery, $batch, throttling and fault injection.
// Never imported by product code (src/).
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { createLocalCertificate } from "../certificates.js";
import {
  MailStore,
  childConversationIndex,
  conversationIdFor,
  newConversationIndex,
  newImmutableId,
  newInternetMessageId,
  newRestId,
} from "./mail-store.js";
import { FolderNameTaken } from "./mail-store.js";
import type { SimAddress, SimFolder, SimHeader, SimMailbox, SimMessage } from "./mail-store.js";
import {
  EXTENDED_PROPERTY_IDS,
  parseExtendedPropertyExpand,
  parseSelect,
  renderMessage,
} from "./message-view.js";
import {
  NotificationHub,
  parseSubscriptionResource,
  renderSubscription,
} from "./subscriptions.js";
import type { ChangeType, DeliveryStats, LifecycleEvent, SimSubscription } from "./subscriptions.js";
import {
  emptyResponse,
  graphError,
  jsonResponse,
  newRequestId,
  parsePrefer,
} from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { parseMessageListFilter, requestedInternetMessageId } from "./message-filter.js";
import type { X509Certificate } from "node:crypto";
import { createSimulatedIdentity, objectIdFor, type SimulatedIdentity } from "./identity.js";
import { parseEncryptionCertificate } from "./resource-data.js";
import { createBrowserSignIn } from "./sign-in.js";
import { ALL_APP_ROLES } from "../../src/api/roles.js";
import { createSimulatorControl } from "./control.js";

export interface GraphSimulatorOptions {
  port?: number;
  tenantId?: string;
  clock?: () => Date;
  /** Events within this window are batched into one notification POST (default 20 ms). */
  notificationDelayMs?: number;
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
  resetStats(): void;
  close(): Promise<void>;
}

interface CountedFault {
  mailboxId: string | null;
  remaining: number;
}

const MAX_CONCURRENT_PER_MAILBOX = 4;
const MAX_SUBSCRIPTION_MINUTES = 10_080;
/** Graph's limit for subscriptions with resource data. */
const MAX_RESOURCE_DATA_SUBSCRIPTION_MINUTES = 1_440;
const MAX_BATCH_REQUESTS = 20;
const SERVER_ERROR_CODES: Record<number, string> = {
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function splitAddressList(values: unknown): SimAddress[] {
  if (!Array.isArray(values)) return [];
  const addresses: SimAddress[] = [];
  for (const value of values) {
    const email = (value as { emailAddress?: { address?: unknown; name?: unknown } } | null)?.emailAddress;
    if (email && typeof email.address === "string") {
      addresses.push({ address: email.address, ...(typeof email.name === "string" ? { name: email.name } : {}) });
    }
  }
  return addresses;
}

function formatAddress(address: SimAddress): string {
  return address.name ? `"${address.name}" <${address.address}>` : address.address;
}

function headerValue(headers: SimHeader[], name: string): string | undefined {
  return headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;
}

/** Path below /v1.0 as segments; `mailFolders('inbox')` becomes `mailFolders/inbox`. */
function pathSegments(path: string): string[] {
  const normalized = path.replace(/\(\s*['"]([^'"]*)['"]\s*\)/g, "/$1");
  return normalized
    .split("/")
    .filter((segment) => segment.length > 0)
    .map((segment) => decodeURIComponent(segment));
}

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const tenantId = options.tenantId ?? randomUUID();
  const clock = options.clock ?? (() => new Date());
  const certificate = await createLocalCertificate({ commonName: "graph-simulator.local", hosts: ["127.0.0.1", "localhost"] });
  const store = new MailStore();
  const hub = new NotificationHub({
    tenantId,
    clock,
    notificationDelayMs: options.notificationDelayMs ?? 20,
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
  const deltaStates = new Map<string, DeltaState>();
  const inFlightByMailbox = new Map<string, number>();
  const stats: GraphSimulatorStats = {
    requests: { total: 0, byEndpoint: {}, byMailbox: {} },
    throttled: 0,
    maxConcurrencyByMailbox: {},
    tokensIssued: 0,
    notifications: hub.stats,
  };
  const faultState = {
    throttle: [] as (CountedFault & { retryAfterSeconds: number })[],
    serverError: [] as (CountedFault & { status: number })[],
    slow: [] as (CountedFault & { ms: number })[],
    deltaGone: [] as CountedFault[],
    accessDenied: new Set<string>(),
  };
  let baseUrl = "";
  const identity = await createSimulatedIdentity({ tenantId, authority: () => baseUrl.replace(/\/$/, "") });
  let simulator: GraphSimulator | undefined;
  const control = createSimulatorControl((input) => {
    if (!simulator) throw new Error("the simulator is starting");
    return simulator.deliverExternal(input);
  }, (clientId) => issueToken(clientId));
  // The admin center's interactive sign-in (sign-in.ts), with tokens from the same identity.
  const browserSignIn = createBrowserSignIn({
    tenantId,
    authority: () => baseUrl.replace(/\/$/, ""),
    issueAccessToken: (request) => identity.issueApiToken({ ...request, roles: [...request.roles] }),
    objectIdFor,
    roles: ALL_APP_ROLES,
    knownUsers: () => [...store.mailboxes.values()].map((mailbox) => mailbox.address),
  });

  // ---------- fault helpers ----------

  function mailboxIdOf(idOrAddress: string | undefined): string | null {
    return idOrAddress === undefined ? null : store.requireMailbox(idOrAddress).id;
  }

  function takeFault<T extends CountedFault>(list: T[], mailboxId: string | null): T | undefined {
    const index = list.findIndex(
      (fault) => fault.remaining > 0 && (fault.mailboxId === null || fault.mailboxId === mailboxId),
    );
    const fault = list[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) list.splice(index, 1);
    return fault;
  }

  const faults: GraphSimulatorFaults = {
    throttle: ({ mailbox, count, retryAfterSeconds }) => {
      faultState.throttle.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, retryAfterSeconds });
    },
    serverError: ({ count, status, mailbox }) => {
      faultState.serverError.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, status: status ?? 503 });
    },
    slow: ({ ms, count, mailbox }) => {
      faultState.slow.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, ms });
    },
    dropNotifications: (on) => {
      hub.faults.drop = on;
    },
    duplicateNotifications: (on) => {
      hub.faults.duplicate = on;
    },
    reorderNotifications: (on) => {
      hub.faults.reorder = on;
    },
    updatedAfterCreated: (count) => {
      hub.faults.updatedAfterCreated = count;
    },
    resourceDataOmits: (properties) => {
      hub.faults.resourceDataOmits = [...properties];
    },
    deltaGone: ({ mailbox, count }) => {
      faultState.deltaGone.push({ mailboxId: mailboxIdOf(mailbox), remaining: count });
    },
    accessDenied: (mailbox, on) => {
      const id = store.requireMailbox(mailbox).id;
      if (on) faultState.accessDenied.add(id);
      else faultState.accessDenied.delete(id);
    },
    clear: () => {
      faultState.throttle.length = 0;
      faultState.serverError.length = 0;
      faultState.slow.length = 0;
      faultState.deltaGone.length = 0;
      faultState.accessDenied.clear();
      Object.assign(hub.faults, { drop: false, duplicate: false, reorder: false, updatedAfterCreated: 0, resourceDataOmits: [] });
    },
  };

  // ---------- message lifecycle ----------

  function notify(message: SimMessage, folder: SimFolder, changeType: ChangeType): void {
    hub.notifyChange({ mailboxId: message.mailboxId, folderId: folder.id, folder, changeType, message });
  }

  function threadIndexFor(inReplyTo: string | null, now: Date): Buffer {
    const parent = inReplyTo ? store.findByInternetMessageId(inReplyTo) : undefined;
    return parent ? childConversationIndex(parent.conversationIndex) : newConversationIndex(now);
  }

  interface Composition {
    subject: string;
    body: { contentType: "text" | "html"; content: string };
    from: SimAddress;
    toRecipients: SimAddress[];
    ccRecipients: SimAddress[];
    bccRecipients: SimAddress[];
    replyTo: SimAddress[];
    internetMessageId: string;
    inReplyTo: string | null;
    references: string | null;
    conversationIndex: Buffer;
    extraHeaders: SimHeader[];
    sentDateTime: string;
  }

  function newMessage(mailbox: SimMailbox, folder: SimFolder, composition: Composition, fields: {
    isDraft: boolean;
    headers: SimHeader[];
    receivedDateTime: string;
    sentDateTime: string | null;
  }): SimMessage {
    const now = clock().toISOString();
    return {
      immutableId: newImmutableId(),
      restId: newRestId(),
      mailboxId: mailbox.id,
      folderId: folder.id,
      subject: composition.subject,
      body: composition.body,
      from: composition.from,
      sender: composition.from,
      toRecipients: composition.toRecipients,
      ccRecipients: composition.ccRecipients,
      bccRecipients: fields.isDraft || folder.wellKnownName === "sentitems" ? composition.bccRecipients : [],
      replyTo: composition.replyTo,
      internetMessageId: composition.internetMessageId,
      inReplyTo: composition.inReplyTo,
      references: composition.references,
      conversationId: conversationIdFor(mailbox.id, composition.conversationIndex),
      conversationIndex: composition.conversationIndex,
      headers: fields.headers,
      categories: [],
      isDraft: fields.isDraft,
      isRead: folder.wellKnownName !== "inbox",
      createdDateTime: now,
      lastModifiedDateTime: now,
      receivedDateTime: fields.receivedDateTime,
      sentDateTime: fields.sentDateTime,
      changeVersion: 1,
    };
  }

  /** The MIME headers a recipient's copy carries; given headers win over generated ones. */
  function mimeHeaders(composition: Composition): SimHeader[] {
    const generated: SimHeader[] = [
      { name: "Received", value: `from ${messageDomain} by ${messageDomain} with HTTPS; ${new Date(composition.sentDateTime).toUTCString()}` },
      { name: "From", value: formatAddress(composition.from) },
      { name: "To", value: composition.toRecipients.map(formatAddress).join(", ") },
      ...(composition.ccRecipients.length > 0
        ? [{ name: "CC", value: composition.ccRecipients.map(formatAddress).join(", ") }]
        : []),
      { name: "Subject", value: composition.subject },
      { name: "Thread-Topic", value: composition.subject.replace(/^(\s*(re|fw|fwd)\s*:\s*)+/i, "") },
      { name: "Thread-Index", value: composition.conversationIndex.toString("base64") },
      { name: "Date", value: new Date(composition.sentDateTime).toUTCString() },
      { name: "Message-ID", value: composition.internetMessageId },
      ...(composition.inReplyTo ? [{ name: "In-Reply-To", value: composition.inReplyTo }] : []),
      ...(composition.references ? [{ name: "References", value: composition.references }] : []),
      { name: "Content-Language", value: "en-US" },
      { name: "MIME-Version", value: "1.0" },
      { name: "Content-Type", value: composition.body.contentType === "html" ? "text/html; charset=\"utf-8\"" : "text/plain; charset=\"utf-8\"" },
    ];
    const given = new Set(composition.extraHeaders.map((header) => header.name.toLowerCase()));
    return [...generated.filter((header) => !given.has(header.name.toLowerCase())), ...composition.extraHeaders];
  }

  /** Puts a copy in each known recipient's Inbox and notifies. */
  function deliverToRecipients(composition: Composition, receivedDateTime: string): Delivery[] {
    const deliveries: Delivery[] = [];
    const seen = new Set<string>();
    const recipients = [...composition.toRecipients, ...composition.ccRecipients, ...composition.bccRecipients];
    for (const recipient of recipients) {
      const mailbox = store.findMailbox(recipient.address);
      if (!mailbox || seen.has(mailbox.id)) continue;
      seen.add(mailbox.id);
      const inbox = store.requireFolder(mailbox, "inbox");
      const message = newMessage(mailbox, inbox, composition, {
        isDraft: false,
        headers: mimeHeaders(composition),
        receivedDateTime,
        sentDateTime: composition.sentDateTime,
      });
      store.insert(message);
      notify(message, inbox, "created");
      deliveries.push({ mailboxId: mailbox.id, messageId: message.immutableId, restId: message.restId });
    }
    return deliveries;
  }

  function snapshot(message: SimMessage): SimMessageSnapshot {
    return {
      id: message.immutableId,
      restId: message.restId,
      folder: store.folderOf(message).wellKnownName ?? store.folderOf(message).displayName,
      folderId: message.folderId,
      subject: message.subject,
      internetMessageId: message.internetMessageId,
      inReplyTo: message.inReplyTo,
      references: message.references,
      conversationId: message.conversationId,
      conversationIndex: message.conversationIndex.toString("base64"),
      headers: message.headers.map((header) => ({ ...header })),
      categories: [...message.categories],
      isDraft: message.isDraft,
      from: message.from,
      toRecipients: [...message.toRecipients],
      ccRecipients: [...message.ccRecipients],
      receivedDateTime: message.receivedDateTime,
    };
  }

  /** A well-known name, a folder id, or a path of display names below the Inbox. */
  function folderByName(mailbox: SimMailbox, name: string): SimFolder {
    const direct = store.findFolder(mailbox, name);
    if (direct) return direct;
    let at = store.requireFolder(mailbox, "inbox");
    for (const part of name.split("/").map((segment) => segment.trim()).filter((segment) => segment.length > 0)) {
      const next = store.childFolders(mailbox, at).find((child) => child.displayName.toLowerCase() === part.toLowerCase());
      if (!next) throw new Error(`No folder ${name} below the Inbox of ${mailbox.address}.`);
      at = next;
    }
    return at;
  }

  function userFolder(mailbox: SimMailbox, name: string): SimFolder {
    const folder = folderByName(mailbox, name);
    if (folder.wellKnownName !== null) throw new Error(`${name} is a well-known folder.`);
    return folder;
  }

  function requireMessage(mailboxKey: string, messageId: string): SimMessage {
    const mailbox = store.requireMailbox(mailboxKey);
    const message = store.findMessage(mailbox, messageId);
    if (!message) throw new Error(`No message ${messageId} in mailbox ${mailbox.address}.`);
    return message;
  }

  function moveMessage(message: SimMessage, target: SimFolder): void {
    const source = store.folderOf(message);
    if (source.id === target.id) return;
    notify(message, source, "deleted");
    store.move(message, target, clock());
    notify(message, target, "created");
  }

  // ---------- auth ----------

  function issueToken(clientId: string): { token: string; expiresIn: number } {
    const expiresIn = options.tokenLifetimeSeconds ?? 3_599;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "graph-simulator" })).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify({
        aud: "https://graph.microsoft.com",
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + expiresIn,
        appid: clientId,
        tid: tenantId,
        roles: ["Mail.Read", "Mail.Send", "Mail.ReadWrite"],
      }),
    ).toString("base64url");
    const token = `${header}.${payload}.${randomBytes(32).toString("base64url")}`;
    tokens.set(token, { clientId, expiresAt: Date.now() + expiresIn * 1000 });
    stats.tokensIssued += 1;
    return { token, expiresIn };
  }

  function tokenError(status: number, error: string, code: number, description: string): SimResponse {
    return jsonResponse(status, {
      error,
      error_description: `AADSTS${code}: ${description}`,
      error_codes: [code],
      timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  }

  function handleToken(tenant: string, form: URLSearchParams): SimResponse {
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return tokenError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return tokenError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    const clientId = form.get("client_id") ?? "";
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (!clientId) return tokenError(400, "invalid_request", 900144, "The request body must contain 'client_id'.");
    if (!secret && !assertion) {
      return tokenError(401, "invalid_client", 7000218, "The request body must contain 'client_assertion' or 'client_secret'.");
    }
    if (assertion) {
      const payload = assertion.split(".")[1];
      let subject: unknown;
      try {
        subject = (JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { sub?: unknown }).sub;
      } catch {
        subject = undefined;
      }
      if (subject !== clientId) {
        return tokenError(401, "invalid_client", 700027, "Client assertion contains an invalid signature or subject.");
      }
    }
    if (options.clients) {
      const known = options.clients.find((client) => client.clientId === clientId);
      if (!known) return tokenError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found.`);
      if (secret && known.clientSecret !== undefined && known.clientSecret !== secret) {
        return tokenError(401, "invalid_client", 7000215, "Invalid client secret provided.");
      }
    }
    const { token, expiresIn } = issueToken(clientId);
    return jsonResponse(200, { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
  }

  function openIdConfiguration(tenant: string, authority: string): SimResponse {
    const base = `${authority}/${tenant}`;
    return jsonResponse(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${authority}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${authority}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    });
  }

  // ---------- Graph router ----------

  function endpointKey(method: string, segments: string[]): string {
    const pattern: string[] = [];
    for (let i = 0; i < segments.length; i += 1) {
      const previous = (segments[i - 1] ?? "").toLowerCase();
      const segment = segments[i] ?? "";
      const isIdentifier =
        previous === "users" || previous === "messages" || previous === "mailfolders" || previous === "subscriptions";
      pattern.push(isIdentifier && segment !== "delta" ? "{id}" : segment);
    }
    return `${method} /${pattern.join("/")}`;
  }

  async function dispatch(request: SimRequest): Promise<SimResponse> {
    const segments = pathSegments(request.path);
    stats.requests.total += 1;
    const key = endpointKey(request.method, segments);
    stats.requests.byEndpoint[key] = (stats.requests.byEndpoint[key] ?? 0) + 1;

    const isUserPath = (segments[0] ?? "").toLowerCase() === "users" && segments[1] !== undefined;
    const mailbox = isUserPath ? store.findMailbox(segments[1] ?? "") : undefined;
    if (isUserPath && !mailbox) {
      return graphError(request, 404, "ErrorInvalidUser", `The requested user '${segments[1]}' is invalid.`);
    }
    const mailboxId = mailbox?.id ?? null;
    if (mailboxId) stats.requests.byMailbox[mailboxId] = (stats.requests.byMailbox[mailboxId] ?? 0) + 1;
    if (mailboxId && faultState.accessDenied.has(mailboxId)) {
      return graphError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    }
    if (mailboxId) {
      const current = inFlightByMailbox.get(mailboxId) ?? 0;
      if (current >= MAX_CONCURRENT_PER_MAILBOX) {
        stats.throttled += 1;
        const retryAfter = String(options.concurrencyRetryAfterSeconds ?? 1);
        return graphError(request, 429, "MailboxConcurrency", "Application is over its MailboxConcurrency limit.", {
          headers: { "retry-after": retryAfter },
          innerError: { code: "429", status: "429", message: "Please retry after" },
        });
      }
      inFlightByMailbox.set(mailboxId, current + 1);
      stats.maxConcurrencyByMailbox[mailboxId] = Math.max(stats.maxConcurrencyByMailbox[mailboxId] ?? 0, current + 1);
    }
    try {
      const slow = takeFault(faultState.slow, mailboxId);
      if (slow) await delay(slow.ms);
      const throttle = takeFault(faultState.throttle, mailboxId);
      if (throttle) {
        stats.throttled += 1;
        return graphError(request, 429, "TooManyRequests", "Please retry again later.", {
          headers: { "retry-after": String(throttle.retryAfterSeconds) },
          innerError: { code: "429", status: "429", message: "Please retry after" },
        });
      }
      const serverError = takeFault(faultState.serverError, mailboxId);
      if (serverError) {
        const code = SERVER_ERROR_CODES[serverError.status] ?? "InternalServerError";
        return graphError(request, serverError.status, code, "The service is temporarily unavailable. Please retry.");
      }
      return await route(request, segments, mailbox);
    } finally {
      if (mailboxId) inFlightByMailbox.set(mailboxId, (inFlightByMailbox.get(mailboxId) ?? 1) - 1);
    }
  }

  async function route(request: SimRequest, segments: string[], mailbox: SimMailbox | undefined): Promise<SimResponse> {
    const lower = segments.map((segment) => segment.toLowerCase());
    const method = request.method;
    const notFound = (): SimResponse =>
      graphError(request, 400, "BadRequest", `Resource not found for the segment '${segments.at(-1) ?? ""}'.`);

    if (lower[0] === "$batch" && segments.length === 1 && method === "POST") return handleBatch(request);
    if (lower[0] === "subscriptions") return handleSubscriptions(request, segments);
    if (!mailbox) return notFound();

    const rest = lower.slice(2);
    const restRaw = segments.slice(2);
    if (rest.length === 0 && method === "GET") {
      return jsonResponse(200, {
        "@odata.context": `${baseUrl}v1.0/$metadata#users/$entity`,
        id: mailbox.id,
        displayName: mailbox.displayName,
        mail: mailbox.address,
        userPrincipalName: mailbox.address,
      });
    }
    if (rest[0] === "sendmail" && rest.length === 1 && method === "POST") return handleSendMail(request, mailbox);
    if (rest[0] === "messages") {
      if (rest.length === 1 && method === "POST") return handleCreateDraft(request, mailbox);
      if (rest.length === 1 && method === "GET") return handleListMessages(request, mailbox, undefined);
      const messageId = restRaw[1] ?? "";
      if (rest.length === 2) return handleMessage(request, mailbox, messageId, undefined);
      if (rest.length === 3 && rest[2] === "send" && method === "POST") return handleSendDraft(request, mailbox, messageId);
      if (rest.length === 3 && rest[2] === "move" && method === "POST") return handleMove(request, mailbox, messageId);
      if (rest.length === 3 && rest[2] === "$value" && method === "GET") return handleMime(request, mailbox, messageId);
    }
    if (rest[0] === "mailfolders" && rest.length >= 2) {
      const folder = store.findFolder(mailbox, restRaw[1] ?? "");
      if (!folder) return graphError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
      if (rest.length === 2 && method === "GET") return jsonResponse(200, renderFolder(mailbox, folder));
      if (rest.length === 2 && (method === "PATCH" || method === "DELETE")) return handleFolderChange(request, mailbox, folder);
      if (rest.length === 3 && rest[2] === "move" && method === "POST") return handleFolderMove(request, mailbox, folder);
      if (rest.length === 3 && rest[2] === "childfolders") {
        if (method === "GET") return handleChildFolders(request, mailbox, folder);
        if (method === "POST") return handleCreateChildFolder(request, mailbox, folder);
      }
      if (rest[2] === "messages") {
        if (rest.length === 3 && method === "GET") return handleListMessages(request, mailbox, folder);
        if (rest.length === 4 && rest[3] === "delta" && method === "GET") return handleDelta(request, mailbox, folder);
        if (rest.length === 4) return handleMessage(request, mailbox, restRaw[3] ?? "", folder);
      }
    }
    return notFound();
  }

  function renderFolder(mailbox: SimMailbox, folder: SimFolder, options: { context?: boolean } = {}): Record<string, unknown> {
    const messages = store.listFolder(mailbox, folder);
    return {
      ...(options.context === false ? {} : { "@odata.context": `${baseUrl}v1.0/$metadata#users('${mailbox.id}')/mailFolders/$entity` }),
      id: folder.id,
      displayName: folder.displayName,
      parentFolderId: folder.parentFolderId,
      childFolderCount: store.childFolders(mailbox, folder).length,
      unreadItemCount: messages.filter((message) => !message.isRead).length,
      totalItemCount: messages.length,
      sizeInBytes: 0,
      isHidden: false,
    };
  }

  // ---------- child folders ----------

  function handleChildFolders(request: SimRequest, mailbox: SimMailbox, parent: SimFolder): SimResponse {
    const value = store.childFolders(mailbox, parent).map((folder) => renderFolder(mailbox, folder, { context: false }));
    return jsonResponse(200, { "@odata.context": `${baseUrl}v1.0/$metadata#users('${mailbox.id}')/mailFolders('${parent.id}')/childFolders`, value });
  }

  function displayNameOf(request: SimRequest): string | undefined {
    const name = (request.body as { displayName?: unknown } | undefined)?.displayName;
    return typeof name === "string" && name.trim().length > 0 ? name.trim() : undefined;
  }

  function folderExists(request: SimRequest, error: unknown): SimResponse {
    if (error instanceof FolderNameTaken) return graphError(request, 409, "ErrorFolderExists", error.message);
    throw error;
  }

  function handleCreateChildFolder(request: SimRequest, mailbox: SimMailbox, parent: SimFolder): SimResponse {
    const displayName = displayNameOf(request);
    if (!displayName) return graphError(request, 400, "ErrorInvalidRequest", "displayName is required.");
    try {
      return jsonResponse(201, renderFolder(mailbox, store.createChildFolder(mailbox, parent, displayName)));
    } catch (error) {
      return folderExists(request, error);
    }
  }

  /** PATCH renames a user's folder; DELETE removes it with its messages and subfolders. */
  function handleFolderChange(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (folder.wellKnownName !== null) return graphError(request, 400, "ErrorInvalidRequest", "A well-known folder can't be renamed or deleted.");
    if (request.method === "DELETE") {
      deleteFolder(mailbox, folder);
      return emptyResponse(204);
    }
    const displayName = displayNameOf(request);
    if (!displayName) return graphError(request, 400, "ErrorInvalidRequest", "displayName is required.");
    try {
      store.renameFolder(mailbox, folder, displayName);
    } catch (error) {
      return folderExists(request, error);
    }
    return jsonResponse(200, renderFolder(mailbox, folder));
  }

  function handleFolderMove(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (folder.wellKnownName !== null) return graphError(request, 400, "ErrorInvalidRequest", "A well-known folder can't be moved.");
    const destinationId = (request.body as { destinationId?: unknown } | undefined)?.destinationId;
    const target = typeof destinationId === "string" ? store.findFolder(mailbox, destinationId) : undefined;
    if (!target) return graphError(request, 400, "ErrorInvalidIdMalformed", "Id is malformed.");
    try {
      store.moveFolder(mailbox, folder, target);
    } catch (error) {
      if (error instanceof FolderNameTaken) return folderExists(request, error);
      return graphError(request, 400, "ErrorMoveCopyFailed", (error as Error).message);
    }
    return jsonResponse(201, renderFolder(mailbox, folder));
  }

  /**
   * Deletes a user's folder for good: its messages go (`deleted` notifications) and each
   * subscription on it or a subfolder ends with `subscriptionRemoved` (a simulator choice: Graph's
   * documentation does not say what a subscription on a deleted folder receives).
   */
  function deleteFolder(mailbox: SimMailbox, folder: SimFolder): void {
    const gone = store.subtree(mailbox, folder);
    const goneIds = new Set(gone.map((each) => each.id));
    for (const each of gone) {
      for (const message of store.listFolder(mailbox, each)) {
        store.remove(message);
        notify(message, each, "deleted");
      }
    }
    for (const subscription of [...hub.subscriptions.values()]) {
      if (subscription.mailboxId === mailbox.id && goneIds.has(subscription.folderId)) hub.triggerLifecycle(subscription, "subscriptionRemoved");
    }
    store.removeFolder(mailbox, folder);
  }

  function viewOptionsFor(request: SimRequest, folder: SimFolder) {
    const prefer = parsePrefer(request.headers.prefer);
    return {
      select: parseSelect(request.query.get("$select")),
      extendedPropertyIds: parseExtendedPropertyExpand(request.query.get("$expand")),
      immutableIds: prefer.get("idtype")?.toLowerCase() === "immutableid",
      bodyAsText: prefer.get("outlook.body-content-type")?.toLowerCase() === "text",
      folder,
    };
  }

  function preferenceApplied(request: SimRequest): Record<string, string> {
    const prefer = parsePrefer(request.headers.prefer);
    const applied: string[] = [];
    if (prefer.has("idtype")) applied.push(`IdType="${prefer.get("idtype")}"`);
    if (prefer.has("outlook.body-content-type")) applied.push(`outlook.body-content-type="${prefer.get("outlook.body-content-type")}"`);
    return applied.length > 0 ? { "preference-applied": applied.join(", ") } : {};
  }

  function itemNotFound(request: SimRequest): SimResponse {
    return graphError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
  }

  function handleMessage(request: SimRequest, mailbox: SimMailbox, messageId: string, folder: SimFolder | undefined): SimResponse {
    const message = store.findMessage(mailbox, messageId);
    if (!message || (folder && message.folderId !== folder.id)) return itemNotFound(request);
    const messageFolder = store.folderOf(message);
    if (request.method === "GET") {
      const view = viewOptionsFor(request, messageFolder);
      const selection = view.select ? `(${view.select.join(",")})` : "";
      return jsonResponse(
        200,
        {
          "@odata.context": `${baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages${selection}/$entity`,
          ...renderMessage(message, view),
        },
        preferenceApplied(request),
      );
    }
    if (request.method === "PATCH") {
      const body = (request.body ?? {}) as { categories?: unknown; isRead?: unknown; subject?: unknown };
      if (Array.isArray(body.categories)) message.categories = body.categories.filter((c): c is string => typeof c === "string");
      if (typeof body.isRead === "boolean") message.isRead = body.isRead;
      if (typeof body.subject === "string") message.subject = body.subject;
      store.update(message, clock());
      notify(message, messageFolder, "updated");
      return jsonResponse(200, renderMessage(message, viewOptionsFor(request, messageFolder)));
    }
    if (request.method === "DELETE") {
      // Graph moves to Deleted Items; a delete from Deleted Items is permanent.
      if (messageFolder.wellKnownName === "deleteditems") {
        store.remove(message);
        notify(message, messageFolder, "deleted");
      } else {
        moveMessage(message, store.requireFolder(mailbox, "deleteditems"));
      }
      return emptyResponse(204);
    }
    return graphError(request, 405, "ErrorInvalidRequest", `The OData request is not supported: ${request.method}.`);
  }

  /** `$value`: the MIME source, which (unlike the JSON) keeps threading headers for Sent Items. */
  function handleMime(request: SimRequest, mailbox: SimMailbox, messageId: string): SimResponse {
    const message = store.findMessage(mailbox, messageId);
    if (!message) return itemNotFound(request);
    const composition: Composition = {
      subject: message.subject,
      body: message.body,
      from: message.from ?? { address: mailbox.address },
      toRecipients: message.toRecipients,
      ccRecipients: message.ccRecipients,
      bccRecipients: [],
      replyTo: message.replyTo,
      internetMessageId: message.internetMessageId,
      inReplyTo: message.inReplyTo,
      references: message.references,
      conversationIndex: message.conversationIndex,
      extraHeaders: message.headers.filter((header) => !/^(received|content-type|mime-version)$/i.test(header.name)),
      sentDateTime: message.sentDateTime ?? message.receivedDateTime,
    };
    const headers = mimeHeaders(composition).filter((header) => header.name !== "Received" || message.headers.length > 0);
    const mime = `${headers.map((header) => `${header.name}: ${header.value}`).join("\r\n")}\r\n\r\n${message.body.content}\r\n`;
    return { status: 200, headers: { "content-type": "text/plain" }, text: mime };
  }

  function handleMove(request: SimRequest, mailbox: SimMailbox, messageId: string): SimResponse {
    const message = store.findMessage(mailbox, messageId);
    if (!message) return itemNotFound(request);
    const destinationId = (request.body as { destinationId?: unknown } | undefined)?.destinationId;
    const target = typeof destinationId === "string" ? store.findFolder(mailbox, destinationId) : undefined;
    if (!target) return graphError(request, 400, "ErrorInvalidIdMalformed", "Id is malformed.");
    moveMessage(message, target);
    return jsonResponse(201, renderMessage(message, viewOptionsFor(request, target)));
  }

  function handleListMessages(request: SimRequest, mailbox: SimMailbox, folder: SimFolder | undefined): SimResponse {
    const filter = parseMessageListFilter(request.query.get("$filter"));
    if (!filter.ok) return graphError(request, 400, "ErrorInvalidUrlQueryFilter", filter.message);
    const all = (folder
      ? store.listFolder(mailbox, folder)
      : [...mailbox.messages.values()].sort((a, b) => a.receivedDateTime.localeCompare(b.receivedDateTime))
    ).filter(filter.matches);
    const newestFirst = [...all].reverse();
    const top = Number(request.query.get("$top") ?? "10");
    const skip = Number(request.query.get("$skip") ?? "0");
    const page = newestFirst.slice(skip, skip + top);
    const body: Record<string, unknown> = {
      "@odata.context": `${baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages`,
      value: page.map((message) => renderMessage(message, viewOptionsFor(request, store.folderOf(message)))),
    };
    if (skip + top < newestFirst.length) {
      const next = new URL(`${baseUrl}v1.0${request.path}`);
      for (const [name, value] of request.query) if (name !== "$skip") next.searchParams.set(name, value);
      next.searchParams.set("$skip", String(skip + top));
      body["@odata.nextLink"] = next.href;
    }
    return jsonResponse(200, body, preferenceApplied(request));
  }

  // ---------- delta ----------

  interface DeltaState {
    kind: "skip" | "delta";
    mailboxId: string;
    folderId: string;
    select: string[] | undefined;
    extendedPropertyIds: string[] | undefined;
    immutableIds: boolean;
    pageSize: number;
    /** Remaining page items (skip tokens only). */
    items: DeltaItem[];
    /** Change-log position this round is synchronized to. */
    seq: number;
  }

  type DeltaItem = { kind: "upsert"; immutableId: string } | { kind: "removed"; id: string };

  function syncStateNotFound(request: SimRequest): SimResponse {
    return graphError(request, 410, "SyncStateNotFound", "The sync state generation is not found or has expired; start a new sync.");
  }

  function handleDelta(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (takeFault(faultState.deltaGone, mailbox.id)) return syncStateNotFound(request);
    const skipToken = request.query.get("$skiptoken");
    const deltaToken = request.query.get("$deltatoken");
    const prefer = parsePrefer(request.headers.prefer);
    const requestedPageSize = Number(prefer.get("odata.maxpagesize") ?? request.query.get("$top") ?? NaN);
    let state: DeltaState;

    if (skipToken !== null) {
      const saved = deltaStates.get(skipToken);
      if (!saved || saved.kind !== "skip" || saved.folderId !== folder.id) return syncStateNotFound(request);
      state = saved;
    } else if (deltaToken !== null) {
      const saved = deltaStates.get(deltaToken);
      if (!saved || saved.kind !== "delta" || saved.folderId !== folder.id) return syncStateNotFound(request);
      state = {
        ...saved,
        kind: "skip",
        items: changesSince(mailbox, folder, saved.seq, saved.immutableIds),
        seq: store.currentSeq(),
        pageSize: Number.isFinite(requestedPageSize) ? requestedPageSize : saved.pageSize,
      };
    } else {
      const filter = request.query.get("$filter");
      let since: number | undefined;
      let inclusive = true;
      if (filter) {
        const match = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
        const parsed = match ? Date.parse((match[2] ?? "").replace(/^'|'$/g, "")) : NaN;
        if (!match || Number.isNaN(parsed)) {
          return graphError(request, 400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
        }
        since = parsed;
        inclusive = (match[1] ?? "").toLowerCase() === "ge";
      }
      const view = viewOptionsFor(request, folder);
      const items: DeltaItem[] = store
        .listFolder(mailbox, folder)
        .filter((message) => {
          if (since === undefined) return true;
          const received = Date.parse(message.receivedDateTime);
          return inclusive ? received >= since : received > since;
        })
        .map((message) => ({ kind: "upsert", immutableId: message.immutableId }));
      state = {
        kind: "skip",
        mailboxId: mailbox.id,
        folderId: folder.id,
        select: view.select,
        extendedPropertyIds: view.extendedPropertyIds,
        immutableIds: view.immutableIds,
        pageSize: Number.isFinite(requestedPageSize) ? requestedPageSize : (options.defaultDeltaPageSize ?? 10),
        items,
        seq: store.currentSeq(),
      };
    }

    const pageSize = Math.max(1, Math.floor(state.pageSize));
    const page = state.items.slice(0, pageSize);
    const remaining = state.items.slice(pageSize);
    const value: Record<string, unknown>[] = [];
    for (const item of page) {
      if (item.kind === "removed") {
        value.push({ "@odata.type": "#microsoft.graph.message", id: item.id, "@removed": { reason: "deleted" } });
        continue;
      }
      const message = mailbox.messages.get(item.immutableId);
      if (!message || message.folderId !== folder.id) continue;
      value.push({
        "@odata.type": "#microsoft.graph.message",
        ...renderMessage(message, {
          select: state.select,
          extendedPropertyIds: state.extendedPropertyIds,
          immutableIds: state.immutableIds,
          bodyAsText: false,
          folder,
        }),
      });
    }
    const link = `${baseUrl}v1.0/users/${mailbox.id}/mailFolders('${folder.id}')/messages/delta`;
    const token = randomBytes(24).toString("base64url");
    const body: Record<string, unknown> = { "@odata.context": `${baseUrl}v1.0/$metadata#Collection(message)`, value };
    if (remaining.length > 0) {
      deltaStates.set(token, { ...state, kind: "skip", items: remaining });
      body["@odata.nextLink"] = `${link}?$skiptoken=${token}`;
    } else {
      deltaStates.set(token, { ...state, kind: "delta", items: [] });
      body["@odata.deltaLink"] = `${link}?$deltatoken=${token}`;
    }
    const headers: Record<string, string> = { "preference-applied": `odata.maxpagesize=${pageSize}` };
    return jsonResponse(200, body, headers);
  }

  /** What changed in a folder after `seq`: current members as upserts, departed ones as removals. */
  function changesSince(mailbox: SimMailbox, folder: SimFolder, seq: number, immutableIds: boolean): DeltaItem[] {
    const touched = new Map<string, { removedId: string | null }>();
    for (const entry of mailbox.changeLog) {
      if (entry.seq <= seq) continue;
      const known = touched.get(entry.immutableId) ?? { removedId: null };
      if (entry.previousFolderId === folder.id && entry.folderId !== folder.id) {
        known.removedId = immutableIds ? entry.immutableId : (entry.previousRestId ?? entry.restId);
      }
      touched.set(entry.immutableId, known);
    }
    const items: DeltaItem[] = [];
    for (const [immutableId, known] of touched) {
      const message = mailbox.messages.get(immutableId);
      if (message && message.folderId === folder.id) items.push({ kind: "upsert", immutableId });
      else if (known.removedId) items.push({ kind: "removed", id: known.removedId });
    }
    return items;
  }

  // ---------- sending ----------

  interface MessageInput {
    subject?: unknown;
    body?: unknown;
    toRecipients?: unknown;
    ccRecipients?: unknown;
    bccRecipients?: unknown;
    replyTo?: unknown;
    internetMessageHeaders?: unknown;
    singleValueExtendedProperties?: unknown;
    internetMessageId?: unknown;
  }

  /** Turns a Graph message payload into a composition, or an error response. */
  function compose(request: SimRequest, sender: SimMailbox, input: MessageInput, options: { requireRecipients: boolean }): Composition | SimResponse {
    const headers: SimHeader[] = [];
    if (input.internetMessageHeaders !== undefined) {
      if (!Array.isArray(input.internetMessageHeaders)) {
        return graphError(request, 400, "ErrorInvalidRequest", "internetMessageHeaders must be an array of {name, value}.");
      }
      for (const header of input.internetMessageHeaders as { name?: unknown; value?: unknown }[]) {
        if (typeof header?.name !== "string" || typeof header.value !== "string") {
          return graphError(request, 400, "ErrorInvalidRequest", "Each internet message header needs a string name and value.");
        }
        if (!/^x-/i.test(header.name)) {
          return graphError(request, 400, "InvalidInternetMessageHeader", `The internet message header name '${header.name}' should start with 'x-' or 'X-'.`);
        }
        headers.push({ name: header.name, value: header.value });
      }
    }
    let inReplyTo: string | null = null;
    let references: string | null = null;
    if (Array.isArray(input.singleValueExtendedProperties)) {
      for (const property of input.singleValueExtendedProperties as { id?: unknown; value?: unknown }[]) {
        if (typeof property?.id !== "string" || typeof property.value !== "string") continue;
        const id = property.id.toLowerCase();
        if (id === EXTENDED_PROPERTY_IDS.inReplyTo.toLowerCase()) inReplyTo = property.value;
        if (id === EXTENDED_PROPERTY_IDS.references.toLowerCase()) references = property.value;
      }
    }
    const toRecipients = splitAddressList(input.toRecipients);
    const ccRecipients = splitAddressList(input.ccRecipients);
    const bccRecipients = splitAddressList(input.bccRecipients);
    if (options.requireRecipients && toRecipients.length + ccRecipients.length + bccRecipients.length === 0) {
      return graphError(request, 400, "ErrorInvalidRecipients", "At least one recipient is required, but none were found.");
    }
    const rawBody = input.body as { contentType?: unknown; content?: unknown } | undefined;
    const contentType = typeof rawBody?.contentType === "string" && rawBody.contentType.toLowerCase() === "html" ? "html" : "text";
    const now = clock();
    return {
      subject: typeof input.subject === "string" ? input.subject : "",
      body: { contentType, content: typeof rawBody?.content === "string" ? rawBody.content : "" },
      from: { address: sender.address, name: sender.displayName },
      toRecipients,
      ccRecipients,
      bccRecipients,
      replyTo: splitAddressList(input.replyTo),
      internetMessageId: requestedInternetMessageId(input.internetMessageId) ?? newInternetMessageId(messageDomain),
      inReplyTo,
      references,
      conversationIndex: threadIndexFor(inReplyTo, now),
      extraHeaders: headers,
      sentDateTime: now.toISOString(),
    };
  }

  function isResponse(value: Composition | SimResponse): value is SimResponse {
    return "status" in value;
  }

  function handleSendMail(request: SimRequest, mailbox: SimMailbox): SimResponse {
    const payload = request.body as { message?: MessageInput; saveToSentItems?: unknown } | undefined;
    if (!payload || typeof payload.message !== "object" || payload.message === null) {
      return graphError(request, 400, "ErrorInvalidRequest", "The request body must contain a 'message'.");
    }
    const composition = compose(request, mailbox, payload.message, { requireRecipients: true });
    if (isResponse(composition)) return composition;
    if (payload.saveToSentItems !== false) {
      const sentItems = store.requireFolder(mailbox, "sentitems");
      const sent = newMessage(mailbox, sentItems, composition, {
        isDraft: false,
        headers: mimeHeaders(composition),
        receivedDateTime: composition.sentDateTime,
        sentDateTime: composition.sentDateTime,
      });
      store.insert(sent);
      notify(sent, sentItems, "created");
    }
    deliverToRecipients(composition, clock().toISOString());
    return emptyResponse(202);
  }

  function handleCreateDraft(request: SimRequest, mailbox: SimMailbox): SimResponse {
    const composition = compose(request, mailbox, (request.body ?? {}) as MessageInput, { requireRecipients: false });
    if (isResponse(composition)) return composition;
    const drafts = store.requireFolder(mailbox, "drafts");
    const draft = newMessage(mailbox, drafts, composition, {
      isDraft: true,
      headers: mimeHeaders(composition),
      receivedDateTime: composition.sentDateTime,
      sentDateTime: composition.sentDateTime,
    });
    store.insert(draft);
    return jsonResponse(
      201,
      {
        "@odata.context": `${baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages/$entity`,
        ...renderMessage(draft, viewOptionsFor(request, drafts)),
      },
      preferenceApplied(request),
    );
  }

  function handleSendDraft(request: SimRequest, mailbox: SimMailbox, messageId: string): SimResponse {
    const draft = store.findMessage(mailbox, messageId);
    if (!draft) return itemNotFound(request);
    if (!draft.isDraft) return graphError(request, 400, "ErrorInvalidOperation", "Only drafts can be sent.");
    const now = clock().toISOString();
    draft.isDraft = false;
    draft.sentDateTime = now;
    draft.receivedDateTime = now;
    const sentItems = store.requireFolder(mailbox, "sentitems");
    store.move(draft, sentItems, clock());
    notify(draft, sentItems, "created");
    const composition: Composition = {
      subject: draft.subject,
      body: draft.body,
      from: draft.from ?? { address: mailbox.address, name: mailbox.displayName },
      toRecipients: draft.toRecipients,
      ccRecipients: draft.ccRecipients,
      bccRecipients: draft.bccRecipients,
      replyTo: draft.replyTo,
      internetMessageId: draft.internetMessageId,
      inReplyTo: draft.inReplyTo,
      references: draft.references,
      conversationIndex: draft.conversationIndex,
      extraHeaders: draft.headers.filter((header) => /^x-/i.test(header.name)),
      sentDateTime: now,
    };
    deliverToRecipients(composition, now);
    return emptyResponse(202);
  }

  // ---------- subscriptions ----------

  async function handleSubscriptions(request: SimRequest, segments: string[]): Promise<SimResponse> {
    const id = segments[1];
    const action = segments[2]?.toLowerCase();
    if (id === undefined) {
      if (request.method === "POST") return createSubscription(request);
      if (request.method === "GET") {
        const value = [...hub.subscriptions.values()]
          .filter((subscription) => hub.active(subscription.id))
          .map((subscription) => renderSubscription(subscription, { includeClientState: false }));
        return jsonResponse(200, { "@odata.context": `${baseUrl}v1.0/$metadata#subscriptions`, value });
      }
    }
    const subscription = id === undefined ? undefined : hub.active(id);
    if (!subscription) {
      return graphError(request, 404, "ResourceNotFound", `The object was not found: subscription '${id ?? ""}'.`);
    }
    if (action === "reauthorize" && request.method === "POST") {
      hub.resume(subscription);
      return emptyResponse(204);
    }
    if (action !== undefined) return graphError(request, 400, "BadRequest", `Unsupported segment '${segments[2]}'.`);
    if (request.method === "GET") {
      return jsonResponse(200, {
        "@odata.context": `${baseUrl}v1.0/$metadata#subscriptions/$entity`,
        ...renderSubscription(subscription, { includeClientState: false }),
      });
    }
    if (request.method === "DELETE") {
      hub.subscriptions.delete(subscription.id);
      return emptyResponse(204);
    }
    if (request.method === "PATCH") {
      const requested = (request.body as { expirationDateTime?: unknown } | undefined)?.expirationDateTime;
      const expiry = checkExpiry(request, requested, { resourceData: subscription.includeResourceData === true });
      if (typeof expiry !== "string") return expiry;
      subscription.expirationDateTime = expiry;
      hub.resume(subscription);
      return jsonResponse(200, {
        "@odata.context": `${baseUrl}v1.0/$metadata#subscriptions/$entity`,
        ...renderSubscription(subscription, { includeClientState: true }),
      });
    }
    return graphError(request, 405, "BadRequest", `Method ${request.method} is not allowed on subscriptions.`);
  }

  function checkExpiry(request: SimRequest, requested: unknown, limits: { resourceData: boolean } = { resourceData: false }): string | SimResponse {
    const maxMinutes = limits.resourceData ? MAX_RESOURCE_DATA_SUBSCRIPTION_MINUTES : MAX_SUBSCRIPTION_MINUTES;
    const parsed = typeof requested === "string" ? Date.parse(requested) : NaN;
    if (Number.isNaN(parsed)) {
      return graphError(request, 400, "InvalidRequest", "expirationDateTime is required and must be an ISO 8601 date.");
    }
    const now = clock().getTime();
    if (parsed <= now) return graphError(request, 400, "InvalidRequest", "Subscription expiration date time must be in the future.");
    if (parsed > now + maxMinutes * 60_000) {
      return graphError(request, 400, "InvalidRequest", `Subscription expiration can only be ${maxMinutes} minutes in the future.`);
    }
    const cap = options.maxSubscriptionMinutes;
    const granted = cap !== undefined ? Math.min(parsed, now + cap * 60_000) : parsed;
    return new Date(granted).toISOString();
  }

  function isAllowedEndpoint(value: string): boolean {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.protocol === "https:") return true;
    // Deviation: plain HTTP is accepted for loopback receivers (the local Functions host).
    return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost");
  }

  /** The client id the request's access token was issued to. */
  function callerClientId(request: SimRequest): string | undefined {
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    return bearer ? tokens.get(bearer)?.clientId : undefined;
  }

  async function createSubscription(request: SimRequest): Promise<SimResponse> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const invalid = (message: string): SimResponse => graphError(request, 400, "InvalidRequest", message);
    const changeType = body.changeType;
    if (typeof changeType !== "string" || changeType.length === 0) return invalid("changeType is required.");
    const types = changeType.split(",").map((type) => type.trim());
    if (types.some((type) => !["created", "updated", "deleted"].includes(type))) {
      return invalid(`Invalid changeType '${changeType}'. Allowed values: created, updated, deleted.`);
    }
    const notificationUrl = body.notificationUrl;
    if (typeof notificationUrl !== "string" || !isAllowedEndpoint(notificationUrl)) {
      return invalid("The notificationUrl must be a valid HTTPS URL.");
    }
    const lifecycleUrl = body.lifecycleNotificationUrl;
    if (lifecycleUrl !== undefined && lifecycleUrl !== null && (typeof lifecycleUrl !== "string" || !isAllowedEndpoint(lifecycleUrl))) {
      return invalid("The lifecycleNotificationUrl must be a valid HTTPS URL.");
    }
    const clientState = body.clientState;
    if (clientState !== undefined && clientState !== null && (typeof clientState !== "string" || clientState.length > 128)) {
      return invalid("clientState must be a string of at most 128 characters.");
    }
    const resource = typeof body.resource === "string" ? body.resource : "";
    const parsed = parseSubscriptionResource(resource);
    if (!parsed) {
      return invalid(`Unsupported resource '${resource}': use users/{id}/mailFolders('{folder name or id}')/messages.`);
    }
    const mailbox = store.findMailbox(parsed.user);
    if (!mailbox) return graphError(request, 404, "ExtensionError", `The user '${parsed.user}' was not found.`);
    const subscribedFolder = store.findFolder(mailbox, parsed.folder);
    if (!subscribedFolder) return graphError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
    if (faultState.accessDenied.has(mailbox.id)) {
      return graphError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    }
    // Rich notifications (Graph beta for Outlook messages): a $select, a certificate, an id, 1 day.
    const includeResourceData = body.includeResourceData === true;
    let certificate: X509Certificate | undefined;
    if (includeResourceData) {
      if (request.version !== "beta") return invalid("includeResourceData is not supported for Outlook messages on v1.0: use the beta endpoint.");
      if (!parsed.select) return invalid("A $select query option on the resource is required when includeResourceData is true.");
      const parsedCertificate = parseEncryptionCertificate(body.encryptionCertificate);
      if (typeof parsedCertificate === "string") return invalid(parsedCertificate);
      certificate = parsedCertificate;
      const certificateId = body.encryptionCertificateId;
      if (typeof certificateId !== "string" || certificateId.length === 0 || certificateId.length > 128) {
        return invalid("encryptionCertificateId is required when includeResourceData is true (at most 128 characters).");
      }
    }
    const expiry = checkExpiry(request, body.expirationDateTime, { resourceData: includeResourceData });
    if (typeof expiry !== "string") return expiry;

    const failure = await hub.validateEndpoint(notificationUrl);
    if (failure) return invalid(failure);
    if (typeof lifecycleUrl === "string") {
      const lifecycleFailure = await hub.validateEndpoint(lifecycleUrl);
      if (lifecycleFailure) return invalid(lifecycleFailure);
    }

    const prefer = parsePrefer(request.headers.prefer);
    const subscription: SimSubscription = {
      id: randomUUID(),
      resource,
      applicationId,
      changeType,
      clientState: typeof clientState === "string" ? clientState : null,
      notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: typeof lifecycleUrl === "string" ? lifecycleUrl : null,
      expirationDateTime: expiry,
      creatorId: randomUUID(),
      includeResourceData: typeof body.includeResourceData === "boolean" ? body.includeResourceData : null,
      latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === "string" ? body.latestSupportedTlsVersion : "v1_2",
      encryptionCertificate: certificate ? (body.encryptionCertificate as string) : null,
      encryptionCertificateId: certificate ? (body.encryptionCertificateId as string) : null,
      notificationUrlAppId: null,
      subscriberAppId: callerClientId(request) ?? applicationId,
      ...(certificate ? { certificate } : {}),
      ...(parsed.select ? { select: parsed.select } : {}),
      mailboxId: mailbox.id,
      folderId: subscribedFolder.id,
      immutableIds: prefer.get("idtype")?.toLowerCase() === "immutableid",
      paused: false,
      pending: [],
    };
    hub.subscriptions.set(subscription.id, subscription);
    return jsonResponse(201, {
      "@odata.context": `${baseUrl}v1.0/$metadata#subscriptions/$entity`,
      ...renderSubscription(subscription, { includeClientState: true }),
    });
  }

  // ---------- $batch ----------

  interface BatchItem {
    id?: unknown;
    method?: unknown;
    url?: unknown;
    headers?: unknown;
    body?: unknown;
    dependsOn?: unknown;
  }

  async function handleBatch(request: SimRequest): Promise<SimResponse> {
    const items = (request.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(items) || items.length === 0) {
      return graphError(request, 400, "BadRequest", "Invalid batch payload format: 'requests' must be a non-empty array.");
    }
    if (items.length > MAX_BATCH_REQUESTS) {
      return graphError(request, 400, "BadRequest", `Number of individual requests in the batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
    }
    const results = new Map<string, Promise<SimResponse>>();
    // Outlook runs at most 4 items per mailbox at a time; queue the rest.
    const running = new Map<string, number>();
    const waiting = new Map<string, (() => void)[]>();
    const acquire = async (key: string): Promise<void> => {
      if ((running.get(key) ?? 0) < MAX_CONCURRENT_PER_MAILBOX) {
        running.set(key, (running.get(key) ?? 0) + 1);
        return;
      }
      await new Promise<void>((resolve) => {
        const queue = waiting.get(key) ?? [];
        queue.push(resolve);
        waiting.set(key, queue);
      });
    };
    const release = (key: string): void => {
      const next = waiting.get(key)?.shift();
      if (next) next();
      else running.set(key, (running.get(key) ?? 1) - 1);
    };

    const runItem = async (item: BatchItem, itemRequestId: string): Promise<SimResponse> => {
      const itemRequest = { requestId: itemRequestId };
      if (typeof item.url !== "string" || typeof item.method !== "string") {
        return graphError(itemRequest, 400, "BadRequest", "Each batch request needs a method and a url.");
      }
      if (/^https?:/i.test(item.url)) {
        return graphError(itemRequest, 400, "BadRequest", "Batch request URLs must be relative.");
      }
      const dependsOn = Array.isArray(item.dependsOn) ? item.dependsOn.filter((d): d is string => typeof d === "string") : [];
      for (const dependency of dependsOn) {
        const result = await results.get(dependency);
        if (!result || result.status >= 400) {
          return graphError(itemRequest, 424, "FailedDependency", `Dependency ${dependency} failed.`);
        }
      }
      const url = new URL(item.url.replace(/^\/?(v1\.0\/)?/, "/"), "https://batch.invalid");
      const headers: Record<string, string> = {};
      if (item.headers && typeof item.headers === "object") {
        for (const [name, value] of Object.entries(item.headers as Record<string, unknown>)) {
          if (typeof value === "string") headers[name.toLowerCase()] = value;
        }
      }
      const target = pathSegments(url.pathname);
      const mailboxKey = (target[0] ?? "").toLowerCase() === "users" ? (store.findMailbox(target[1] ?? "")?.id ?? null) : null;
      if (mailboxKey) await acquire(mailboxKey);
      try {
        return await dispatch({
          method: item.method.toUpperCase(),
          path: url.pathname,
          query: url.searchParams,
          headers,
          body: item.body,
          requestId: itemRequestId,
        });
      } finally {
        if (mailboxKey) release(mailboxKey);
      }
    };

    const ordered: { id: string; promise: Promise<SimResponse> }[] = [];
    for (const raw of items as BatchItem[]) {
      const id = typeof raw.id === "string" ? raw.id : String(raw.id ?? "");
      const promise = runItem(raw, newRequestId());
      results.set(id, promise);
      ordered.push({ id, promise });
    }
    const responses = [];
    for (const { id, promise } of ordered) {
      const result = await promise;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers)) {
        headers[name === "retry-after" ? "Retry-After" : name === "content-type" ? "Content-Type" : name] = value;
      }
      const body = result.text ?? result.body;
      responses.push({ id, status: result.status, headers, ...(body !== undefined ? { body } : {}) });
    }
    return jsonResponse(200, { responses });
  }

  // ---------- HTTP layer ----------

  async function readBody(incoming: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function send(outgoing: ServerResponse, response: SimResponse, requestId: string): void {
    const headers: Record<string, string> = { "request-id": requestId, "client-request-id": requestId, ...response.headers };
    if (response.text !== undefined) {
      outgoing.writeHead(response.status, { ...headers, "content-length": String(Buffer.byteLength(response.text)) });
      outgoing.end(response.text);
      return;
    }
    if (response.body === undefined) {
      outgoing.writeHead(response.status, headers);
      outgoing.end();
      return;
    }
    const text = JSON.stringify(response.body);
    outgoing.writeHead(response.status, { ...headers, "content-length": String(Buffer.byteLength(text)) });
    outgoing.end(text);
  }

  async function handleHttp(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const url = new URL(incoming.url ?? "/", baseUrl);
    const method = (incoming.method ?? "GET").toUpperCase();
    const raw = await readBody(incoming);
    const authority = baseUrl.replace(/\/$/, "");
    const request = { requestId };

    const browserRequest = { method, url, headers: incoming.headers, body: raw };
    for (const [name, value] of Object.entries(browserSignIn.corsHeaders(browserRequest) ?? {})) outgoing.setHeader(name, value);
    const browserAnswer = await browserSignIn.handle(browserRequest);
    if (browserAnswer) return void outgoing.writeHead(browserAnswer.status, browserAnswer.headers).end(browserAnswer.body);
    const identityAnswer = (await identity.handle(method, url.pathname, raw)) ?? control.handle(method, url.pathname, raw);
    if (identityAnswer) return send(outgoing, jsonResponse(identityAnswer.status, identityAnswer.body), requestId);
    const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i.exec(url.pathname);
    if (openId && method === "GET") return send(outgoing, openIdConfiguration(openId[1] ?? "", authority), requestId);
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i.exec(url.pathname);
    if (tokenPath && method === "POST") {
      stats.requests.byEndpoint["POST /{tenant}/oauth2/v2.0/token"] = (stats.requests.byEndpoint["POST /{tenant}/oauth2/v2.0/token"] ?? 0) + 1;
      return send(outgoing, handleToken(tokenPath[1] ?? "", new URLSearchParams(raw)), requestId);
    }
    if (/^\/common\/discovery\/instance$/i.test(url.pathname)) {
      const host = new URL(baseUrl).host;
      return send(
        outgoing,
        jsonResponse(200, {
          tenant_discovery_endpoint: `${authority}/${tenantId}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        }),
        requestId,
      );
    }
    const version = /^\/(v1\.0|beta)(\/|$)/i.exec(url.pathname)?.[1]?.toLowerCase();
    if (version === undefined) {
      return send(outgoing, graphError(request, 404, "BadRequest", "Unsupported API version: use /v1.0 or /beta."), requestId);
    }

    const authorization = incoming.headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    const issued = bearer ? tokens.get(bearer) : undefined;
    if (!bearer) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Access token is empty."), requestId);
    }
    if (!issued) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."), requestId);
    }
    if (issued.expiresAt <= Date.now()) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."), requestId);
    }

    let body: unknown;
    if (raw.length > 0 && (incoming.headers["content-type"] ?? "").includes("json")) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(outgoing, graphError(request, 400, "BadRequest", "Unable to read JSON request payload."), requestId);
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(", ");
    }
    const response = await dispatch({
      method,
      path: url.pathname.replace(/^\/(v1\.0|beta)/i, "") || "/",
      version: version === "beta" ? "beta" : "v1.0",
      query: url.searchParams,
      headers,
      body,
      requestId,
    });
    send(outgoing, response, requestId);
  }

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
  baseUrl = `https://127.0.0.1:${port}/`;

  // ---------- admin API ----------

  simulator = {
    baseUrl,
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
