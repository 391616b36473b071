// Message routes: get, update and delete one message, its MIME `$value`, move, and list.
import type { SimFolder, SimMailbox } from "./mail-store.js";
import { parseExtendedPropertyExpand, parseSelect, renderMessage } from "./message-view.js";
import { emptyResponse, graphError, jsonResponse, parsePrefer } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { parseMessageListFilter } from "./message-filter.js";
import type { SimContext } from "./context.js";
import type { Composition, MessageLifecycle } from "./message-lifecycle.js";

export type MessageRoutes = ReturnType<typeof createMessageRoutes>;

export function createMessageRoutes(ctx: SimContext, { notify, mimeHeaders, moveMessage }: MessageLifecycle) {
  const { store, clock } = ctx;

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
          "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages${selection}/$entity`,
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
      "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages`,
      value: page.map((message) => renderMessage(message, viewOptionsFor(request, store.folderOf(message)))),
    };
    if (skip + top < newestFirst.length) {
      const next = new URL(`${ctx.baseUrl}v1.0${request.path}`);
      for (const [name, value] of request.query) if (name !== "$skip") next.searchParams.set(name, value);
      next.searchParams.set("$skip", String(skip + top));
      body["@odata.nextLink"] = next.href;
    }
    return jsonResponse(200, body, preferenceApplied(request));
  }
  return { viewOptionsFor, preferenceApplied, itemNotFound, handleMessage, handleMime, handleMove, handleListMessages };
}
