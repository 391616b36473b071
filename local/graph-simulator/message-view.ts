// Renders stored messages in Graph's JSON shape: $select projection, extended properties,
// immutable or REST ids, HTML or text bodies.
import { changeKeyOf, etagOf } from "./mail-store.js";
import type { SimAddress, SimFolder, SimMessage } from "./mail-store.js";

/** MAPI properties the simulator knows, by their Graph id. */
export const EXTENDED_PROPERTY_IDS = {
  inReplyTo: "String 0x1042",
  references: "String 0x1039",
  internetMessageId: "String 0x1035",
} as const;

/** Returned when there is no $select (internetMessageHeaders and uniqueBody need $select). */
const DEFAULT_PROPERTIES = [
  "createdDateTime",
  "lastModifiedDateTime",
  "changeKey",
  "categories",
  "receivedDateTime",
  "sentDateTime",
  "hasAttachments",
  "internetMessageId",
  "subject",
  "bodyPreview",
  "importance",
  "parentFolderId",
  "conversationId",
  "conversationIndex",
  "isDeliveryReceiptRequested",
  "isReadReceiptRequested",
  "isRead",
  "isDraft",
  "webLink",
  "inferenceClassification",
  "body",
  "sender",
  "from",
  "toRecipients",
  "ccRecipients",
  "bccRecipients",
  "replyTo",
  "flag",
];

export interface ViewOptions {
  select?: string[] | undefined;
  /** Extended property ids requested through $expand=singleValueExtendedProperties($filter=…). */
  extendedPropertyIds?: string[] | undefined;
  immutableIds: boolean;
  bodyAsText: boolean;
  folder: SimFolder;
}

export function messageIdFor(message: SimMessage, immutableIds: boolean): string {
  return immutableIds ? message.immutableId : message.restId;
}

function recipient(address: SimAddress): { emailAddress: { name: string; address: string } } {
  return { emailAddress: { name: address.name ?? address.address, address: address.address } };
}

function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function bodyOf(message: SimMessage, asText: boolean): { contentType: "text" | "html"; content: string } {
  const { contentType, content } = message.body;
  if (asText) return { contentType: "text", content: contentType === "text" ? content : stripHtml(content) };
  if (contentType === "html") return { contentType: "html", content };
  return { contentType: "html", content: `<html><body>${escapeHtml(content).replace(/\n/g, "<br>")}</body></html>` };
}

/** Headers are only available on received mail: never for Sent Items or drafts. */
export function headersVisible(message: SimMessage, folder: SimFolder): boolean {
  return folder.wellKnownName !== "sentitems" && !message.isDraft;
}

function propertyValue(message: SimMessage, name: string, options: ViewOptions): unknown {
  switch (name) {
    case "createdDateTime":
    case "lastModifiedDateTime":
    case "receivedDateTime":
    case "sentDateTime":
    case "internetMessageId":
    case "subject":
    case "conversationId":
    case "isDraft":
    case "isRead":
      return message[name];
    case "changeKey":
      return changeKeyOf(message);
    case "categories":
      return [...message.categories];
    case "hasAttachments":
      return false;
    case "bodyPreview":
      return bodyOf(message, true).content.slice(0, 255);
    case "importance":
      return "normal";
    case "parentFolderId":
      return message.folderId;
    case "conversationIndex":
      return message.conversationIndex.toString("base64");
    case "isDeliveryReceiptRequested":
    case "isReadReceiptRequested":
      return false;
    case "webLink":
      return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.restId)}&exvsurl=1&viewmodel=ReadMessageItem`;
    case "inferenceClassification":
      return "focused";
    case "body":
      return bodyOf(message, options.bodyAsText);
    case "uniqueBody":
      return bodyOf(message, options.bodyAsText);
    case "sender":
      return message.sender ? recipient(message.sender) : null;
    case "from":
      return message.from ? recipient(message.from) : null;
    case "toRecipients":
    case "ccRecipients":
    case "bccRecipients":
    case "replyTo":
      return message[name].map(recipient);
    case "flag":
      return { flagStatus: "notFlagged" };
    case "internetMessageHeaders":
      return message.headers.map((header) => ({ ...header }));
    default:
      return undefined;
  }
}

function extendedProperties(message: SimMessage, ids: string[]): { id: string; value: string }[] {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const values: [string, string | null][] = [
    [EXTENDED_PROPERTY_IDS.inReplyTo, message.inReplyTo],
    [EXTENDED_PROPERTY_IDS.references, message.references],
    [EXTENDED_PROPERTY_IDS.internetMessageId, message.internetMessageId],
  ];
  return values
    .filter((entry): entry is [string, string] => entry[1] !== null && wanted.has(entry[0].toLowerCase()))
    .map(([id, value]) => ({ id, value }));
}

/** A message as Graph renders it. Unknown $select names are ignored (Graph would answer 400). */
export function renderMessage(message: SimMessage, options: ViewOptions): Record<string, unknown> {
  const result: Record<string, unknown> = {
    "@odata.etag": etagOf(message),
    id: messageIdFor(message, options.immutableIds),
  };
  const names = options.select ?? DEFAULT_PROPERTIES;
  for (const name of names) {
    if (name === "id") continue;
    if (name === "internetMessageHeaders" && !headersVisible(message, options.folder)) continue;
    const value = propertyValue(message, name, options);
    if (value !== undefined) result[name] = value;
  }
  if (options.extendedPropertyIds) {
    result.singleValueExtendedProperties = extendedProperties(message, options.extendedPropertyIds);
  }
  return result;
}

/**
 * Reads `$expand=singleValueExtendedProperties($filter=id eq '…' or id eq '…')`.
 * Returns undefined when the expand is absent.
 */
export function parseExtendedPropertyExpand(expand: string | null): string[] | undefined {
  if (!expand) return undefined;
  const match = /singleValueExtendedProperties(?:\((.*)\))?/i.exec(expand);
  if (!match) return undefined;
  const filter = match[1] ?? "";
  const ids = [...filter.matchAll(/id\s+eq\s+'([^']+)'/gi)].map((m) => m[1] ?? "");
  return ids.length > 0 ? ids : Object.values(EXTENDED_PROPERTY_IDS);
}

export function parseSelect(select: string | null): string[] | undefined {
  if (!select) return undefined;
  const names = select
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return names.length > 0 ? names : undefined;
}
