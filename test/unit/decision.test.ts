// The tracking decision with no store: the facts are tables, answered by a loop that records
// every request factsNeeded made, so the tests see both the decision and what it cost.
import { describe, expect, it } from "vitest";
import type { LookupEntry } from "../../src/app/ports.js";
import { documentBytes } from "../../src/adapters/cosmos/document-size.js";
import { activityIdFor } from "../../src/domain/activity.js";
import { EXPLANATION_MAX_BYTES } from "../../src/domain/compact-trace.js";
import { decideTracking, factsNeeded, whenAlreadyStored, type DecisionInput, type FactRequest, type FetchedFacts, type TrackingDecision } from "../../src/domain/decision.js";
import { conversationIndexKey, createConversationIndex, parseConversationIndex } from "../../src/domain/conversation-index.js";
import { toEnvelope } from "../../src/domain/message.js";
import { defaultOrganizationSettings, parseMailboxSettings } from "../../src/domain/settings.js";
import { addressKey, hashValue, smartMatchHashes } from "../../src/domain/smart-matching.js";
import type { AddressEntry, EmailActivity, Folder, MailboxSettings, OrganizationSettings, RecordType } from "../../src/domain/types.js";
import { buildMessage, type MessageSpec } from "../support/builders.js";

const ANN = "ann@contoso.com"; // the receiving mailbox (system user "ann")
const SUPPORT = "support@contoso.com"; // a queue mailbox
const ANA = "ana.ruiz@fabrikam.com";
const NOW = "2026-05-01T12:00:00.000Z";

interface World {
  records?: Record<string, AddressEntry[]>;
  latest?: Record<string, LookupEntry>;
  recent?: Record<string, LookupEntry[]>;
  activities?: Record<string, EmailActivity>;
  mailboxes?: Record<string, MailboxSettings>;
}

function entry(type: RecordType, id: string, address: string, overrides: Partial<AddressEntry> = {}): AddressEntry {
  return { type, id, address, name: `${id} name`, active: true, createdOn: "2025-01-01T00:00:00.000Z", ...overrides };
}

const BASE_RECORDS: Record<string, AddressEntry[]> = {
  [ANN]: [entry("systemuser", "ann", ANN, { name: "Ann Lee" })],
  [SUPPORT]: [entry("queue", "support", SUPPORT, { name: "Support" })],
};

function mailbox(address: string, overrides: Record<string, unknown> = {}): MailboxSettings {
  return parseMailboxSettings({ address, ...overrides });
}

function input(spec: MessageSpec, options: { folder?: Folder; organization?: Partial<OrganizationSettings>; mailbox?: MailboxSettings | null; manual?: DecisionInput["manual"] } = {}): DecisionInput {
  const folder = options.folder ?? { kind: "inbox" };
  const { envelope } = toEnvelope(buildMessage({ sent: "2026-04-30T09:00:00.000Z", ...spec, sentItems: folder.kind === "sentitems" }), { maxBodyBytes: 10_000 });
  return {
    envelope,
    mailboxAddress: ANN,
    folder,
    ...(options.manual ? { manual: options.manual } : {}),
    organization: { ...defaultOrganizationSettings(), autoTrackSentFolderItems: true, ...options.organization },
    mailbox: options.mailbox === null ? undefined : (options.mailbox ?? mailbox(ANN)),
    now: NOW,
  };
}

/** Answers every request from the world's tables, as the tracker does from the store. */
function run(decisionInput: DecisionInput, world: World = {}): { decision: TrackingDecision; requests: FactRequest[] } {
  const facts: FetchedFacts & { latest?: Map<string, LookupEntry | null>; recent?: Map<string, LookupEntry[]>; mailboxes?: Map<string, MailboxSettings | null> } = {};
  const records = { ...BASE_RECORDS, ...world.records };
  const requests: FactRequest[] = [];
  for (let request = factsNeeded(decisionInput, facts); request; request = factsNeeded(decisionInput, facts)) {
    requests.push(request);
    if (requests.length > 1_000) throw new Error("the decision keeps asking");
    if (request.kind === "addresses") facts.addresses = new Map(request.addresses.map((address) => [address, records[address] ?? []]));
    if (request.kind === "activity") facts.existingActivity = world.activities?.[request.activityId] ?? null;
    if (request.kind === "latest") (facts.latest ??= new Map()).set(request.key, world.latest?.[request.key] ?? null);
    if (request.kind === "recent") for (const key of request.keys) (facts.recent ??= new Map()).set(key, (world.recent?.[key] ?? []).filter((e) => e.activityTime >= request.since));
    if (request.kind === "mailboxes") for (const address of request.addresses) (facts.mailboxes ??= new Map()).set(address, world.mailboxes?.[address] ?? null);
  }
  return { decision: decideTracking(decisionInput, facts), requests };
}

