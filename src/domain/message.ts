// Turns a Graph message into the normalised facts tracking needs: ids, threading headers,
// parties, dates, categories, automated-mail evidence and a size-capped body.
// Runs on whatever Graph (or a test) hands over: nothing here throws; problems become warnings.

import { createHash } from "node:crypto";
import { normalizeAddress } from "./address.js";
import { DEFAULT_MAX_BODY_BYTES, looksLikeEmailAddress } from "./settings.js";
import type { AutomatedEmail, GraphHeader, GraphMessage } from "./types.js";

export interface Party {
  /** Lower-cased. */
  address: string;
  name?: string;
}

export interface EmailEnvelope {
  graphMessageId: string;
  /** Normalised: without angle brackets. */
  internetMessageId: string;
  internetMessageIdSynthetic: boolean;
  /** The first Message-ID of In-Reply-To (what the activity records). */
  inReplyTo?: string;
  /** Every Message-ID of In-Reply-To, in header order (RFC 5322 allows several). */
  inReplyToIds: string[];
  /** Oldest first, as in the header; de-duplicated. */
  references: string[];
  /** Bracketed entries of In-Reply-To or References that are addresses, not Message-IDs. */
  threadingIgnored: Array<{ header: "In-Reply-To" | "References"; value: string; reason: IgnoredIdReason }>;
  /** Base64 as received; validated by conversation-index.ts. */
  conversationIndex?: string;
  subject: string;
  from?: Party;
  toRecipients: Party[];
  ccRecipients: Party[];
  bccRecipients: Party[];
  sentOn?: string;
  receivedOn?: string;
  categories: string[];
  isDraft: boolean;
  automated: AutomatedEmail;
  body?: { contentType: "text" | "html"; content: string };
  bodyTruncated: boolean;
}

export interface ToEnvelopeOptions {
  /** UTF-8 bytes the body is truncated to (OrganizationSettings.maxBodyBytes). */
  maxBodyBytes: number;
}

/** MAPI properties Graph returns instead of headers for Sent Items. */
export const EXTENDED_PROPERTY_IDS = {
  inReplyTo: "String 0x1042",
  references: "String 0x1039",
  messageId: "String 0x1035",
} as const;

export const SYNTHETIC_MESSAGE_ID_DOMAIN = "email-activity-tracker.invalid";

// ---- tolerant readers ------------------------------------------------------------------------

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const nonEmptyString = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim().length > 0 ? value.trim() : undefined;

/** Joins folded header lines (CRLF + whitespace) into one line. */
const unfold = (text: string): string => text.replace(/\r?\n[ \t]+/g, " ").replace(/[\r\n]/g, " ");

const normalizeId = (id: string): string => id.trim().replace(/\s+/g, " ").toLowerCase();

function headerList(message: Record<string, unknown>): GraphHeader[] {
  return asList(message.internetMessageHeaders).filter(
    (h): h is GraphHeader => isRecord(h) && typeof h.name === "string" && typeof h.value === "string",
  );
}

