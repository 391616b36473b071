// The tracking use case: one message in one mailbox folder in, a decision and (maybe) an email
// activity out. The decision is the pure decideTracking (src/domain/decision.ts); this module
// fetches the facts factsNeeded asks for, stage by stage, and writes what was decided.
import { decideTracking, factsNeeded, whenAlreadyStored, type FactRequest, type TrackingDecision } from "../domain/decision.js";
import { lookupEntriesFor } from "../domain/activity.js";
import { normalizeAddress } from "../domain/address.js";
import { refileIntoFolder } from "../domain/refile.js";
import type { ManualTracking } from "../domain/filtering.js";
import { toEnvelope } from "../domain/message.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { DecisionTrace } from "../domain/trace.js";
import type {
  AddressEntry,
  AutomatedEmail,
  Correlation,
  DecisionReason,
  EmailActivity,
  Folder,
  GraphMessage,
  MailboxSettings,
  OrganizationSettings,
  RecordRef,
  ResolvedParty,
} from "../domain/types.js";
import type { LookupEntry, TrackingStore } from "./ports.js";
import { createTtlCache } from "./ttl-cache.js";

/** Mailboxes whose settings one process keeps cached (the least recently used go first). */
const MAX_CACHED_MAILBOX_SETTINGS = 1_000;

export interface TrackMessageInput {
  message: GraphMessage;
  /** The receiving mailbox's address. */
  mailbox: string;
  folder: Folder;
  /**
   * Tracking a person asked for, as opposed to automatic tracking: email the app sent, or a
   * message a user chose to track. Like a tracked folder it bypasses the filters (but not a
   * disabled mailbox).
   */
  manual?: ManualTracking;
  /** "deferred": the caller writes the mailbox index entry (store.activities.putMailboxIndex), as the queue worker does per item. */
  mailboxIndex?: "deferred";
}

export interface TrackResult {
  tracked: boolean;
  reason: DecisionReason;
  /** True only for the call that stored the activity. */
  created: boolean;
  activityId?: string;
  activity?: EmailActivity;
  internetMessageId: string;
  correlation: Correlation;
  regarding?: RecordRef;
  sender?: ResolvedParty;
  /** To, Cc and Bcc, in that order. */
  recipients: ResolvedParty[];
  acceptingEntity?: RecordRef;
  automated: AutomatedEmail;
  warnings: string[];
  /** Every gate, correlation step, resolution and acceptance rule the decision went through. */
  trace: DecisionTrace;
  /** The trace in one or two sentences (explainDecision). */
  why: string;
}

export interface TrackerOptions {
  store: TrackingStore;
  clock?: () => Date;
  /**
   * How long settings read from the store are reused, and the records of a mailbox's own address
   * (on every email it receives). Default 30 s; 0 reads them for every message.
   */
  settingsTtlInMs?: number;
  /** Parallel address lookups per message. Default 8. */
  lookupConcurrency?: number;
}

export interface Tracker {
  track(input: TrackMessageInput): Promise<TrackResult>;
  /** Drops cached settings and mailbox owners' records (an admin changed them): the next message reads them again. */
  forgetCachedSettings(): void;
}

/** FetchedFacts as the tracker fills them in. */
interface MutableFacts {
  addresses?: Map<string, readonly AddressEntry[]>;
  existingActivity?: EmailActivity | null;
  latest?: Map<string, LookupEntry | null>;
  recent?: Map<string, readonly LookupEntry[]>;
  mailboxes?: Map<string, MailboxSettings | null>;
}

