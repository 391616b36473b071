// The replay's mail: files and directories in, parsed Graph-shaped messages out, in the order a
// mailbox would have received them, each in the folder it would have been found in.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { mailCodec } from "../adapters/mime/index.js";
import { messagesOfFile, parseMail, type MailInput, type ParsedInput } from "../app/replay/mail.js";
import { errorMessage, ReplayUsageError } from "./replay-config.js";

export { asFoundIn, FOLDER_HEADER, folderOf, looksSentByCrm, type ParsedInput } from "../app/replay/mail.js";

/** Every input message, parsed, in Date order (undated and unreadable ones last, in input order). */
export async function readMail(paths: string[]): Promise<ParsedInput[]> {
  return parseMail(await collectInputs(paths), mailCodec);
}

/** Fails with a ReplayUsageError naming the path when it does not exist. */
export async function statPath(p: string) {
  try {
    return await stat(p);
  } catch {
    throw new ReplayUsageError(`${p}: no such file or directory`);
  }
}

/** Directories give their *.eml files (recursively, sorted by path); .eml files one message; anything else is an mbox. */
async function collectInputs(paths: string[]): Promise<MailInput[]> {
  const inputs: MailInput[] = [];
  const add = (input: Omit<MailInput, "order">) => inputs.push({ ...input, order: inputs.length });
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
      for (const input of messagesOfFile(file, source, mailCodec)) add(input);
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