/** The first non-empty value of a header, by case-insensitive name. */
function headerValue(headers: readonly GraphHeader[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const header of headers) {
    if (header.name.trim().toLowerCase() === wanted) {
      const value = nonEmptyString(header.value);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

function extendedProperty(message: Record<string, unknown>, id: string): string | undefined {
  const wanted = normalizeId(id);
  for (const property of asList(message.singleValueExtendedProperties)) {
    if (isRecord(property) && typeof property.id === "string" && normalizeId(property.id) === wanted) {
      const value = nonEmptyString(property.value);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

// ---- Message-IDs -------------------------------------------------------------------------------

/**
 * A Message-ID without its angle brackets: the content of the first non-empty `<...>`,
 * else the first bare token; undefined when nothing is left.
 */
export function normalizeMessageId(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const text = unfold(raw).trim();
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    const id = (match[1] ?? "").replace(/\s+/g, "");
    if (id.length > 0) return id;
  }
  const token = text.split(/\s+/)[0]?.replace(/^<+/, "").replace(/>+$/, "");
  return token && token.length > 0 ? token : undefined;
}

/** Why an angle-bracketed entry of In-Reply-To or References was not taken for a Message-ID. */
export type IgnoredIdReason =
  /** It is one of the email's own addresses (From, To, Cc, Bcc). */
  | "knownAddress"
  /** Its wording makes it an author's address: `from Joe <joe@x>`, `<joe@x>'s message`. */
  | "addressContext";

export interface ThreadingIds {
  /** Message-IDs in header order, without brackets, whitespace joined up, de-duplicated. */
  ids: string[];
  ignored: Array<{ value: string; reason: IgnoredIdReason }>;
}

interface Scanned {
  /** Bracketed entries with the free text before and after each (quoted strings and comments blanked). */
  entries: Array<{ value: string; before: string; after: string }>;
  comments: string[];
  /** The free text, for headers without brackets. */
  text: string;
}

/**
 * Splits a header into its `<…>` entries and the text around them. Quoted strings and comments
 * `( … )` (nested, with backslash escapes) are blanked: MH and Gnus put the author's address and
 * the date there (`(Joe's message of "Mon, 3 May")`), never the id itself.
 */
function scanIds(raw: string): Scanned {
  const text = unfold(raw);
  const values: string[] = [];
  const comments: string[] = [];
  // segments[k]: the free text before entry k; the last one follows the last entry.
  const segments: string[] = [""];
  const append = (more: string) => {
    segments[segments.length - 1] += more;
  };
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"' || char === "(") {
      let depth = 0;
      let body = "";
      let j = i;
      for (; j < text.length; j++) {
        const c = text[j] as string;
        if (c === "\\") {
          body += text[j + 1] ?? "";
          j++;
          continue;
        }
        if (char === '"' ? c === '"' && j > i : c === ")" && --depth === 0) break;
        if (char === "(" && c === "(") depth++;
        if (j > i) body += c;
      }
      if (char === "(") comments.push(body);
      append(" ");
      i = j + 1;
      continue;
    }
    if (char === "<") {
      const close = text.indexOf(">", i + 1);
      if (close === -1) {
        append(text.slice(i));
        break;
      }
      values.push(text.slice(i + 1, close).replace(/\s+/g, ""));
      segments.push("");
      i = close + 1;
      continue;
    }
    append(char);
    i++;
  }
  return {
    entries: values.map((value, k) => ({ value, before: segments[k] ?? "", after: segments[k + 1] ?? "" })),
    comments,
    text: segments.join(" "),
  };
}

/** `from Joe User <joe@x>` (an author's address) or `<joe@x>'s message` (a possessive). */
const ADDRESS_BEFORE = /\bfrom\b[^<>]*$/i;
const ADDRESS_AFTER = /^'s\b/i;

/**
 * Every Message-ID of an In-Reply-To or References header, in order. RFC 5322 allows several
 * msg-ids; old clients (MH, nmh, exmh, Gnus, Mutt) add the author's address and the date in a
 * phrase, a quoted string or a comment. An angle-bracketed entry is not a Message-ID when it is
 * one of the email's own addresses (`knownAddresses`), or when its wording makes it an address:
 * the word "from" before it (`Message from Joe <joe@x> of …`) or a possessive after it
 * (`<joe@x>'s message of …`). Whitespace inside the brackets (folding, a broken line) is removed.
 * Without brackets, the whitespace- or comma-separated tokens with an `@` are the ids.
 */
export function parseThreadingIds(raw: unknown, options: { knownAddresses?: ReadonlySet<string> } = {}): ThreadingIds {
  const result: ThreadingIds = { ids: [], ignored: [] };
  if (typeof raw !== "string") return result;
  const known = options.knownAddresses ?? new Set<string>();
  const take = (value: string, context: { before: string; after: string }) => {
    if (value.length === 0) return;
    if (known.has(normalizeAddress(value))) result.ignored.push({ value, reason: "knownAddress" });
    else if (ADDRESS_BEFORE.test(context.before) || ADDRESS_AFTER.test(context.after)) result.ignored.push({ value, reason: "addressContext" });
    else if (!result.ids.includes(value)) result.ids.push(value);
  };
  const scanned = scanIds(raw);
  for (const entry of scanned.entries) take(entry.value, entry);
  if (scanned.entries.length === 0) {
    // Bracketed ids only inside a comment (`(message <id@x> from Joe)`): better than none.
    for (const comment of scanned.comments) for (const entry of scanIds(comment).entries) take(entry.value, entry);
  }
  if (scanned.entries.length === 0 && result.ids.length === 0 && result.ignored.length === 0) {
    // Some mailers write bare ids separated by whitespace or commas.
    for (const token of scanned.text.split(/[\s,;]+/)) {
      const value = token.replace(/^<+/, "").replace(/>+$/, "");
      if (value.includes("@")) take(value, { before: "", after: "" });
    }
  }
  return result;
}

/** Every Message-ID in a References-like header, in order, de-duplicated. */
export function parseMessageIdList(raw: unknown): string[] {
  return parseThreadingIds(raw).ids;
}

// ---- parties -----------------------------------------------------------------------------------

function toParty(recipient: unknown, field: string, warnings: string[]): Party | undefined {
  const emailAddress = isRecord(recipient) ? recipient.emailAddress : undefined;
  if (!isRecord(emailAddress)) {
    warnings.push(`${field}: dropped an entry without an emailAddress (${describe(recipient)})`);
    return undefined;
  }
  const raw = emailAddress.address;
  const address = typeof raw === "string" ? normalizeAddress(raw) : "";
  if (!looksLikeEmailAddress(address)) {
    warnings.push(`${field}: dropped ${describe(raw)}, which is not an email address (local@domain)`);
    return undefined;
  }
  const name = nonEmptyString(emailAddress.name);
  return name === undefined ? { address } : { address, name };
}

function toParties(value: unknown, field: string, warnings: string[]): Party[] {
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    warnings.push(`${field} is not a list (${describe(value)}); treated as empty`);
    return [];
  }
  const parties = new Map<string, Party>();
  for (const recipient of asList(value)) {
    const party = toParty(recipient, field, warnings);
    if (!party) continue;
    const earlier = parties.get(party.address);
    if (!earlier) parties.set(party.address, party);
    else if (earlier.name === undefined && party.name !== undefined) earlier.name = party.name;
  }
  return [...parties.values()];
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

// ---- automated mail ----------------------------------------------------------------------------

/**
 * Auto-replies and bulk mail, from headers (RFC 3834, RFC 2369/2919, Precedence).
 * X-Auto-Response-Suppress is deliberately ignored: Outlook sets it on ordinary mail.
 */
export function detectAutomatedEmail(headers: readonly GraphHeader[]): AutomatedEmail {
  const result: AutomatedEmail = { autoReply: false, bulk: false, evidence: [] };
  for (const header of asList(headers)) {
    if (!isRecord(header) || typeof header.name !== "string") continue;
    const name = header.name.trim();
    const value = typeof header.value === "string" ? unfold(header.value).trim() : "";
    const lowerName = name.toLowerCase();
    // The keyword before any comment or parameter, e.g. "auto-replied" in "auto-replied; owner-email=…".
    const keyword = value.split(/[;(\s]/, 1)[0]?.toLowerCase() ?? "";
    let autoReply = false;
    let bulk = false;
    switch (lowerName) {
      case "auto-submitted":
        autoReply = keyword !== "no";
        break;
      case "x-autoreply":
      case "x-autorespond":
        autoReply = true;
        break;
      case "precedence":
        autoReply = keyword === "auto_reply";
        bulk = keyword === "bulk" || keyword === "list" || keyword === "junk";
        break;
      case "list-id":
      case "list-unsubscribe":
        bulk = true;
        break;
      default:
        continue;
    }
    if (autoReply || bulk) result.evidence.push(`${name}: ${value}`);
    result.autoReply ||= autoReply;
    result.bulk ||= bulk;
  }
  return result;
}

// ---- body --------------------------------------------------------------------------------------

/** Cuts text to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // Cheap exits: a UTF-8 character takes at most 3 bytes per UTF-16 unit.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString("utf8"), truncated: true };
}

function toBody(
  value: unknown,
  maxBodyBytes: number,
  warnings: string[],
): { body?: EmailEnvelope["body"]; bodyTruncated: boolean } {
  if (value === undefined || value === null) return { bodyTruncated: false };
  if (!isRecord(value) || typeof value.content !== "string") {
    warnings.push(`body has no text content (${describe(value)}); stored without a body`);
    return { bodyTruncated: false };
  }
  let contentType: "text" | "html";
  if (typeof value.contentType === "string" && value.contentType.toLowerCase() === "html") contentType = "html";
  else {
    if (typeof value.contentType !== "string" || value.contentType.toLowerCase() !== "text") {
      warnings.push(`body.contentType ${describe(value.contentType)} is neither "text" nor "html"; treated as text`);
    }
    contentType = "text";
  }
  const { text, truncated } = truncateUtf8(value.content, maxBodyBytes);
  if (truncated) {
    warnings.push(
      `body truncated from ${Buffer.byteLength(value.content, "utf8")} to ${Buffer.byteLength(text, "utf8")} bytes (maxBodyBytes ${maxBodyBytes})`,
    );
  }
  return { body: { contentType, content: text }, bodyTruncated: truncated };
}

// ---- the envelope ------------------------------------------------------------------------------

function dateTime(value: unknown, field: string, warnings: string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value.trim().length > 0 && !Number.isNaN(Date.parse(value))) return value.trim();
  warnings.push(`${field} ${describe(value)} is not a date-time; ignored`);
  return undefined;
}

/**
 * A stable stand-in for a missing Message-ID. Bcc is left out so that the sender's
 * Sent Items copy and the recipients' copies get the same id.
 */
function syntheticMessageId(facts: {
  from?: Party;
  sentOn?: string;
  subject: string;
  toRecipients: Party[];
  ccRecipients: Party[];
  body: unknown;
}): string {
  const body = isRecord(facts.body) && typeof facts.body.content === "string" ? facts.body.content : "";
  const hash = createHash("sha256")
    .update(
      JSON.stringify([
        facts.from?.address ?? "",
        facts.sentOn ?? "",
        facts.subject,
        facts.toRecipients.map((p) => p.address),
        facts.ccRecipients.map((p) => p.address),
        body,
      ]),
    )
    .digest("hex")
    .slice(0, 32);
  return `synthetic.${hash}@${SYNTHETIC_MESSAGE_ID_DOMAIN}`;
}

export function toEnvelope(
  message: GraphMessage,
  options: ToEnvelopeOptions,
): { envelope: EmailEnvelope; warnings: string[] } {
  const warnings: string[] = [];
  const m: Record<string, unknown> = isRecord(message) ? message : {};
  if (!isRecord(message)) warnings.push(`message is not an object (${describe(message)})`);

  const graphMessageId = typeof m.id === "string" ? m.id : "";
  if (graphMessageId === "") warnings.push("message has no Graph id");

  if (m.internetMessageHeaders !== undefined && m.internetMessageHeaders !== null && !Array.isArray(m.internetMessageHeaders)) {
    warnings.push(`internetMessageHeaders is not a list (${describe(m.internetMessageHeaders)}); ignored`);
  }
  const headers = headerList(m);
  const header = (name: string, propertyId: string): string | undefined =>
    headerValue(headers, name) ?? extendedProperty(m, propertyId);

  let subject = "";
  if (typeof m.subject === "string") subject = m.subject;
  else if (m.subject !== undefined && m.subject !== null) warnings.push(`subject ${describe(m.subject)} is not text; treated as empty`);

  const from = m.from ?? m.sender;
  const fromParty =
    from === undefined || from === null ? undefined : toParty(from, m.from ? "from" : "sender", warnings);
  const toRecipients = toParties(m.toRecipients, "toRecipients", warnings);
  const ccRecipients = toParties(m.ccRecipients, "ccRecipients", warnings);
  const bccRecipients = toParties(m.bccRecipients, "bccRecipients", warnings);
  const sentOn = dateTime(m.sentDateTime, "sentDateTime", warnings);
  const receivedOn = dateTime(m.receivedDateTime, "receivedDateTime", warnings);

  let internetMessageId =
    normalizeMessageId(m.internetMessageId) ?? normalizeMessageId(header("Message-ID", EXTENDED_PROPERTY_IDS.messageId));
  const internetMessageIdSynthetic = internetMessageId === undefined;
  if (internetMessageId === undefined) {
    internetMessageId = syntheticMessageId({
      ...(fromParty ? { from: fromParty } : {}),
      ...(sentOn ? { sentOn } : {}),
      subject,
      toRecipients,
      ccRecipients,
      body: m.body,
    });
    warnings.push(`message has no Message-ID; using synthetic id ${internetMessageId}`);
  }

  // The email's own addresses: an MH-style In-Reply-To names its author's, which is not an id.
  const knownAddresses = new Set([...(fromParty ? [fromParty] : []), ...toRecipients, ...ccRecipients, ...bccRecipients].map((p) => p.address));
  const threading = (name: "In-Reply-To" | "References", raw: string | undefined) => {
    const parsed = parseThreadingIds(raw, { knownAddresses });
    for (const ignored of parsed.ignored) {
      warnings.push(`${name}: <${ignored.value}> is an address (${ignored.reason === "knownAddress" ? "one of the email's own" : "by its wording"}), not a Message-ID; ignored`);
      threadingIgnored.push({ header: name, ...ignored });
    }
    if (raw !== undefined && parsed.ids.length === 0) warnings.push(`${name} ${describe(raw)} holds no Message-ID`);
    return parsed.ids;
  };
  const threadingIgnored: EmailEnvelope["threadingIgnored"] = [];
  const inReplyToIds = threading("In-Reply-To", header("In-Reply-To", EXTENDED_PROPERTY_IDS.inReplyTo));
  const inReplyTo = inReplyToIds[0];
  const references = threading("References", header("References", EXTENDED_PROPERTY_IDS.references));

  const conversationIndex = nonEmptyString(m.conversationIndex) ?? headerValue(headers, "Thread-Index");

  const categories = [
    ...new Set(asList(m.categories).map(nonEmptyString).filter((c): c is string => c !== undefined)),
  ];

  const requestedMax = options?.maxBodyBytes;
  const maxBodyBytes =
    typeof requestedMax === "number" && Number.isFinite(requestedMax) && requestedMax >= 0
      ? Math.floor(requestedMax)
      : DEFAULT_MAX_BODY_BYTES;
  const { body, bodyTruncated } = toBody(m.body, maxBodyBytes, warnings);

  const envelope: EmailEnvelope = {
    graphMessageId,
    internetMessageId,
    internetMessageIdSynthetic,
    inReplyToIds,
    references,
    threadingIgnored,
    subject,
    toRecipients,
    ccRecipients,
    bccRecipients,
    categories,
    isDraft: m.isDraft === true,
    automated: detectAutomatedEmail(headers),
    bodyTruncated,
  };
  if (inReplyTo !== undefined) envelope.inReplyTo = inReplyTo;
  if (conversationIndex !== undefined) envelope.conversationIndex = conversationIndex;
  if (fromParty) envelope.from = fromParty;
  if (sentOn !== undefined) envelope.sentOn = sentOn;
  if (receivedOn !== undefined) envelope.receivedOn = receivedOn;
  if (body) envelope.body = body;
  return { envelope, warnings };
}
