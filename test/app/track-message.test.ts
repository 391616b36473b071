// The tracking use case over the in-memory store (which passes the same contract suite as the
// Cosmos DB adapter, test/contract): every filtering, acceptance, correlation and exactly-once
// rule once more, this time with the fetching, staging and writes of a real run.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTracker, type TrackMessageInput } from "../../src/app/track-message.js";
import { activityIdFor } from "../../src/domain/activity.js";
import { appendChildBlock, createConversationIndex } from "../../src/domain/conversation-index.js";
import { parseMailboxSettings, parseOrganizationSettings } from "../../src/domain/settings.js";
import type { Folder, IncomingEmailFilter } from "../../src/domain/types.js";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import type { TrackingStore } from "../../src/app/ports.js";
import { buildMessage, buildRecord, type MessageSpec } from "../support/builders.js";

/** A fresh in-memory store. */
function openTestStore(): { store: TrackingStore } {
  return { store: createMemoryTrackingStore() };
}

const ANN = "ann@example.com"; // system user, mailbox filter varies per test
const BOB = "bob@example.com"; // system user, mailbox "all"
const SUPPORT = "support@example.com"; // queue mailbox, "all"
const CAROL = "carol@example.org"; // contact
const ACME = "info@acme.example.org"; // account
const DAVE = "dave@example.net"; // lead
const ERIN = "erin@example.org"; // contact, inactive
const SHARED = "shared@example.org"; // two contacts
const PRINTER = "printer@example.com"; // equipment (email-enabled, not lead/contact/account)
const STRANGER = "stranger@example.net"; // nobody

const INBOX: Folder = { kind: "inbox" };
const SENT: Folder = { kind: "sentitems" };

let test: { store: TrackingStore };
let tracker: ReturnType<typeof createTracker>;

async function setOrganization(settings: Record<string, unknown> = {}): Promise<void> {
  await test.store.settings.putOrganization(parseOrganizationSettings({ autoTrackSentFolderItems: true, ...settings }));
}

async function setMailbox(address: string, settings: Record<string, unknown> = {}): Promise<void> {
  await test.store.settings.putMailbox(parseMailboxSettings({ address, ...settings }));
}

function track(spec: MessageSpec, options: { mailbox?: string; folder?: Folder } = {}) {
  const folder = options.folder ?? INBOX;
  const input: TrackMessageInput = {
    message: buildMessage({ ...spec, sentItems: folder.kind === "sentitems" }),
    mailbox: options.mailbox ?? ANN,
    folder,
  };
  return tracker.track(input);
}

/** A tracked email the next one can answer: sent by Ann to Carol, tracked from Sent Items. */
async function trackedOutgoing(spec: MessageSpec = {}) {
  await setMailbox(ANN, { incomingEmailFilter: "all" });
  const result = await track({ from: ANN, to: [CAROL], ...spec }, { folder: SENT });
  expect(result.tracked).toBe(true);
  await setMailbox(ANN, { incomingEmailFilter: "responsesToTrackedEmail" });
  return result;
}

beforeAll(async () => {
  test = openTestStore();
  tracker = createTracker({ store: test.store, settingsTtlInMs: 0 });
  await test.store.records.upsertRecords([
    buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }),
    buildRecord({ type: "systemuser", id: "bob", emailAddresses: [BOB] }),
    buildRecord({ type: "queue", id: "support", emailAddresses: [SUPPORT] }),
    buildRecord({ type: "contact", id: "carol", emailAddresses: [CAROL], ownerId: "ann" }),
    buildRecord({ type: "account", id: "acme", emailAddresses: [ACME] }),
    buildRecord({ type: "lead", id: "dave", emailAddresses: [DAVE] }),
    buildRecord({ type: "contact", id: "erin", emailAddresses: [ERIN], active: false }),
    buildRecord({ type: "contact", id: "shared1", emailAddresses: [SHARED], createdOn: "2024-01-01T00:00:00.000Z" }),
    buildRecord({ type: "contact", id: "shared2", emailAddresses: [SHARED], createdOn: "2023-01-01T00:00:00.000Z" }),
    buildRecord({ type: "equipment", id: "printer", emailAddresses: [PRINTER] }),
  ]);
});


beforeEach(async () => {
  await setOrganization();
  await setMailbox(ANN);
  await setMailbox(BOB, { incomingEmailFilter: "all" });
  await setMailbox(SUPPORT, { kind: "queue", incomingEmailFilter: "all" });
});

