// Subscription routes: create (with endpoint validation), list, get, renew, reauthorize, delete.
import { randomUUID } from "node:crypto";
import type { X509Certificate } from "node:crypto";
import { parseSubscriptionResource, renderSubscription } from "./subscriptions.js";
import type { SimSubscription } from "./subscriptions.js";
import { emptyResponse, graphError, jsonResponse, parsePrefer } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { parseEncryptionCertificate } from "./resource-data.js";
import type { SimContext } from "./context.js";

const MAX_SUBSCRIPTION_MINUTES = 10_080;
/** Graph's limit for subscriptions with resource data. */
const MAX_RESOURCE_DATA_SUBSCRIPTION_MINUTES = 1_440;

export function createSubscriptionRoutes(ctx: SimContext) {
  const { store, hub, clock, options, tokens, faultState, applicationId } = ctx;

  async function handleSubscriptions(request: SimRequest, segments: string[]): Promise<SimResponse> {
    const id = segments[1];
    const action = segments[2]?.toLowerCase();
    if (id === undefined) {
      if (request.method === "POST") return createSubscription(request);
      if (request.method === "GET") {
        const value = [...hub.subscriptions.values()]
          .filter((subscription) => hub.active(subscription.id))
          .map((subscription) => renderSubscription(subscription, { includeClientState: false }));
        return jsonResponse(200, { "@odata.context": `${ctx.baseUrl}v1.0/$metadata#subscriptions`, value });
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
        "@odata.context": `${ctx.baseUrl}v1.0/$metadata#subscriptions/$entity`,
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
        "@odata.context": `${ctx.baseUrl}v1.0/$metadata#subscriptions/$entity`,
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
      "@odata.context": `${ctx.baseUrl}v1.0/$metadata#subscriptions/$entity`,
      ...renderSubscription(subscription, { includeClientState: true }),
    });
  }
  return { handleSubscriptions };
}
