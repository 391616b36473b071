// `npm run mailbox`: enable, disable, list and inspect tracked mailboxes against whatever Cosmos DB
// and Graph the app settings name (the local stack, the emulator, or the deployed app). Argument
// parsing and output formatting are pure, so they are tested without any service.
import Table from "cli-table3";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { readFile } from "node:fs/promises";
import type { MailboxSyncState, SubscriptionRecord } from "../app/ports.js";
import type { SubscriptionReport } from "../app/subscriptions.js";
import { AppSettingsError, type AppSettingsEnv } from "../config/index.js";
import { normalizeAddress } from "../domain/address.js";
import { isIsoDateTime, looksLikeEmailAddress, parseMailboxSettings, SettingsError } from "../domain/settings.js";
import type { MailboxSettings } from "../domain/types.js";
import type { Services } from "../host/services.js";

/** Bad input: printed as is, exit code 2. */
export class MailboxUsageError extends Error {
  override readonly name = "MailboxUsageError";
}

export type MailboxCommand =
  | { kind: "enable"; settings: MailboxSettings }
  | { kind: "disable"; address: string }
  | { kind: "list" }
  | { kind: "status"; address: string }
  /** --help was asked for and printed. */
  | { kind: "help" };

export interface ParseMailboxArgsOptions {
  /** Reads --settings files. Default: the file system. */
  readTextFile?: (file: string) => Promise<string>;
  /** Where --help goes. Default: stdout. */
  out?: (text: string) => void;
}

/** Parses the command line into one command; throws MailboxUsageError naming what is wrong. */
export async function parseMailboxArgs(argv: readonly string[], options: ParseMailboxArgsOptions = {}): Promise<MailboxCommand> {
  const readTextFile = options.readTextFile ?? ((file: string) => readFile(file, "utf8"));
  let parsed: { name: string; address?: string; opts: Record<string, string | undefined> } | undefined;
  const program = new Command("mailbox")
    .description("Enable, disable, list and inspect tracked mailboxes (against the Cosmos DB and Graph the app settings name)")
    .exitOverride()
    .configureOutput({ writeOut: options.out ?? ((text) => process.stdout.write(text)), writeErr: () => {} })
    .showSuggestionAfterError(true);
  program
    .command("enable <address>")
    .description("store the mailbox's settings and subscribe its Inbox (and Sent Items) through the webhook handshake")
    .addOption(new Option("--kind <kind>", "user or queue mailbox").choices(["user", "queue"]))
    .option("--filter <incomingEmailFilter>", "which incoming mail is tracked (all, responsesToTrackedEmail, fromLeadsContactsAccounts, fromEmailEnabledRecords, none)")
    .option("--start <date>", "process mail received after this ISO 8601 date-time (default: now, or the stored date)", isoDate)
    .option("--settings <file>", 'a JSON file with the mailbox settings: {"mailbox": {...}} or the mailbox object itself')
    .action((address: string, opts: Record<string, string | undefined>) => {
      parsed = { name: "enable", address, opts };
    });
  program
    .command("disable <address>")
    .description("stop tracking the mailbox and delete its subscriptions")
    .action((address: string) => {
      parsed = { name: "disable", address, opts: {} };
    });
  program
    .command("list")
    .description("every configured mailbox with its subscriptions")
    .action(() => {
      parsed = { name: "list", opts: {} };
    });
  program
    .command("status <address>")
    .description("the mailbox's settings, subscriptions with expiry, delta links and last events")
    .action((address: string) => {
      parsed = { name: "status", address, opts: {} };
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help exits 0; help shown because no command was given exits 1: that is bad input.
      if (error.exitCode === 0) return { kind: "help" };
      if (error.code === "commander.help") throw new MailboxUsageError("a command is required: enable, disable, list or status (see --help)");
      throw new MailboxUsageError(error.message.replace(/^error: /, ""));
    }
    throw new MailboxUsageError(error instanceof Error ? error.message : String(error));
  }
  if (!parsed) throw new MailboxUsageError(`a command is required: enable, disable, list or status (see --help)`);

  const address = parsed.address === undefined ? undefined : emailAddress(parsed.address);
  switch (parsed.name) {
    case "list":
      return { kind: "list" };
    case "disable":
      return { kind: "disable", address: address! };
    case "status":
      return { kind: "status", address: address! };
    default: {
      const { opts } = parsed;
      const fromFile = opts.settings ? await mailboxSettingsFile(opts.settings, readTextFile) : {};
      if (typeof fromFile.address === "string" && normalizeAddress(fromFile.address) !== address) {
        throw new MailboxUsageError(`${opts.settings} is for mailbox ${fromFile.address}, not ${address}`);
      }
      const input = {
        ...fromFile,
        address,
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.filter ? { incomingEmailFilter: opts.filter } : {}),
        ...(opts.start ? { processEmailReceivedAfter: opts.start } : {}),
      };
      try {
        return { kind: "enable", settings: parseMailboxSettings(input) };
      } catch (error) {
        if (error instanceof SettingsError) throw new MailboxUsageError(error.message);
        throw error;
      }
    }
  }
}

