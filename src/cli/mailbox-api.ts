// `npm run mailbox` as a client of the admin API: an admin needs a bearer token with the right app
// role, not the app's Cosmos DB and Graph secrets. (`--break-glass` runs src/cli/mailbox.ts, which
// uses the app's own settings, for when the API itself is down.) Parsing and output are pure.
import Table from "cli-table3";
import { Command, CommanderError, Option } from "commander";
import { INCOMING_EMAIL_FILTERS, isIsoDateTime, looksLikeEmailAddress } from "../domain/settings.js";
import { APPROVAL_STATUSES } from "../domain/types.js";

export class MailboxApiUsageError extends Error {
  override readonly name = "MailboxApiUsageError";
}

export type MailboxApiCommand =
  | { kind: "list"; state?: "enabled" | "disabled"; approvalStatus?: string }
  | { kind: "status" | "approve" | "reject" | "disable" | "delete"; address: string }
  | { kind: "create" | "enable"; address: string; settings: Record<string, unknown> }
  | { kind: "help" };

const COMMANDS = "list, status, create, approve, reject, enable, disable or delete";

export function parseMailboxApiArgs(argv: readonly string[], options: { out?: (text: string) => void } = {}): MailboxApiCommand {
  let parsed: MailboxApiCommand | undefined;
  const program = new Command("mailbox")
    .description("Manage tracked mailboxes through the admin API (token: --token or TRACKER_API_TOKEN)")
    .exitOverride()
    .configureOutput({ writeOut: options.out ?? ((text) => process.stdout.write(text)), writeErr: () => {} })
    .showSuggestionAfterError(true);
  const settingsOptions = (command: Command) =>
    command
      .addOption(new Option("--kind <kind>", "user or queue mailbox").choices(["user", "queue"]))
      .addOption(new Option("--filter <incomingEmailFilter>", "which incoming mail is tracked").choices([...INCOMING_EMAIL_FILTERS]))
      .option("--start <date>", "process mail received after this ISO 8601 date-time")
      .option("--owner <objectId>", "the owner's Entra object id (oid)");
  program
    .command("list")
    .description("mailboxes, optionally by state or approval status")
    .addOption(new Option("--state <state>", "enabled or disabled").choices(["enabled", "disabled"]))
    .addOption(new Option("--approval <status>", "approval status").choices([...APPROVAL_STATUSES]))
    .action((opts: { state?: "enabled" | "disabled"; approval?: string }) => {
      parsed = { kind: "list", ...(opts.state ? { state: opts.state } : {}), ...(opts.approval ? { approvalStatus: opts.approval } : {}) };
    });
  for (const [name, description] of [
    ["status", "a mailbox's settings, Test & Enable status and health (coverage, gaps, counts)"],
    ["approve", "approve the mailbox's address (Tracking.Approve)"],
    ["reject", "reject the mailbox's address (Tracking.Approve)"],
    ["disable", "stop tracking the mailbox (its subscriptions are removed)"],
    ["delete", "delete the mailbox"],
  ] as const) {
    program
      .command(`${name} <address>`)
      .description(description)
      .action((address: string) => {
        parsed = { kind: name, address };
      });
  }
  for (const [name, description] of [
    ["create", "create a mailbox (the organization's defaults fill what is not given)"],
    ["enable", "create the mailbox if needed, then Test & Enable it"],
  ] as const) {
    settingsOptions(program.command(`${name} <address>`).description(description)).action((address: string, opts: Record<string, string | undefined>) => {
      if (opts.start !== undefined && !isIsoDateTime(opts.start)) throw new MailboxApiUsageError(`--start must be an ISO 8601 date-time with a zone (got "${opts.start}")`);
      parsed = {
        kind: name,
        address,
        settings: {
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.filter ? { incomingEmailFilter: opts.filter } : {}),
          ...(opts.start ? { processEmailReceivedAfter: opts.start } : {}),
          ...(opts.owner ? { ownerObjectId: opts.owner } : {}),
        },
      };
    });
  }
  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: "help" };
      if (error.code === "commander.help") throw new MailboxApiUsageError(`a command is required: ${COMMANDS} (see --help)`);
      throw new MailboxApiUsageError(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  if (!parsed) throw new MailboxApiUsageError(`a command is required: ${COMMANDS} (see --help)`);
  if ("address" in parsed) {
    const address = parsed.address.trim().toLowerCase();
    if (!looksLikeEmailAddress(address)) throw new MailboxApiUsageError(`"${parsed.address}" is not an email address`);
    parsed = { ...parsed, address };
  }
  return parsed;
}

