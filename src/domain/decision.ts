// The tracking decision as two pure steps. `factsNeeded` says which stored facts the message
// needs next (address records, an existing activity, lookup entries, other mailboxes' settings);
// `decideTracking` takes the message, the settings and the facts fetched and returns the whole
// decision with its trace. Both run the same rules in the same order (`evaluate`), so the app
// layer only fetches what is asked for and writes what is decided, and a stage the decision no
// longer needs (a lookup after a hit, resolution of mail a gate stops) is never fetched.
import { activityIdFor, activityScope, lookupEntriesFor } from "./activity.js";
import { conversationIndexKey, parseConversationIndex } from "./conversation-index.js";
import { correlationFor, correlationProbes, type CorrelationProbe } from "./correlation.js";
import { compactTrace, compactWhy } from "./compact-trace.js";
import { explainDecision } from "./explain.js";
import { refileIntoFolder } from "./refile.js";
import { otherMailboxCandidates, traceAcceptance, traceGates, type GateBypass, type ManualTracking } from "./filtering.js";
import type { EmailEnvelope } from "./message.js";
import { resolveMailboxOwner, traceRecipient, traceSender } from "./resolution.js";
import { trackingTokenPrefixes } from "./settings.js";
import { addressKey, hashValue, smartMatchHashes, traceSmartMatch, type SmartMatchHashes } from "./smart-matching.js";
import type { AddressResolution, CandidateSummary, CorrelationStep, DecisionTrace, TracedRecord } from "./trace.js";
import { findTrackingToken, trackingTokenKey } from "./tracking-token.js";
import type {
  AddressEntry,
  Correlation,
  DecisionReason,
  EmailActivity,
  Folder,
  LookupEntry,
  MailboxSettings,
  OrganizationSettings,
  RecordRef,
  ResolvedParty,
} from "./types.js";

export interface DecisionInput {
  envelope: EmailEnvelope;
  /** The receiving mailbox, normalised (normalizeAddress). */
  mailboxAddress: string;
  folder: Folder;
  /** Tracking a person asked for: bypasses the filters, not a disabled mailbox. */
  manual?: ManualTracking;
  organization: OrganizationSettings;
  /** Undefined: the mailbox is not configured. */
  mailbox: MailboxSettings | undefined;
  /** ISO date-time of processing: the activity time of undated mail, and createdOn. */
  now: string;
}

/** What the app fetched so far. A missing map or key: not fetched yet; null: fetched, nothing there. */
export interface FetchedFacts {
  /** findByAddress per normalised address. */
  addresses?: ReadonlyMap<string, readonly AddressEntry[]>;
  /** getActivity of the decided activity id: asked for only before a rejection (see evaluate). */
  existingActivity?: EmailActivity | null;
  /** findLatest per lookup key. */
  latest?: ReadonlyMap<string, LookupEntry | null>;
  /** listSince(key, since) per address key, for smart matching. */
  recent?: ReadonlyMap<string, readonly LookupEntry[]>;
  /** Settings per mailbox address, for acceptance by another mailbox. */
  mailboxes?: ReadonlyMap<string, MailboxSettings | null>;
}

/** The next facts a decision needs; the app fetches them all (in parallel where it likes) and asks again. */
export type FactRequest =
  | { kind: "addresses"; addresses: string[] }
  | { kind: "activity"; activityId: string }
  /** One key at a time: the first hit wins, and most email hits on the first probe. */
  | { kind: "latest"; key: string }
  | { kind: "recent"; keys: string[]; since: string }
  | { kind: "mailboxes"; addresses: string[] };

/** What a message can need, derived from the message and the settings alone. */
export interface MessageFacts {
  /** Every distinct address of the email (From, To, Cc, Bcc) and the receiving mailbox. */
  addresses: string[];
  /** Message-IDs (In-Reply-To, then References newest first), the token key, the thread key: in probing order. */
  probes: CorrelationProbe[];
  trackingToken?: string;
  conversationIndex?: { base64: string; threadKey: string };
  smartMatch: SmartMatchHashes;
  /** Address keys smart matching lists (the receiving mailbox's own address is never indexed). */
  smartMatchKeys: string[];
  /** The start of the smart-matching window. */
  smartMatchSince: string;
  activityTime: string;
  warnings: string[];
}