function emailAddress(text: string): string {
  if (!looksLikeEmailAddress(text.trim())) throw new MailboxUsageError(`"${text}" is not an email address`);
  return normalizeAddress(text);
}

function isoDate(text: string): string {
  if (!isIsoDateTime(text)) throw new InvalidArgumentError(`--start must be an ISO 8601 date-time with a zone, e.g. 2025-02-01T00:00:00Z (got "${text}")`);
  return text;
}

async function mailboxSettingsFile(file: string, readTextFile: (file: string) => Promise<string>): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    throw new MailboxUsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MailboxUsageError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new MailboxUsageError(`${file} must hold a JSON object`);
  const object = json as Record<string, unknown>;
  // The replay's settings file ({organization, mailbox}) or the mailbox object itself.
  if ("organization" in object || "mailbox" in object) {
    if ("organization" in object) {
      throw new MailboxUsageError(`${file} has an organization section: this command changes one mailbox only; remove the section or pass {"mailbox": {...}}`);
    }
    const mailbox = object.mailbox;
    if (typeof mailbox !== "object" || mailbox === null || Array.isArray(mailbox)) throw new MailboxUsageError(`${file}: mailbox must be an object`);
    return mailbox as Record<string, unknown>;
  }
  return object;
}

// ---------- output ----------

const style = { head: [] as string[], border: [] as string[] };

function formatReport(report: SubscriptionReport): string {
  return `subscriptions: ${report.created} created, ${report.renewed} renewed, ${report.recreated} recreated, ${report.deleted} deleted, ${report.failed} failed`;
}

export function formatEnabled(mailbox: MailboxSettings, report: SubscriptionReport): string {
  const folders = mailbox.trackedFolders.length > 0 ? `, ${mailbox.trackedFolders.length} tracked folder(s)` : "";
  return [
    `Enabled ${mailbox.address} (${mailbox.kind} mailbox, incoming filter ${mailbox.incomingEmailFilter}${folders}; mail received after ${mailbox.processEmailReceivedAfter ?? "now"})`,
    formatReport(report),
  ].join("\n");
}

export function formatDisabled(address: string, report: SubscriptionReport): string {
  return [`Disabled ${address}`, formatReport(report)].join("\n");
}