function parseConversationIndexOrThrow(base64: string): string {
  const parsed = parseConversationIndex(base64);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.index.threadKey;
}

function tracked(overrides: Partial<LookupEntry> & Pick<LookupEntry, "key">): LookupEntry {
  return { activityId: "parent", internetMessageId: "parent@fabrikam.com", activityTime: "2026-04-20T10:00:00.000Z", subject: "Quote Q-1042", ...overrides };
}

describe("gates: each stops the message, in order, before any fact is fetched", () => {
  it.each<{ name: string; options: Parameters<typeof input>[1]; spec?: MessageSpec; gate: string; reason: string; why: RegExp }>([
    { name: "no mailbox settings", options: { mailbox: null }, gate: "mailboxConfigured", reason: "mailboxNotConfigured", why: /not configured/ },
    { name: "mailbox disabled", options: { mailbox: mailbox(ANN, { enabled: false }) }, gate: "mailboxEnabled", reason: "mailboxDisabled", why: /is disabled/ },
    {
      name: "an address not approved",
      options: { organization: { processEmailOnlyForApprovedUsers: true }, mailbox: mailbox(ANN, { approvalStatus: "pendingApproval" }) },
      gate: "mailboxApproved",
      reason: "mailboxNotApproved",
      why: /address is not approved \(pendingApproval\)/,
    },
    { name: "incoming sync off", options: { mailbox: mailbox(ANN, { incomingSyncMethod: "none" }) }, gate: "incomingSync", reason: "incomingSyncDisabled", why: /synchronization is off/ },
    { name: "before the start date", options: { mailbox: mailbox(ANN, { processEmailReceivedAfter: "2026-05-01T00:00:00Z" }) }, gate: "startDate", reason: "beforeStartDate", why: /before .* starts processing email \(1 May 2026\)/ },
    { name: "a draft", options: {}, spec: { isDraft: true }, gate: "draft", reason: "draft", why: /a draft/ },
    { name: "an untracked folder", options: { folder: { kind: "tracked", name: "Personal" } }, gate: "folderTracked", reason: "folderNotTracked", why: /'Personal' is not a tracked folder/ },
    { name: "Sent Items not auto-tracked", options: { folder: { kind: "sentitems" }, organization: { autoTrackSentFolderItems: false } }, spec: { from: ANN, to: [ANA] }, gate: "sentItems", reason: "sentItemsNotAutoTracked", why: /Sent Items are not tracked/ },
    {
      name: "automated email",
      options: { organization: { skipAutomatedEmail: true } },
      spec: { headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
      gate: "automatedEmail",
      reason: "automatedEmail",
      why: /automated email \(Auto-Submitted: auto-replied\)/,
    },
  ])("$name", ({ options, spec, gate, reason, why }) => {
    const { decision, requests } = run(input({ from: ANA, to: [ANN], ...spec }, options));
    expect(decision).toMatchObject({ tracked: false, reason, lookupEntries: [] });
    expect(decision.trace.gates.at(-1)).toMatchObject({ gate, outcome: "fail" });
    expect(decision.trace.gates.filter((step) => step.outcome === "fail")).toHaveLength(1);
    expect(decision.why).toMatch(why);
    expect(requests).toEqual([]);
  });

  it("lists every gate passed, in order, for mail that goes on", () => {
    const { decision } = run(input({ from: ANA, to: [ANN] }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }));
    expect(decision.trace.gates.map((step) => `${step.gate}:${step.outcome}`)).toEqual([
      "mailboxConfigured:pass",
      "mailboxEnabled:pass",
      "mailboxApproved:pass",
      "manualTracking:pass",
      "incomingSync:pass",
      "startDate:pass",
      "draft:pass",
      "trackedFolder:pass",
      "trackingCategory:pass",
      "folderTracked:pass",
      "sentItems:pass",
      "automatedEmail:pass",
    ]);
  });
});

