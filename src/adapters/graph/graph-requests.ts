// The Graph requests the gateway makes, as plain data (paths, query strings, bodies). Pure, so the
// exact requests are unit-tested and documented in one place (docs/graph.md).
import { MAX_MESSAGES_PER_BATCH, type MailFolderName, type MailGateway, type OutgoingMessage } from "../../app/ports.js";
import { EXTENDED_PROPERTY_IDS } from "../../domain/message.js";
import { RECEIVED_ONLY_PROPERTIES, MESSAGE_PROPERTIES } from "../../domain/message-properties.js";

export const DEFAULT_DELTA_PAGE_SIZE = 50;

/** Every request asks for immutable ids, so an id stays valid when the message moves. */
export const PREFER_IMMUTABLE_ID = 'IdType="ImmutableId"';
export const PREFER_TEXT_BODY = 'outlook.body-content-type="text"';

/** The message properties tracking needs: one list, in src/domain/message-properties.ts. */
export { MESSAGE_PROPERTIES };

/** MAPI In-Reply-To, References and Message-ID: Graph returns no headers for Sent Items. */
export const THREADING_PROPERTY_IDS = Object.values(EXTENDED_PROPERTY_IDS);

/**
 * Delta pages carry only what the catch-up needs to decide what to fetch: the catch-up re-reads
 * each message with getMessages (headers and body are not in delta pages anyway).
 */
export const DELTA_PROPERTIES = ["id", "receivedDateTime", "sentDateTime", "parentFolderId", "isDraft", "internetMessageId", "conversationId", "categories"] as const;

/** A child folder list page: enough to find a tracked folder by its display name. */
export function childFoldersUrl(mailbox: string, parentId: string): string {
  return `${userPath(mailbox)}/mailFolders/${segment(parentId)}/childFolders?$select=id,displayName,parentFolderId&$top=100`;
}

/** One folder's place in the tree: what src/domain/folder-placement.ts walks up. */
export function folderUrl(mailbox: string, folder: string): string {
  return `${userPath(mailbox)}/mailFolders/${segment(folder)}?$select=id,displayName,parentFolderId`;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

export function userPath(mailbox: string): string {
  return `/users/${segment(mailbox)}`;
}

/** `$select` (+ `$expand` for Sent Items) for one message read, as a query string without "?". */
export function messageQuery(folder: MailFolderName): string {
  // Graph returns headers for received mail (the Inbox and the folders under it), never for Sent Items.
  const select = folder !== "sentitems" ? [...MESSAGE_PROPERTIES, ...RECEIVED_ONLY_PROPERTIES] : [...MESSAGE_PROPERTIES];
  const parts = [`$select=${select.join(",")}`];
  if (folder === "sentitems") {
    const filter = THREADING_PROPERTY_IDS.map((id) => `id eq '${id}'`).join(" or ");
    parts.push(`$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=${filter})`)}`);
  }
  return parts.join("&");
}

/**
 * The messages of a mailbox with one Message-ID, in any folder (drafts included). Graph compares
 * the value as stored, angle brackets included; quotes are doubled as OData requires.
 */
export function messagesByInternetMessageIdUrl(mailbox: string, internetMessageId: string): string {
  const bracketed = `<${internetMessageId.trim().replace(/^<|>$/g, "")}>`;
  const filter = `internetMessageId eq '${bracketed.replace(/'/g, "''")}'`;
  return `${userPath(mailbox)}/messages?$filter=${encodeURIComponent(filter)}&$select=id,isDraft,parentFolderId,conversationIndex,internetMessageId`;
}

/** Relative path (below the version) of one message read. */
export function messageUrl(mailbox: string, messageId: string, folder: MailFolderName): string {
  return `${userPath(mailbox)}/messages/${segment(messageId)}?${messageQuery(folder)}`;
}

export function preferHeader(...preferences: string[]): string {
  return [PREFER_IMMUTABLE_ID, ...preferences].join(", ");
}

/** Split into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number = MAX_MESSAGES_PER_BATCH): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export interface BatchRequestItem {
  id: string;
  method: "GET";
  url: string;
  headers: Record<string, string>;
}

/** One JSON $batch body reading `messageIds` (≤ 20); item ids are the positions "0", "1", … */
export function messageBatchBody(mailbox: string, messageIds: readonly string[], folder: MailFolderName): { requests: BatchRequestItem[] } {
  if (messageIds.length > MAX_MESSAGES_PER_BATCH) throw new RangeError(`a $batch holds at most ${MAX_MESSAGES_PER_BATCH} requests, got ${messageIds.length}`);
  return {
    requests: messageIds.map((messageId, index) => ({
      id: String(index),
      method: "GET",
      url: messageUrl(mailbox, messageId, folder),
      headers: { Prefer: preferHeader(PREFER_TEXT_BODY) },
    })),
  };
}

