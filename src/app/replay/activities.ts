// `--activities FILE`: start a replay from activities tracked before it, so that replies in the
// replayed mail correlate with them (the default filter, responsesToTrackedEmail, tracks only
// those). Two shapes are accepted, one JSON object per line or a JSON array of them (see
// docs/replay.md): a line of an earlier replay's --out (tracked lines only), or an exported
// activity document. Bad entries are reported by line number; the others are loaded.
import { activityIdFor, lookupEntriesFor } from "../../domain/activity.js";
import { normalizeAddress } from "../../domain/address.js";
import { parseConversationIndex } from "../../domain/conversation-index.js";
import { normalizeMessageId, SYNTHETIC_MESSAGE_ID_DOMAIN } from "../../domain/message.js";
import { isIsoDateTime, trackingTokenPrefixes } from "../../domain/settings.js";
import { smartMatchHashes } from "../../domain/smart-matching.js";
import { findTrackingToken } from "../../domain/tracking-token.js";
import {
  RECORD_TYPES,
  type DecisionReason,
  type EmailActivity,
  type MailboxSettings,
  type OrganizationSettings,
  type RecordRef,
  type ResolvedParty,
} from "../../domain/types.js";
import type { TrackingStore } from "../ports.js";

/** An earlier activity, as read from the file: what correlation with it needs. */
export interface SeedActivity {
  /** 1-based line of the file (for a JSON array: the element's index + 1). */
  line: number;
  id?: string;
  internetMessageId: string;
  subject: string;
  activityTime: string;
  sentOn?: string;
  receivedOn?: string;
  scope?: string;
  regarding?: RecordRef;
  trackingToken?: string;
  threadKey?: string;
  conversationIndex?: string;
  sender?: ResolvedParty;
  toRecipients: ResolvedParty[];
  ccRecipients: ResolvedParty[];
  bccRecipients: ResolvedParty[];
  decisionReason?: DecisionReason;
}

export interface ParsedActivities {
  seeds: SeedActivity[];
  /** Replay lines of messages that were not tracked: nothing to correlate with. */
  untracked: number;
  /** "line N: what is wrong", in file order. */
  problems: string[];
}

const TRACKED_REASONS: readonly DecisionReason[] = ["acceptedByFilter", "trackedFolder", "trackingCategory", "sentByApp"];

/** Parses the file's text. Never throws: every bad entry becomes a problem naming its line. */
export function parseActivities(text: string): ParsedActivities {
  const result: ParsedActivities = { seeds: [], untracked: 0, problems: [] };
  for (const { line, value, error } of entries(text)) {
    if (error !== undefined) {
      result.problems.push(`line ${line}: ${error}`);
      continue;
    }
    const parsed = parseEntry(value);
    if (parsed === "untracked") result.untracked++;
    else if (typeof parsed === "string") result.problems.push(`line ${line}: ${parsed}`);
    else result.seeds.push({ ...parsed, line });
  }
  return result;
}

/** The id the activity is stored under: its own, else the one the tracker derives from the Message-ID. */
export function seedActivityId(seed: Pick<SeedActivity, "id" | "internetMessageId" | "scope">): string {
  return seed.id ?? activityIdFor({ internetMessageId: seed.internetMessageId, ...(seed.scope ? { scope: seed.scope } : {}) });
}