describe("manual tracking and tracked folders bypass the filter", () => {
  const regarding = { type: "account" as const, id: "acc-contoso" };
  it.each<{ name: string; options: Parameters<typeof input>[1]; reason: string; regardingFrom: string | undefined; why: RegExp }>([
    {
      name: "a tracked folder, under filter none",
      options: { folder: { kind: "tracked", name: "Customers/Contoso" }, mailbox: mailbox(ANN, { incomingEmailFilter: "none", trackedFolders: [{ folder: "Customers/Contoso", regarding }] }) },
      reason: "trackedFolder",
      regardingFrom: "trackedFolder",
      why: /^Tracked because it is in the tracked folder 'Customers\/Contoso'; regarding Account acc-contoso; not linked/,
    },
    {
      name: "the tracking category, under filter none",
      options: { organization: { trackCategorizedItems: true }, mailbox: mailbox(ANN, { incomingEmailFilter: "none" }) },
      reason: "trackingCategory",
      regardingFrom: undefined,
      why: /^Tracked because it carries the tracking category/,
    },
    {
      name: "email the app sent, with its regarding",
      options: { folder: { kind: "sentitems" }, manual: { reason: "sentByApp", regarding }, mailbox: mailbox(ANN, { incomingEmailFilter: "none" }), organization: { autoTrackSentFolderItems: false } },
      reason: "sentByApp",
      regardingFrom: "manual",
      why: /^Tracked because the app sent it; regarding Account acc-contoso/,
    },
    {
      name: "a message a user chose to track",
      options: { manual: { reason: "trackedByUser" }, mailbox: mailbox(ANN, { incomingEmailFilter: "none" }) },
      reason: "trackedByUser",
      regardingFrom: undefined,
      why: /^Tracked because a user asked to track it; not linked/,
    },
  ])("$name", ({ options, reason, regardingFrom, why }) => {
    const { decision } = run(input({ from: ANA, to: [ANN], categories: ["Tracked to Dynamics 365"] }, options));
    expect(decision).toMatchObject({ tracked: true, reason });
    expect(decision.trace.acceptance).toMatchObject({ accepted: true, rule: "bypass", bypass: reason, acceptingEntity: { type: "systemuser", id: "ann" } });
    expect(decision.trace.regarding?.from).toBe(regardingFrom);
    expect(decision.why).toMatch(why);
  });

  it("a disabled mailbox still stops the app's own email", () => {
    const { decision } = run(input({ from: ANN, to: [ANA] }, { folder: { kind: "sentitems" }, manual: { reason: "sentByApp" }, mailbox: mailbox(ANN, { enabled: false }) }));
    expect(decision).toMatchObject({ tracked: false, reason: "mailboxDisabled" });
  });
});

