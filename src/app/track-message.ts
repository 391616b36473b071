// The tracking use case: one message in one mailbox folder in, a decision and (maybe) an email
// activity out. Everything that decides is a pure function from src/domain; this module only
// fetches what those functions need, in an order that skips lookups a decision no longer needs.
import { activityIdFor, activityScope, lookupEntriesFor } from "../domain/activity.js";
import { conversationIndexKey, parseConversationIndex } from "../domain/conversation-index.js";
import { correlationFor, correlationProbes, type CorrelationCandidate } from "../domain/correlation.js";
import { checkGates, decideAcceptance, heldForApproval } from "../domain/filtering.js";
import { toEnvelope, type EmailEnvelope } from "../domain/message.js";
import { resolveRecipient, resolveSender } from "../domain/resolution.js";
import { defaultOrganizationSettings, trackingTokenPrefixes } from "../domain/settings.js";
import { addressKey, chooseSmartMatch, hashValue, smartMatchHashes } from "../domain/smart-matching.js";
import { findTrackingToken, trackingTokenKey } from "../domain/tracking-token.js";
import type {
  AddressEntry,
  AutomatedEmail,
  Correlation,
  DecisionReason,
  Direction,
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
   * Tracking the user asked for, as opposed to automatic tracking: email the app sent itself.
   * Like a tracked folder it bypasses the filters (but not a disabled mailbox).
   */
  manual?: { reason: "sentByApp" | "trackedByUser"; regarding?: RecordRef };
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
}

export interface TrackerOptions {
  store: TrackingStore;
  clock?: () => Date;
  /** How long settings read from the store are reused. Default 30 s; 0 reads them for every message. */
  settingsTtlInMs?: number;
  /** Parallel address lookups per message. Default 8. */
  lookupConcurrency?: number;
}

export interface Tracker {
  track(input: TrackMessageInput): Promise<TrackResult>;
  /** Drops cached settings (an admin changed them): the next message reads them again. */
  forgetCachedSettings(): void;
}

const MAX_OTHER_MAILBOXES = 25;