export interface TrackingDecision {
  tracked: boolean;
  reason: DecisionReason;
  activityId?: string;
  /** The activity to create (tracked, not stored yet) or the one already stored. */
  activity?: EmailActivity;
  /** True when `activity` is already stored: only its lookups are written again. */
  alreadyStored: boolean;
  /**
   * Set when the stored activity was moved into a tracked folder: `activity` has the folder's
   * regarding, and the app writes it with refileIntoFolder (src/domain/refile.ts) and rewrites its lookups.
   */
  refile?: { folder: Folder; regarding: RecordRef };
  lookupEntries: LookupEntry[];
  correlation: Correlation;
  regarding?: RecordRef;
  sender?: ResolvedParty;
  /** To, Cc and Bcc, in that order. */
  recipients: ResolvedParty[];
  acceptingEntity?: RecordRef;
  trace: DecisionTrace;
  /** The trace as one or two sentences (explainDecision). */
  why: string;
  warnings: string[];
}

type Step = { need: FactRequest } | { decision: TrackingDecision };

/** The next facts the decision needs, or undefined when decideTracking can decide. */
export function factsNeeded(input: DecisionInput, facts: FetchedFacts): FactRequest | undefined {
  const step = evaluate(input, facts);
  return "need" in step ? step.need : undefined;
}

/** The whole decision. Throws when a fact it needs was not fetched (ask factsNeeded first). */
export function decideTracking(input: DecisionInput, facts: FetchedFacts): TrackingDecision {
  const step = evaluate(input, facts);
  if ("need" in step) throw new Error(`decideTracking needs facts not fetched yet: ${step.need.kind}`);
  return step.decision;
}

/** Every distinct address on the email: From, To, Cc, Bcc. */
function envelopeAddresses(envelope: EmailEnvelope): string[] {
  const all = [
    ...(envelope.from ? [envelope.from.address] : []),
    ...envelope.toRecipients.map((p) => p.address),
    ...envelope.ccRecipients.map((p) => p.address),
    ...envelope.bccRecipients.map((p) => p.address),
  ];
  return [...new Set(all)];
}

export function messageFacts(input: Pick<DecisionInput, "envelope" | "organization" | "mailboxAddress" | "now">): MessageFacts {
  const { envelope, organization } = input;
  const warnings: string[] = [];
  const trackingToken = organization.useTrackingTokens
    ? findTrackingToken(envelope.subject, { prefixes: trackingTokenPrefixes(organization) })
    : undefined;
  const parsed = envelope.conversationIndex ? parseConversationIndex(envelope.conversationIndex) : undefined;
  if (parsed && !parsed.ok) warnings.push(`ConversationIndex ignored: ${parsed.reason}`);
  const conversationIndex = parsed?.ok ? { base64: parsed.index.base64, threadKey: parsed.index.threadKey } : undefined;
  const probes = correlationProbes(
    {
      subject: envelope.subject,
      inReplyTo: envelope.inReplyToIds,
      references: envelope.references,
      internetMessageId: envelope.internetMessageId,
      ...(trackingToken ? { trackingTokenKey: trackingTokenKey(trackingToken) } : {}),
      ...(conversationIndex ? { conversationIndexKey: conversationIndexKey(conversationIndex.threadKey) } : {}),
    },
    organization,
  );
  const activityTime = envelope.sentOn ?? envelope.receivedOn ?? input.now;
  const smartMatch = smartMatchHashes({ subject: envelope.subject, addresses: envelopeAddresses(envelope) }, organization);
  const ownHash = hashValue(input.mailboxAddress);
  const smartMatchKeys = smartMatch.addressHashes.filter((hash) => hash !== ownHash).map(addressKey);
  const since = Date.parse(activityTime) - organization.smartMatchingWindowDays * 86_400_000;
  return {
    addresses: [...new Set([...envelopeAddresses(envelope), input.mailboxAddress])],
    probes,
    ...(trackingToken ? { trackingToken } : {}),
    ...(conversationIndex ? { conversationIndex } : {}),
    smartMatch,
    smartMatchKeys,
    smartMatchSince: new Date(Number.isNaN(since) ? 0 : since).toISOString(),
    activityTime,
    warnings,
  };
}