describe("correlation: each method, the key probed, and what was passed over", () => {
  const threadIndex = createConversationIndex({ time: new Date("2026-04-01T08:00:00Z"), guid: new Uint8Array(16).fill(7) });
  const threadKey = conversationIndexKey(parseConversationIndexOrThrow(threadIndex));
  const reply = { from: ANA, to: [ANN], subject: "RE: Quote Q-1042 CRM:0001042" };
  const filterResponses = { mailbox: mailbox(ANN, { incomingEmailFilter: "responsesToTrackedEmail" }) };
  it.each<{ name: string; spec: MessageSpec; latest: Record<string, LookupEntry>; method: string; key: string; tried: string[]; why: RegExp }>([
    {
      name: "In-Reply-To",
      spec: { inReplyTo: "parent@fabrikam.com", references: ["root@fabrikam.com", "parent@fabrikam.com"] },
      latest: { "mid:parent@fabrikam.com": tracked({ key: "mid:parent@fabrikam.com", regarding: { type: "account", id: "acc-contoso" } }) },
      method: "inReplyTo",
      key: "mid:parent@fabrikam.com",
      tried: ["inReplyTo:matched"],
      why: /^Linked to 'Quote Q-1042' because its In-Reply-To names <parent@fabrikam\.com>, a message tracked on 20 Apr 2026; regarding Account acc-contoso copied from it\./,
    },
    {
      name: "the second msg-id of In-Reply-To, after the author's address and an untracked first id",
      spec: { headers: [{ name: "In-Reply-To", value: `<${ANA}> <lost@fabrikam.com>\r\n <parent@fabrikam.com>` }] },
      latest: { "mid:parent@fabrikam.com": tracked({ key: "mid:parent@fabrikam.com" }) },
      method: "inReplyTo",
      key: "mid:parent@fabrikam.com",
      tried: ["inReplyTo:noEntry", "inReplyTo:matched"],
      why: /^Linked to 'Quote Q-1042' because its In-Reply-To names <parent@fabrikam\.com>/,
    },
    {
      name: "an MH-style In-Reply-To: the id after the author's wording",
      spec: { headers: [{ name: "In-Reply-To", value: 'Message from Bo <bo@elsewhere.example> of "Wed, 29 Apr 2026." <parent@fabrikam.com>' }] },
      latest: { "mid:parent@fabrikam.com": tracked({ key: "mid:parent@fabrikam.com" }) },
      method: "inReplyTo",
      key: "mid:parent@fabrikam.com",
      tried: ["inReplyTo:matched"],
      why: /In-Reply-To names <parent@fabrikam\.com>/,
    },
    {
      name: "References, newest first, after an untracked In-Reply-To",
      spec: { inReplyTo: "lost@fabrikam.com", references: ["root@fabrikam.com", "middle@fabrikam.com", "lost@fabrikam.com"] },
      latest: { "mid:middle@fabrikam.com": tracked({ key: "mid:middle@fabrikam.com", internetMessageId: "middle@fabrikam.com" }), "mid:root@fabrikam.com": tracked({ key: "mid:root@fabrikam.com", activityId: "root" }) },
      method: "references",
      key: "mid:middle@fabrikam.com",
      tried: ["inReplyTo:noEntry", "references:matched"],
      why: /References name <middle@fabrikam\.com>/,
    },
    {
      name: "the tracking token",
      spec: {},
      latest: { "tok:CRM:0001042": tracked({ key: "tok:CRM:0001042" }) },
      method: "trackingToken",
      key: "tok:CRM:0001042",
      tried: ["trackingToken:matched"],
      why: /carries the tracking token CRM:0001042/,
    },
    {
      name: "ConversationIndex, after the headers and the token found nothing",
      spec: { inReplyTo: "lost@fabrikam.com", threadIndex },
      latest: { [threadKey]: tracked({ key: threadKey }) },
      method: "conversationIndex",
      key: threadKey,
      tried: ["inReplyTo:noEntry", "trackingToken:noEntry", "conversationIndex:matched"],
      why: /continues the Outlook conversation/,
    },
  ])("$name", ({ spec, latest, method, key, tried, why }) => {
    const decisionInput = input({ ...reply, ...spec }, filterResponses);
    const { decision, requests } = run(decisionInput, { latest });
    expect(decision).toMatchObject({ tracked: true, correlation: { method, correlatedActivityId: latest[key]?.activityId } });
    expect(decision.trace.correlation.map((step) => `${step.method}:${step.outcome}`)).toEqual(tried);
    expect(decision.trace.correlation.at(-1)).toMatchObject({ key, outcome: "matched", candidate: { activityId: latest[key]?.activityId } });
    expect(decision.trace.correlatedBy).toBe(method);
    expect(decision.why).toMatch(why);
    // One lookup per probe tried, one at a time: nothing after the hit.
    expect(requests.filter((request) => request.kind === "latest")).toEqual(tried.map((_, i) => ({ kind: "latest", key: decision.trace.correlation[i]?.key })));
  });

  it("records the address it did not take for a Message-ID, and never probes it", () => {
    const { decision, requests } = run(input({ ...reply, headers: [{ name: "In-Reply-To", value: `<${ANA}> <parent@fabrikam.com>` }] }, filterResponses));
    expect(decision.trace.ignoredIds).toEqual([{ header: "In-Reply-To", value: ANA, reason: "knownAddress" }]);
    expect(requests).not.toContainEqual({ kind: "latest", key: `mid:${ANA}` });
  });

  it("passes over an entry that is this very activity, and goes on to the next probe", () => {
    const decisionInput = input({ ...reply, messageId: "self@fabrikam.com", references: ["self-copy@fabrikam.com", "parent@fabrikam.com"] }, filterResponses);
    const own = activityIdFor({ internetMessageId: "self@fabrikam.com" });
    const { decision } = run(decisionInput, {
      latest: {
        "mid:parent@fabrikam.com": tracked({ key: "mid:parent@fabrikam.com", activityId: own }),
        "mid:self-copy@fabrikam.com": tracked({ key: "mid:self-copy@fabrikam.com" }),
      },
    });
    expect(decision.trace.correlation.map((step) => step.outcome)).toEqual(["self", "matched"]);
    expect(decision.correlation).toMatchObject({ method: "references", correlatedActivityId: "parent" });
  });

  it("rejects under responsesToTrackedEmail when nothing correlates, and says what was tried", () => {
    const { decision } = run(input({ ...reply, inReplyTo: "lost@fabrikam.com" }, filterResponses));
    expect(decision).toMatchObject({ tracked: false, reason: "rejectedByFilter", correlation: { method: "none" } });
    expect(decision.trace.acceptance?.judged).toEqual([{ mailbox: ANN, filter: "responsesToTrackedEmail", outcome: "rejected", owner: { type: "systemuser", id: "ann", name: "Ann Lee" } }]);
    expect(decision.why).toBe(
      `Not tracked: ${ANN} tracks email messages in response to tracked email, and it answers no tracked email (its In-Reply-To/References Message-ID names no tracked email, its tracking token is on no tracked email). Sender ${ANA} matches no record.`,
    );
  });
});

