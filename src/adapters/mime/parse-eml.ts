// Turns an RFC 5322 message (an .eml file) into the shape Microsoft Graph returns for an Inbox message,
// so recorded mail can be replayed through the same tracking pipeline as live Graph notifications.
// MIME decoding is mailparser's job; this module only maps its result onto GraphMessage.
import { createHash } from "node:crypto";
import { simpleParser } from "mailparser";
import type { AddressObject, EmailAddress, ParsedMail } from "mailparser";
import type { GraphHeader, GraphMessage, GraphRecipient } from "../../domain/types.js";

export type ParseEmlResult =
  | { ok: true; message: GraphMessage; date?: Date }
  | { ok: false; reason: string };

export interface ParseEmlOptions {
  /** Named in reasons so a caller listing many files can tell which one failed. */
  fileName?: string;
}

/** Fixture convention: a comma-separated list of Outlook categories (Graph `categories`). */
export const CATEGORIES_HEADER = "X-Categories";

// A header field name is printable US-ASCII except the colon (RFC 5322 §2.2).
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Parses one message. Never throws: unreadable input (empty, binary garbage, no header section)
 * gives `ok: false` with a reason; anything mailparser can read gives a message, however broken.
 */
export async function parseEml(source: Buffer, options: ParseEmlOptions = {}): Promise<ParseEmlResult> {
  const where = options.fileName ? `${options.fileName}: ` : "";
  if (source.length === 0 || source.toString("latin1").trim() === "") {
    return { ok: false, reason: `${where}empty file` };
  }
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(source, {
      // The tracker stores the text body; converting a 10 MB HTML body to text (or back) is wasted work.
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
    });
  } catch (error) {
    return { ok: false, reason: `${where}unreadable MIME: ${errorMessage(error)}` };
  }
  const headers = rawHeaders(parsed);
  if (headers.length === 0) {
    return { ok: false, reason: `${where}no message headers found (not an RFC 5322 message)` };
  }
  try {
    return { ok: true, ...toGraphMessage(parsed, headers, source) };
  } catch (error) {
    return { ok: false, reason: `${where}unreadable message: ${errorMessage(error)}` };
  }
}

function toGraphMessage(
  parsed: ParsedMail,
  headers: GraphHeader[],
  source: Buffer,
): { message: GraphMessage; date?: Date } {
  const internetMessageId = firstHeader(headers, "Message-ID")?.trim() || undefined;
  const date = parseDate(firstHeader(headers, "Date"));
  const received = receivedDate(headers) ?? date;
  const from = recipients(parsed.from)[0];
  const sender = recipients(parsed.headers.get("sender") as AddressObject | undefined)[0] ?? from;
  const threadIndex = firstHeader(headers, "Thread-Index")?.trim();
  const categoriesHeader = firstHeader(headers, CATEGORIES_HEADER);

  const message: GraphMessage = {
    id: stableId(internetMessageId, source),
    internetMessageId: internetMessageId ?? null,
    conversationIndex: threadIndex || null,
    internetMessageHeaders: headers,
    subject: parsed.subject ?? "",
    from: from ?? null,
    sender: sender ?? null,
    toRecipients: recipients(parsed.to),
    ccRecipients: recipients(parsed.cc),
    bccRecipients: recipients(parsed.bcc),
    replyTo: recipients(parsed.replyTo),
    sentDateTime: date?.toISOString() ?? null,
    receivedDateTime: received?.toISOString() ?? null,
    categories: categoriesHeader
      ? categoriesHeader.split(",").map((c) => c.trim()).filter((c) => c !== "")
      : [],
    isDraft: false,
    // Graph counts attachments the user sees, not inline images of an HTML body.
    hasAttachments: parsed.attachments.some((a) => !a.related && a.contentDisposition !== "inline"),
    body: body(parsed),
  };
  return date ? { message, date } : { message };
}

/** Every header line as written, in order: the name as cased in the file, the value unfolded but not decoded. */
function rawHeaders(parsed: ParsedMail): GraphHeader[] {
  const headers: GraphHeader[] = [];
  for (const { line } of parsed.headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!FIELD_NAME.test(name)) continue;
    // Unfolding (RFC 5322 §2.2.3) removes the line break and keeps the whitespace after it.
    const value = line.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, "").trim();
    headers.push({ name, value });
  }
  return headers;
}

function firstHeader(headers: GraphHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// The topmost Received header is the one the final (receiving) server added: its date is when the
// mailbox got the message. Its date follows the last ";" (RFC 5321 §4.4).
function receivedDate(headers: GraphHeader[]): Date | undefined {
  const topmost = headers.find((h) => h.name.toLowerCase() === "received");
  if (!topmost) return undefined;
  const semicolon = topmost.value.lastIndexOf(";");
  return semicolon < 0 ? undefined : parseDate(topmost.value.slice(semicolon + 1));
}

function recipients(field: AddressObject | AddressObject[] | undefined): GraphRecipient[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => flatten(o.value)).map(toRecipient);
}

// Groups ("Team: a@x, b@x;") become their members, as Exchange expands them.
function flatten(addresses: EmailAddress[]): EmailAddress[] {
  return addresses.flatMap((a) => (a.group ? flatten(a.group) : a.address ? [a] : []));
}

// Exchange returns the address as the name when the header gave no display name.
function toRecipient(address: EmailAddress): GraphRecipient {
  const addr = address.address ?? "";
  return { emailAddress: { name: address.name || addr, address: addr } };
}

function body(parsed: ParsedMail): GraphMessage["body"] {
  if (typeof parsed.text === "string" && parsed.text !== "") {
    return { contentType: "text", content: parsed.text };
  }
  if (typeof parsed.html === "string" && parsed.html !== "") {
    return { contentType: "html", content: parsed.html };
  }
  return { contentType: "text", content: "" };
}

// Stable across runs so replaying the same file twice yields the same Graph id.
function stableId(internetMessageId: string | undefined, source: Buffer): string {
  const hash = createHash("sha256");
  hash.update(internetMessageId ? `mid:${internetMessageId}` : "raw:");
  if (!internetMessageId) hash.update(source);
  return `eml-${hash.digest("base64url").slice(0, 32)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