// The decision is asked again after every stage with the same input: derive its facts once.
const messageFactsCache = new WeakMap<DecisionInput, MessageFacts>();
function memoizedMessageFacts(input: DecisionInput): MessageFacts {
  let facts = messageFactsCache.get(input);
  if (!facts) messageFactsCache.set(input, (facts = messageFacts(input)));
  return facts;
}

const party = (p: { address: string; name?: string }, records: RecordRef[]): ResolvedParty => ({
  address: p.address,
  ...(p.name ? { name: p.name } : {}),
  records,
});

function candidateSummary(entry: LookupEntry): CandidateSummary {
  return {
    activityId: entry.activityId,
    internetMessageId: entry.internetMessageId,
    activityTime: entry.activityTime,
    ...(entry.subject ? { subject: entry.subject } : {}),
    ...(entry.regarding ? { regarding: entry.regarding } : {}),
  };
}

const plainRef = (record: TracedRecord): RecordRef => ({ type: record.type, id: record.id });

interface Resolution {
  owner: ReturnType<typeof resolveMailboxOwner>;
  addresses: AddressResolution[];
  sender?: ResolvedParty;
  to: ResolvedParty[];
  cc: ResolvedParty[];
  bcc: ResolvedParty[];
  /** To, Cc and Bcc. */
  recipients: ResolvedParty[];
  senderRecords: RecordRef[];
  recipientRecords: RecordRef[];
  /** Set for email between users tracked as two activities. */
  scope?: string;
  activityId: string;
}

/** Every address of the email resolved, each with the rule that chose its records. */
function resolveAddresses(input: DecisionInput, mailbox: MailboxSettings, found: ReadonlyMap<string, readonly AddressEntry[]>): Resolution {
  const { envelope, organization } = input;
  const entriesOf = (address: string) => found.get(address) ?? [];
  const owner = resolveMailboxOwner(mailbox, entriesOf(input.mailboxAddress));
  const addresses: AddressResolution[] = [];
  const resolveAs = (role: AddressResolution["role"]) => (p: { address: string; name?: string }) => {
    const traced =
      role === "from"
        ? traceSender(entriesOf(p.address), {
            ...(owner.owner ? { mailboxOwnerId: owner.owner.id } : {}),
            unresolveIfMultipleMatch: organization.unresolveSenderIfMultipleMatch,
          })
        : traceRecipient(entriesOf(p.address), { unresolveIfMultipleMatch: organization.unresolveEmailAddressIfMultipleMatch });
    const { records, ...rest } = traced;
    addresses.push({ role, address: p.address, ...rest });
    return party(p, records);
  };
  const sender = envelope.from ? resolveAs("from")(envelope.from) : undefined;
  const to = envelope.toRecipients.map(resolveAs("to"));
  const cc = envelope.ccRecipients.map(resolveAs("cc"));
  const bcc = envelope.bccRecipients.map(resolveAs("bcc"));
  const recipients = [...to, ...cc, ...bcc];
  const senderRecords = sender?.records ?? [];
  const recipientRecords = recipients.flatMap((p) => p.records);
  const scope = activityScope({ twoActivities: organization.trackEmailsBetweenUsersAsTwoActivities, mailbox, senderRecords, recipientRecords });
  const activityId = activityIdFor({ internetMessageId: envelope.internetMessageId, ...(scope ? { scope } : {}) });
  return { owner, ...(sender ? { sender } : {}), to, cc, bcc, recipients, senderRecords, recipientRecords, ...(scope ? { scope } : {}), activityId, addresses };
}

// Resolution depends only on the input and the address facts: done once per message, not per stage.
const resolutionCache = new WeakMap<DecisionInput, { found: ReadonlyMap<string, readonly AddressEntry[]>; resolution: Resolution }>();
function memoizedResolution(input: DecisionInput, mailbox: MailboxSettings, found: ReadonlyMap<string, readonly AddressEntry[]>): Resolution {
  const cached = resolutionCache.get(input);
  if (cached?.found === found) return cached.resolution;
  const resolution = resolveAddresses(input, mailbox, found);
  resolutionCache.set(input, { found, resolution });
  return resolution;
}