/** The activity the tracker would have stored, under this side's settings (token prefixes, smart-matching hashes). */
export function toActivity(
  seed: SeedActivity,
  context: { organization: OrganizationSettings; mailbox: MailboxSettings; now: string },
): EmailActivity {
  const { organization, mailbox } = context;
  const outgoing = seed.sender?.address === mailbox.address;
  const index = seed.conversationIndex ? parseConversationIndex(seed.conversationIndex) : undefined;
  const threadKey = seed.threadKey ?? (index?.ok ? index.index.threadKey : undefined);
  const trackingToken = seed.trackingToken ?? findTrackingToken(seed.subject, { prefixes: trackingTokenPrefixes(organization) });
  const parties = [seed.sender, ...seed.toRecipients, ...seed.ccRecipients, ...seed.bccRecipients];
  const addresses = parties.flatMap((party) => (party ? [party.address] : []));
  return {
    id: seedActivityId(seed),
    internetMessageId: seed.internetMessageId,
    internetMessageIdSynthetic: seed.internetMessageId.endsWith(`@${SYNTHETIC_MESSAGE_ID_DOMAIN}`),
    ...(seed.scope ? { scope: seed.scope } : {}),
    direction: outgoing ? "outgoing" : "incoming",
    subject: seed.subject,
    ...(seed.sender ? { sender: seed.sender } : {}),
    toRecipients: seed.toRecipients,
    ccRecipients: seed.ccRecipients,
    bccRecipients: seed.bccRecipients,
    ...(seed.sentOn ? { sentOn: seed.sentOn } : {}),
    ...(seed.receivedOn ? { receivedOn: seed.receivedOn } : {}),
    activityTime: seed.activityTime,
    references: [],
    ...(index?.ok ? { conversationIndex: index.index.base64 } : {}),
    ...(threadKey ? { threadKey } : {}),
    ...(trackingToken ? { trackingToken } : {}),
    ...(seed.regarding ? { regarding: seed.regarding } : {}),
    correlation: { method: "none" },
    receivingMailbox: mailbox.address,
    folder: outgoing ? { kind: "sentitems" } : { kind: "inbox" },
    decisionReason: seed.decisionReason ?? "acceptedByFilter",
    automated: { autoReply: false, bulk: false, evidence: [] },
    smartMatch: smartMatchHashes({ subject: seed.subject, addresses }, organization),
    bodyTruncated: false,
    recipientsTruncated: false,
    createdOn: context.now,
  };
}

/** Stores the activities and their lookup entries, as the tracker does. Returns how many were new. */
export async function loadActivities(
  store: TrackingStore,
  seeds: SeedActivity[],
  context: { organization: OrganizationSettings; mailbox: MailboxSettings; now: string },
): Promise<number> {
  let created = 0;
  let next = 0;
  // A few writes in flight: Cosmos DB round trips dominate, the in-memory store doesn't care.
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next++] as SeedActivity;
      const result = await store.activities.createActivity(toActivity(seed, context));
      if (result.created) created++;
      await store.lookups.putEntries(lookupEntriesFor(result.activity, { smartMatching: context.organization.useSmartMatching }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, seeds.length) }, worker));
  return created;
}

// ---- reading ------------------------------------------------------------------------------------

type Entry = { line: number; value: unknown; error?: undefined } | { line: number; value?: undefined; error: string };

/** A JSON array (element N is "line" N), else JSON Lines (blank lines skipped). */
function entries(text: string): Entry[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    try {
      const array = JSON.parse(text) as unknown;
      if (Array.isArray(array)) return array.map((value, index) => ({ line: index + 1, value }));
    } catch {
      // Not one JSON array: read it as JSON Lines, whose first line may just be an array.
    }
  }
  const result: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === "") return;
    try {
      result.push({ line: index + 1, value: JSON.parse(raw) as unknown });
    } catch (caught) {
      result.push({ line: index + 1, error: `not JSON (${caught instanceof Error ? caught.message : String(caught)})` });
    }
  });
  return result;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** One entry: a seed, "untracked" (a replay line to skip), or what is wrong with it. */