describe("the incoming email filter (Inbox)", () => {
  it.each<{ filter: IncomingEmailFilter; from: string; tracked: boolean }>([
    { filter: "all", from: STRANGER, tracked: true },
    { filter: "all", from: CAROL, tracked: true },
    { filter: "none", from: CAROL, tracked: false },
    { filter: "responsesToTrackedEmail", from: CAROL, tracked: false },
    { filter: "fromLeadsContactsAccounts", from: CAROL, tracked: true },
    { filter: "fromLeadsContactsAccounts", from: ACME, tracked: true },
    { filter: "fromLeadsContactsAccounts", from: DAVE, tracked: true },
    { filter: "fromLeadsContactsAccounts", from: PRINTER, tracked: false },
    { filter: "fromLeadsContactsAccounts", from: STRANGER, tracked: false },
    { filter: "fromLeadsContactsAccounts", from: ERIN, tracked: false },
    { filter: "fromEmailEnabledRecords", from: PRINTER, tracked: true },
    { filter: "fromEmailEnabledRecords", from: BOB, tracked: true },
    { filter: "fromEmailEnabledRecords", from: STRANGER, tracked: false },
  ])("$filter, from $from → tracked: $tracked", async ({ filter, from, tracked }) => {
    await setMailbox(ANN, { incomingEmailFilter: filter });
    const result = await track({ from, to: [ANN] });
    expect(result.tracked).toBe(tracked);
    expect(result.reason).toBe(tracked ? "acceptedByFilter" : "rejectedByFilter");
    expect(result.created).toBe(tracked);
    if (tracked) {
      expect(result.acceptingEntity).toEqual({ type: "systemuser", id: "ann" });
      expect(result.activity?.receivingMailbox).toBe(ANN);
      expect(result.activity?.direction).toBe("incoming");
    }
  });

  it("accepts when another organization mailbox among the recipients accepts (accepting entity ≠ receiving mailbox)", async () => {
    const result = await track({ from: STRANGER, to: [ANN, SUPPORT] });
    expect(result.tracked).toBe(true);
    expect(result.acceptingEntity).toEqual({ type: "queue", id: "support" });
    expect(result.activity?.receivingMailbox).toBe(ANN);
  });

  it("ignores another mailbox whose incoming synchronization is off", async () => {
    await setMailbox(SUPPORT, { kind: "queue", incomingEmailFilter: "all", incomingSyncMethod: "none" });
    const result = await track({ from: STRANGER, to: [ANN, SUPPORT] });
    expect(result).toMatchObject({ tracked: false, reason: "rejectedByFilter" });
  });
});