function evaluate(input: DecisionInput, facts: FetchedFacts): Step {
  const { envelope, organization, mailbox, mailboxAddress, folder } = input;
  const direction = folder.kind === "sentitems" ? "outgoing" : "incoming";
  const warnings: string[] = [];
  const trace: DecisionTrace = {
    version: 1,
    mailbox: mailboxAddress,
    folder,
    direction,
    internetMessageId: envelope.internetMessageId,
    subject: envelope.subject,
    gates: [],
    addresses: [],
    correlation: [],
    correlatedBy: "none",
    outcome: { tracked: false, reason: "mailboxNotConfigured" },
  };
  const unresolvedRecipients = () => [...envelope.toRecipients, ...envelope.ccRecipients, ...envelope.bccRecipients].map((p) => party(p, []));
  const finish = (decision: Omit<TrackingDecision, "trace" | "why" | "warnings">): Step => {
    trace.outcome = { tracked: decision.tracked, reason: decision.reason, ...(decision.activityId ? { activityId: decision.activityId } : {}) };
    const why = explainDecision(trace);
    // The stored explanation is decided with the rest of the activity, from the same trace.
    const activity =
      decision.activity && !decision.alreadyStored ? { ...decision.activity, explanation: { trace: compactTrace(trace), why: compactWhy(why) } } : decision.activity;
    return { decision: { ...decision, ...(activity ? { activity } : {}), trace, why, warnings } };
  };
  const untracked = (reason: DecisionReason, extra: Partial<TrackingDecision> = {}): Step =>
    finish({ tracked: false, reason, alreadyStored: false, lookupEntries: [], correlation: { method: "none" }, ...(extra.recipients ? {} : { recipients: unresolvedRecipients() }), ...extra } as Omit<TrackingDecision, "trace" | "why" | "warnings">);

  if (!mailbox) {
    trace.gates.push({ gate: "mailboxConfigured", outcome: "fail" });
    warnings.push(`mailbox ${mailboxAddress} is not configured`);
    return untracked("mailboxNotConfigured");
  }
  trace.gates.push({ gate: "mailboxConfigured", outcome: "pass" });
  const gates = traceGates({ folder, mailbox, organization, envelope, ...(input.manual ? { manual: input.manual } : {}) });
  trace.gates.push(...gates.steps);
  if (!gates.result.pass) return untracked(gates.result.reason);
  const bypass: GateBypass | undefined = gates.result.bypass;

  const message = memoizedMessageFacts(input);
  warnings.push(...message.warnings);

  // ---- resolution ------------------------------------------------------------------------------
  if (!facts.addresses) return { need: { kind: "addresses", addresses: message.addresses } };
  const { owner, addresses, sender, to, cc, bcc, recipients, senderRecords, recipientRecords, scope, activityId } = memoizedResolution(input, mailbox, facts.addresses);
  trace.mailboxOwner = owner;
  trace.addresses = [...addresses];
  const resolvedParties = { ...(sender ? { sender } : {}), recipients };

  // ---- an activity already there (redelivery, catch-up, another mailbox's copy) ----------------
  // Not read up front: an email about to be tracked is created, and the store's create answers
  // with a copy already there (whenAlreadyStored), which saves a read per tracked email. It is
  // read before a rejection only, where a copy would change the outcome.
  if (facts.existingActivity) return finish(alreadyStored(facts.existingActivity, trace, resolvedParties, organization));

  // ---- correlation -----------------------------------------------------------------------------
  if (envelope.threadingIgnored.length > 0) trace.ignoredIds = envelope.threadingIgnored;
  let hit: { method: Correlation["method"]; entry: LookupEntry } | undefined;
  for (const probe of message.probes) {
    const latest = facts.latest?.get(probe.key);
    if (latest === undefined) return { need: { kind: "latest", key: probe.key } };
    const step: CorrelationStep = { method: probe.method, key: probe.key, outcome: "noEntry" };
    if (latest) {
      step.candidate = candidateSummary(latest);
      step.outcome = latest.activityId === activityId ? "self" : "matched";
    }
    trace.correlation.push(step);
    if (latest && step.outcome === "matched") {
      hit = { method: probe.method, entry: latest };
      break;
    }
  }
  if (hit) trace.smartMatching = { keys: 0, notBefore: message.smartMatchSince, candidates: 0, passedOver: [], skipped: "alreadyCorrelated" };
  else if (!organization.useSmartMatching) trace.smartMatching = { keys: 0, notBefore: message.smartMatchSince, candidates: 0, passedOver: [], skipped: "off" };
  else if (message.smartMatch.subjectHashes.length === 0) {
    trace.smartMatching = { keys: 0, notBefore: message.smartMatchSince, candidates: 0, passedOver: [], skipped: "noSubjectWords" };
  } else {
    const keys = message.smartMatchKeys;
    if (keys.some((key) => !facts.recent?.has(key))) return { need: { kind: "recent", keys, since: message.smartMatchSince } };
    const listed = keys.flatMap((key) => facts.recent?.get(key) ?? []);
    const chosen = traceSmartMatch(message.smartMatch, listed, {
      hashDeltaSubjectCount: organization.hashDeltaSubjectCount,
      hashMinAddressCount: organization.hashMinAddressCount,
      notBefore: message.smartMatchSince,
      excludeActivityId: activityId,
    });
    trace.smartMatching = {
      keys: keys.length,
      notBefore: message.smartMatchSince,
      candidates: chosen.candidates,
      passedOver: chosen.passedOver,
      ...(chosen.best ? { matched: { ...candidateSummary(chosen.best.candidate), sharedAddresses: chosen.best.sharedAddresses } } : {}),
    };
    if (chosen.best) hit = { method: "smartMatching", entry: chosen.best.candidate };
  }
  const correlation = hit ? correlationFor(hit.method, hit.entry) : { method: "none" as const };
  trace.correlatedBy = correlation.method;

  // ---- acceptance ------------------------------------------------------------------------------
  let acceptingEntity: TracedRecord | undefined;
  if (bypass) {
    trace.acceptance = { accepted: true, rule: "bypass", bypass: bypass.reason, judged: [], ...(owner.owner ? { acceptingEntity: owner.owner } : {}) };
    acceptingEntity = owner.owner;
  } else {
    const acceptanceInput = {
      direction,
      receivingMailbox: { settings: mailbox, ...(owner.owner ? { owner: owner.owner } : {}) },
      senderRecords,
      recipientRecords,
      correlated: correlation.method !== "none",
    } as const;
    let judged = traceAcceptance({ ...acceptanceInput, otherMailboxes: [] });
    let notJudged = 0;
    if (!judged.acceptance.accepted && direction === "incoming") {
      // Any organization mailbox among the recipients may accept the email for everyone.
      const others = otherMailboxCandidates(recipients, mailboxAddress);
      notJudged = others.notJudged;
      if (others.candidates.length > 0) {
        const addresses = [...new Set(others.candidates.map((candidate) => candidate.address))];
        if (addresses.some((address) => !facts.mailboxes?.has(address))) return { need: { kind: "mailboxes", addresses } };
        const otherMailboxes = others.candidates.map((candidate) => ({
          address: candidate.address,
          settings: facts.mailboxes?.get(candidate.address) ?? undefined,
          owner: tracedOwner(candidate.owner, trace.addresses),
        }));
        judged = traceAcceptance({ ...acceptanceInput, otherMailboxes });
      }
    }
    trace.acceptance = {
      accepted: judged.acceptance.accepted,
      rule: "filter",
      judged: judged.judged,
      ...(judged.acceptingEntity ? { acceptingEntity: judged.acceptingEntity } : {}),
      ...(notJudged > 0 ? { othersNotJudged: notJudged } : {}),
    };
    if (!judged.acceptance.accepted) {
      if (facts.existingActivity === undefined) return { need: { kind: "activity", activityId } };
      return untracked("rejectedByFilter", { correlation, ...resolvedParties });
    }
    acceptingEntity = judged.acceptingEntity ?? owner.owner;
  }

  const regarding = bypass?.regarding ?? hit?.entry.regarding;
  if (regarding) trace.regarding = { record: regarding, from: bypass?.regarding ? (bypass.reason === "trackedFolder" ? "trackedFolder" : "manual") : "correlation" };
  const activity: EmailActivity = {
    id: activityId,
    internetMessageId: envelope.internetMessageId,
    internetMessageIdSynthetic: envelope.internetMessageIdSynthetic,
    ...(scope ? { scope } : {}),
    direction,
    subject: envelope.subject,
    ...(sender ? { sender } : {}),
    toRecipients: to,
    ccRecipients: cc,
    bccRecipients: bcc,
    ...(envelope.sentOn ? { sentOn: envelope.sentOn } : {}),
    ...(envelope.receivedOn ? { receivedOn: envelope.receivedOn } : {}),
    activityTime: message.activityTime,
    ...(envelope.inReplyTo ? { inReplyTo: envelope.inReplyTo } : {}),
    references: envelope.references,
    ...(message.conversationIndex ? { conversationIndex: message.conversationIndex.base64, threadKey: message.conversationIndex.threadKey } : {}),
    ...(message.trackingToken ? { trackingToken: message.trackingToken } : {}),
    ...(regarding ? { regarding } : {}),
    correlation,
    receivingMailbox: mailboxAddress,
    ...(acceptingEntity ? { acceptingEntity: plainRef(acceptingEntity) } : {}),
    folder,
    decisionReason: bypass?.reason ?? "acceptedByFilter",
    automated: envelope.automated,
    smartMatch: message.smartMatch,
    ...(envelope.body ? { body: envelope.body } : {}),
    bodyTruncated: envelope.bodyTruncated,
    recipientsTruncated: false,
    graphMessageId: envelope.graphMessageId,
    createdOn: input.now,
  };
  return finish({
    tracked: true,
    reason: activity.decisionReason,
    activityId,
    activity,
    alreadyStored: false,
    lookupEntries: lookupEntriesFor(activity, { smartMatching: organization.useSmartMatching }),
    correlation,
    ...(regarding ? { regarding } : {}),
    ...resolvedParties,
    ...(activity.acceptingEntity ? { acceptingEntity: activity.acceptingEntity } : {}),
  });
}