export function createTracker(options: TrackerOptions): Tracker {
  const { store } = options;
  const clock = options.clock ?? (() => new Date());
  const settings = createSettingsCache(store, options.settingsTtlInMs ?? 30_000, clock);
  const lookupConcurrency = options.lookupConcurrency ?? 8;

  async function track(input: TrackMessageInput): Promise<TrackResult> {
    const mailboxAddress = input.mailbox.trim().toLowerCase();
    const [organization, mailbox] = await Promise.all([
      settings.organization(),
      settings.mailbox(mailboxAddress),
    ]);
    const { envelope, warnings } = toEnvelope(input.message, { maxBodyBytes: organization.maxBodyBytes });
    const untracked = (reason: DecisionReason, extra: Partial<TrackResult> = {}): TrackResult => ({
      tracked: false,
      reason,
      created: false,
      internetMessageId: envelope.internetMessageId,
      correlation: { method: "none" },
      recipients: unresolvedRecipients(envelope),
      automated: envelope.automated,
      warnings,
      ...extra,
    });

    if (!mailbox) {
      warnings.push(`mailbox ${mailboxAddress} is not configured`);
      return untracked("mailboxNotConfigured");
    }
    const gate = input.manual
      ? manualGate(mailbox, organization, input.manual)
      : checkGates({ folder: input.folder, mailbox, organization, envelope });
    if (!gate.pass) return untracked(gate.reason);

    // Resolution: one single-partition query per distinct address.
    const addresses = distinctAddresses(envelope, mailboxAddress);
    const entriesByAddress = await mapLimit(addresses, lookupConcurrency, async (address) => {
      return [address, await store.records.findByAddress(address)] as const;
    }).then((pairs) => new Map(pairs));
    const owner = mailboxOwner(mailbox, entriesByAddress.get(mailboxAddress) ?? []);
    const resolved = resolveParties(envelope, entriesByAddress, {
      mailboxOwnerId: owner?.id,
      organization,
    });
    const senderRecords = resolved.sender?.records ?? [];
    const recipientRecords = resolved.recipients.flatMap((party) => party.records);
    const direction: Direction = input.folder.kind === "sentitems" ? "outgoing" : "incoming";

    const scope = activityScope({
      twoActivities: organization.trackEmailsBetweenUsersAsTwoActivities,
      mailbox,
      senderRecords,
      recipientRecords,
    });
    const activityId = activityIdFor({ internetMessageId: envelope.internetMessageId, scope });

    // Redelivery, catch-up or another mailbox's copy: the activity is there already. Re-write its
    // lookups (a worker may have died between the two writes) and report it.
    const existing = await store.activities.getActivity(activityId);
    if (existing) {
      await store.lookups.putEntries(
        lookupEntriesFor(existing, { smartMatching: organization.useSmartMatching }),
      );
      return trackedResult(existing, { created: false }, resolved, envelope, warnings);
    }

    const token = organization.useTrackingTokens
      ? findTrackingToken(envelope.subject, { prefixes: trackingTokenPrefixes(organization) })
      : undefined;
    const conversationIndex = envelope.conversationIndex
      ? parseConversationIndex(envelope.conversationIndex)
      : undefined;
    if (conversationIndex && !conversationIndex.ok) {
      warnings.push(`ConversationIndex ignored: ${conversationIndex.reason}`);
    }
    const threadKey = conversationIndex?.ok ? conversationIndex.index.threadKey : undefined;
    const activityTime = envelope.sentOn ?? envelope.receivedOn ?? clock().toISOString();
    const smartMatch = smartMatchHashes({ subject: envelope.subject, addresses: envelopeAddresses(envelope) }, organization);

    const correlation = await correlate({
      store,
      organization,
      envelope,
      activityId,
      activityTime,
      receivingMailbox: mailboxAddress,
      tokenKey: token ? trackingTokenKey(token) : undefined,
      conversationIndexKey: threadKey ? conversationIndexKey(threadKey) : undefined,
      smartMatch,
    });

    let acceptingEntity: RecordRef | undefined;
    if (!gate.bypass) {
      const acceptanceInput = {
        direction,
        receivingMailbox: { settings: mailbox, ...(owner ? { owner } : {}) },
        senderRecords,
        recipientRecords,
        correlated: correlation.correlation.method !== "none",
      };
      let acceptance = decideAcceptance({ ...acceptanceInput, otherMailboxes: [] });
      if (!acceptance.accepted && direction === "incoming") {
        // Any organization mailbox among the recipients may accept the email for everyone.
        const otherMailboxes = await otherOrganizationMailboxes(resolved.recipients, mailboxAddress);
        if (otherMailboxes.length > 0) acceptance = decideAcceptance({ ...acceptanceInput, otherMailboxes });
      }
      if (!acceptance.accepted) {
        return untracked("rejectedByFilter", {
          correlation: correlation.correlation,
          ...(resolved.sender ? { sender: resolved.sender } : {}),
          recipients: resolved.recipients,
        });
      }
      acceptingEntity = acceptance.acceptingEntity ?? owner;
    } else {
      acceptingEntity = owner;
    }

    const regarding = gate.bypass?.regarding ?? correlation.regarding;
    const activity: EmailActivity = {
      id: activityId,
      internetMessageId: envelope.internetMessageId,
      internetMessageIdSynthetic: envelope.internetMessageIdSynthetic,
      ...(scope ? { scope } : {}),
      direction,
      subject: envelope.subject,
      ...(resolved.sender ? { sender: resolved.sender } : {}),
      toRecipients: resolved.to,
      ccRecipients: resolved.cc,
      bccRecipients: resolved.bcc,
      ...(envelope.sentOn ? { sentOn: envelope.sentOn } : {}),
      ...(envelope.receivedOn ? { receivedOn: envelope.receivedOn } : {}),
      activityTime,
      ...(envelope.inReplyTo ? { inReplyTo: envelope.inReplyTo } : {}),
      references: envelope.references,
      ...(conversationIndex?.ok ? { conversationIndex: conversationIndex.index.base64 } : {}),
      ...(threadKey ? { threadKey } : {}),
      ...(token ? { trackingToken: token } : {}),
      ...(regarding ? { regarding } : {}),
      correlation: correlation.correlation,
      receivingMailbox: mailboxAddress,
      ...(acceptingEntity ? { acceptingEntity } : {}),
      folder: input.folder,
      decisionReason: gate.bypass?.reason ?? "acceptedByFilter",
      automated: envelope.automated,
      smartMatch,
      ...(envelope.body ? { body: envelope.body } : {}),
      bodyTruncated: envelope.bodyTruncated,
      recipientsTruncated: false,
      graphMessageId: envelope.graphMessageId,
      createdOn: clock().toISOString(),
    };

    const { created, activity: stored } = await store.activities.createActivity(activity);
    await store.lookups.putEntries(lookupEntriesFor(stored, { smartMatching: organization.useSmartMatching }));
    return trackedResult(stored, { created }, resolved, envelope, warnings);
  }

  async function otherOrganizationMailboxes(
    recipients: ResolvedParty[],
    receivingMailbox: string,
  ): Promise<Array<{ settings: MailboxSettings; owner: RecordRef }>> {
    const candidates = recipients
      .filter((party) => party.address !== receivingMailbox)
      .flatMap((party) =>
        party.records
          .filter((record) => record.type === "systemuser" || record.type === "queue")
          .map((record) => ({ address: party.address, owner: record })),
      )
      .slice(0, MAX_OTHER_MAILBOXES);
    const found = await mapLimit(candidates, lookupConcurrency, async (candidate) => ({
      settings: await settings.mailbox(candidate.address),
      owner: candidate.owner,
    }));
    return found.flatMap((item) => (item.settings ? [{ settings: item.settings, owner: item.owner }] : []));
  }

  return { track, forgetCachedSettings: settings.clear };
}