describe("gates", () => {
  it.each<{ name: string; mailbox?: Record<string, unknown>; org?: Record<string, unknown>; spec?: MessageSpec; folder?: Folder; reason: string }>([
    { name: "disabled mailbox", mailbox: { enabled: false, incomingEmailFilter: "all" }, reason: "mailboxDisabled" },
    { name: "incoming sync none", mailbox: { incomingSyncMethod: "none", incomingEmailFilter: "all" }, reason: "incomingSyncDisabled" },
    {
      name: "before the start date",
      mailbox: { incomingEmailFilter: "all", processEmailReceivedAfter: "2026-06-01T00:00:00Z" },
      spec: { sent: "2026-05-01T00:00:00Z" },
      reason: "beforeStartDate",
    },
    { name: "draft", mailbox: { incomingEmailFilter: "all" }, spec: { isDraft: true }, reason: "draft" },
    { name: "Sent Items without auto-tracking", org: { autoTrackSentFolderItems: false }, mailbox: { incomingEmailFilter: "all" }, spec: { from: ANN, to: [CAROL] }, folder: SENT, reason: "sentItemsNotAutoTracked" },
    { name: "an untracked folder", mailbox: { incomingEmailFilter: "all" }, folder: { kind: "tracked", name: "Personal" }, reason: "folderNotTracked" },
    {
      name: "an auto-reply with skipAutomatedEmail",
      org: { skipAutomatedEmail: true, autoTrackSentFolderItems: true },
      mailbox: { incomingEmailFilter: "all" },
      spec: { headers: [{ name: "Auto-Submitted", value: "auto-replied" }] },
      reason: "automatedEmail",
    },
  ])("$name → $reason", async ({ mailbox, org, spec, folder, reason }) => {
    if (org) await setOrganization(org);
    await setMailbox(ANN, mailbox ?? {});
    const result = await track({ from: CAROL, to: [ANN], ...spec }, { folder: folder ?? INBOX });
    expect(result).toMatchObject({ tracked: false, reason, created: false });
    expect(await test.store.activities.getActivity(activityIdFor({ internetMessageId: result.internetMessageId }))).toBeUndefined();
  });

  it("a decision that stops at a gate explains which one, and looks nothing up", async () => {
    await setMailbox(ANN, { enabled: false });
    const result = await track({ from: CAROL, to: [ANN] });
    expect(result).toMatchObject({ tracked: false, reason: "mailboxDisabled", why: `Not tracked: the mailbox ${ANN} is disabled.` });
    expect(result.trace.gates.at(-1)).toEqual({ gate: "mailboxEnabled", outcome: "fail" });
    expect(result.trace.addresses).toEqual([]);
  });

  it("an unconfigured mailbox is not processed", async () => {
    const result = await track({ from: CAROL, to: ["nobody@example.com"] }, { mailbox: "nobody@example.com" });
    expect(result).toMatchObject({ tracked: false, reason: "mailboxNotConfigured" });
  });

  it("a tracked folder bypasses the filter and sets regarding", async () => {
    await setMailbox(ANN, {
      incomingEmailFilter: "none",
      trackedFolders: [{ folder: "Customers/Acme", regarding: { type: "account", id: "acme" } }],
    });
    const result = await track({ from: STRANGER, to: [ANN] }, { folder: { kind: "tracked", name: "customers/acme" } });
    expect(result).toMatchObject({ tracked: true, reason: "trackedFolder", regarding: { type: "account", id: "acme" } });
  });

  it("the tracking category bypasses the filter", async () => {
    await setOrganization({ trackCategorizedItems: true });
    await setMailbox(ANN, { incomingEmailFilter: "none" });
    const result = await track({ from: STRANGER, to: [ANN], categories: ["Tracked to Dynamics 365"] });
    expect(result).toMatchObject({ tracked: true, reason: "trackingCategory" });
  });

  it("reports auto-replies and bulk mail without changing the decision by default", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const result = await track({ from: STRANGER, to: [ANN], headers: [{ name: "List-Id", value: "<news.example.net>" }] });
    expect(result.tracked).toBe(true);
    expect(result.automated.bulk).toBe(true);
  });
});

describe("Sent Items: the filter applies to the recipients", () => {
  it.each<{ filter: IncomingEmailFilter; to: string; tracked: boolean }>([
    { filter: "all", to: STRANGER, tracked: true },
    { filter: "none", to: CAROL, tracked: false },
    { filter: "fromLeadsContactsAccounts", to: CAROL, tracked: true },
    { filter: "fromLeadsContactsAccounts", to: STRANGER, tracked: false },
    { filter: "fromEmailEnabledRecords", to: PRINTER, tracked: true },
    { filter: "fromEmailEnabledRecords", to: STRANGER, tracked: false },
    { filter: "responsesToTrackedEmail", to: CAROL, tracked: false },
  ])("$filter, to $to → tracked: $tracked", async ({ filter, to, tracked }) => {
    await setMailbox(ANN, { incomingEmailFilter: filter });
    const result = await track({ from: ANN, to: [to] }, { folder: SENT });
    expect(result.tracked).toBe(tracked);
    if (tracked) expect(result.activity?.direction).toBe("outgoing");
  });
});

