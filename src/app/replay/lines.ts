// The replay's results, shared by the CLI (src/cli/replay.ts) and the admin API's what-if
// (src/app/what-if.ts): one line per input message, the summary counts, and the comparison of two
// runs over the same mail.
import type { DecisionTrace } from "../../domain/trace.js";
import type { AutomatedEmail, CorrelationMethod, Folder, RecordRef, ResolvedParty } from "../../domain/types.js";

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

/** A message's decision and correlation under each settings. */
export interface ComparedMessage {
  file: string;
  base: ReplayLine;
  compare: ReplayLine;
  changed: boolean;
}

/** A compared message as one JSON line of the output (`--out`, the what-if's JSONL). */
export function comparedJsonLine(message: ComparedMessage): { file: string; changed: boolean; base: ReplayLine; compare: ReplayLine } {
  return { file: message.file, changed: message.changed, base: message.base, compare: message.compare };
}

/** Lines of both runs, matched by input file (both runs track the same messages in the same order). */
export function compareLines(base: readonly ReplayLine[], compare: readonly ReplayLine[]): ComparedMessage[] {
  const byFile = new Map(compare.map((line) => [line.file, line]));
  const baseCreators = creators(base);
  const compareCreators = creators(compare);
  return base.flatMap((line) => {
    const other = byFile.get(line.file);
    if (!other) return [];
    const changed = decisionKey(line, baseCreators) !== decisionKey(other, compareCreators);
    return [{ file: line.file, base: line, compare: other, changed }];
  });
}

/** Activity id → the input file whose line created it. */
function creators(lines: readonly ReplayLine[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of lines) if (line.activityId && line.created) result.set(line.activityId, line.file);
  return result;
}

/**
 * What decides "changed": tracked, reason, regarding, correlation method and what it correlated
 * with (the file, which both runs share; activity ids may differ between the runs).
 */
function decisionKey(line: ReplayLine, creatorOf: ReadonlyMap<string, string>): string {
  const { activityId, internetMessageId } = line.correlation;
  const target = activityId ? (creatorOf.get(activityId) ?? internetMessageId ?? activityId) : null;
  return JSON.stringify([line.tracked, line.reason, line.correlation.method, target, line.regarding ?? null]);
}