describe("smart matching: the candidate chosen and the ones passed over", () => {
  const organization = { useSmartMatching: true };
  const spec = { from: ANA, to: [ANN, "bo@fabrikam.com"], subject: "RE: Falcon kickoff" };
  const hashes = smartMatchHashes({ subject: "Falcon kickoff", addresses: [ANA, ANN, "bo@fabrikam.com"] }, defaultOrganizationSettings());
  const candidate = (activityId: string, overrides: Partial<LookupEntry> = {}): LookupEntry => ({
    key: addressKey(hashValue(ANA)),
    activityId,
    internetMessageId: `${activityId}@contoso.com`,
    activityTime: "2026-04-29T10:00:00.000Z",
    ...hashes,
    ...overrides,
  });

  it("chooses the most recent match and records why the others were passed over", () => {
    const listed = [
      candidate("old", { activityTime: "2025-01-01T00:00:00.000Z" }),
      candidate("other-subject", { subjectHashes: [hashValue("other"), hashValue("words")] }),
      candidate("longer-subject", { subjectHashes: [...hashes.subjectHashes, hashValue("agenda")] }),
      candidate("one-address", { addressHashes: [hashValue(ANA)] }),
      candidate("earlier", { activityTime: "2026-04-28T10:00:00.000Z" }),
      candidate("best"),
    ];
    const { decision, requests } = run(input(spec, { organization, mailbox: mailbox(ANN, { incomingEmailFilter: "responsesToTrackedEmail" }) }), {
      recent: { [addressKey(hashValue(ANA))]: listed },
    });
    expect(decision.correlation).toMatchObject({ method: "smartMatching", correlatedActivityId: "best" });
    expect(decision.trace.smartMatching?.matched).toMatchObject({ activityId: "best", sharedAddresses: 3 });
    expect(Object.fromEntries(decision.trace.smartMatching?.passedOver.map((passed) => [passed.activityId, passed.reason]) ?? [])).toEqual({
      "other-subject": "subjectWordsDiffer",
      "longer-subject": "subjectCountDiffers",
      "one-address": "tooFewSharedAddresses",
      earlier: "lessRecent",
    });
    // "old" is outside the 90-day window: the store never returns it (listSince).
    expect(requests.find((request) => request.kind === "recent")).toMatchObject({ keys: expect.not.arrayContaining([addressKey(hashValue(ANN))]) });
    expect(decision.why).toMatch(/by smart matching: the same subject words, and 3 addresses shared/);
  });

  it.each<{ name: string; organization: Partial<OrganizationSettings>; subject: string; skipped: string }>([
    { name: "off", organization: { useSmartMatching: false }, subject: "RE: Falcon kickoff", skipped: "off" },
    { name: "a subject without words", organization: { useSmartMatching: true }, subject: "RE:", skipped: "noSubjectWords" },
  ])("is not tried when $name, and lists nothing", ({ organization: settings, subject, skipped }) => {
    const { decision, requests } = run(input({ ...spec, subject }, { organization: settings, mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }));
    expect(decision.trace.smartMatching?.skipped).toBe(skipped);
    expect(requests.some((request) => request.kind === "recent")).toBe(false);
  });
});