// ---------- output ----------

interface MailboxBody {
  address: string;
  kind: string;
  enabled: boolean;
  approvalStatus?: string;
  incomingEmailFilter: string;
  incomingSyncMethod: string;
  outgoingSyncMethod: string;
  processEmailReceivedAfter?: string;
  ownerObjectId?: string;
  trackedFolders: Array<{ folder: string; regarding: { type: string; id: string } }>;
  status?: { incoming: TestResult; outgoing: TestResult };
}
interface TestResult {
  status: string;
  at?: string;
  reason?: string;
}

export function formatMailboxTable(items: MailboxBody[]): string {
  if (items.length === 0) return "No mailboxes. Create one with: npm run mailbox -- create <address>";
  const table = new Table({ head: ["mailbox", "kind", "enabled", "approval", "incoming filter"], style: { head: [], border: [] } });
  for (const item of items) table.push([item.address, item.kind, item.enabled ? "yes" : "no", item.approvalStatus ?? "(not required)", item.incomingEmailFilter]);
  return table.toString();
}

function formatResult(direction: string, result: TestResult | undefined): string {
  if (!result) return `  ${direction}: not run`;
  return `  ${direction}: ${result.status}${result.at ? ` at ${result.at}` : ""}${result.reason ? ` (${result.reason})` : ""}`;
}

export function formatMailbox(mailbox: MailboxBody): string {
  return [
    `${mailbox.address}: ${mailbox.enabled ? "enabled" : "disabled"} ${mailbox.kind} mailbox, approval ${mailbox.approvalStatus ?? "not required"}`,
    `  incoming filter ${mailbox.incomingEmailFilter}; incoming ${mailbox.incomingSyncMethod}, outgoing ${mailbox.outgoingSyncMethod}`,
    `  mail received after ${mailbox.processEmailReceivedAfter ?? "(not set)"}${mailbox.ownerObjectId ? `; owner ${mailbox.ownerObjectId}` : ""}`,
    ...mailbox.trackedFolders.map((f) => `  tracked folder ${f.folder} -> ${f.regarding.type}:${f.regarding.id}`),
    "Test & Enable:",
    formatResult("incoming", mailbox.status?.incoming),
    formatResult("outgoing", mailbox.status?.outgoing),
  ].join("\n");
}

/** The parts of GET …/health the status command prints. */
interface HealthBody {
  state: string;
  lastSuccessfulSyncAt?: string;
  consecutiveFailures: number;
  lastError?: { code: string; message: string; at: string };
  folders: Array<{
    folder: string;
    coveredUpTo?: string;
    openGaps: Array<{ kind: string; at: string }>;
    lastCatchUp?: { completedAt: string; found: number };
    tracked: number;
    skipped: Record<string, number>;
    failed: number;
  }>;
  resync?: { status: string; requestedAt: string };
}

