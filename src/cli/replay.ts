// The what-if replay: run recorded mail (.eml files, mbox files, directories of .eml) through the
// tracking pipeline against candidate settings and records, and report per message what was decided
// and why — or, with --compare, what a second set of settings would decide differently. The store
// is injected: local/replay.ts opens the in-memory store, or Cosmos DB when asked.
import { open } from "node:fs/promises";
import cliProgress from "cli-progress";
import { Command, CommanderError } from "commander";
import { mailCodec } from "../adapters/mime/index.js";
import type { TrackingStore } from "../app/ports.js";
import { parseActivities, seedActivityId, type SeedActivity } from "../app/replay/activities.js";
import { comparedJsonLine } from "../app/replay/lines.js";
import { replayMail, type ReplayStore } from "../app/replay/run.js";
import type { CrmRecord, MailboxSettings } from "../domain/types.js";
import {
  configurationWarnings,
  errorMessage,
  loadConfiguration,
  loadSettingsFile,
  readText,
  ReplayUsageError,
  type ReplayConfiguration,
} from "./replay-config.js";
import { readMail, statPath, type ParsedInput } from "./replay-input.js";
import { compareLines, DEFAULT_TABLE_LIMIT, formatComparison, formatMessageTable, type ComparedMessage, type TableContext } from "./replay-table.js";
import { formatSummary, type ReplayLine, type ReplaySummary } from "./summary.js";

export type { ReplayLine, ReplaySummary } from "./summary.js";
export { loadConfiguration, parseRecords, ReplayUsageError, type ReplayConfiguration } from "./replay-config.js";
export { FOLDER_HEADER, folderOf } from "./replay-input.js";

export type { ReplayStore } from "../app/replay/run.js";