describe("resolution: the records found, the rule that chose, or why none", () => {
  const contact = entry("contact", "c-ana", ANA, { name: "Ana Ruiz" });
  it.each<{ name: string; records: AddressEntry[]; organization?: Partial<OrganizationSettings>; chosen: string[]; rule: string; passedOver?: string; why: RegExp }>([
    { name: "one record", records: [contact], chosen: ["c-ana"], rule: "single", why: /Sender resolved to Contact Ana Ruiz\.$/ },
    {
      name: "a contact outranks a lead",
      records: [entry("lead", "l-ana", ANA, { createdOn: "2020-01-01T00:00:00Z" }), contact],
      chosen: ["c-ana"],
      rule: "typePrecedence",
      passedOver: "l-ana",
      why: /Sender resolved to Contact Ana Ruiz \(a Contact outranks the Lead with the same address\)\.$/,
    },
    {
      name: "the mailbox owner's contact wins within the type",
      records: [contact, entry("contact", "c-owned", ANA, { name: "Ana (Ann's)", ownerId: "ann", createdOn: "2026-01-01T00:00:00Z" })],
      chosen: ["c-owned"],
      rule: "mailboxOwner",
      passedOver: "c-ana",
      why: /the one the mailbox's owner owns/,
    },
    {
      name: "the first created within the type",
      records: [entry("contact", "c-new", ANA, { createdOn: "2026-01-01T00:00:00Z" }), contact],
      chosen: ["c-ana"],
      rule: "firstCreated",
      passedOver: "c-new",
      why: /the first created of 2 Contact records/,
    },
    { name: "only inactive records", records: [{ ...contact, active: false }], chosen: [], rule: "onlyInactive", why: /matches only inactive records \(1\)/ },
    { name: "no record", records: [], chosen: [], rule: "noRecords", why: /matches no record/ },
    {
      name: "several, with unresolve-if-multiple on",
      records: [contact, entry("lead", "l-ana", ANA)],
      organization: { unresolveSenderIfMultipleMatch: true },
      chosen: [],
      rule: "ambiguousUnresolved",
      why: /stays unresolved: 2 records have the address/,
    },
  ])("$name", ({ records, organization, chosen, rule, passedOver, why }) => {
    const { decision } = run(input({ from: ANA, to: [ANN] }, { ...(organization ? { organization } : {}), mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }), {
      records: { [ANA]: records },
    });
    const from = decision.trace.addresses.find((resolution) => resolution.role === "from");
    expect(from).toMatchObject({ address: ANA, rule, chosen: chosen.map((id) => expect.objectContaining({ id })) });
    expect(from?.passedOver?.id).toBe(passedOver);
    expect(decision.sender?.records.map((record) => record.id)).toEqual(chosen);
    expect(decision.why).toMatch(why);
  });

  it("the mailbox owner is the first created active user with the mailbox address, as in sender resolution", () => {
    const { decision } = run(input({ from: ANA, to: [ANN] }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }), {
      records: {
        [ANN]: [
          entry("systemuser", "ann-2", ANN, { createdOn: "2024-06-01T00:00:00+02:00" }),
          entry("systemuser", "ann-1", ANN, { createdOn: "2024-06-01T01:00:00+05:00" }), // earlier instant, later text
          entry("systemuser", "ann-0", ANN, { createdOn: "2020-01-01T00:00:00Z", active: false }),
        ],
      },
    });
    expect(decision.trace.mailboxOwner).toMatchObject({ owner: { id: "ann-1" }, rule: "firstCreated", candidates: 2 });
    expect(decision.acceptingEntity).toEqual({ type: "systemuser", id: "ann-1" });
  });
});

