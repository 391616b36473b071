// The replay's mail: files and directories in, parsed Graph-shaped messages out, in the order a
// mailbox would have received them, each in the folder it would have been found in.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseEml, splitMbox, toSentItemsShape } from "../adapters/mime/index.js";
import { normalizeAddress } from "../domain/address.js";
import { trackingTokenPrefixes } from "../domain/settings.js";
import { findTrackingToken } from "../domain/tracking-token.js";
import type { Folder, GraphMessage, OrganizationSettings } from "../domain/types.js";
import { errorMessage, ReplayUsageError } from "./replay-config.js";

/** Fixture convention: puts a message in the tracked folder of that name (see docs/replay.md). */
export const FOLDER_HEADER = "X-Folder";

interface InputMessage {
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

/** Every input message, parsed, in Date order (undated and unreadable ones last, in input order). */
export async function readMail(paths: string[]): Promise<ParsedInput[]> {
  const inputs = await collectInputs(paths);
  // One at a time: parsing is CPU-bound, and a large mbox parsed all at once would hold every
  // intermediate MIME tree in memory together.
  const parsed: ParsedInput[] = [];
  for (const input of inputs) {
    parsed.push(await parseInput(input));
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
export function asFoundIn(message: GraphMessage, folder: Folder): GraphMessage {
  return folder.kind === "sentitems" ? toSentItemsShape(message) : message;
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

/** Fails with a ReplayUsageError naming the path when it does not exist. */
export async function statPath(p: string) {
  try {
    return await stat(p);
  } catch {
    throw new ReplayUsageError(`${p}: no such file or directory`);
  }
}

async function parseInput(input: InputMessage): Promise<ParsedInput> {
  if (!input.source) return { file: input.file, order: input.order, unreadable: input.error ?? "unreadable" };
  const result = await parseEml(input.source);
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

/** Directories give their *.eml files (recursively, sorted by path); .eml files one message; anything else is an mbox. */
async function collectInputs(paths: string[]): Promise<InputMessage[]> {
  const inputs: InputMessage[] = [];
  const add = (input: Omit<InputMessage, "order">) => inputs.push({ ...input, order: inputs.length });
  for (const p of paths) {
    const info = await statPath(p);
    const files = info.isDirectory() ? await emlFilesUnder(p) : [p];
    for (const file of files) {
      let source: Buffer;
      try {
        source = await readFile(file);
      } catch (caught) {
        add({ file, error: errorMessage(caught) });
        continue;
      }
      if (file.toLowerCase().endsWith(".eml")) {
        add({ file, source });
        continue;
      }
      const messages = splitMbox(source);
      if (messages.length === 0) add({ file, error: "empty file" });
      messages.forEach((message, index) => add({ file: `${file}#${index + 1}`, source: message }));
    }
  }
  return inputs;
}

async function emlFilesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".eml"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
