// The examples scenario as real mail: examples/mailbox/*.eml sent through the Graph simulator to
// the running stack, so every correlation situation of the replay arises live (webhook, queue,
// Graph fetch, Cosmos DB). Mail from a simulated mailbox goes out through that mailbox (the app's
// own outgoing path for CRM mail with a tracking token, Graph draft + send for mail a user sent
// from Outlook); everything else arrives from outside with its threading headers. Live Message-IDs,
// conversation indexes and tracking tokens differ from the files', so later files are rewritten
// to name the live ones.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import Table from "cli-table3";
import { parseRecords } from "../src/cli/replay.js";
import { parseEml } from "../src/adapters/mime/index.js";
import { CATEGORIES_HEADER } from "../src/adapters/mime/parse-eml.js";
import type { MailFolderName } from "../src/app/ports.js";
import type { TrackResult } from "../src/app/track-message.js";
import { trackingEvents, type TrackingDecisionEvent } from "../src/host/services.js";
import { normalizeMessageId } from "../src/domain/message.js";
import { parseMailboxSettings, parseSettingsFile, trackingTokenPrefixes } from "../src/domain/settings.js";
import { findTrackingToken, stripTrackingTokens } from "../src/domain/tracking-token.js";
import type { CorrelationMethod, CrmRecord, GraphHeader, GraphMessage, RecordRef } from "../src/domain/types.js";
import type { LocalStack } from "./stack.js";

/** Header names the simulator writes itself, or that only describe the recorded copy. */
const NOT_FORWARDED = new Set([
  "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
  "content-transfer-encoding", "received", "sender", "x-folder", CATEGORIES_HEADER.toLowerCase(),
]);

/** The length of a conversation index's header block: the part every reply in a thread shares. */
const THREAD_HEADER_BYTES = 22;

export interface ScenarioOptions {
  examplesDir: string;
  /** Told about each decision as it happens (already formatted). Default: silent. */
  log?: (line: string) => void;
  /** Per file: how long to wait for the stack to go quiet. Default 30 s. */
  settleTimeoutInMs?: number;
}

export interface ScenarioDecision {
  at: string;
  mailbox: string;
  folder: MailFolderName;
  /** "app": the outgoing path's own decision when the app sent the mail. */
  via: TrackingDecisionEvent["via"] | "app";
  subject: string;
  result: TrackResult;
}

/** What tracking decided for one file in the scenario's mailbox, as the replay would report it. */
export interface ObservedOutcome {
  tracked: boolean;
  /** The rule that decided; for a copy tracked already, the rule that created the activity. */
  reason: string;
  correlation: CorrelationMethod;
  correlatedActivityId?: string;
  activityId?: string;
  scope?: string;
  regarding?: RecordRef;
  automated: string[];
}

export interface FileOutcome {
  file: string;
  /** How the file was sent: through the app, from Outlook (Graph), or from outside. */
  sentAs: "app" | "outlook" | "external";
  subject: string;
  /** The live Message-ID, without angle brackets. */
  internetMessageId: string;
  /** Undefined when the scenario's mailbox made no decision about the message. */
  outcome?: ObservedOutcome;
  /** Every mailbox's decisions about this message. */
  decisions: ScenarioDecision[];
}

export interface ExpectedOutcome {
  tracked: boolean;
  reason: string;
  correlation: CorrelationMethod;
  correlatedWith?: string;
  scope?: string;
  regarding?: RecordRef;
  automated?: string[];
  /** Why the live outcome differs from the replay's (live-expected.json only). */
  note?: string;
}

export interface ExpectedOutcomes {
  mailbox: string;
  files: Record<string, ExpectedOutcome>;
}

export interface OutcomeCheck {
  file: string;
  ok: boolean;
  problems: string[];
  note?: string;
}

export interface ScenarioResult {
  /** The mailbox the .eml files were recorded in (settings.json's mailbox). */
  mailbox: string;
  mailboxes: string[];
  outcomes: FileOutcome[];
  decisions: ScenarioDecision[];
  check(expected: ExpectedOutcomes): OutcomeCheck[];
}

