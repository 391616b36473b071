// The replay's mail: recorded files (one .eml, or an mbox of many) in, Graph-shaped messages out,
// in the order a mailbox would have received them, each in the folder it would have been found in.
// MIME decoding is the MailCodec port's (src/adapters/mime); files come from the CLI or the API.
import { normalizeAddress } from "../../domain/address.js";
import { trackingTokenPrefixes } from "../../domain/settings.js";
import { findTrackingToken } from "../../domain/tracking-token.js";
import type { Folder, GraphMessage, OrganizationSettings } from "../../domain/types.js";
import type { MailCodec } from "../ports.js";

/** Fixture convention: puts a message in the tracked folder of that name (see docs/replay.md). */
export const FOLDER_HEADER = "X-Folder";

/** One recorded message, before parsing. */
export interface MailInput {
  /** The file; `file#N` for the Nth message (1-based) of an mbox. */
  file: string;
  order: number;
  source?: Buffer;
  /** Set when the input could not be read at all. */
  error?: string;
}

export interface ParsedInput {
  file: string;
  order: number;
  message?: GraphMessage;
  date?: Date;
  unreadable?: string;
}

/** A file's messages: an .eml file is one; anything else is read as an mbox. */
export function messagesOfFile(file: string, source: Buffer, codec: Pick<MailCodec, "splitMbox">): Array<Omit<MailInput, "order">> {
  if (file.toLowerCase().endsWith(".eml")) return [{ file, source }];
  const messages = codec.splitMbox(source);
  if (messages.length === 0) return [{ file, error: "empty file" }];
  return messages.map((message, index) => ({ file: `${file}#${index + 1}`, source: message }));
}

/** Every input message, parsed, in Date order (undated and unreadable ones last, in input order). */
export async function parseMail(inputs: MailInput[], codec: Pick<MailCodec, "parseEml">): Promise<ParsedInput[]> {
  // One at a time: parsing is CPU-bound, and a large mbox parsed all at once would hold every
  // intermediate MIME tree in memory together.
  const parsed: ParsedInput[] = [];
  for (const input of inputs) {
    parsed.push(await parseInput(input, codec));
    // The raw bytes are not needed once parsed: a large export is not held twice.
    delete input.source;
  }
  return inDateOrder(parsed);
}

/** X-Folder names a tracked folder; otherwise mail from the mailbox is in Sent Items, the rest in the Inbox. */
export function folderOf(message: GraphMessage, mailbox: string): Folder {
  const folderHeader = message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === FOLDER_HEADER.toLowerCase());
  if (folderHeader && folderHeader.value.trim() !== "") return { kind: "tracked", name: folderHeader.value.trim() };
  const from = message.from?.emailAddress.address;
  return typeof from === "string" && normalizeAddress(from) === normalizeAddress(mailbox) ? { kind: "sentitems" } : { kind: "inbox" };
}

/** The message as the tracker would get it from Graph in that folder. */
export function asFoundIn(message: GraphMessage, folder: Folder, codec: Pick<MailCodec, "toSentItemsShape">): GraphMessage {
  return folder.kind === "sentitems" ? codec.toSentItemsShape(message) : message;
}

/**
 * Mail the CRM sent (project decision, docs/replay.md): a Sent Items message whose subject carries
 * a tracking token with the current prefix or one of the prefix history. The CRM tracks such mail
 * when it sends it, so the replay tracks it as `sentByApp`; replies then correlate with it.
 */
export function looksSentByCrm(message: GraphMessage, folder: Folder, organization: OrganizationSettings): boolean {
  if (folder.kind !== "sentitems") return false;
  return findTrackingToken(message.subject, { prefixes: trackingTokenPrefixes(organization) }) !== undefined;
}

async function parseInput(input: MailInput, codec: Pick<MailCodec, "parseEml">): Promise<ParsedInput> {
  if (!input.source) return { file: input.file, order: input.order, unreadable: input.error ?? "unreadable" };
  const result = await codec.parseEml(input.source);
  if (!result.ok) return { file: input.file, order: input.order, unreadable: result.reason };
  return {
    file: input.file,
    order: input.order,
    message: result.message,
    ...(result.date ? { date: result.date } : {}),
  };
}

/** By Date header; undated (and unreadable) messages last; ties keep the input order. */
function inDateOrder(inputs: ParsedInput[]): ParsedInput[] {
  return [...inputs].sort((a, b) => {
    const at = a.date?.getTime();
    const bt = b.date?.getTime();
    if (at !== undefined && bt !== undefined && at !== bt) return at - bt;
    if (at !== undefined && bt === undefined) return -1;
    if (at === undefined && bt !== undefined) return 1;
    return a.order - b.order;
  });
}