/** The record with the name resolution found for it, when it did. */
function tracedOwner(record: RecordRef, addresses: AddressResolution[]): TracedRecord {
  const found = addresses.flatMap((resolution) => resolution.chosen).find((chosen) => chosen.type === record.type && chosen.id === record.id);
  return found ?? record;
}

/** The decision when the activity is already stored: report it, and write its lookups again. */
function alreadyStored(
  stored: EmailActivity,
  trace: DecisionTrace,
  parties: { sender?: ResolvedParty; recipients: ResolvedParty[] },
  organization: OrganizationSettings,
): Omit<TrackingDecision, "trace" | "why" | "warnings"> {
  trace.existingActivity = { activityId: stored.id, createdOn: stored.createdOn, ...(stored.explanation ? { why: stored.explanation.why } : {}) };
  trace.correlatedBy = stored.correlation.method;
  if (stored.regarding) trace.regarding = { record: stored.regarding, from: "correlation" };
  return {
    tracked: true,
    reason: "alreadyTracked",
    activityId: stored.id,
    activity: stored,
    alreadyStored: true,
    // A worker may have died between the two writes: the lookups are written again.
    lookupEntries: lookupEntriesFor(stored, { smartMatching: organization.useSmartMatching }),
    correlation: stored.correlation,
    ...(stored.regarding ? { regarding: stored.regarding } : {}),
    ...parties,
    ...(stored.acceptingEntity ? { acceptingEntity: stored.acceptingEntity } : {}),
  };
}