/** One side through the engine, with a terminal progress bar when asked. */
async function replaySide(
  inputs: ParsedInput[],
  side: Omit<Parameters<typeof replayMail>[1], "codec" | "onProgress"> & { showProgress: boolean; label: string },
): Promise<ReplaySummary> {
  const { showProgress, label, ...rest } = side;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {file}`, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(inputs.length, 0, { file: "" });
  try {
    return await replayMail(inputs, { ...rest, codec: mailCodec, ...(bar ? { onProgress: ({ file }) => bar.increment(1, { file }) } : {}) });
  } finally {
    bar?.stop();
  }
}

export interface ReplayOptions {
  paths: string[];
  settingsFile?: string;
  recordsFile?: string;
  /** The receiving mailbox; default: the settings file's mailbox.address. */
  mailbox?: string;
  /** Activities to start from (JSON Lines or a JSON array; see docs/replay.md). */
  activitiesFile?: string;
  /** Track Sent Items mail with a tracking token as sent by the CRM (sentByApp). Default: true. */
  crmSent?: boolean;
  /** The per-message table: true always, false never, undefined up to DEFAULT_TABLE_LIMIT messages. */
  details?: boolean;
  /** A second settings file: the same mail is replayed under it into `compareStore`. */
  compareSettingsFile?: string;
  compareStore?: ReplayStore;
  /** JSON Lines file, one line per input message. */
  out?: string;
  store: TrackingStore;
  requestCount?: () => number;
  /** Show a progress bar when stdout is a terminal. Default: true. */
  progress?: boolean;
  log?: (line: string) => void;
  /** Warnings (the run goes on); default: stderr. */
  warn?: (line: string) => void;
}

export interface ReplayReport extends ReplaySummary {
  /** With --compare: the other side and the messages it decides differently. */
  comparison?: { settingsFile: string; summary: ReplaySummary; messages: ComparedMessage[]; changed: number };
}

/** Everything read and checked before a store is opened. */
export interface PreparedReplay {
  base: ReplayConfiguration;
  compare?: { settingsFile: string; configuration: ReplayConfiguration };
  seeds: SeedActivity[];
  warnings: string[];
}

/** Reads and validates every input file; throws ReplayUsageError naming the file and the problems. */
export async function prepareReplay(
  options: Pick<ReplayOptions, "paths" | "settingsFile" | "recordsFile" | "mailbox" | "activitiesFile" | "compareSettingsFile">,
): Promise<PreparedReplay> {
  const base = await loadConfiguration(options);
  const warnings = configurationWarnings(base, options);
  let compare: PreparedReplay["compare"];
  if (options.compareSettingsFile) {
    const configuration = await compareConfiguration(base, options.compareSettingsFile);
    compare = { settingsFile: options.compareSettingsFile, configuration };
    if (configuration.mailbox.kind !== base.mailbox.kind) warnings.push(...configurationWarnings(configuration, options));
  }
  let seeds: SeedActivity[] = [];
  if (options.activitiesFile) {
    const parsed = parseActivities(await readText(options.activitiesFile, "activities"));
    const file = options.activitiesFile;
    if (parsed.seeds.length === 0 && parsed.problems.length > 0) {
      throw new ReplayUsageError(`${file}: no activity could be read\n${limited(parsed.problems.map((p) => `${file}: ${p}`))}`);
    }
    if (parsed.problems.length > 0) {
      warnings.push(`${file}: ${parsed.problems.length} bad ${parsed.problems.length === 1 ? "line" : "lines"} skipped, ${parsed.seeds.length} activities read`);
      warnings.push(...limited(parsed.problems.map((p) => `${file}: ${p}`)).split("\n"));
    }
    seeds = parsed.seeds;
  }
  for (const p of options.paths) await statPath(p);
  return { base, ...(compare ? { compare } : {}), seeds, warnings };
}

export async function runReplay(options: ReplayOptions): Promise<ReplayReport> {
  const prepared = await prepareReplay(options);
  const warn = options.warn ?? ((line: string) => console.error(line));
  for (const warning of prepared.warnings) warn(`warning: ${warning}`);
  return runPrepared(prepared, options);
}

async function runPrepared(prepared: PreparedReplay, options: ReplayOptions): Promise<ReplayReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (prepared.compare && !options.compareStore) throw new Error("--compare needs a second store (compareStore)");
  const inputs = await readMail(options.paths);
  const context = tableContext(prepared.base.records, prepared.seeds);
  const crmSent = options.crmSent ?? true;
  const showProgress = (options.progress ?? true) && process.stdout.isTTY === true;

  const output = options.out ? await openOutput(options.out) : undefined;
  try {
    const base = await replaySide(inputs, {
      configuration: prepared.base,
      store: { store: options.store, ...(options.requestCount ? { requestCount: options.requestCount } : {}) },
      seeds: prepared.seeds,
      crmSent,
      showProgress,
      label: "replay",
      // The compare side needs the messages again; otherwise each is let go once tracked, so a
      // large mailbox is not held in memory twice (parsed and stored).
      release: !prepared.compare,
      // Without --compare the lines are written as they come: a long run can be watched.
      ...(output && !prepared.compare ? { onLine: (line: ReplayLine) => output.write(`${JSON.stringify(line)}\n`) } : {}),
    });
    if (!prepared.compare || !options.compareStore) {
      const showTable = options.details ?? base.lines.length <= DEFAULT_TABLE_LIMIT;
      if (showTable) log(formatMessageTable(base.lines, context));
      log(formatSummary(base));
      return base;
    }
    const compared = await replaySide(inputs, {
      configuration: prepared.compare.configuration,
      store: options.compareStore,
      seeds: prepared.seeds,
      crmSent,
      showProgress,
      label: "compare",
      release: true,
    });
    const messages = compareLines(base.lines, compared.lines);
    for (const message of messages) {
      await output?.write(`${JSON.stringify(comparedJsonLine(message))}\n`);
    }
    const labels = { base: options.settingsFile ?? "the defaults (no --settings)", compare: prepared.compare.settingsFile };
    log(formatComparison({ base, compare: compared }, { labels, all: options.details === true, context }));
    log(`${base.messages} messages replayed under both settings in ${((base.elapsedInMs + compared.elapsedInMs) / 1000).toFixed(1)} s`);
    const changed = messages.filter((m) => m.changed).length;
    return { ...base, comparison: { settingsFile: prepared.compare.settingsFile, summary: compared, messages, changed } };
  } finally {
    await output?.close();
  }
}

/**
 * The command line. `argv` holds the arguments only (no node/script). Returns the exit code:
 * 0 done, 1 the store failed, 2 bad usage or configuration. Never prints a stack trace for bad input.
 */
export async function main(
  argv: string[],
  deps: {
    /** `cosmos`: --cosmos was given. `side`: "compare" for the second store of --compare. */
    openStore(options: { cosmos: boolean; side: "base" | "compare" }): Promise<ReplayStore & { dispose(): Promise<void> }>;
    log?: (line: string) => void;
    error?: (line: string) => void;
  },
): Promise<number> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const error = deps.error ?? ((line: string) => console.error(line));
  const program = new Command("replay")
    .description("Replay recorded mail through email tracking and report each decision and why")
    .argument("<paths...>", ".eml files, mbox files or directories of .eml files")
    .option("--mailbox <address>", "the receiving mailbox (default: the settings file's mailbox.address)")
    .option("--settings <file>", "settings file: {\"organization\": {...}, \"mailbox\": {...}} (default: the defaults)")
    .option("--records <file>", "CRM records file: a JSON array of records")
    .option("--activities <file>", "start from these activities: an earlier replay's --out, or exported activities (JSON Lines or a JSON array)")
    .option("--compare <file>", "replay the same mail under these settings too, and show what changes")
    .option("--details", `the per-message table for any number of messages (default: shown up to ${DEFAULT_TABLE_LIMIT}); with --compare, every message`)
    .option("--no-details", "no per-message table")
    .option("--no-crm-sent", "don't treat Sent Items mail with a tracking token as sent by the CRM")
    .option("--cosmos", "replay into Cosmos DB (COSMOS_ENDPOINT, else an embedded server) instead of memory")
    .option("--out <file>", "write one JSON line per message to this file")
    .option("--no-progress", "no progress bar")
    .exitOverride()
    .configureOutput({ writeOut: (text) => log(text.trimEnd()), writeErr: (text) => error(text.trimEnd()) });

  let paths: string[];
  let opts: {
    settings?: string;
    records?: string;
    mailbox?: string;
    activities?: string;
    compare?: string;
    details?: boolean;
    crmSent: boolean;
    cosmos?: boolean;
    out?: string;
    progress: boolean;
  };
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
    ...(opts.activities !== undefined ? { activitiesFile: opts.activities } : {}),
    ...(opts.compare !== undefined ? { compareSettingsFile: opts.compare } : {}),
    ...(opts.details !== undefined ? { details: opts.details } : {}),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
    crmSent: opts.crmSent,
    progress: opts.progress,
    log,
  };
  let prepared: PreparedReplay;
  try {
    // Fail on bad input before paying for a store.
    prepared = await prepareReplay(options);
  } catch (caught) {
    if (caught instanceof ReplayUsageError) {
      for (const line of caught.message.split("\n")) error(`replay: ${line}`);
      return 2;
    }
    throw caught;
  }
  for (const warning of prepared.warnings) error(`warning: ${warning}`);

  const opened: Array<Awaited<ReturnType<typeof deps.openStore>>> = [];
  try {
    const cosmos = opts.cosmos === true;
    try {
      opened.push(await deps.openStore({ cosmos, side: "base" }));
      if (prepared.compare) opened.push(await deps.openStore({ cosmos, side: "compare" }));
    } catch (caught) {
      error(`replay: could not open the tracking store: ${errorMessage(caught)}`);
      return 1;
    }
    const [base, compare] = opened as Array<ReplayStore | undefined>;
    if (!base) throw new Error("no store was opened");
    const report = await runPrepared(prepared, {
      ...options,
      store: base.store,
      ...(base.requestCount ? { requestCount: base.requestCount } : {}),
      ...(compare ? { compareStore: compare } : {}),
    });
    const failed = report.failed.length + (report.comparison?.summary.failed.length ?? 0);
    return failed > 0 ? 1 : 0;
  } catch (caught) {
    if (caught instanceof ReplayUsageError) {
      error(`replay: ${caught.message}`);
      return 2;
    }
    error(`replay: ${errorMessage(caught)}`);
    return 1;
  } finally {
    for (const store of opened) await store.dispose();
  }
}

// ---- the steps ------------------------------------------------------------------------------------

/**
 * The other side of --compare: the file's sections replace the base's (project decision,
 * docs/replay.md); a section it leaves out stays as the base has it. The receiving mailbox and
 * the records are the base's: the mail was recorded in that mailbox.
 */
async function compareConfiguration(base: ReplayConfiguration, file: string): Promise<ReplayConfiguration> {
  const parsed = await loadSettingsFile(file);
  const mailbox: MailboxSettings = parsed.mailbox ? { ...parsed.mailbox, address: base.mailbox.address } : base.mailbox;
  return { organization: parsed.organization, mailbox, records: base.records };
}

function tableContext(records: CrmRecord[], seeds: SeedActivity[]): TableContext {
  const recordNames = new Map(records.flatMap((r) => (r.name ? [[`${r.type}/${r.id}`, r.name] as const] : [])));
  const loadedActivities = new Map(seeds.map((seed) => [seedActivityId(seed), `--activities line ${seed.line}`] as const));
  return { recordNames, loadedActivities };
}

const SHOWN_PROBLEMS = 50;

/** At most SHOWN_PROBLEMS lines, then how many more there were. */
function limited(lines: string[]): string {
  const shown = lines.slice(0, SHOWN_PROBLEMS);
  if (lines.length > SHOWN_PROBLEMS) shown.push(`… and ${lines.length - SHOWN_PROBLEMS} more`);
  return shown.join("\n");
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
