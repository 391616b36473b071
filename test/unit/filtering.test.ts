import { describe, expect, it } from "vitest";
import { checkGates, decideAcceptance, passesFilter, type GateInput } from "../../src/domain/filtering.js";
import { defaultOrganizationSettings, parseMailboxSettings } from "../../src/domain/settings.js";
import type {
  Direction,
  Folder,
  IncomingEmailFilter,
  MailboxSettings,
  OrganizationSettings,
  RecordRef,
  RecordType,
} from "../../src/domain/types.js";

const mailbox = (overrides: Partial<MailboxSettings> = {}): MailboxSettings => ({
  ...parseMailboxSettings({ address: "megan@contoso.com" }),
  ...overrides,
});
const organization = (overrides: Partial<OrganizationSettings> = {}): OrganizationSettings => ({
  ...defaultOrganizationSettings(),
  ...overrides,
});
const INBOX: Folder = { kind: "inbox" };
const SENT: Folder = { kind: "sentitems" };
const tracked = (name: string): Folder => ({ kind: "tracked", name });
const contoso: RecordRef = { type: "account", id: "acc-contoso" };

function gateInput(overrides: {
  folder?: Folder;
  mailbox?: Partial<MailboxSettings>;
  organization?: Partial<OrganizationSettings>;
  envelope?: Partial<GateInput["envelope"]>;
} = {}): GateInput {
  return {
    folder: overrides.folder ?? INBOX,
    mailbox: mailbox({ trackedFolders: [{ folder: "Customers/Contoso", regarding: contoso }], ...overrides.mailbox }),
    organization: organization(overrides.organization),
    envelope: {
      isDraft: false,
      categories: [],
      automated: { autoReply: false, bulk: false, evidence: [] },
      receivedOn: "2024-03-01T10:00:05Z",
      sentOn: "2024-03-01T10:00:00Z",
      ...overrides.envelope,
    },
  };
}

const AUTO_REPLY = { autoReply: true, bulk: false, evidence: ["Auto-Submitted: auto-replied"] };
const BULK = { autoReply: false, bulk: true, evidence: ["List-Id: <news.contoso.com>"] };
const CATEGORY = ["Tracked to Dynamics 365"];