/** "in 2 d 3 h", "in 5 min", "expired 3 min ago". */
export function formatExpiry(expirationDateTime: string, now: Date): string {
  const ms = Date.parse(expirationDateTime) - now.getTime();
  if (Number.isNaN(ms)) return "unknown";
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const span = days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${rest} min` : `${rest} min`;
  return ms >= 0 ? `in ${span}` : `expired ${span} ago`;
}

export function formatMailboxList(mailboxes: MailboxSettings[], subscriptions: SubscriptionRecord[], now: Date): string {
  if (mailboxes.length === 0) return "No mailboxes are configured. Enable one with: npm run mailbox -- enable <address>";
  const table = new Table({ head: ["mailbox", "kind", "enabled", "incoming filter", "subscriptions", "next expiry"], style });
  for (const mailbox of [...mailboxes].sort((a, b) => a.address.localeCompare(b.address))) {
    const own = subscriptions.filter((s) => s.mailbox === mailbox.address);
    const next = own.map((s) => s.expirationDateTime).sort()[0];
    table.push([
      mailbox.address,
      mailbox.kind,
      mailbox.enabled ? "yes" : "no",
      mailbox.incomingEmailFilter,
      own.length === 0 ? "none" : own.map((s) => s.folder).sort().join(", "),
      next ? formatExpiry(next, now) : "-",
    ]);
  }
  return table.toString();
}

export function formatMailboxStatus(input: {
  address: string;
  mailbox?: MailboxSettings;
  subscriptions: SubscriptionRecord[];
  syncState?: MailboxSyncState;
  now: Date;
  /** How many of the latest events to show. Default 10. */
  maxEvents?: number;
}): string {
  const { mailbox, syncState, now } = input;
  const lines: string[] = [];
  if (!mailbox) {
    lines.push(`${input.address}: not configured`);
  } else {
    lines.push(
      `${mailbox.address}: ${mailbox.enabled ? "enabled" : "disabled"} ${mailbox.kind} mailbox`,
      `  incoming filter ${mailbox.incomingEmailFilter}; incoming ${mailbox.incomingSyncMethod}, outgoing ${mailbox.outgoingSyncMethod}`,
      `  mail received after ${mailbox.processEmailReceivedAfter ?? "(not set)"}`,
      ...mailbox.trackedFolders.map((f) => `  tracked folder ${f.folder} -> ${f.regarding.type}:${f.regarding.id}`),
    );
  }
  lines.push("", `Subscriptions (${input.subscriptions.length}):`);
  if (input.subscriptions.length > 0) {
    const table = new Table({ head: ["folder", "id", "expires", "created", "renewed"], style });
    for (const s of [...input.subscriptions].sort((a, b) => a.folder.localeCompare(b.folder))) {
      table.push([s.folder, s.id, `${s.expirationDateTime} (${formatExpiry(s.expirationDateTime, now)})`, s.createdOn, s.renewedOn ?? "-"]);
    }
    lines.push(table.toString());
  }
  lines.push("", "Delta links:");
  for (const folder of ["inbox", "sentitems"] as const) {
    const link = syncState?.deltaLinks[folder];
    const caughtUp = syncState?.caughtUpAt[folder];
    lines.push(`  ${folder}: ${link ? "present" : "none"}${caughtUp ? `, caught up ${caughtUp}` : ""}`);
  }
  const events = (syncState?.events ?? []).slice(0, input.maxEvents ?? 10);
  lines.push("", `Last events (${events.length}):`);
  for (const e of events) lines.push(`  ${e.at}  ${e.level.padEnd(11)}  ${e.code}  ${e.message}${e.messageId ? ` (message ${e.messageId})` : ""}`);
  return lines.join("\n");
}

// ---------- running ----------

export interface MailboxCliDeps {
  env?: AppSettingsEnv;
  /** Default: createServices from src/host/services.ts. */
  createServices?: (options: { env: AppSettingsEnv; log: (line: string) => void }) => Promise<Services>;
  out?: (text: string) => void;
  err?: (text: string) => void;
  now?: () => Date;
  readTextFile?: (file: string) => Promise<string>;
}

/** Runs one command; returns the exit code: 0 done, 1 failed, 2 bad input or settings. */
export async function main(argv: readonly string[], deps: MailboxCliDeps = {}): Promise<number> {
  const out = deps.out ?? ((text: string) => console.log(text));
  const err = deps.err ?? ((text: string) => console.error(text));
  const now = deps.now ?? (() => new Date());
  let command: MailboxCommand;
  try {
    command = await parseMailboxArgs(argv, { ...(deps.readTextFile ? { readTextFile: deps.readTextFile } : {}), out: (text) => out(text.trimEnd()) });
  } catch (error) {
    if (error instanceof MailboxUsageError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
  if (command.kind === "help") return 0;

  let services: Services;
  try {
    const create = deps.createServices ?? (await import("../host/services.js")).createServices;
    services = await create({ env: deps.env ?? process.env, log: (line) => err(line) });
  } catch (error) {
    if (error instanceof AppSettingsError) {
      err(error.message);
      return 2;
    }
    err(`cannot reach the store or Graph: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    switch (command.kind) {
      case "enable": {
        const { mailbox, subscriptions } = await services.mailboxes.enableMailbox(command.settings);
        out(formatEnabled(mailbox, subscriptions));
        return subscriptions.failed > 0 ? 1 : 0;
      }
      case "disable": {
        if (!(await services.store.settings.getMailbox(command.address))) {
          err(`mailbox ${command.address} is not configured`);
          return 2;
        }
        const { subscriptions } = await services.mailboxes.disableMailbox(command.address);
        out(formatDisabled(command.address, subscriptions));
        return subscriptions.failed > 0 ? 1 : 0;
      }
      case "list": {
        const [mailboxes, subscriptions] = await Promise.all([services.store.settings.listMailboxes(), services.live.subscriptions.listSubscriptions()]);
        out(formatMailboxList(mailboxes, subscriptions, now()));
        return 0;
      }
      case "status": {
        const [mailbox, subscriptions, syncState] = await Promise.all([
          services.store.settings.getMailbox(command.address),
          services.live.subscriptions.listSubscriptions({ mailbox: command.address }),
          services.live.syncState.getSyncState(command.address),
        ]);
        out(formatMailboxStatus({ address: command.address, ...(mailbox ? { mailbox } : {}), subscriptions, ...(syncState ? { syncState } : {}), now: now() }));
        return mailbox || subscriptions.length > 0 ? 0 : 2;
      }
    }
  } catch (error) {
    err(`${command.kind} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await services.dispose().catch(() => undefined);
  }
}