export function formatHealth(health: HealthBody): string {
  return [
    `Health: ${health.state}; last successful sync ${health.lastSuccessfulSyncAt ?? "never"}; ${health.consecutiveFailures} consecutive failure(s)`,
    ...(health.lastError ? [`  last error ${health.lastError.code} at ${health.lastError.at}: ${health.lastError.message}`] : []),
    ...health.folders.map((folder) => {
      const skipped = Object.entries(folder.skipped).map(([reason, count]) => `${reason} ${count}`).join(", ");
      const gaps = folder.openGaps.map((gap) => `${gap.kind} since ${gap.at}`).join(", ");
      return (
        `  ${folder.folder}: covered up to ${folder.coveredUpTo ?? "(never caught up)"}${gaps ? `; open gaps: ${gaps}` : ""}; ` +
        `tracked ${folder.tracked}, failed ${folder.failed}${skipped ? `, skipped: ${skipped}` : ""}` +
        `${folder.lastCatchUp ? `; last catch-up ${folder.lastCatchUp.completedAt}, ${folder.lastCatchUp.found} found by catch-up` : ""}`
      );
    }),
    ...(health.resync ? [`  resync ${health.resync.status} (requested ${health.resync.requestedAt})`] : []),
  ].join("\n");
}

// ---------- running ----------

export interface MailboxApiDeps {
  apiUrl: string;
  token: string;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs one command against the API; the exit code: 0 done, 1 failed, 2 bad input or refused. */
export async function runMailboxApi(command: Exclude<MailboxApiCommand, { kind: "help" }>, deps: MailboxApiDeps): Promise<number> {
  const out = deps.out ?? ((text: string) => console.log(text));
  const err = deps.err ?? ((text: string) => console.error(text));
  const send = deps.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const response = await send(`${deps.apiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: { authorization: `Bearer ${deps.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const parsed: unknown = text === "" ? undefined : JSON.parse(text);
    if (!response.ok) {
      const problem = parsed as { detail?: string; errors?: Array<{ field: string; message: string }> } | undefined;
      const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
      throw new ApiFailure(response.status, `${response.status}: ${problem?.detail ?? text}${fields && !problem?.detail?.includes(fields) ? ` (${fields})` : ""}`);
    }
    return { status: response.status, body: parsed };
  };
  const at = (address: string, tail = "") => `/admin/mailboxes/${encodeURIComponent(address)}${tail}`;
  try {
    switch (command.kind) {
      case "list": {
        const items: MailboxBody[] = [];
        let token: string | undefined;
        do {
          const query = new URLSearchParams({ limit: "100", ...(command.state ? { state: command.state } : {}), ...(command.approvalStatus ? { approvalStatus: command.approvalStatus } : {}), ...(token ? { continuationToken: token } : {}) });
          const page = (await call("GET", `/admin/mailboxes?${query}`)).body as { items: MailboxBody[]; continuationToken?: string };
          items.push(...page.items);
          token = page.continuationToken;
        } while (token);
        out(formatMailboxTable(items.sort((a, b) => a.address.localeCompare(b.address))));
        return 0;
      }
      case "status": {
        const mailbox = (await call("GET", at(command.address))).body as MailboxBody;
        const health = (await call("GET", at(command.address, "/health"))).body as HealthBody;
        out(`${formatMailbox(mailbox)}\n${formatHealth(health)}`);
        return 0;
      }
      case "approve":
      case "reject":
      case "disable":
        out(formatMailbox((await call("POST", at(command.address, `/${command.kind}`))).body as MailboxBody));
        return 0;
      case "delete":
        await call("DELETE", at(command.address));
        out(`Deleted ${command.address}`);
        return 0;
      case "create":
        out(formatMailbox((await call("POST", "/admin/mailboxes", { address: command.address, ...command.settings })).body as MailboxBody));
        return 0;
      case "enable": {
        try {
          await call("POST", "/admin/mailboxes", { address: command.address, ...command.settings });
        } catch (error) {
          if (!(error instanceof ApiFailure && error.status === 409)) throw error;
        }
        const result = (await call("POST", at(command.address, "/test-and-enable"))).body as { enabled: boolean; mailbox: MailboxBody };
        out(formatMailbox(result.mailbox));
        return result.enabled ? 0 : 1;
      }
    }
  } catch (error) {
    if (error instanceof ApiFailure) {
      err(`${command.kind} failed: ${error.message}`);
      return error.status >= 500 ? 1 : 2;
    }
    err(`${command.kind} failed: cannot reach the admin API at ${deps.apiUrl}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