describe("correlation", () => {
  it("In-Reply-To: links to the parent, copies regarding, sets the parent activity", async () => {
    await setMailbox(ANN, {
      incomingEmailFilter: "none",
      trackedFolders: [{ folder: "Acme", regarding: { type: "account", id: "acme" } }],
    });
    const parent = await track({ from: CAROL, to: [ANN] }, { folder: { kind: "tracked", name: "Acme" } });
    await setMailbox(ANN, { incomingEmailFilter: "responsesToTrackedEmail" });
    const reply = await track({ from: CAROL, to: [ANN], inReplyTo: parent.internetMessageId, subject: "RE: Hello" });
    expect(reply).toMatchObject({
      tracked: true,
      correlation: {
        method: "inReplyTo",
        correlatedActivityId: parent.activityId,
        parentActivityId: parent.activityId,
        internetMessageId: parent.internetMessageId,
      },
      regarding: { type: "account", id: "acme" },
    });
    expect(reply.trace.correlation[0]).toMatchObject({ method: "inReplyTo", key: `mid:${parent.internetMessageId}`, outcome: "matched" });
    expect(reply.why).toMatch(new RegExp(`^Linked to 'Hello' because its In-Reply-To names <${parent.internetMessageId.replace(/\./g, "\\.")}>, a message tracked on \\d+ \\w+ \\d{4}; regarding Account acme copied from it\\. Sender resolved to Contact contact carol\\.$`));
    // The stored activity keeps the explanation, so "why?" can be answered later without a replay.
    const stored = await test.store.activities.getActivity(reply.activityId!);
    expect(stored?.explanation).toEqual({ trace: reply.trace, why: reply.why });
  });

  it("every In-Reply-To msg-id, an MH-style one included: the author's address is not taken for an id", async () => {
    const parent = await trackedOutgoing();
    const header = `Message from Carol <${CAROL}> of "Fri, 1 May 2026." <untracked@example.org>\r\n <${parent.internetMessageId}>`;
    const reply = await track({ from: CAROL, to: [ANN], headers: [{ name: "In-Reply-To", value: header }] });
    expect(reply.correlation).toMatchObject({ method: "inReplyTo", correlatedActivityId: parent.activityId });
    expect(reply.trace.correlation.map((step) => step.key)).toEqual([`mid:untracked@example.org`, `mid:${parent.internetMessageId}`]);
    expect(reply.trace.ignoredIds).toEqual([{ header: "In-Reply-To", value: CAROL, reason: "knownAddress" }]);
  });

  it("References (newest tracked ancestor) when In-Reply-To is missing", async () => {
    const root = await trackedOutgoing();
    const middle = await trackedOutgoing();
    const reply = await track({ from: CAROL, to: [ANN], references: [root.internetMessageId, middle.internetMessageId, "untracked@example.org"] });
    expect(reply.correlation).toMatchObject({ method: "references", correlatedActivityId: middle.activityId, parentActivityId: middle.activityId });
  });

  it("the tracking token, with the most recent of several activities winning", async () => {
    const older = await trackedOutgoing({ subject: "Quote CRM:0001042", sent: "2026-01-01T10:00:00Z" });
    const newer = await trackedOutgoing({ subject: "Quote again CRM:0001042", sent: "2026-02-01T10:00:00Z" });
    expect(older.activityId).not.toBe(newer.activityId);
    const reply = await track({ from: CAROL, to: [ANN], subject: "RE: Quote crm:0001042", sent: "2026-03-01T10:00:00Z" });
    expect(reply.correlation).toMatchObject({ method: "trackingToken", correlatedActivityId: newer.activityId });
    expect(reply.correlation.parentActivityId).toBeUndefined();
  });

  it("an earlier tracking-token prefix is still recognised", async () => {
    await setOrganization({ trackingTokenPrefix: "OLD:" });
    const parent = await trackedOutgoing({ subject: "Renewal OLD:0002001" });
    await setOrganization({ trackingTokenPrefix: "NEW:", trackingTokenPrefixHistory: ["OLD:"] });
    const reply = await track({ from: CAROL, to: [ANN], subject: "RE: Renewal OLD:0002001" });
    expect(reply.correlation).toMatchObject({ method: "trackingToken", correlatedActivityId: parent.activityId });
  });

  it("ConversationIndex: the 22-byte thread header links replies, and a malformed value is only a warning", async () => {
    const threadIndex = createConversationIndex({ time: new Date("2026-04-01T08:00:00Z") });
    const parent = await trackedOutgoing({ threadIndex });
    const childIndex = appendChildBlock(threadIndex, { time: new Date("2026-04-01T09:00:00Z") });
    const reply = await track({ from: CAROL, to: [ANN], subject: "Different subject", threadIndex: childIndex });
    expect(reply.correlation).toMatchObject({ method: "conversationIndex", correlatedActivityId: parent.activityId, parentActivityId: parent.activityId });

    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const broken = await track({ from: CAROL, to: [ANN], threadIndex: "not base64 at all!" });
    expect(broken.tracked).toBe(true);
    expect(broken.correlation.method).toBe("none");
    expect(broken.warnings.join(" ")).toMatch(/ConversationIndex ignored/);
  });

  it("smart matching only when switched on: same subject words and two shared addresses", async () => {
    const subject = `Project Falcon kickoff ${Date.now()}`;
    await setOrganization({ useSmartMatching: true });
    const first = await trackedOutgoing({ subject, to: [CAROL, DAVE] });
    const reply = await track({ from: CAROL, to: [ANN, DAVE], subject: `RE: ${subject}` });
    expect(reply.correlation).toMatchObject({ method: "smartMatching", correlatedActivityId: first.activityId });

    const fewAddresses = await track({ from: STRANGER, to: [ANN], subject: `RE: ${subject}` });
    expect(fewAddresses.correlation.method).toBe("none");

    await setOrganization({ useSmartMatching: false });
    const off = await track({ from: CAROL, to: [ANN, DAVE], subject: `RE: ${subject}` });
    expect(off.correlation.method).toBe("none");
  });

  it("smart matching does not index the receiving mailbox's own address: a candidate must share another one", async () => {
    const subject = `Invoice question ${Date.now()}`;
    await setOrganization({ useSmartMatching: true, hashMinAddressCount: 1 });
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const first = await track({ from: "one@elsewhere.example.net", to: [ANN], subject });
    // Sharing only Ann's address: not a candidate, even with a minimum of one shared address.
    const onlyMailbox = await track({ from: "two@elsewhere.example.net", to: [ANN], subject: `RE: ${subject}` });
    expect(onlyMailbox.correlation.method).toBe("none");
    // Sharing the sender too: found through the sender's address; the count includes Ann's.
    const shared = await track({ from: "one@elsewhere.example.net", to: [ANN], subject: `RE: ${subject}` });
    expect(shared.correlation).toMatchObject({ method: "smartMatching", correlatedActivityId: first.activityId });
  });

  it("a forward is not linked through its headers when doNotCorrelateForwardedEmailsAsReplies is on", async () => {
    const parent = await trackedOutgoing();
    await setOrganization({ doNotCorrelateForwardedEmailsAsReplies: true });
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const forward = await track({ from: CAROL, to: [ANN], subject: "FW: Hello", inReplyTo: parent.internetMessageId });
    expect(forward.correlation.method).toBe("none");
    await setOrganization({ doNotCorrelateForwardedEmailsAsReplies: false });
    const forwardAgain = await track({ from: CAROL, to: [ANN], subject: "FW: Hello", inReplyTo: parent.internetMessageId });
    expect(forwardAgain.correlation.method).toBe("inReplyTo");
  });

  it("useCorrelation off disables the header methods", async () => {
    const parent = await trackedOutgoing();
    await setOrganization({ useCorrelation: false });
    const reply = await track({ from: CAROL, to: [ANN], inReplyTo: parent.internetMessageId });
    expect(reply).toMatchObject({ tracked: false, reason: "rejectedByFilter" });
  });
});