function parseEntry(value: unknown): Omit<SeedActivity, "line"> | "untracked" | string {
  if (!isObject(value)) return "must be a JSON object (a replay line or an activity)";
  // A line of a --compare run: its base side.
  const entry = isObject(value.base) && "compare" in value ? value.base : value;
  const isReplayLine = "file" in entry && "tracked" in entry;
  if (isReplayLine && entry.tracked !== true) return "untracked";

  const problems: string[] = [];
  const internetMessageId = normalizeMessageId(entry.internetMessageId);
  if (internetMessageId === undefined) problems.push("internetMessageId is required (the activity's Message-ID)");
  const text = (key: string): string | undefined => {
    const v = entry[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      problems.push(`${key} must be a string`);
      return undefined;
    }
    return v;
  };
  const date = (key: string): string | undefined => {
    const v = text(key);
    if (v !== undefined && !isIsoDateTime(v)) problems.push(`${key} must be an ISO 8601 date-time with a zone (got ${JSON.stringify(v)})`);
    return v !== undefined && isIsoDateTime(v) ? v : undefined;
  };
  const id = text(isReplayLine ? "activityId" : "id");
  const subject = text("subject") ?? "";
  const sentOn = date("sentOn");
  const receivedOn = date("receivedOn");
  const activityTime = date("activityTime") ?? sentOn ?? receivedOn;
  if (activityTime === undefined && !problems.some((p) => /sentOn|receivedOn|activityTime/.test(p))) {
    problems.push("needs a time: sentOn, receivedOn or activityTime");
  }
  const scope = text("scope");
  const trackingToken = text("trackingToken");
  const threadKey = text("threadKey");
  if (threadKey !== undefined && !/^[0-9a-f]{44}$/i.test(threadKey)) problems.push("threadKey must be 44 hex digits (a 22-byte thread header)");
  const conversationIndex = text("conversationIndex");
  if (conversationIndex !== undefined) {
    const parsed = parseConversationIndex(conversationIndex);
    if (!parsed.ok) problems.push(`conversationIndex: ${parsed.reason}`);
  }
  const regarding = recordRef(entry.regarding, "regarding", problems);
  const sender = entry.sender === undefined || entry.sender === null ? undefined : party(entry.sender, "sender", problems);
  // A replay line lists To, Cc and Bcc together as `recipients`.
  const toRecipients = parties(isReplayLine ? entry.recipients : entry.toRecipients, isReplayLine ? "recipients" : "toRecipients", problems);
  const ccRecipients = isReplayLine ? [] : parties(entry.ccRecipients, "ccRecipients", problems);
  const bccRecipients = isReplayLine ? [] : parties(entry.bccRecipients, "bccRecipients", problems);
  const reason = entry[isReplayLine ? "reason" : "decisionReason"];
  const decisionReason = TRACKED_REASONS.find((r) => r === reason);

  if (problems.length > 0 || internetMessageId === undefined || activityTime === undefined) return problems.join("; ");
  return {
    ...(id ? { id } : {}),
    internetMessageId,
    subject,
    activityTime,
    ...(sentOn ? { sentOn } : {}),
    ...(receivedOn ? { receivedOn } : {}),
    ...(scope ? { scope } : {}),
    ...(regarding ? { regarding } : {}),
    ...(trackingToken ? { trackingToken } : {}),
    ...(threadKey ? { threadKey: threadKey.toLowerCase() } : {}),
    ...(conversationIndex ? { conversationIndex } : {}),
    ...(sender ? { sender } : {}),
    toRecipients,
    ccRecipients,
    bccRecipients,
    ...(decisionReason ? { decisionReason } : {}),
  };
}

function recordRef(value: unknown, field: string, problems: string[]): RecordRef | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.id !== "string" || value.id === "" || !(RECORD_TYPES as readonly unknown[]).includes(value.type)) {
    problems.push(`${field} must be {"type": one of ${RECORD_TYPES.join(", ")}, "id": "…"}`);
    return undefined;
  }
  return { type: value.type as RecordRef["type"], id: value.id };
}

function party(value: unknown, field: string, problems: string[]): ResolvedParty | undefined {
  if (!isObject(value) || typeof value.address !== "string" || value.address.trim() === "") {
    problems.push(`${field} must be {"address": "…", "name"?: "…", "records"?: [...]}`);
    return undefined;
  }
  const records = Array.isArray(value.records)
    ? value.records.flatMap((record: unknown, i) => {
        const ref = recordRef(record, `${field}.records[${i}]`, problems);
        return ref ? [ref] : [];
      })
    : [];
  return {
    address: normalizeAddress(value.address),
    ...(typeof value.name === "string" && value.name !== "" ? { name: value.name } : {}),
    records,
  };
}

function parties(value: unknown, field: string, problems: string[]): ResolvedParty[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${field} must be a list of {"address": "…"}`);
    return [];
  }
  return value.flatMap((item: unknown, i) => {
    const p = party(item, `${field}[${i}]`, problems);
    return p ? [p] : [];
  });
}
