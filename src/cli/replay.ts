// The what-if replay: run recorded mail (.eml files, mbox files, directories of .eml) through the
// tracking pipeline against candidate settings and records, and report per message what was decided
// and why. The store is injected: local/replay.ts opens Cosmos DB (or the embedded stand-in).
import { open, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import cliProgress from "cli-progress";
import { Command, CommanderError } from "commander";
import { parseEml, splitMbox, toSentItemsShape } from "../adapters/mime/index.js";
import type { TrackingStore } from "../app/ports.js";
import { createTracker, type TrackResult } from "../app/track-message.js";
import {
  defaultOrganizationSettings,
  isIsoDateTime,
  looksLikeEmailAddress,
  parseMailboxSettings,
  parseSettingsFile,
  SettingsError,
} from "../domain/settings.js";
import {
  RECORD_TYPES,
  type CrmRecord,
  type Folder,
  type GraphMessage,
  type MailboxSettings,
  type OrganizationSettings,
} from "../domain/types.js";
import { formatSummary, summarize, type ReplayLine, type ReplaySummary } from "./summary.js";

export type { ReplayLine, ReplaySummary } from "./summary.js";

/** Fixture convention: puts a message in the tracked folder of that name (see docs/replay.md). */
export const FOLDER_HEADER = "X-Folder";

/** Bad command-line input or configuration: the message names the problem; exit code 2. */
export class ReplayUsageError extends Error {
  override name = "ReplayUsageError";
}

export interface ReplayOptions {
  paths: string[];
  settingsFile?: string;
  recordsFile?: string;
  /** The receiving mailbox; default: the settings file's mailbox.address. */
  mailbox?: string;
  /** JSON Lines file, one line per input message. */
  out?: string;
  store: TrackingStore;
  requestCount?: () => number;
  /** Show a progress bar when stdout is a terminal. Default: true. */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface ReplayConfiguration {
  organization: OrganizationSettings;
  mailbox: MailboxSettings;
  records: CrmRecord[];
}

interface InputMessage {
  file: string;
  order: number;
  source?: Buffer;
  /** Set when the input could not be read at all. */
  error?: string;
}

interface ParsedInput {
  file: string;
  order: number;
  message?: GraphMessage;
  date?: Date;
  unreadable?: string;
}

export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const configuration = await loadConfiguration(options);
  const inputs = await collectInputs(options.paths);
  // One at a time: parsing is CPU-bound, and a large mbox parsed all at once would hold every
  // intermediate MIME tree in memory together.
  const parsed: ParsedInput[] = [];
  for (const input of inputs) parsed.push(await parseInput(input));
  const ordered = inDateOrder(parsed);

  const { store } = options;
  await store.settings.putOrganization(configuration.organization);
  await store.settings.putMailbox(configuration.mailbox);
  if (configuration.records.length > 0) await store.records.upsertRecords(configuration.records);
  // Settings were just written: the cache may keep them for the whole run.
  const tracker = createTracker({ store });

  const output = options.out ? await openOutput(options.out) : undefined;
  const showProgress = (options.progress ?? true) && process.stdout.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: "replay [{bar}] {value}/{total} {file}", hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(ordered.length, 0, { file: "" });

  const lines: ReplayLine[] = [];
  const requestsBefore = options.requestCount?.();
  const started = performance.now();
  try {
    for (const input of ordered) {
      const line = await replayOne(input, { tracker, mailbox: configuration.mailbox.address });
      lines.push(line);
      await output?.write(`${JSON.stringify(line)}\n`);
      bar?.increment(1, { file: input.file });
    }
  } finally {
    bar?.stop();
    await output?.close();
  }
  const elapsedInMs = performance.now() - started;
  const requestsAfter = options.requestCount?.();
  const summary = summarize(lines, {
    elapsedInMs,
    ...(requestsBefore !== undefined && requestsAfter !== undefined ? { requests: requestsAfter - requestsBefore } : {}),
  });
  log(formatSummary(summary));
  return summary;
}

/**
 * Reads and validates the settings and records files and works out the receiving mailbox.
 * Throws ReplayUsageError naming the file and the problem.
 */
export async function loadConfiguration(options: {
  settingsFile?: string;
  recordsFile?: string;
  mailbox?: string;
}): Promise<ReplayConfiguration> {
  let organization = defaultOrganizationSettings();
  let fileMailbox: MailboxSettings | undefined;
  if (options.settingsFile) {
    const input = await readJson(options.settingsFile, "settings");
    try {
      const parsed = parseSettingsFile(input);
      organization = parsed.organization;
      fileMailbox = parsed.mailbox;
    } catch (error) {
      if (error instanceof SettingsError) throw new ReplayUsageError(`${options.settingsFile}: ${error.message}`);
      throw error;
    }
  }

  const address = options.mailbox?.trim() || fileMailbox?.address;
  if (!address) {
    throw new ReplayUsageError(
      "--mailbox is required when the settings file has no mailbox.address: it names the receiving mailbox",
    );
  }
  let mailbox: MailboxSettings;
  try {
    // --mailbox replays the settings file's mailbox settings under another address; alone, it gets defaults.
    mailbox = parseMailboxSettings({ ...(fileMailbox ?? {}), address });
  } catch (error) {
    if (error instanceof SettingsError) throw new ReplayUsageError(`--mailbox: ${error.message}`);
    throw error;
  }

  const records = options.recordsFile
    ? parseRecords(await readJson(options.recordsFile, "records"), options.recordsFile)
    : [];
  return { organization, mailbox, records };
}

const RECORD_KEYS = new Set(["type", "id", "name", "emailAddresses", "active", "createdOn", "ownerId"]);

/** Validates a records file: a JSON array of CrmRecord. Throws ReplayUsageError naming index and field. */
export function parseRecords(input: unknown, fileName = "records"): CrmRecord[] {
  const fail = (message: string): never => {
    throw new ReplayUsageError(`${fileName}: ${message}`);
  };
  if (!Array.isArray(input)) return fail("must be a JSON array of records");
  const seen = new Set<string>();
  return input.map((item: unknown, index): CrmRecord => {
    const at = `record [${index}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) return fail(`${at} must be an object`);
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!RECORD_KEYS.has(key)) fail(`${at}: ${key} is not a record field (known: ${[...RECORD_KEYS].join(", ")})`);
    }
    const { type, id, name, emailAddresses, active, createdOn, ownerId } = record;
    if (typeof type !== "string" || !(RECORD_TYPES as readonly string[]).includes(type)) {
      fail(`${at}: type must be one of ${RECORD_TYPES.join(", ")} (got ${JSON.stringify(type)})`);
    }
    if (typeof id !== "string" || id.trim() === "") fail(`${at}: id must be a non-empty string`);
    if (!Array.isArray(emailAddresses)) fail(`${at}: emailAddresses is required (a list of addresses)`);
    (emailAddresses as unknown[]).forEach((address, i) => {
      if (typeof address !== "string" || !looksLikeEmailAddress(address.trim())) {
        fail(`${at}: emailAddresses[${i}] must be an email address (got ${JSON.stringify(address)})`);
      }
    });
    if (typeof createdOn !== "string" || !isIsoDateTime(createdOn)) {
      fail(`${at}: createdOn is required, an ISO 8601 date-time with a zone (got ${JSON.stringify(createdOn)})`);
    }
    if (name !== undefined && typeof name !== "string") fail(`${at}: name must be a string`);
    if (active !== undefined && typeof active !== "boolean") fail(`${at}: active must be true or false`);
    if (ownerId !== undefined && typeof ownerId !== "string") fail(`${at}: ownerId must be a string`);
    const key = `${type as string}/${id as string}`;
    if (seen.has(key)) fail(`${at}: duplicate record ${key}`);
    seen.add(key);
    return {
      type: type as CrmRecord["type"],
      id: id as string,
      ...(name !== undefined ? { name: name as string } : {}),
      emailAddresses: (emailAddresses as string[]).map((a) => a.trim()),
      ...(active !== undefined ? { active: active as boolean } : {}),
      createdOn: createdOn as string,
      ...(ownerId !== undefined ? { ownerId: ownerId as string } : {}),
    };
  });
}

/**
 * The command line. `argv` holds the arguments only (no node/script). Returns the exit code:
 * 0 done, 1 the store failed, 2 bad usage or configuration. Never prints a stack trace for bad input.
 */
export async function main(
  argv: string[],
  deps: {
    openStore(): Promise<{ store: TrackingStore; requestCount(): number; dispose(): Promise<void> }>;
    log?: (line: string) => void;
    error?: (line: string) => void;
  },
): Promise<number> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const error = deps.error ?? ((line: string) => console.error(line));
  const program = new Command("replay")
    .description("Replay recorded mail through email tracking and report each decision")
    .argument("<paths...>", ".eml files, mbox files or directories of .eml files")
    .option("--settings <file>", "settings file: {\"organization\": {...}, \"mailbox\": {...}}")
    .option("--records <file>", "CRM records file: a JSON array of records")
    .option("--mailbox <address>", "the receiving mailbox (default: the settings file's mailbox.address)")
    .option("--out <file>", "write one JSON line per message to this file")
    .option("--no-progress", "no progress bar")
    .exitOverride()
    .configureOutput({ writeOut: (text) => log(text.trimEnd()), writeErr: (text) => error(text.trimEnd()) });

  let paths: string[];
  let opts: { settings?: string; records?: string; mailbox?: string; out?: string; progress: boolean };
  try {
    program.parse(argv, { from: "user" });
    paths = program.args;
    opts = program.opts();
  } catch (caught) {
    if (caught instanceof CommanderError) {
      // --help and --version exit "successfully"; everything else is a usage error already printed.
      return caught.exitCode === 0 ? 0 : 2;
    }
    throw caught;
  }

  const options = {
    paths,
    ...(opts.settings !== undefined ? { settingsFile: opts.settings } : {}),
    ...(opts.records !== undefined ? { recordsFile: opts.records } : {}),
    ...(opts.mailbox !== undefined ? { mailbox: opts.mailbox } : {}),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
    progress: opts.progress,
    log,
  };
  try {
    // Fail on bad input before paying for a store.
    await loadConfiguration(options);
    for (const p of paths) await statPath(p);
  } catch (caught) {
    if (caught instanceof ReplayUsageError) {
      error(`replay: ${caught.message}`);
      return 2;
    }
    throw caught;
  }

  let opened: Awaited<ReturnType<typeof deps.openStore>>;
  try {
    opened = await deps.openStore();
  } catch (caught) {
    error(`replay: could not open the tracking store: ${errorMessage(caught)}`);
    return 1;
  }
  try {
    const summary = await runReplay({ ...options, store: opened.store, requestCount: () => opened.requestCount() });
    return summary.failed.length > 0 ? 1 : 0;
  } catch (caught) {
    if (caught instanceof ReplayUsageError) {
      error(`replay: ${caught.message}`);
      return 2;
    }
    error(`replay: ${errorMessage(caught)}`);
    return 1;
  } finally {
    await opened.dispose();
  }
}

// ---- the steps ------------------------------------------------------------------------------------

async function replayOne(
  input: ParsedInput,
  context: { tracker: ReturnType<typeof createTracker>; mailbox: string },
): Promise<ReplayLine> {
  if (!input.message) {
    return {
      file: input.file,
      tracked: false,
      reason: `unreadable: ${input.unreadable ?? "unknown"}`,
      created: false,
      correlation: { method: "none" },
      recipients: [],
      warnings: [],
    };
  }
  const folder = folderOf(input.message, context.mailbox);
  const message = folder.kind === "sentitems" ? toSentItemsShape(input.message) : input.message;
  try {
    const result = await context.tracker.track({ message, mailbox: context.mailbox, folder });
    return toLine(input.file, result);
  } catch (caught) {
    return {
      file: input.file,
      ...(input.message.internetMessageId ? { internetMessageId: input.message.internetMessageId } : {}),
      tracked: false,
      reason: `error: ${errorMessage(caught)}`,
      created: false,
      correlation: { method: "none" },
      recipients: [],
      warnings: [],
    };
  }
}

/** X-Folder names a tracked folder; otherwise mail from the mailbox is in Sent Items, the rest in the Inbox. */
export function folderOf(message: GraphMessage, mailbox: string): Folder {
  const folderHeader = message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === FOLDER_HEADER.toLowerCase());
  if (folderHeader && folderHeader.value.trim() !== "") return { kind: "tracked", name: folderHeader.value.trim() };
  const from = message.from?.emailAddress.address?.trim().toLowerCase();
  return from !== undefined && from === mailbox.trim().toLowerCase() ? { kind: "sentitems" } : { kind: "inbox" };
}

function toLine(file: string, result: TrackResult): ReplayLine {
  const { correlation } = result;
  return {
    file,
    internetMessageId: result.internetMessageId,
    tracked: result.tracked,
    reason: result.reason,
    ...(result.activityId !== undefined ? { activityId: result.activityId } : {}),
    ...(result.activity?.scope !== undefined ? { scope: result.activity.scope } : {}),
    created: result.created,
    correlation: {
      method: correlation.method,
      ...(correlation.correlatedActivityId !== undefined ? { activityId: correlation.correlatedActivityId } : {}),
      ...(correlation.internetMessageId !== undefined ? { internetMessageId: correlation.internetMessageId } : {}),
    },
    ...(result.regarding ? { regarding: result.regarding } : {}),
    ...(result.sender ? { sender: result.sender } : {}),
    recipients: result.recipients,
    ...(result.acceptingEntity ? { acceptingEntity: result.acceptingEntity } : {}),
    automated: result.automated,
    warnings: result.warnings,
  };
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

async function statPath(p: string) {
  try {
    return await stat(p);
  } catch {
    throw new ReplayUsageError(`${p}: no such file or directory`);
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (caught) {
    throw new ReplayUsageError(`cannot read the ${what} file ${file}: ${errorMessage(caught)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (caught) {
    throw new ReplayUsageError(`${file}: the ${what} file is not valid JSON (${errorMessage(caught)})`);
  }
}

async function openOutput(file: string) {
  try {
    const handle = await open(file, "w");
    return {
      write: async (text: string) => void (await handle.write(text)),
      close: () => handle.close(),
    };
  } catch (caught) {
    throw new ReplayUsageError(`--out: cannot write ${file}: ${errorMessage(caught)}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