describe("email between users", () => {
  it("two activities when on: one for the sender's Sent Items, one for the recipient's Inbox", async () => {
    const spec = { from: ANN, to: [BOB], messageId: `internal-${Date.now()}@example.com` };
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const sent = await track(spec, { folder: SENT, mailbox: ANN });
    const received = await track(spec, { folder: INBOX, mailbox: BOB });
    expect(sent.created && received.created).toBe(true);
    expect(sent.activityId).not.toBe(received.activityId);
    expect(sent.activity?.scope).toBe(ANN);
    expect(received.activity?.scope).toBe(BOB);
  });

  it("one activity when off: the second copy is found again by Message-ID", async () => {
    await setOrganization({ trackEmailsBetweenUsersAsTwoActivities: false });
    const spec = { from: ANN, to: [BOB], messageId: `internal-one-${Date.now()}@example.com` };
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const sent = await track(spec, { folder: SENT, mailbox: ANN });
    const received = await track(spec, { folder: INBOX, mailbox: BOB });
    expect(sent.created).toBe(true);
    expect(received).toMatchObject({ tracked: true, reason: "alreadyTracked", created: false, activityId: sent.activityId });
  });
});

describe("address resolution on the activity", () => {
  it("keeps unresolved addresses, never resolves inactive records, resolves recipients to all matches", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const result = await track({ from: ERIN, to: [ANN, SHARED], cc: [STRANGER] });
    expect(result.sender).toEqual({ address: ERIN, records: [] });
    const shared = result.recipients.find((p) => p.address === SHARED);
    expect(shared?.records).toEqual([
      { type: "contact", id: "shared2" },
      { type: "contact", id: "shared1" },
    ]);
    expect(result.recipients.find((p) => p.address === STRANGER)?.records).toEqual([]);
  });

  it("unresolveEmailAddressIfMultipleMatch leaves an ambiguous recipient unresolved", async () => {
    await setOrganization({ unresolveEmailAddressIfMultipleMatch: true });
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const result = await track({ from: CAROL, to: [ANN, SHARED] });
    expect(result.recipients.find((p) => p.address === SHARED)?.records).toEqual([]);
  });

  it("addresses match case-insensitively", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "fromLeadsContactsAccounts" });
    const result = await track({ from: "Carol@Example.ORG", to: ["ANN@example.com"] });
    expect(result.tracked).toBe(true);
    expect(result.sender?.records).toEqual([{ type: "contact", id: "carol" }]);
  });
});