/**
 * The folder as a path segment: Inbox and Sent Items by their well-known names, a tracked folder
 * by its Graph id (Graph does not know our key).
 */
export function folderSegment(folder: MailFolderName, folderId: string | undefined): string {
  if (folder === "inbox" || folder === "sentitems") return folder;
  if (folderId === undefined || folderId.length === 0) throw new RangeError(`the tracked folder ${folder} needs its Graph folder id`);
  return folderId;
}

export function folderResource(mailbox: string, folder: MailFolderName, folderId?: string): string {
  return `users/${mailbox}/mailFolders('${folderSegment(folder, folderId)}')/messages`;
}

/**
 * A rich subscription's resource: Graph requires $select for Outlook resource data, and sends
 * only what is selected. Extended properties cannot be expanded here (Sent Items threading is
 * then fetched when a reply needs it: src/domain/message-properties.ts).
 */
export function richFolderResource(mailbox: string, folder: MailFolderName, folderId?: string): string {
  const select = folder !== "sentitems" ? [...MESSAGE_PROPERTIES, ...RECEIVED_ONLY_PROPERTIES] : [...MESSAGE_PROPERTIES];
  return `${folderResource(mailbox, folder, folderId)}?$select=${select.join(",")}`;
}

export function subscriptionBody(options: Parameters<MailGateway["createSubscription"]>[0]): Record<string, string | boolean> {
  const body: Record<string, string | boolean> = {
    changeType: options.changeType ?? "created",
    notificationUrl: options.notificationUrl,
    lifecycleNotificationUrl: options.lifecycleNotificationUrl,
    resource: options.resourceData
      ? richFolderResource(options.mailbox, options.folder, options.folderId)
      : folderResource(options.mailbox, options.folder, options.folderId),
    expirationDateTime: options.expirationDateTime,
    clientState: options.clientState,
    latestSupportedTlsVersion: "v1_2",
  };
  if (options.resourceData) {
    body.includeResourceData = true;
    body.encryptionCertificate = options.resourceData.certificate;
    body.encryptionCertificateId = options.resourceData.id;
  }
  return body;
}

/** Graph serves rich notifications for Outlook messages on beta only. */
export function subscriptionVersion(options: { resourceData?: unknown }): "v1.0" | "beta" {
  return options.resourceData ? "beta" : "v1.0";
}

export function subscriptionPath(id: string): string {
  return `/subscriptions/${segment(id)}`;
}

/** The first delta request of a folder; later pages follow Graph's absolute links. */
export function initialDeltaUrl(mailbox: string, folder: MailFolderName, options: { receivedAfter?: string; folderId?: string } = {}): string {
  const parts = [`$select=${DELTA_PROPERTIES.join(",")}`];
  if (options.receivedAfter !== undefined) {
    parts.push(`$filter=${encodeURIComponent(`receivedDateTime ge ${options.receivedAfter}`)}`);
  }
  return `${userPath(mailbox)}/mailFolders/${segment(folderSegment(folder, options.folderId))}/messages/delta?${parts.join("&")}`;
}

export function draftBody(message: OutgoingMessage): Record<string, unknown> {
  const recipients = (addresses: readonly string[] | undefined) => (addresses ?? []).map((address) => ({ emailAddress: { address } }));
  const draft: Record<string, unknown> = {
    subject: message.subject,
    body: { contentType: message.body.contentType, content: message.body.content },
    toRecipients: recipients(message.toRecipients),
    ccRecipients: recipients(message.ccRecipients),
  };
  if (message.bccRecipients !== undefined && message.bccRecipients.length > 0) draft.bccRecipients = recipients(message.bccRecipients);
  // Settable while the message is a draft: the app picks it so a retry can find the draft again.
  if (message.internetMessageId !== undefined) draft.internetMessageId = message.internetMessageId;
  if (message.inReplyTo !== undefined) {
    // Graph accepts only x- headers in internetMessageHeaders; the MAPI properties set the real
    // In-Reply-To and References headers of the sent message.
    draft.singleValueExtendedProperties = [
      { id: EXTENDED_PROPERTY_IDS.inReplyTo, value: message.inReplyTo },
      { id: EXTENDED_PROPERTY_IDS.references, value: message.inReplyTo },
    ];
  }
  return draft;
}