/**
 * The decision once the store answered a create with another worker's activity (a race on the
 * same email): that one is the answer, as if it had been found before correlating.
 */
export function whenAlreadyStored(decision: TrackingDecision, stored: EmailActivity, organization: OrganizationSettings): TrackingDecision {
  const trace: DecisionTrace = structuredClone(decision.trace);
  const parties = { ...(decision.sender ? { sender: decision.sender } : {}), recipients: decision.recipients };
  // Moved into a tracked folder after it was tracked (through the Inbox): the one activity takes the folder's regarding.
  const fresh = decision.activity;
  const folderRegarding = fresh?.decisionReason === "trackedFolder" ? fresh.regarding : undefined;
  const refiled = fresh ? refileIntoFolder(stored, { folder: fresh.folder, regarding: folderRegarding, at: fresh.createdOn }) : undefined;
  const changed = alreadyStored(refiled?.activity ?? stored, trace, parties, organization);
  if (refiled && fresh && folderRegarding) {
    trace.refiled = refiled.step;
    trace.regarding = { record: folderRegarding, from: "trackedFolder" };
    changed.refile = { folder: fresh.folder, regarding: folderRegarding };
  }
  trace.outcome = { tracked: true, reason: "alreadyTracked", activityId: stored.id };
  return { ...changed, trace, why: explainDecision(trace), warnings: decision.warnings };
}
