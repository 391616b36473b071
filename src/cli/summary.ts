// The end-of-run report of the replay: what was decided, how messages correlated, and how much
// Cosmos DB work each message cost.
import Table from "cli-table3";
import type { DecisionTrace } from "../domain/trace.js";
import type { AutomatedEmail, CorrelationMethod, Folder, RecordRef, ResolvedParty } from "../domain/types.js";

/** One line of the --out file: the decision for one input message. */
export interface ReplayLine {
  /** The input path; `path#N` for the Nth message (1-based) of an mbox file. */
  file: string;
  internetMessageId?: string;
  /** As decoded from the message (empty when it has none). */
  subject?: string;
  /** The Date header, ISO 8601 (absent when missing or unparseable). */
  sentOn?: string;
  /** The folder the message was replayed from: inbox, sentitems, or a tracked folder by name. */
  folder?: Folder;
  /** The From address, lower-cased. */
  from?: string;
  tracked: boolean;
  /** A DecisionReason, or "unreadable: …" / "error: …" for input the tracker never saw. */
  reason: string;
  activityId?: string;
  /** Set when the activity belongs to this mailbox only (email between users tracked as two activities). */
  scope?: string;
  created: boolean;
  correlation: { method: CorrelationMethod; activityId?: string; internetMessageId?: string };
  regarding?: RecordRef;
  sender?: ResolvedParty;
  recipients: ResolvedParty[];
  acceptingEntity?: RecordRef;
  automated?: AutomatedEmail;
  /** The decision in one or two sentences (the tracker's explainDecision). */
  why?: string;
  /** The same as data: the tracker's decision trace (gates, correlation steps, resolutions, acceptance). */
  explanation?: DecisionTrace;
  /** The stored activity's tracking token and ConversationIndex, so --activities can start from this line. */
  trackingToken?: string;
  conversationIndex?: string;
  warnings: string[];
}

export interface ReplaySummary {
  /** Input messages, unreadable ones included. */
  messages: number;
  tracked: number;
  /** Activities this run stored (a second run over the same store creates none). */
  created: number;
  unreadable: Array<{ file: string; reason: string }>;
  /** Messages the store failed on (not bad input): the run went on without them. */
  failed: Array<{ file: string; reason: string }>;
  byReason: Record<string, number>;
  byMethod: Partial<Record<CorrelationMethod, number>>;
  elapsedInMs: number;
  messagesPerSecond: number;
  /** Activities loaded from --activities before the run (new ones; already stored ones not counted). */
  activitiesLoaded?: number;
  /** Cosmos DB requests while tracking (setup writes excluded), when the store counts them. */
  requests?: number;
  requestsPerMessage?: number;
  lines: ReplayLine[];
}

export function summarize(
  lines: ReplayLine[],
  options: { elapsedInMs: number; requests?: number; activitiesLoaded?: number },
): ReplaySummary {
  const byReason: Record<string, number> = {};
  const byMethod: Partial<Record<CorrelationMethod, number>> = {};
  const unreadable: ReplaySummary["unreadable"] = [];
  const failed: ReplaySummary["failed"] = [];
  for (const line of lines) {
    if (line.reason.startsWith("unreadable: ")) {
      unreadable.push({ file: line.file, reason: line.reason.slice("unreadable: ".length) });
      byReason.unreadable = (byReason.unreadable ?? 0) + 1;
      continue;
    }
    if (line.reason.startsWith("error: ")) {
      failed.push({ file: line.file, reason: line.reason.slice("error: ".length) });
      byReason.error = (byReason.error ?? 0) + 1;
      continue;
    }
    byReason[line.reason] = (byReason[line.reason] ?? 0) + 1;
    byMethod[line.correlation.method] = (byMethod[line.correlation.method] ?? 0) + 1;
  }
  const seconds = options.elapsedInMs / 1000;
  const processed = lines.length - unreadable.length;
  return {
    messages: lines.length,
    tracked: lines.filter((l) => l.tracked).length,
    created: lines.filter((l) => l.created).length,
    unreadable,
    failed,
    byReason,
    byMethod,
    elapsedInMs: options.elapsedInMs,
    messagesPerSecond: seconds > 0 ? lines.length / seconds : 0,
    ...(options.activitiesLoaded !== undefined ? { activitiesLoaded: options.activitiesLoaded } : {}),
    ...(options.requests !== undefined
      ? { requests: options.requests, requestsPerMessage: processed > 0 ? options.requests / processed : 0 }
      : {}),
    lines,
  };
}

/** The summary as text tables for a terminal (no colours: the output is often piped or logged). */
export function formatSummary(summary: ReplaySummary): string {
  const style = { head: [], border: [] };
  const decisions = new Table({ head: ["decision", "messages"], style });
  for (const [reason, count] of sortedEntries(summary.byReason)) decisions.push([reason, count]);
  decisions.push(["total", summary.messages]);

  const methods = new Table({ head: ["correlation", "messages"], style });
  for (const [method, count] of sortedEntries(summary.byMethod)) methods.push([method, count]);

  const totals = new Table({ style });
  totals.push(
    { tracked: `${summary.tracked} (${summary.created} created by this run)` },
    ...(summary.activitiesLoaded !== undefined ? [{ "activities loaded (--activities)": summary.activitiesLoaded }] : []),
    { "messages/s": summary.messagesPerSecond.toFixed(1) },
    // Only a Cosmos DB store counts requests; the in-memory store has none to count.
    ...(summary.requestsPerMessage !== undefined
      ? [{ "Cosmos DB requests/message": `${summary.requestsPerMessage.toFixed(1)} (${summary.requests} requests)` }]
      : []),
  );

  const parts = [decisions.toString(), methods.toString(), totals.toString()];
  for (const [title, items] of [
    ["Unreadable input", summary.unreadable],
    ["Failed (store errors)", summary.failed],
  ] as const) {
    if (items.length > 0) parts.push(`${title}:\n${items.map((u) => `  ${u.file}: ${u.reason}`).join("\n")}`);
  }
  return parts.join("\n");
}

export function sortedEntries(record: Record<string, number | undefined>): Array<[string, number]> {
  return Object.entries(record)
    .flatMap(([key, value]) => (value === undefined ? [] : [[key, value] as [string, number]]))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