function manualGate(
  mailbox: MailboxSettings,
  organization: OrganizationSettings,
  manual: NonNullable<TrackMessageInput["manual"]>,
): { pass: false; reason: DecisionReason } | { pass: true; bypass: { reason: DecisionReason; regarding?: RecordRef } } {
  if (!mailbox.enabled) return { pass: false, reason: "mailboxDisabled" };
  if (heldForApproval(mailbox, organization)) return { pass: false, reason: "mailboxNotApproved" };
  return { pass: true, bypass: { reason: manual.reason, ...(manual.regarding ? { regarding: manual.regarding } : {}) } };
}

interface CorrelationOutcome {
  correlation: Correlation;
  regarding?: RecordRef;
}

async function correlate(input: {
  store: TrackingStore;
  organization: OrganizationSettings;
  envelope: EmailEnvelope;
  activityId: string;
  activityTime: string;
  receivingMailbox: string;
  tokenKey?: string;
  conversationIndexKey?: string;
  smartMatch: { subjectHashes: string[]; addressHashes: string[] };
}): Promise<CorrelationOutcome> {
  const { store, organization, envelope } = input;
  const probes = correlationProbes(
    {
      subject: envelope.subject,
      ...(envelope.inReplyTo ? { inReplyTo: envelope.inReplyTo } : {}),
      references: envelope.references,
      internetMessageId: envelope.internetMessageId,
      ...(input.tokenKey ? { trackingTokenKey: input.tokenKey } : {}),
      ...(input.conversationIndexKey ? { conversationIndexKey: input.conversationIndexKey } : {}),
    },
    organization,
  );
  // Sequential on purpose: the first hit wins, and most email hits on the first probe.
  for (const probe of probes) {
    const hit = await input.store.lookups.findLatest(probe.key);
    if (hit && hit.activityId !== input.activityId) return outcome(probe.method, hit);
  }
  if (organization.useSmartMatching && input.smartMatch.subjectHashes.length > 0) {
    const notBefore = new Date(
      Date.parse(input.activityTime) - organization.smartMatchingWindowDays * 86_400_000,
    ).toISOString();
    // The receiving mailbox's own address is not indexed (see lookupEntriesFor): a candidate is
    // found through another address it shares; the shared count still includes the mailbox.
    const ownHash = hashValue(input.receivingMailbox);
    const hashes = input.smartMatch.addressHashes.filter((hash) => hash !== ownHash);
    const lists = await Promise.all(hashes.map((hash) => store.lookups.listSince(addressKey(hash), notBefore)));
    const best = chooseSmartMatch(input.smartMatch, lists.flat(), {
      hashDeltaSubjectCount: organization.hashDeltaSubjectCount,
      hashMinAddressCount: organization.hashMinAddressCount,
      notBefore,
      excludeActivityId: input.activityId,
    });
    if (best) return outcome("smartMatching", best);
  }
  return { correlation: { method: "none" } };
}

function outcome(method: Correlation["method"], hit: LookupEntry): CorrelationOutcome {
  const candidate: CorrelationCandidate = { activityId: hit.activityId, internetMessageId: hit.internetMessageId };
  return { correlation: correlationFor(method, candidate), ...(hit.regarding ? { regarding: hit.regarding } : {}) };
}