describe("checkGates: each gate", () => {
  it.each([
    ["ordinary Inbox mail", {}, { pass: true }],
    ["mailbox disabled", { mailbox: { enabled: false } }, { pass: false, reason: "mailboxDisabled" }],
    ["incoming sync none", { mailbox: { incomingSyncMethod: "none" } }, { pass: false, reason: "incomingSyncDisabled" }],
    ["incoming sync none, Sent Items", { folder: SENT, organization: { autoTrackSentFolderItems: true }, mailbox: { incomingSyncMethod: "none" } }, { pass: false, reason: "incomingSyncDisabled" }],
    ["outgoing sync none does not stop processing", { mailbox: { outgoingSyncMethod: "none" } }, { pass: true }],
    ["received before the start date", { mailbox: { processEmailReceivedAfter: "2024-03-01T10:00:06Z" } }, { pass: false, reason: "beforeStartDate" }],
    ["received exactly at the start date", { mailbox: { processEmailReceivedAfter: "2024-03-01T10:00:05Z" } }, { pass: true }],
    ["received after the start date", { mailbox: { processEmailReceivedAfter: "2024-03-01T10:00:04Z" } }, { pass: true }],
    ["start date with an offset", { mailbox: { processEmailReceivedAfter: "2024-03-01T11:00:06+01:00" } }, { pass: false, reason: "beforeStartDate" }],
    ["no received date: sent date used", { mailbox: { processEmailReceivedAfter: "2024-03-01T10:00:01Z" }, envelope: { receivedOn: undefined } }, { pass: false, reason: "beforeStartDate" }],
    ["undated mail is processed", { mailbox: { processEmailReceivedAfter: "2030-01-01T00:00:00Z" }, envelope: { receivedOn: undefined, sentOn: undefined } }, { pass: true }],
    ["Sent Items dated by sent time", { folder: SENT, organization: { autoTrackSentFolderItems: true }, mailbox: { processEmailReceivedAfter: "2024-03-01T10:00:01Z" } }, { pass: false, reason: "beforeStartDate" }],
    ["draft", { envelope: { isDraft: true } }, { pass: false, reason: "draft" }],
    ["tracked folder", { folder: tracked("Customers/Contoso") }, { pass: true, bypass: { reason: "trackedFolder", regarding: contoso } }],
    ["tracked folder, other case", { folder: tracked("customers/CONTOSO") }, { pass: true, bypass: { reason: "trackedFolder", regarding: contoso } }],
    ["folder not in trackedFolders", { folder: tracked("Customers/Fabrikam") }, { pass: false, reason: "folderNotTracked" }],
    ["folder-level tracking off", { folder: tracked("Customers/Contoso"), organization: { useFolderLevelTracking: false } }, { pass: false, reason: "folderNotTracked" }],
    ["tracking category, Inbox", { organization: { trackCategorizedItems: true }, envelope: { categories: CATEGORY } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["tracking category, other case", { organization: { trackCategorizedItems: true }, envelope: { categories: ["Red", "tracked TO dynamics 365"] } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["tracking category, Sent Items without auto-tracking", { folder: SENT, organization: { trackCategorizedItems: true }, envelope: { categories: CATEGORY } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["tracking category, untracked folder", { folder: tracked("Personal"), organization: { trackCategorizedItems: true }, envelope: { categories: CATEGORY } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["custom tracking category", { organization: { trackCategorizedItems: true, trackingCategory: "CRM" }, envelope: { categories: ["crm"] } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["category present, category tracking off", { envelope: { categories: CATEGORY } }, { pass: true }],
    ["category tracking on, other category", { organization: { trackCategorizedItems: true }, envelope: { categories: ["Tracked"] } }, { pass: true }],
    ["Sent Items without auto-tracking", { folder: SENT }, { pass: false, reason: "sentItemsNotAutoTracked" }],
    ["Sent Items with auto-tracking", { folder: SENT, organization: { autoTrackSentFolderItems: true } }, { pass: true }],
    ["auto-reply, skipping on", { organization: { skipAutomatedEmail: true }, envelope: { automated: AUTO_REPLY } }, { pass: false, reason: "automatedEmail" }],
    ["bulk, skipping on", { organization: { skipAutomatedEmail: true }, envelope: { automated: BULK } }, { pass: false, reason: "automatedEmail" }],
    ["auto-reply, skipping off", { envelope: { automated: AUTO_REPLY } }, { pass: true }],
    ["bulk, skipping off", { envelope: { automated: BULK } }, { pass: true }],
    ["bulk in a tracked folder: manual tracking wins", { folder: tracked("Customers/Contoso"), organization: { skipAutomatedEmail: true }, envelope: { automated: BULK } }, { pass: true, bypass: { reason: "trackedFolder", regarding: contoso } }],
    ["auto-reply with the category: manual tracking wins", { organization: { skipAutomatedEmail: true, trackCategorizedItems: true }, envelope: { automated: AUTO_REPLY, categories: CATEGORY } }, { pass: true, bypass: { reason: "trackingCategory" } }],
    ["tracked folder with the category: the folder decides", { folder: tracked("Customers/Contoso"), organization: { trackCategorizedItems: true }, envelope: { categories: CATEGORY } }, { pass: true, bypass: { reason: "trackedFolder", regarding: contoso } }],
  ] as Array<[string, Parameters<typeof gateInput>[0], unknown]>)("%s", (_case, overrides, expected) => {
    expect(checkGates(gateInput(overrides))).toEqual(expected);
  });
});

describe("checkGates: order", () => {
  // Every failing condition at once; removing them one by one walks the gates in order.
  const failing = {
    mailbox: { enabled: false },
    incomingSync: { incomingSyncMethod: "none" as const },
    startDate: { processEmailReceivedAfter: "2030-01-01T00:00:00Z" },
  };
  const everything = (remove: number): Parameters<typeof gateInput>[0] => {
    const mailboxOverrides = [failing.mailbox, failing.incomingSync, failing.startDate].slice(remove);
    return {
      folder: remove <= 4 ? tracked("Personal") : SENT,
      mailbox: Object.assign({}, ...mailboxOverrides),
      organization: { skipAutomatedEmail: true },
      envelope: { isDraft: remove <= 3, automated: BULK },
    };
  };

  it.each([
    [0, "mailboxDisabled"],
    [1, "incomingSyncDisabled"],
    [2, "beforeStartDate"],
    [3, "draft"],
    [4, "folderNotTracked"],
    [5, "sentItemsNotAutoTracked"],
  ])("with the first %i gates cleared, %s decides", (remove, reason) => {
    expect(checkGates(gateInput(everything(remove)))).toEqual({ pass: false, reason });
  });

  it("automatedEmail comes last", () => {
    const input = everything(5);
    expect(checkGates(gateInput({ ...input, organization: { skipAutomatedEmail: true, autoTrackSentFolderItems: true } }))).toEqual({
      pass: false,
      reason: "automatedEmail",
    });
  });

  it.each([
    ["mailboxDisabled", { enabled: false }],
    ["incomingSyncDisabled", { incomingSyncMethod: "none" as const }],
    ["beforeStartDate", { processEmailReceivedAfter: "2030-01-01T00:00:00Z" }],
  ])("%s outranks a tracked folder", (reason, mailboxOverrides) => {
    expect(checkGates(gateInput({ folder: tracked("Customers/Contoso"), mailbox: mailboxOverrides }))).toEqual({ pass: false, reason });
  });

  it("a draft in a tracked folder is not tracked", () => {
    expect(checkGates(gateInput({ folder: tracked("Customers/Contoso"), envelope: { isDraft: true } }))).toEqual({ pass: false, reason: "draft" });
  });
});

// ---- the incoming email filter ----------------------------------------------------------------

const OWNER: RecordRef = { type: "systemuser", id: "megan" };
const record = (type: RecordType, id = `${type}-1`): RecordRef => ({ type, id });

type Resolution = "none" | "contact" | "account" | "lead" | "systemuser" | "queue" | "equipment" | "team" | "businessunit" | "custom" | "mailbox owner only";
const RESOLUTIONS: Resolution[] = ["none", "contact", "account", "lead", "systemuser", "queue", "equipment", "team", "businessunit", "custom", "mailbox owner only"];

const recordsFor = (resolution: Resolution): RecordRef[] =>
  resolution === "none" ? [] : resolution === "mailbox owner only" ? [OWNER] : [record(resolution)];

/**
 * Expected outcome per filter and resolution of the judged party (sender for incoming mail,
 * recipients for sent mail), as [not correlated, correlated]. From spec §3 and seed 000.
 */
const EXPECTED: Record<Direction, Record<IncomingEmailFilter, Record<Resolution, [boolean, boolean]>>> = {
  incoming: {
    all: { none: [true, true], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [true, true], queue: [true, true], equipment: [true, true], team: [true, true], businessunit: [true, true], custom: [true, true], "mailbox owner only": [true, true] },
    responsesToTrackedEmail: { none: [false, true], contact: [false, true], account: [false, true], lead: [false, true], systemuser: [false, true], queue: [false, true], equipment: [false, true], team: [false, true], businessunit: [false, true], custom: [false, true], "mailbox owner only": [false, true] },
    fromLeadsContactsAccounts: { none: [false, false], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [false, false], queue: [false, false], equipment: [false, false], team: [false, false], businessunit: [false, false], custom: [false, false], "mailbox owner only": [false, false] },
    // Incoming: any resolved sender counts, the mailbox's own user too (mail to oneself).
    fromEmailEnabledRecords: { none: [false, false], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [true, true], queue: [true, true], equipment: [true, true], team: [true, true], businessunit: [true, true], custom: [true, true], "mailbox owner only": [true, true] },
    none: { none: [false, false], contact: [false, false], account: [false, false], lead: [false, false], systemuser: [false, false], queue: [false, false], equipment: [false, false], team: [false, false], businessunit: [false, false], custom: [false, false], "mailbox owner only": [false, false] },
  },
  outgoing: {
    all: { none: [true, true], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [true, true], queue: [true, true], equipment: [true, true], team: [true, true], businessunit: [true, true], custom: [true, true], "mailbox owner only": [true, true] },
    responsesToTrackedEmail: { none: [false, true], contact: [false, true], account: [false, true], lead: [false, true], systemuser: [false, true], queue: [false, true], equipment: [false, true], team: [false, true], businessunit: [false, true], custom: [false, true], "mailbox owner only": [false, true] },
    fromLeadsContactsAccounts: { none: [false, false], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [false, false], queue: [false, false], equipment: [false, false], team: [false, false], businessunit: [false, false], custom: [false, false], "mailbox owner only": [false, false] },
    // Sent mail: every email-enabled type counts except the sending mailbox's own user.
    fromEmailEnabledRecords: { none: [false, false], contact: [true, true], account: [true, true], lead: [true, true], systemuser: [true, true], queue: [true, true], equipment: [true, true], team: [true, true], businessunit: [true, true], custom: [true, true], "mailbox owner only": [false, false] },
    none: { none: [false, false], contact: [false, false], account: [false, false], lead: [false, false], systemuser: [false, false], queue: [false, false], equipment: [false, false], team: [false, false], businessunit: [false, false], custom: [false, false], "mailbox owner only": [false, false] },
  },
};

const FILTERS: IncomingEmailFilter[] = ["all", "responsesToTrackedEmail", "fromLeadsContactsAccounts", "fromEmailEnabledRecords", "none"];
const DIRECTIONS: Direction[] = ["incoming", "outgoing"];

describe("passesFilter: filter × direction × resolution × correlation", () => {
  const cases = DIRECTIONS.flatMap((direction) =>
    FILTERS.flatMap((filter) =>
      RESOLUTIONS.flatMap((resolution) =>
        [false, true].map((correlated) => [direction, filter, resolution, correlated, EXPECTED[direction][filter][resolution][correlated ? 1 : 0]] as const),
      ),
    ),
  );

  it.each(cases)("%s, %s, judged party resolves to %s, correlated %s → %s", (direction, filter, resolution, correlated, expected) => {
    // The other side resolves to everything, so only the judged side can decide.
    const everything = [record("contact", "other-c"), record("account", "other-a"), record("lead", "other-l"), record("custom", "other-x")];
    const judged = recordsFor(resolution);
    const input =
      direction === "incoming"
        ? { direction, senderRecords: judged, recipientRecords: everything, correlated, mailboxOwner: OWNER }
        : { direction, senderRecords: everything, recipientRecords: judged, correlated, mailboxOwner: OWNER };
    expect(passesFilter(filter, input)).toBe(expected);
  });
});

describe("passesFilter: sent mail with several recipients", () => {
  it.each([
    ["fromLeadsContactsAccounts", [OWNER, record("systemuser", "u2"), record("lead")], true],
    ["fromLeadsContactsAccounts", [OWNER, record("systemuser", "u2")], false],
    ["fromEmailEnabledRecords", [OWNER, record("systemuser", "u2")], true],
    ["fromEmailEnabledRecords", [OWNER, { type: "systemuser", id: "MEGAN" }], false], // ids compared case-insensitively
    ["fromEmailEnabledRecords", [], false],
  ] as Array<[IncomingEmailFilter, RecordRef[], boolean]>)("%s with recipients %j → %s", (filter, recipientRecords, expected) => {
    expect(passesFilter(filter, { direction: "outgoing", senderRecords: [OWNER], recipientRecords, correlated: false, mailboxOwner: OWNER })).toBe(expected);
  });

  it("without a known mailbox owner every recipient record counts", () => {
    expect(passesFilter("fromEmailEnabledRecords", { direction: "outgoing", senderRecords: [], recipientRecords: [OWNER], correlated: false })).toBe(true);
  });

  it("an unknown filter accepts nothing", () => {
    expect(passesFilter("sometimes" as IncomingEmailFilter, { direction: "incoming", senderRecords: [record("contact")], recipientRecords: [], correlated: true })).toBe(false);
  });
});

// ---- acceptance across mailboxes -----------------------------------------------------------------

describe("decideAcceptance", () => {
  const receiving = (incomingEmailFilter: IncomingEmailFilter) => ({
    settings: mailbox({ incomingEmailFilter }),
    owner: OWNER,
  });
  const queueOwner: RecordRef = { type: "queue", id: "q-sales" };
  const userOwner: RecordRef = { type: "systemuser", id: "adele" };
  const other = (address: string, owner: RecordRef, overrides: Partial<MailboxSettings>) => ({
    settings: mailbox({ address, kind: owner.type === "queue" ? "queue" : "user", ...overrides }),
    owner,
  });
  const salesQueueAll = other("sales@contoso.com", queueOwner, { incomingEmailFilter: "all" });
  const adeleContacts = other("adele@contoso.com", userOwner, { incomingEmailFilter: "fromLeadsContactsAccounts" });

  const base = {
    senderRecords: [record("contact")],
    recipientRecords: [OWNER, queueOwner, userOwner],
    correlated: false,
  };

  it.each([
    ["receiving mailbox accepts", "incoming", "all", [salesQueueAll], { accepted: true, acceptingEntity: OWNER }],
    ["receiving mailbox first, even when another would accept", "incoming", "fromLeadsContactsAccounts", [salesQueueAll], { accepted: true, acceptingEntity: OWNER }],
    ["nobody accepts", "incoming", "none", [], { accepted: false }],
    ["another mailbox accepts", "incoming", "none", [salesQueueAll], { accepted: true, acceptingEntity: queueOwner }],
    ["the first other mailbox that accepts", "incoming", "none", [adeleContacts, salesQueueAll], { accepted: true, acceptingEntity: userOwner }],
    ["a rejecting other mailbox is skipped", "incoming", "none", [other("x@contoso.com", userOwner, { incomingEmailFilter: "none" }), salesQueueAll], { accepted: true, acceptingEntity: queueOwner }],
    ["a disabled other mailbox can't accept", "incoming", "none", [other("sales@contoso.com", queueOwner, { incomingEmailFilter: "all", enabled: false })], { accepted: false }],
    ["an unsynchronised other mailbox can't accept", "incoming", "none", [other("sales@contoso.com", queueOwner, { incomingEmailFilter: "all", incomingSyncMethod: "none" })], { accepted: false }],
    ["the receiving mailbox listed again is not asked twice", "incoming", "none", [other("megan@contoso.com", OWNER, { incomingEmailFilter: "all" })], { accepted: false }],
    ["sent mail ignores other mailboxes", "outgoing", "none", [salesQueueAll], { accepted: false }],
    ["sent mail accepted by recipients", "outgoing", "fromEmailEnabledRecords", [], { accepted: true, acceptingEntity: OWNER }],
  ] as Array<[string, Direction, IncomingEmailFilter, Array<{ settings: MailboxSettings; owner: RecordRef }>, unknown]>)(
    "%s",
    (_case, direction, filter, otherMailboxes, expected) => {
      expect(decideAcceptance({ ...base, direction, receivingMailbox: receiving(filter), otherMailboxes })).toEqual(expected);
    },
  );

  it("correlation lets a responses-only mailbox accept", () => {
    const input = { ...base, direction: "incoming" as const, receivingMailbox: receiving("responsesToTrackedEmail"), otherMailboxes: [] };
    expect(decideAcceptance(input)).toEqual({ accepted: false });
    expect(decideAcceptance({ ...input, correlated: true })).toEqual({ accepted: true, acceptingEntity: OWNER });
  });

  it("accepts without an accepting entity when the receiving mailbox has no owner record", () => {
    expect(
      decideAcceptance({ ...base, direction: "incoming", receivingMailbox: { settings: mailbox({ incomingEmailFilter: "all" }) }, otherMailboxes: [] }),
    ).toEqual({ accepted: true });
  });

  it("other mailboxes judge the sender with their own filter", () => {
    const colleagueSender = { ...base, senderRecords: [record("systemuser", "colleague")] };
    expect(
      decideAcceptance({ ...colleagueSender, direction: "incoming", receivingMailbox: receiving("none"), otherMailboxes: [adeleContacts] }),
    ).toEqual({ accepted: false });
  });
});

describe("checkGates: approval", () => {
  const pass = { pass: true };
  const held = { pass: false, reason: "mailboxNotApproved" };
  it.each([
    ["a user mailbox without a status (configured before approval existed)", { kind: "user" as const }, {}, pass],
    ["an approved user mailbox", { kind: "user" as const, approvalStatus: "approved" as const }, {}, pass],
    ["a pending user mailbox", { kind: "user" as const, approvalStatus: "pendingApproval" as const }, {}, held],
    ["an empty user mailbox", { kind: "user" as const, approvalStatus: "empty" as const }, {}, held],
    ["a rejected queue", { kind: "queue" as const, trackedFolders: [], approvalStatus: "rejected" as const }, {}, held],
    ["a pending user mailbox, users' switch off", { kind: "user" as const, approvalStatus: "pendingApproval" as const }, { processEmailOnlyForApprovedUsers: false }, pass],
    ["a pending queue, only the users' switch off", { kind: "queue" as const, trackedFolders: [], approvalStatus: "pendingApproval" as const }, { processEmailOnlyForApprovedUsers: false }, held],
    ["a pending queue, queues' switch off", { kind: "queue" as const, trackedFolders: [], approvalStatus: "pendingApproval" as const }, { processEmailOnlyForApprovedQueues: false }, pass],
  ])("%s", (_name, mailboxOverrides, organizationOverrides, expected) => {
    expect(checkGates(gateInput({ mailbox: mailboxOverrides, organization: organizationOverrides }))).toEqual(expected);
  });

  it("comes after the disabled gate and before manual tracking", () => {
    expect(checkGates(gateInput({ mailbox: { enabled: false, approvalStatus: "rejected" } }))).toEqual({ pass: false, reason: "mailboxDisabled" });
    expect(checkGates(gateInput({ folder: tracked("Customers/Contoso"), mailbox: { approvalStatus: "pendingApproval" } }))).toEqual(held);
  });
});
