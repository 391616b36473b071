// Graph router: request counting, per-mailbox concurrency and injected faults (dispatch), then
// the route table that hands each Graph path to its concern's handler.
import type { SimMailbox } from "./mail-store.js";
import { graphError, jsonResponse } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { MAX_CONCURRENT_PER_MAILBOX, pathSegments } from "./context.js";
import type { SimContext } from "./context.js";
import { takeFault } from "./faults.js";
import type { MessageLifecycle } from "./message-lifecycle.js";
import type { FolderRoutes } from "./folder-routes.js";
import { createMessageRoutes } from "./message-routes.js";
import { createDeltaRoutes } from "./delta.js";
import { createSendMail } from "./send-mail.js";
import { createSubscriptionRoutes } from "./subscription-routes.js";
import { createBatch } from "./batch.js";

const SERVER_ERROR_CODES: Record<number, string> = {
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createGraphRouter(ctx: SimContext, lifecycle: MessageLifecycle, folders: FolderRoutes) {
  const { store, options, stats, faultState } = ctx;
  const inFlightByMailbox = new Map<string, number>();
  const { renderFolder, handleChildFolders, handleCreateChildFolder, handleFolderChange, handleFolderMove } = folders;
  const messages = createMessageRoutes(ctx, lifecycle);
  const { handleMessage, handleMime, handleMove, handleListMessages } = messages;
  const { handleDelta } = createDeltaRoutes(ctx, messages);
  const { handleSendMail, handleCreateDraft, handleSendDraft } = createSendMail(ctx, lifecycle, messages);
  const { handleSubscriptions } = createSubscriptionRoutes(ctx);
  const { handleBatch } = createBatch(ctx, dispatch);

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
        "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users/$entity`,
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
  return { dispatch };
}