describe("acceptance by another mailbox among the recipients", () => {
  const receiving = mailbox(ANN, { incomingEmailFilter: "fromLeadsContactsAccounts" });
  it.each<{ name: string; support?: MailboxSettings; tracked: boolean; outcome: string; why: RegExp }>([
    { name: "the queue's mailbox tracks all email", support: mailbox(SUPPORT, { kind: "queue", incomingEmailFilter: "all" }), tracked: true, outcome: "accepted", why: /^Tracked because support@contoso\.com \(Queue Support\), also a recipient, tracks all email messages; not linked/ },
    { name: "the queue's mailbox is disabled", support: mailbox(SUPPORT, { kind: "queue", incomingEmailFilter: "all", enabled: false }), tracked: false, outcome: "disabled", why: /nor did the 1 other mailbox/ },
    { name: "the queue's mailbox is not synchronised", support: mailbox(SUPPORT, { kind: "queue", incomingEmailFilter: "all", incomingSyncMethod: "none" }), tracked: false, outcome: "notSynchronised", why: /nor did/ },
    { name: "the queue has no mailbox settings", tracked: false, outcome: "notConfigured", why: /nor did/ },
  ])("$name", ({ support, tracked: isTracked, outcome, why }) => {
    const { decision, requests } = run(input({ from: "stranger@elsewhere.net", to: [ANN, SUPPORT] }, { mailbox: receiving }), { ...(support ? { mailboxes: { [SUPPORT]: support } } : {}) });
    expect(decision.tracked).toBe(isTracked);
    expect(decision.trace.acceptance?.judged.map((judged) => [judged.mailbox, judged.outcome])).toEqual([
      [ANN, "rejected"],
      [SUPPORT, outcome],
    ]);
    if (isTracked) expect(decision.acceptingEntity).toEqual({ type: "queue", id: "support" });
    expect(requests.filter((request) => request.kind === "mailboxes")).toEqual([{ kind: "mailboxes", addresses: [SUPPORT] }]);
    expect(decision.why).toMatch(why);
  });

  it("does not look at other mailboxes when the receiving mailbox accepts, nor for sent mail", () => {
    const incoming = run(input({ from: ANA, to: [ANN, SUPPORT] }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }));
    const sent = run(input({ from: ANN, to: ["stranger@elsewhere.net", SUPPORT] }, { folder: { kind: "sentitems" }, mailbox: receiving }));
    expect(incoming.requests.some((request) => request.kind === "mailboxes")).toBe(false);
    expect(sent.requests.some((request) => request.kind === "mailboxes")).toBe(false);
    expect(sent.decision.trace.acceptance?.judged).toHaveLength(1);
  });
});