describe("exactly once", () => {
  it("the same message twice yields one activity", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const spec = { from: CAROL, to: [ANN], messageId: `twice-${Date.now()}@example.org` };
    const first = await track(spec);
    const second = await track(spec);
    expect(first).toMatchObject({ tracked: true, created: true });
    expect(second).toMatchObject({ tracked: true, created: false, reason: "alreadyTracked", activityId: first.activityId });
  });

  it("ten concurrent workers on one message create it once", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const message = buildMessage({ from: CAROL, to: [ANN], messageId: `race-${Date.now()}@example.org` });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => tracker.track({ message, mailbox: ANN, folder: INBOX })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.activityId)).size).toBe(1);
  });

  it("a worker that died after storing the activity: redelivery restores the lookups", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const messageId = `died-${Date.now()}@example.org`;
    const first = await track({ from: CAROL, to: [ANN], messageId });
    // Simulate the crash: the activity exists but its Message-ID lookup was never written.
    const key = `mid:${messageId}`;
    const lookupsBefore = await test.store.lookups.findLatest(key);
    expect(lookupsBefore?.activityId).toBe(first.activityId);
    const fresh = await openTestStoreCopy(first.activityId!);
    expect(await fresh.lookups.findLatest(key)).toBeUndefined();
    const redelivered = await createTracker({ store: fresh, settingsTtlInMs: 0 }).track({
      message: buildMessage({ from: CAROL, to: [ANN], messageId }),
      mailbox: ANN,
      folder: INBOX,
    });
    expect(redelivered).toMatchObject({ reason: "alreadyTracked", created: false });
    expect((await fresh.lookups.findLatest(key))?.activityId).toBe(first.activityId);
  });

  it("a message without Message-ID gets a stable synthetic one and is tracked once", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const message = buildMessage({ from: CAROL, to: [ANN], subject: "No id", body: "body" });
    delete message.internetMessageId;
    message.internetMessageHeaders = [];
    const first = await tracker.track({ message, mailbox: ANN, folder: INBOX });
    const second = await tracker.track({ message, mailbox: ANN, folder: INBOX });
    expect(first.activity?.internetMessageIdSynthetic).toBe(true);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, activityId: first.activityId });
  });

  it("a 10 MB body is stored truncated with a flag", async () => {
    await setMailbox(ANN, { incomingEmailFilter: "all" });
    const result = await track({ from: CAROL, to: [ANN], body: "x".repeat(10 * 1024 * 1024) });
    expect(result.created).toBe(true);
    const stored = await test.store.activities.getActivity(result.activityId!);
    expect(stored?.bodyTruncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(2 * 1024 * 1024);
  });
});

/**
 * A second store holding only one activity copied from the first: the state a
 * worker leaves when it dies between storing an activity and writing its lookups.
 */
async function openTestStoreCopy(activityId: string) {
  const copy = openTestStore();
  const activity = await test.store.activities.getActivity(activityId);
  await copy.store.activities.createActivity(activity!);
  await copy.store.settings.putOrganization(parseOrganizationSettings({}));
  await copy.store.settings.putMailbox(parseMailboxSettings({ address: ANN, incomingEmailFilter: "all" }));
  await copy.store.records.upsertRecords([
    buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }),
    buildRecord({ type: "contact", id: "carol", emailAddresses: [CAROL] }),
  ]);
  return copy.store;
}

