// Sending: sendMail, creating a draft and sending it; a Graph message payload made a composition.
import { newInternetMessageId } from "./mail-store.js";
import type { SimAddress, SimHeader, SimMailbox } from "./mail-store.js";
import { EXTENDED_PROPERTY_IDS, renderMessage } from "./message-view.js";
import { emptyResponse, graphError, jsonResponse } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { requestedInternetMessageId } from "./message-filter.js";
import type { SimContext } from "./context.js";
import type { Composition, MessageLifecycle } from "./message-lifecycle.js";
import type { MessageRoutes } from "./message-routes.js";

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

export function createSendMail(
  ctx: SimContext,
  { notify, threadIndexFor, newMessage, mimeHeaders, deliverToRecipients }: MessageLifecycle,
  { viewOptionsFor, preferenceApplied, itemNotFound }: MessageRoutes,
) {
  const { store, clock, messageDomain } = ctx;

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
        "@odata.context": `${ctx.baseUrl}v1.0/$metadata#users('${mailbox.id}')/messages/$entity`,
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
  return { handleSendMail, handleCreateDraft, handleSendDraft };
}