export function createTracker(options: TrackerOptions): Tracker {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const settings = createSettingsCache(store, options.settingsTtlInMs ?? 30_000, clock);
  const lookupConcurrency = options.lookupConcurrency ?? 8;

  /** Fetches what the decision asked for into `facts`. `mailboxAddress`: the receiving mailbox's own. */
  async function fetch(request: FactRequest, facts: MutableFacts, mailboxAddress: string): Promise<void> {
    switch (request.kind) {
      case "addresses":
        facts.addresses = new Map(
          await mapLimit(request.addresses, lookupConcurrency, async (address) => {
            const entries = address === mailboxAddress ? await settings.ownAddress(address) : await store.records.findByAddress(address);
            return [address, entries ?? []] as const;
          }),
        );
        return;
      case "activity":
        facts.existingActivity = (await store.activities.getActivity(request.activityId)) ?? null;
        return;
      case "latest":
        (facts.latest ??= new Map()).set(request.key, (await store.lookups.findLatest(request.key)) ?? null);
        return;
      case "recent": {
        const lists = await Promise.all(request.keys.map((key) => store.lookups.listSince(key, request.since)));
        const recent = (facts.recent ??= new Map());
        request.keys.forEach((key, index) => recent.set(key, lists[index] ?? []));
        return;
      }
      case "mailboxes": {
        const found = await mapLimit(request.addresses, lookupConcurrency, async (address) => [address, (await settings.mailbox(address)) ?? null] as const);
        const mailboxes = (facts.mailboxes ??= new Map());
        for (const [address, mailbox] of found) mailboxes.set(address, mailbox);
        return;
      }
    }
  }

  async function track(input: TrackMessageInput): Promise<TrackResult> {
    const mailboxAddress = normalizeAddress(input.mailbox);
    const [organization, mailbox] = await Promise.all([settings.organization(), settings.mailbox(mailboxAddress)]);
    const { envelope, warnings } = toEnvelope(input.message, { maxBodyBytes: organization.maxBodyBytes });
    const decisionInput = {
      envelope,
      mailboxAddress,
      folder: input.folder,
      ...(input.manual ? { manual: input.manual } : {}),
      organization,
      mailbox,
      now: clock().toISOString(),
    };
    // Stage by stage: each answer may make later lookups unnecessary, so the decision asks again.
    const facts: MutableFacts = {};
    for (let request = factsNeeded(decisionInput, facts); request; request = factsNeeded(decisionInput, facts)) await fetch(request, facts, mailboxAddress);
    let decision = decideTracking(decisionInput, facts);
    let created = false;
    if (decision.activity && !decision.alreadyStored) {
      const written = await store.activities.createActivity(decision.activity, input.mailboxIndex ? { mailboxIndex: input.mailboxIndex } : {});
      created = written.created;
      if (!written.created) decision = whenAlreadyStored(decision, written.activity, organization);
      else decision = { ...decision, activity: written.activity };
    }
    if (decision.refile && decision.activityId) {
      // Applied to the stored version: a change made meanwhile (a person's re-link) is kept in the history.
      const { folder, regarding } = decision.refile;
      const at = clock().toISOString();
      const written = await store.activities.updateActivity(decision.activityId, (current) => refileIntoFolder(current, { folder, regarding, at })?.activity);
      if (written) decision = { ...decision, activity: written, lookupEntries: lookupEntriesFor(written, { smartMatching: organization.useSmartMatching }) };
    }
    if (decision.lookupEntries.length > 0) await store.lookups.putEntries(decision.lookupEntries, { absentKeys: absentKeys(facts) });
    return toResult(decision, { created, envelope: { internetMessageId: envelope.internetMessageId, automated: envelope.automated }, warnings: [...warnings, ...decision.warnings] });
  }

  return { track, forgetCachedSettings: settings.clear };
}

function toResult(
  decision: TrackingDecision,
  context: { created: boolean; envelope: { internetMessageId: string; automated: AutomatedEmail }; warnings: string[] },
): TrackResult {
  return {
    tracked: decision.tracked,
    reason: decision.reason,
    created: context.created,
    ...(decision.activityId && decision.tracked ? { activityId: decision.activityId } : {}),
    ...(decision.activity && decision.tracked ? { activity: decision.activity } : {}),
    internetMessageId: decision.activity?.internetMessageId ?? context.envelope.internetMessageId,
    correlation: decision.correlation,
    ...(decision.regarding ? { regarding: decision.regarding } : {}),
    ...(decision.sender ? { sender: decision.sender } : {}),
    recipients: decision.recipients,
    ...(decision.acceptingEntity ? { acceptingEntity: decision.acceptingEntity } : {}),
    automated: context.envelope.automated,
    warnings: context.warnings,
    trace: decision.trace,
    why: decision.why,
  };
}

/** Lookup keys the decision read and found empty (a new thread's key, say): created, not appended to. */
function absentKeys(facts: MutableFacts): Set<string> {
  return new Set([...(facts.latest ?? [])].flatMap(([key, entry]) => (entry === null ? [key] : [])));
}

/**
 * Settings change rarely: read through the one TTL cache (src/app/ttl-cache.ts). So do the records
 * of a mailbox's own address, which is on every email the mailbox receives; other addresses are
 * read for each email.
 */
function createSettingsCache(store: TrackingStore, ttlInMs: number, clock: () => Date) {
  const organization = createTtlCache<OrganizationSettings>({
    ttlInMs,
    maxEntries: 1,
    clock,
    load: async () => (await store.settings.getOrganization()) ?? defaultOrganizationSettings(),
  });
  const mailboxes = createTtlCache<MailboxSettings>({ ttlInMs, maxEntries: MAX_CACHED_MAILBOX_SETTINGS, clock, load: (address) => store.settings.getMailbox(address) });
  const owners = createTtlCache<readonly AddressEntry[]>({ ttlInMs, maxEntries: MAX_CACHED_MAILBOX_SETTINGS, clock, load: (address) => store.records.findByAddress(address) });
  return {
    organization: async () => (await organization.get("organization")) ?? defaultOrganizationSettings(),
    mailbox: (address: string) => mailboxes.get(address),
    ownAddress: (address: string) => owners.get(address),
    clear: () => {
      organization.clear();
      mailboxes.clear();
      owners.clear();
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