/** The answer for a stored activity: created by this call, or found already there. */
function trackedResult(
  stored: EmailActivity,
  options: { created: boolean },
  resolved: ResolvedParties,
  envelope: EmailEnvelope,
  warnings: string[],
): TrackResult {
  return {
    tracked: true,
    reason: options.created ? stored.decisionReason : "alreadyTracked",
    created: options.created,
    activityId: stored.id,
    activity: stored,
    internetMessageId: stored.internetMessageId,
    correlation: stored.correlation,
    ...(stored.regarding ? { regarding: stored.regarding } : {}),
    ...(resolved.sender ? { sender: resolved.sender } : {}),
    recipients: resolved.recipients,
    ...(stored.acceptingEntity ? { acceptingEntity: stored.acceptingEntity } : {}),
    automated: envelope.automated,
    warnings,
  };
}

interface ResolvedParties {
  sender?: ResolvedParty;
  to: ResolvedParty[];
  cc: ResolvedParty[];
  bcc: ResolvedParty[];
  recipients: ResolvedParty[];
}

function resolveParties(
  envelope: EmailEnvelope,
  entriesByAddress: Map<string, AddressEntry[]>,
  options: { mailboxOwnerId: string | undefined; organization: OrganizationSettings },
): ResolvedParties {
  const recipientOptions = { unresolveIfMultipleMatch: options.organization.unresolveEmailAddressIfMultipleMatch };
  const party = (p: { address: string; name?: string }, records: RecordRef[]): ResolvedParty => ({
    address: p.address,
    ...(p.name ? { name: p.name } : {}),
    records,
  });
  const recipient = (p: { address: string; name?: string }) =>
    party(p, resolveRecipient(entriesByAddress.get(p.address) ?? [], recipientOptions));
  const to = envelope.toRecipients.map(recipient);
  const cc = envelope.ccRecipients.map(recipient);
  const bcc = envelope.bccRecipients.map(recipient);
  const sender = envelope.from
    ? party(
        envelope.from,
        resolveSender(entriesByAddress.get(envelope.from.address) ?? [], {
          ...(options.mailboxOwnerId ? { mailboxOwnerId: options.mailboxOwnerId } : {}),
          unresolveIfMultipleMatch: options.organization.unresolveSenderIfMultipleMatch,
        }),
      )
    : undefined;
  return { ...(sender ? { sender } : {}), to, cc, bcc, recipients: [...to, ...cc, ...bcc] };
}

/** Recipients as addresses only, for answers given before any lookup was made. */
function unresolvedRecipients(envelope: EmailEnvelope): ResolvedParty[] {
  return [...envelope.toRecipients, ...envelope.ccRecipients, ...envelope.bccRecipients].map((p) => ({
    address: p.address,
    ...(p.name ? { name: p.name } : {}),
    records: [],
  }));
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

function distinctAddresses(envelope: EmailEnvelope, mailboxAddress: string): string[] {
  return [...new Set([...envelopeAddresses(envelope), mailboxAddress])];
}

/** The system user (user mailbox) or queue (queue mailbox) that owns the receiving mailbox. */
function mailboxOwner(mailbox: MailboxSettings, entries: AddressEntry[]): RecordRef | undefined {
  const type = mailbox.kind === "queue" ? "queue" : "systemuser";
  const owner = entries
    .filter((entry) => entry.type === type && entry.active)
    .sort((a, b) => (a.createdOn < b.createdOn ? -1 : a.createdOn > b.createdOn ? 1 : 0))[0];
  return owner ? { type: owner.type, id: owner.id } : undefined;
}

/** Settings change rarely: read through the one TTL cache (src/app/ttl-cache.ts). */
function createSettingsCache(store: TrackingStore, ttlInMs: number, clock: () => Date) {
  const organization = createTtlCache<OrganizationSettings>({
    ttlInMs,
    maxEntries: 1,
    clock,
    load: async () => (await store.settings.getOrganization()) ?? defaultOrganizationSettings(),
  });
  const mailboxes = createTtlCache<MailboxSettings>({ ttlInMs, maxEntries: MAX_CACHED_MAILBOX_SETTINGS, clock, load: (address) => store.settings.getMailbox(address) });
  return {
    organization: async () => (await organization.get("organization")) ?? defaultOrganizationSettings(),
    mailbox: (address: string) => mailboxes.get(address),
    clear: () => {
      organization.clear();
      mailboxes.clear();
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
