// What the replay prints per message: one row per message (file, date, from, subject, decision,
// correlation, regarding) with the tracker's one-line explanation beneath it, and for --compare
// the counts under both settings and the messages they decide differently.
import path from "node:path";
import Table from "cli-table3";
import { compareLines, type ComparedMessage } from "../app/replay/lines.js";
import { sortedEntries, type ReplayLine, type ReplaySummary } from "./summary.js";

export { compareLines, type ComparedMessage } from "../app/replay/lines.js";

/** How the tables name things the lines only refer to by id. */
export interface TableContext {
  /** `type/id` → the record's name, from the records file. */
  recordNames: ReadonlyMap<string, string>;
  /** Activity id → where it came from, for activities loaded with --activities ("--activities line 3"). */
  loadedActivities: ReadonlyMap<string, string>;
}

/** Up to this many messages the per-message table is shown without --details. */
export const DEFAULT_TABLE_LIMIT = 50;

const STYLE = { head: [], border: [] };
/** No rule between rows, for tables of one-line rows. */
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
const WIDTHS = { file: 26, date: 18, from: 24, subject: 28, decision: 27, correlation: 27, regarding: 22 };

/** One row per message and its explanation spanning the row beneath. */
export function formatMessageTable(lines: readonly ReplayLine[], context: TableContext): string {
  const names = correlationTargets(lines, context);
  const table = new Table({
    head: ["file", "date (UTC)", "from", "subject", "decision", "correlation", "regarding"],
    colWidths: Object.values(WIDTHS),
    wordWrap: true,
    style: STYLE,
  });
  for (const line of lines) {
    table.push([
      path.basename(line.file),
      formatDate(line.sentOn),
      line.from ?? "",
      line.subject ?? "",
      decisionText(line),
      correlationText(line, names),
      regardingText(line, context),
    ]);
    if (line.why) table.push([{ content: `why: ${line.why}`, colSpan: 7 }]);
  }
  return table.toString();
}

/**
 * The comparison: decisions, correlation methods and totals side by side with the change, then the
 * messages decided differently (every message with `all`).
 */
export function formatComparison(
  runs: { base: ReplaySummary; compare: ReplaySummary },
  options: { labels: { base: string; compare: string }; all: boolean; context: TableContext },
): string {
  const { base, compare } = runs;
  const { labels } = options;
  // A and B in the headers keep the columns narrow; the legend says which settings each is.
  const legend = `A = ${labels.base}, B = ${labels.compare}`;
  const counts = new Table({ head: ["", "A", "B", "change"], style: STYLE, chars: COMPACT });
  const row = (name: string, a: number, b: number) => counts.push([name, a, b, signed(b - a)]);
  const section = (title: string) => counts.push([title, "", "", ""]);

  section("decision");
  for (const key of unionKeys(base.byReason, compare.byReason)) row(`  ${key}`, base.byReason[key] ?? 0, compare.byReason[key] ?? 0);
  section("correlation");
  for (const key of unionKeys(base.byMethod, compare.byMethod)) {
    row(`  ${key}`, base.byMethod[key as keyof typeof base.byMethod] ?? 0, compare.byMethod[key as keyof typeof compare.byMethod] ?? 0);
  }
  section("total");
  row("  tracked", base.tracked, compare.tracked);
  row("  messages", base.messages, compare.messages);

  const compared = compareLines(base.lines, compare.lines);
  const changed = compared.filter((c) => c.changed);
  const shown = options.all ? compared : changed;
  const parts = [legend, counts.toString()];
  if (shown.length === 0) {
    parts.push(`No message is decided differently (${compared.length} compared).`);
    return parts.join("\n");
  }
  const baseNames = correlationTargets(base.lines, options.context);
  const compareNames = correlationTargets(compare.lines, options.context);
  const messages = new Table({
    head: ["", "file", "subject", "A: decision", "B: decision", "A: correlation", "B: correlation"],
    colWidths: [3, 26, 28, 27, 27, 27, 27],
    wordWrap: true,
    style: STYLE,
  });
  for (const message of shown) {
    messages.push([
      message.changed ? "≠" : "=",
      path.basename(message.file),
      message.base.subject ?? "",
      decisionText(message.base),
      decisionText(message.compare),
      correlationText(message.base, baseNames),
      correlationText(message.compare, compareNames),
    ]);
    if (message.changed && (message.base.why || message.compare.why)) {
      messages.push([{ content: `A: ${message.base.why ?? "—"}\nB: ${message.compare.why ?? "—"}`, colSpan: 7 }]);
    }
  }
  parts.push(`Messages decided differently: ${changed.length} of ${compared.length}${options.all ? " (all messages shown, ≠ marks a change)" : ""}`);
  parts.push(messages.toString());
  return parts.join("\n");
}

// ---- cells ----------------------------------------------------------------------------------------

function decisionText(line: ReplayLine): string {
  if (line.reason.startsWith("unreadable: ") || line.reason.startsWith("error: ")) return line.reason;
  return `${line.tracked ? "tracked" : "not tracked"}: ${line.reason}`;
}

/** `inReplyTo → 01-quote.eml`, or the activity's Message-ID when it is not one of the replayed files. */
function correlationText(line: ReplayLine, targets: ReadonlyMap<string, string>): string {
  const { method, activityId, internetMessageId } = line.correlation;
  if (method === "none") return "none";
  const target = (activityId && targets.get(activityId)) ?? (internetMessageId ? `<${internetMessageId}>` : undefined);
  return target ? `${method} → ${target}` : method;
}

function regardingText(line: ReplayLine, context: TableContext): string {
  if (!line.regarding) return "";
  const name = context.recordNames.get(`${line.regarding.type}/${line.regarding.id}`);
  return `${line.regarding.type} ${name ?? line.regarding.id}`;
}

function formatDate(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ");
}

/** Activity id → the replayed file (basename) that created it, or the --activities line it came from. */
function correlationTargets(lines: readonly ReplayLine[], context: TableContext): Map<string, string> {
  const targets = new Map(context.loadedActivities);
  for (const line of lines) {
    if (line.activityId && line.created) targets.set(line.activityId, path.basename(line.file));
  }
  return targets;
}

function unionKeys(a: Record<string, number | undefined>, b: Record<string, number | undefined>): string[] {
  const order = [...sortedEntries(a), ...sortedEntries(b)].map(([key]) => key);
  return [...new Set(order)];
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