/** Runs the scenario against a started stack: settings, records, mailboxes, then every file in Date order. */
export async function runScenario(stack: LocalStack, options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => {});
  const settleTimeoutInMs = options.settleTimeoutInMs ?? 30_000;
  const services = await stack.services();

  const settingsFile = parseSettingsFile(await readJson(path.join(options.examplesDir, "settings.json")));
  const records = parseRecords(await readJson(path.join(options.examplesDir, "records.json")), "records.json");
  if (!settingsFile.mailbox) throw new Error(`${options.examplesDir}/settings.json names no mailbox: the scenario needs the mailbox the .eml files come from`);
  const focus = settingsFile.mailbox.address;
  const organization = settingsFile.organization;
  const prefixes = { prefixes: trackingTokenPrefixes(organization) };

  const files = await loadMessages(path.join(options.examplesDir, "mailbox"));
  const mailboxes = organizationMailboxes(records, files.map((f) => f.message), focus);

  await services.store.settings.putOrganization(organization);
  await services.store.records.upsertRecords(records);
  for (const mailbox of mailboxes) {
    if (!stack.graph.getMailbox(mailbox.address)) stack.graph.addMailbox({ address: mailbox.address, ...(mailbox.name ? { displayName: mailbox.name } : {}) });
    // The recorded mailbox keeps its settings; the others are plain user or queue mailboxes.
    const settings = mailbox.address === focus ? settingsFile.mailbox : parseMailboxSettings({ address: mailbox.address, kind: mailbox.kind });
    await services.mailboxes.enableMailbox(settings);
  }
  await stack.settle({ timeoutInMs: settleTimeoutInMs });

  const decisions: ScenarioDecision[] = [];
  const subjects = new Map<string, string>();
  const record = (decision: ScenarioDecision) => {
    decisions.push(decision);
    log(formatDecisionLine(decision));
  };
  const onDecision = (event: TrackingDecisionEvent) => {
    const id = normalizeMessageId(event.result.internetMessageId) ?? event.result.internetMessageId;
    record({
      at: new Date().toISOString(),
      mailbox: event.mailbox.toLowerCase(),
      folder: event.folder,
      via: event.via,
      subject: event.result.activity?.subject ?? subjects.get(id) ?? "",
      result: event.result,
    });
  };
  trackingEvents.on("decision", onDecision);

  const rewrite = createRewriter();
  const outcomes: Array<Omit<FileOutcome, "decisions" | "outcome">> = [];
  const simulated = new Set(mailboxes.map((m) => m.address));
  try {
    for (const { file, message } of files) {
      const from = message.from?.emailAddress.address?.toLowerCase() ?? "";
      const to = addresses(message.toRecipients);
      const cc = addresses(message.ccRecipients);
      const body = message.body ?? { contentType: "text" as const, content: "" };
      const headers = message.internetMessageHeaders ?? [];
      const emlId = normalizeMessageId(message.internetMessageId);
      const emlThreadIndex = header(headers, "Thread-Index");
      const inReplyTo = rewrite.messageIds(header(headers, "In-Reply-To"));
      const fileToken = findTrackingToken(message.subject, prefixes);
      let liveId: string;
      let subject: string;
      let sentAs: FileOutcome["sentAs"];

      if (simulated.has(from) && fileToken) {
        // CRM mail: the app appends its own token; later files then quote that one.
        sentAs = "app";
        const sent = await services.outgoing.sendTrackedEmail({
          mailbox: from,
          to,
          ...(cc.length > 0 ? { cc } : {}),
          subject: stripTrackingTokens(message.subject, prefixes),
          body,
          ...(inReplyTo ? { inReplyTo: inReplyTo.split(/\s+/)[0] as string } : {}),
        });
        rewrite.token(fileToken, sent.trackingToken);
        liveId = normalizeMessageId(sent.internetMessageId) ?? sent.internetMessageId;
        subject = sent.subject;
        subjects.set(liveId, subject);
        record({ at: new Date().toISOString(), mailbox: from, folder: "sentitems", via: "app", subject, result: sent.tracking });
      } else if (simulated.has(from)) {
        // A user's own mail from Outlook: Graph draft + send, tracked from Sent Items.
        sentAs = "outlook";
        subject = rewrite.subject(message.subject ?? "");
        const sent = await services.gateway.sendMail(from, {
          subject,
          body,
          toRecipients: to,
          ...(cc.length > 0 ? { ccRecipients: cc } : {}),
          ...(inReplyTo ? { inReplyTo: inReplyTo.split(/\s+/)[0] as string } : {}),
        });
        liveId = normalizeMessageId(sent.internetMessageId) ?? sent.internetMessageId;
        subjects.set(liveId, subject);
      } else {
        sentAs = "external";
        subject = rewrite.subject(message.subject ?? "");
        const forwarded = headers
          .filter((h) => !NOT_FORWARDED.has(h.name.toLowerCase()) && h.value.trim() !== "")
          .map((h) => rewrite.header(h));
        if (emlId) subjects.set(emlId, subject);
        const delivered = stack.graph.deliverExternal({
          to,
          ...(cc.length > 0 ? { cc } : {}),
          from: { address: from, ...(message.from?.emailAddress.name ? { name: message.from.emailAddress.name } : {}) },
          subject,
          body,
          headers: forwarded,
          ...(emlId ? { internetMessageId: `<${emlId}>` } : {}),
        });
        liveId = normalizeMessageId(delivered.internetMessageId) ?? delivered.internetMessageId;
        subjects.set(liveId, subject);
        // The user categorised it as it arrived: before the app fetches it.
        const categories = message.categories ?? [];
        const focusId = stack.graph.getMailbox(focus)?.id;
        const copy = delivered.deliveries.find((d) => d.mailboxId === focusId);
        if (categories.length > 0 && copy) stack.graph.updateMessage(focus, copy.messageId, { categories });
      }

      if (emlId) rewrite.messageId(emlId, liveId);
      if (emlThreadIndex && sentAs !== "external") {
        const live = stack.graph.listMessages(from, "sentitems").find((m) => normalizeMessageId(m.internetMessageId) === liveId);
        if (live) rewrite.threadIndex(emlThreadIndex, live.conversationIndex);
      }
      outcomes.push({ file, sentAs, subject, internetMessageId: liveId });
      await stack.settle({ timeoutInMs: settleTimeoutInMs });
    }
  } finally {
    trackingEvents.off("decision", onDecision);
  }

  const fileOutcomes: FileOutcome[] = outcomes.map((o) => {
    const about = decisions.filter((d) => (normalizeMessageId(d.result.internetMessageId) ?? d.result.internetMessageId) === o.internetMessageId);
    const outcome = observedOutcome(about.filter((d) => d.mailbox === focus));
    return { ...o, decisions: about, ...(outcome ? { outcome } : {}) };
  });
  return {
    mailbox: focus,
    mailboxes: mailboxes.map((m) => m.address),
    outcomes: fileOutcomes,
    decisions,
    check: (expected) => checkOutcomes(fileOutcomes, expected, focus),
  };
}