describe("an activity already stored", () => {
  const stored = (id: string): EmailActivity =>
    ({
      id,
      internetMessageId: "again@fabrikam.com",
      subject: "Again",
      activityTime: "2026-04-30T09:00:00.000Z",
      createdOn: "2026-04-30T09:00:05.000Z",
      correlation: { method: "none" },
      receivingMailbox: ANN,
      smartMatch: { subjectHashes: [], addressHashes: [] },
      references: [],
      decisionReason: "acceptedByFilter",
      explanation: { trace: {} as never, why: "Tracked because ann@contoso.com tracks all email messages." },
    }) as unknown as EmailActivity;

  it("is not read before an email is tracked: the create finds it, and it is reported with its lookups written again", () => {
    const decisionInput = input({ from: ANA, to: [ANN], messageId: "again@fabrikam.com", inReplyTo: "parent@fabrikam.com" }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) });
    const id = activityIdFor({ internetMessageId: "again@fabrikam.com" });
    const { decision: toCreate, requests } = run(decisionInput, { activities: { [id]: stored(id) } });
    expect(requests.map((request) => request.kind)).toEqual(["addresses", "latest"]);
    expect(toCreate).toMatchObject({ tracked: true, alreadyStored: false, activityId: id });
    // What the tracker does when the store's create answers with the stored one.
    const decision = whenAlreadyStored(toCreate, stored(id), decisionInput.organization);
    expect(decision).toMatchObject({ tracked: true, reason: "alreadyTracked", alreadyStored: true, activityId: id });
    expect(decision.lookupEntries.map((written) => written.key)).toEqual(["mid:again@fabrikam.com"]);
    expect(decision.why).toBe("Already tracked on 30 Apr 2026 (another copy or an earlier delivery of this email). Tracked because ann@contoso.com tracks all email messages.");
  });

  it.each([
    { case: "stored (another mailbox's copy)", stored: true, reason: "alreadyTracked" },
    { case: "not stored", stored: false, reason: "rejectedByFilter" },
  ])("is read before a rejection, which a copy overrules: $case", ({ stored: isStored, reason }) => {
    const decisionInput = input({ from: ANA, to: [ANN], messageId: "copy@fabrikam.com" }, { mailbox: mailbox(ANN, { incomingEmailFilter: "none" }) });
    const id = activityIdFor({ internetMessageId: "copy@fabrikam.com" });
    const { decision, requests } = run(decisionInput, isStored ? { activities: { [id]: stored(id) } } : {});
    expect(decision.reason).toBe(reason);
    expect(decision.alreadyStored).toBe(isStored);
    expect(requests.filter((request) => request.kind === "activity")).toEqual([{ kind: "activity", activityId: id }]);
  });

  it("a create that lost a race answers with the winner's activity", () => {
    const decisionInput = input({ from: ANA, to: [ANN], messageId: "again@fabrikam.com" }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) });
    const { decision } = run(decisionInput);
    const winner = stored(decision.activityId ?? "");
    const after = whenAlreadyStored(decision, winner, decisionInput.organization);
    expect(after).toMatchObject({ reason: "alreadyTracked", alreadyStored: true, activity: winner, trace: { existingActivity: { activityId: winner.id } } });
    expect(decision.trace.existingActivity).toBeUndefined(); // the first decision is left as it was
  });
});

describe("the tracked activity carries its explanation", () => {
  it("stores the compact trace and the sentence it renders", () => {
    const { decision } = run(input({ from: ANA, to: [ANN] }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }));
    expect(decision.activity?.explanation).toEqual({ trace: decision.trace, why: decision.why });
    expect(decision.trace.outcome).toEqual({ tracked: true, reason: "acceptedByFilter", activityId: decision.activityId });
  });
});

describe("the stored explanation stays within its bound", () => {
  const long = (label: string, length: number) => `${label}-${"x".repeat(length)}`;
  it.each([
    { name: "an ordinary email", recipients: 2, references: 2, records: 1, text: 10 },
    { name: "500 recipients, 300 references, 40 records an address, 5,000-character subject and names", recipients: 500, references: 300, records: 40, text: 5_000 },
  ])("$name", ({ recipients, references, records, text }) => {
    const idLength = Math.min(text, 300);
    const to = Array.from({ length: recipients }, (_, i) => `${long(`r${i}`, Math.min(idLength, 50))}@fabrikam.com`);
    const ids = Array.from({ length: references }, (_, i) => `${long(`ref${i}`, Math.min(idLength, 200))}@fabrikam.com`);
    const rows = (address: string) => Array.from({ length: records }, (_, i) => entry("contact", long(`c${i}`, idLength), address, { name: long("name", text) }));
    const parent = ids[0] as string;
    const { decision } = run(
      input({ from: ANA, to: [ANN, ...to], subject: long("subject", text), references: ids }, { mailbox: mailbox(ANN, { incomingEmailFilter: "all" }) }),
      {
        records: Object.fromEntries([ANA, ...to].map((address) => [address, rows(address)])),
        latest: { [`mid:${parent}`]: tracked({ key: `mid:${parent}`, subject: long("parent", text) }) },
      },
    );
    const explanation = decision.activity?.explanation;
    expect(explanation).toBeDefined();
    expect(documentBytes(explanation)).toBeLessThanOrEqual(EXPLANATION_MAX_BYTES);
    // The step that matched (the oldest reference, tried last) survives the cap.
    expect(explanation?.trace.correlation.at(-1)).toMatchObject({ method: "references", outcome: "matched" });
    expect(decision.trace.correlation).toHaveLength(references);
    if (references > 10) expect(explanation?.trace.omitted).toMatchObject({ addresses: decision.trace.addresses.length - 8, correlation: references - 10 });
    else expect(explanation?.trace).toEqual(decision.trace);
  });
});