/** expected.json, with the entries of live-expected.json (where live tracking must differ) in their place. */
export async function loadExpectedOutcomes(examplesDir: string): Promise<ExpectedOutcomes> {
  const base = (await readJson(path.join(examplesDir, "expected.json"))) as ExpectedOutcomes;
  let live: Partial<ExpectedOutcomes> = {};
  try {
    live = (await readJson(path.join(examplesDir, "live-expected.json"))) as Partial<ExpectedOutcomes>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return { mailbox: live.mailbox ?? base.mailbox, files: { ...base.files, ...live.files } };
}

/**
 * The outcome for the recorded mailbox: the decision that created the activity, else the last
 * one (a Sent Items copy of mail the app tracked when sending it reports alreadyTracked).
 */
export function observedOutcome(decisions: ScenarioDecision[]): ObservedOutcome | undefined {
  const chosen = decisions.find((d) => d.result.created) ?? decisions.at(-1);
  if (!chosen) return undefined;
  const { result } = chosen;
  const reason = result.reason === "alreadyTracked" && result.activity ? result.activity.decisionReason : result.reason;
  const automated = (["autoReply", "bulk"] as const).filter((flag) => result.automated[flag]);
  return {
    tracked: result.tracked,
    reason,
    correlation: result.correlation.method,
    ...(result.correlation.correlatedActivityId ? { correlatedActivityId: result.correlation.correlatedActivityId } : {}),
    ...(result.activityId ? { activityId: result.activityId } : {}),
    ...(result.activity?.scope ? { scope: result.activity.scope } : {}),
    ...(result.regarding ? { regarding: result.regarding } : {}),
    automated,
  };
}

/** Compares every expected file with what happened live. */
export function checkOutcomes(outcomes: FileOutcome[], expected: ExpectedOutcomes, mailbox: string): OutcomeCheck[] {
  const byFile = new Map(outcomes.map((o) => [o.file, o]));
  return Object.entries(expected.files).map(([file, want]) => {
    const problems: string[] = [];
    const note = want.note ? { note: want.note } : {};
    if (expected.mailbox.toLowerCase() !== mailbox) problems.push(`expected outcomes are for ${expected.mailbox}, the scenario ran ${mailbox}`);
    const got = byFile.get(file)?.outcome;
    if (!byFile.has(file)) return { file, ok: false, problems: [...problems, "not sent"], ...note };
    if (!got) return { file, ok: false, problems: [...problems, `no decision in ${mailbox}`], ...note };
    if (got.tracked !== want.tracked) problems.push(`tracked ${got.tracked}, expected ${want.tracked}`);
    if (got.reason !== want.reason) problems.push(`reason ${got.reason}, expected ${want.reason}`);
    if (got.correlation !== want.correlation) problems.push(`correlation ${got.correlation}, expected ${want.correlation}`);
    if (want.correlatedWith) {
      const target = byFile.get(want.correlatedWith)?.outcome?.activityId;
      if (!target || got.correlatedActivityId !== target) {
        problems.push(`correlated with ${got.correlatedActivityId ?? "nothing"}, expected ${want.correlatedWith}'s activity ${target ?? "(none)"}`);
      }
    }
    if (want.scope !== undefined && got.scope !== want.scope) problems.push(`scope ${got.scope ?? "none"}, expected ${want.scope}`);
    if (want.regarding && (got.regarding?.type !== want.regarding.type || got.regarding.id !== want.regarding.id)) {
      problems.push(`regarding ${formatRecord(got.regarding)}, expected ${formatRecord(want.regarding)}`);
    }
    for (const flag of want.automated ?? []) {
      if (!got.automated.includes(flag)) problems.push(`automated.${flag} not set`);
    }
    return { file, ok: problems.length === 0, problems, ...note };
  });
}

export function formatDecisionLine(decision: ScenarioDecision): string {
  const { result } = decision;
  const time = decision.at.slice(11, 19);
  const where = `${decision.mailbox}/${decision.folder}`;
  const verdict = `${result.tracked ? "tracked" : "not tracked"} (${result.reason})`;
  const correlation = result.correlation.method === "none" ? "-" : result.correlation.method;
  const regarding = result.regarding ? `regarding ${formatRecord(result.regarding)}` : "";
  const via = decision.via === "notification" ? "" : ` [${decision.via}]`;
  return [time, where, JSON.stringify(truncate(decision.subject, 60)), verdict, correlation, regarding].filter((p) => p !== "").join("  ") + via;
}

/** The end-of-run report: one row per file, counts by reason and by correlation method, the check. */
export function formatScenarioSummary(result: ScenarioResult, checks: OutcomeCheck[]): string {
  const checkByFile = new Map(checks.map((c) => [c.file, c]));
  // No colours: the summary also goes to logs and CI output.
  const style = { head: [], border: [] };
  const files = new Table({ head: ["file", "sent as", `decision in ${result.mailbox}`, "correlation", "expected"], style });
  for (const o of result.outcomes) {
    const check = checkByFile.get(o.file);
    files.push([
      o.file,
      o.sentAs,
      o.outcome ? `${o.outcome.tracked ? "tracked" : "not tracked"} (${o.outcome.reason})` : "no decision",
      o.outcome?.correlation ?? "-",
      check ? (check.ok ? (check.note ? "ok (live)" : "ok") : `FAILED: ${truncate(check.problems.join("; "), 70)}`) : "-",
    ]);
  }
  const counts = new Table({ head: ["reason", "count", "correlation", "count"], style });
  const byReason = countBy(result.outcomes.map((o) => o.outcome?.reason ?? "no decision"));
  const byMethod = countBy(result.outcomes.map((o) => o.outcome?.correlation ?? "none"));
  const rows = Math.max(byReason.length, byMethod.length);
  for (let i = 0; i < rows; i++) {
    const [reason, reasonCount] = byReason[i] ?? ["", ""];
    const [method, methodCount] = byMethod[i] ?? ["", ""];
    counts.push([reason, String(reasonCount), method, String(methodCount)]);
  }
  const failed = checks.filter((c) => !c.ok);
  const verdict =
    failed.length === 0
      ? `Expected outcomes: all ${checks.length} met.`
      : `Expected outcomes: ${failed.length} of ${checks.length} NOT met: ${failed.map((c) => c.file).join(", ")}`;
  const notes = checks.filter((c) => c.note).map((c) => `  ${c.file}: ${c.note}`);
  return [
    files.toString(),
    counts.toString(),
    `${result.outcomes.length} messages, ${result.decisions.length} decisions in ${result.mailboxes.length} mailboxes (${result.mailboxes.join(", ")}).`,
    ...(notes.length > 0 ? ["Live outcomes that differ from the replay (examples/live-expected.json):", ...notes] : []),
    verdict,
  ].join("\n");
}

// ---------- helpers ----------

interface LoadedMessage {
  file: string;
  message: GraphMessage;
  date?: Date;
}

async function loadMessages(dir: string): Promise<LoadedMessage[]> {
  const names = (await readdir(dir)).filter((name) => name.toLowerCase().endsWith(".eml")).sort();
  const loaded: LoadedMessage[] = [];
  for (const name of names) {
    const parsed = await parseEml(await readFile(path.join(dir, name)), { fileName: name });
    if (!parsed.ok) throw new Error(parsed.reason);
    loaded.push({ file: name, message: parsed.message, ...(parsed.date ? { date: parsed.date } : {}) });
  }
  // Date order; files without a date keep their place by name (stable sort).
  return loaded.sort((a, b) => (a.date && b.date ? a.date.getTime() - b.date.getTime() : 0));
}

/** The users and queues the scenario's mail is from or to: they get simulated mailboxes. */
function organizationMailboxes(
  records: CrmRecord[],
  messages: GraphMessage[],
  focus: string,
): Array<{ address: string; kind: "user" | "queue"; name?: string }> {
  const used = new Set<string>([focus]);
  for (const message of messages) {
    for (const party of [message.from, ...(message.toRecipients ?? []), ...(message.ccRecipients ?? [])]) {
      if (party?.emailAddress.address) used.add(party.emailAddress.address.toLowerCase());
    }
  }
  const found = new Map<string, { address: string; kind: "user" | "queue"; name?: string }>();
  for (const r of records) {
    if (r.active === false || (r.type !== "systemuser" && r.type !== "queue")) continue;
    for (const raw of r.emailAddresses) {
      const address = raw.trim().toLowerCase();
      if (used.has(address) && !found.has(address)) {
        found.set(address, { address, kind: r.type === "queue" ? "queue" : "user", ...(r.name ? { name: r.name } : {}) });
      }
    }
  }
  if (!found.has(focus)) found.set(focus, { address: focus, kind: "user" });
  // The recorded mailbox first, so it is subscribed before anything is sent.
  return [...found.values()].sort((a, b) => (a.address === focus ? -1 : b.address === focus ? 1 : a.address.localeCompare(b.address)));
}

/** Rewrites recorded Message-IDs, conversation indexes and tracking tokens to their live values. */
function createRewriter() {
  const ids = new Map<string, string>();
  const threads = new Map<string, string>();
  const tokens = new Map<string, string | undefined>();

  const messageIds = (value: string | undefined): string | undefined =>
    value?.replace(/<([^>]+)>/g, (whole, id: string) => {
      const live = ids.get(id.trim());
      return live ? `<${live}>` : whole;
    });
  const threadIndex = (value: string): string => {
    const bytes = Buffer.from(value, "base64");
    if (bytes.length < THREAD_HEADER_BYTES) return value;
    const live = threads.get(bytes.subarray(0, THREAD_HEADER_BYTES).toString("base64"));
    return live ? Buffer.concat([Buffer.from(live, "base64"), bytes.subarray(THREAD_HEADER_BYTES)]).toString("base64") : value;
  };
  const subject = (value: string): string => {
    let result = value;
    for (const [recorded, live] of tokens) {
      const pattern = new RegExp(`${live === undefined ? "\\s*" : ""}${recorded.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "gi");
      result = result.replace(pattern, live ?? "");
    }
    return result.trim();
  };
  return {
    messageIds,
    subject,
    messageId(recorded: string, live: string) {
      if (recorded !== live) ids.set(recorded, live);
    },
    threadIndex(recorded: string, live: string) {
      const head = (text: string) => Buffer.from(text, "base64").subarray(0, THREAD_HEADER_BYTES).toString("base64");
      if (Buffer.from(recorded, "base64").length >= THREAD_HEADER_BYTES) threads.set(head(recorded), head(live));
    },
    token(recorded: string, live: string | undefined) {
      if (recorded.toUpperCase() !== live?.toUpperCase()) tokens.set(recorded, live);
    },
    header(h: GraphHeader): GraphHeader {
      const name = h.name.toLowerCase();
      if (name === "in-reply-to" || name === "references") return { name: h.name, value: messageIds(h.value) ?? h.value };
      if (name === "thread-index") return { name: h.name, value: threadIndex(h.value.trim()) };
      if (name === "thread-topic") return { name: h.name, value: subject(h.value) };
      return h;
    },
  };
}

function header(headers: GraphHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value.trim() || undefined;
}

function addresses(recipients: GraphMessage["toRecipients"]): string[] {
  return (recipients ?? []).map((r) => (r.emailAddress.address ?? "").toLowerCase()).filter((a) => a !== "");
}

function formatRecord(record: RecordRef | undefined): string {
  return record ? `${record.type}:${record.id}` : "none";
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function countBy(values: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
