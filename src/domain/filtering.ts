// Which mail is processed (gates) and which is accepted for tracking (the incoming email filter).

import type { EmailEnvelope } from "./message.js";
import type {
  DecisionReason,
  Direction,
  Folder,
  IncomingEmailFilter,
  MailboxSettings,
  OrganizationSettings,
  RecordRef,
  RecordType,
} from "./types.js";
import type { GateStep, MailboxJudgement, TracedRecord } from "./trace.js";

/** Tracking a person asked for: email the app sent, or a message a user chose to track. */
export interface ManualTracking {
  reason: "sentByApp" | "trackedByUser";
  regarding?: RecordRef;
}

export type GateBypass = { reason: "trackedFolder" | "trackingCategory" | ManualTracking["reason"]; regarding?: RecordRef };

export type GateResult = { pass: false; reason: DecisionReason } | { pass: true; bypass?: GateBypass };

export interface GateInput {
  folder: Folder;
  mailbox: MailboxSettings;
  organization: OrganizationSettings;
  envelope: Pick<EmailEnvelope, "isDraft" | "categories" | "automated" | "receivedOn" | "sentOn">;
  /** Manual tracking: like a tracked folder it bypasses the filters, but not a disabled mailbox. */
  manual?: ManualTracking;
}

const sameName = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

function beforeStartDate(input: GateInput): boolean {
  const start = input.mailbox.processEmailReceivedAfter;
  if (start === undefined) return false;
  const { receivedOn, sentOn } = input.envelope;
  // Sent Items are dated by when they were sent; everything else by when it arrived.
  const when = input.folder.kind === "sentitems" ? (sentOn ?? receivedOn) : (receivedOn ?? sentOn);
  if (when === undefined) return false; // undated mail is processed rather than silently dropped
  const startTime = Date.parse(start);
  const time = Date.parse(when);
  return !Number.isNaN(startTime) && !Number.isNaN(time) && time < startTime;
}

/**
 * Whether the organization holds this mailbox's mail back because its address is not approved
 * ("Process emails only for approved users / queues"). Receiving and sending use the same rule.
 */
export function heldForApproval(mailbox: Pick<MailboxSettings, "kind" | "approvalStatus">, organization: OrganizationSettings): boolean {
  if (mailbox.approvalStatus === undefined || mailbox.approvalStatus === "approved") return false;
  return mailbox.kind === "queue" ? organization.processEmailOnlyForApprovedQueues : organization.processEmailOnlyForApprovedUsers;
}

/** A gate's verdict: undefined lets the message on to the next gate. */
type Verdict = { step: GateStep; result?: GateResult };

/**
 * The rules that decide, before any resolution or correlation, whether a message is processed,
 * in a fixed order, each step recorded. Manual tracking (the app's own email, a tracked folder,
 * the tracking category) bypasses the filter.
 */
export function traceGates(input: GateInput): { result: GateResult; steps: GateStep[] } {
  const { folder, mailbox, organization, envelope } = input;
  const gates: Array<() => Verdict> = [
    () =>
      mailbox.enabled
        ? { step: { gate: "mailboxEnabled", outcome: "pass" } }
        : { step: { gate: "mailboxEnabled", outcome: "fail" }, result: { pass: false, reason: "mailboxDisabled" } },
    () =>
      heldForApproval(mailbox, organization)
        ? { step: { gate: "mailboxApproved", outcome: "fail", detail: mailbox.approvalStatus ?? "" }, result: { pass: false, reason: "mailboxNotApproved" } }
        : { step: { gate: "mailboxApproved", outcome: "pass" } },
    () => {
      if (!input.manual) return { step: { gate: "manualTracking", outcome: "pass" } };
      const bypass: GateBypass = { reason: input.manual.reason, ...(input.manual.regarding ? { regarding: input.manual.regarding } : {}) };
      return { step: { gate: "manualTracking", outcome: "bypass", detail: input.manual.reason }, result: { pass: true, bypass } };
    },
    // Incoming sync "none": the mailbox is not processed at all, Sent Items included.
    () =>
      mailbox.incomingSyncMethod === "none"
        ? { step: { gate: "incomingSync", outcome: "fail" }, result: { pass: false, reason: "incomingSyncDisabled" } }
        : { step: { gate: "incomingSync", outcome: "pass" } },
    () =>
      beforeStartDate(input)
        ? { step: { gate: "startDate", outcome: "fail", detail: mailbox.processEmailReceivedAfter ?? "" }, result: { pass: false, reason: "beforeStartDate" } }
        : { step: { gate: "startDate", outcome: "pass" } },
    () =>
      envelope.isDraft
        ? { step: { gate: "draft", outcome: "fail" }, result: { pass: false, reason: "draft" } }
        : { step: { gate: "draft", outcome: "pass" } },
    () => {
      if (folder.kind !== "tracked" || !organization.useFolderLevelTracking) return { step: { gate: "trackedFolder", outcome: "pass" } };
      const tracked = mailbox.trackedFolders.find((f) => sameName(f.folder, folder.name));
      if (!tracked) return { step: { gate: "trackedFolder", outcome: "pass", detail: folder.name } };
      const bypass: GateBypass = { reason: "trackedFolder", regarding: { ...tracked.regarding } };
      return { step: { gate: "trackedFolder", outcome: "bypass", detail: tracked.folder }, result: { pass: true, bypass } };
    },
    // The category marks mail for tracking wherever it is, so it is checked before folder rules.
    () =>
      organization.trackCategorizedItems && envelope.categories.some((category) => sameName(category, organization.trackingCategory))
        ? { step: { gate: "trackingCategory", outcome: "bypass", detail: organization.trackingCategory }, result: { pass: true, bypass: { reason: "trackingCategory" } } }
        : { step: { gate: "trackingCategory", outcome: "pass" } },
    () =>
      folder.kind === "tracked"
        ? { step: { gate: "folderTracked", outcome: "fail", detail: folder.name }, result: { pass: false, reason: "folderNotTracked" } }
        : { step: { gate: "folderTracked", outcome: "pass" } },
    () =>
      folder.kind === "sentitems" && !organization.autoTrackSentFolderItems
        ? { step: { gate: "sentItems", outcome: "fail" }, result: { pass: false, reason: "sentItemsNotAutoTracked" } }
        : { step: { gate: "sentItems", outcome: "pass" } },
    () =>
      organization.skipAutomatedEmail && (envelope.automated.autoReply || envelope.automated.bulk)
        ? { step: { gate: "automatedEmail", outcome: "fail", detail: envelope.automated.evidence.join("; ") }, result: { pass: false, reason: "automatedEmail" } }
        : { step: { gate: "automatedEmail", outcome: "pass" } },
  ];
  const steps: GateStep[] = [];
  for (const gate of gates) {
    const verdict = gate();
    steps.push(verdict.step);
    if (verdict.result) return { result: verdict.result, steps };
  }
  return { result: { pass: true }, steps };
}

/** The gates' verdict without the trace. */
export function checkGates(input: GateInput): GateResult {
  return traceGates(input).result;
}

export interface FilterInput {
  direction: Direction;
  senderRecords: RecordRef[];
  /** To + Cc + Bcc, flattened. */
  recipientRecords: RecordRef[];
  correlated: boolean;
  /** The user owning the mailbox: for sent mail, mail to oneself doesn't count as mail to a record. */
  mailboxOwner?: RecordRef;
}

const LEADS_CONTACTS_ACCOUNTS: readonly RecordType[] = ["contact", "account", "lead"];

const sameRecord = (a: RecordRef, b: RecordRef | undefined): boolean =>
  b !== undefined && a.type === b.type && a.id.toLowerCase() === b.id.toLowerCase();

/**
 * A mailbox's IncomingEmailFilteringMethod. Incoming mail is judged by its sender; sent mail
 * (Sent Items) by its recipients. For sent mail "email-enabled records" counts every record
 * type except the sending mailbox's own user.
 */
export function passesFilter(filter: IncomingEmailFilter, input: FilterInput): boolean {
  const parties =
    input.direction === "incoming"
      ? input.senderRecords
      : input.recipientRecords.filter((record) => !sameRecord(record, input.mailboxOwner));
  switch (filter) {
    case "all":
      return true;
    case "responsesToTrackedEmail":
      return input.correlated;
    case "fromLeadsContactsAccounts":
      return parties.some((record) => LEADS_CONTACTS_ACCOUNTS.includes(record.type));
    case "fromEmailEnabledRecords":
      return parties.length > 0;
    case "none":
      return false;
    default:
      return false; // an unknown filter accepts nothing
  }
}

export interface AcceptanceInput {
  direction: Direction;
  receivingMailbox: { settings: MailboxSettings; owner?: RecordRef };
  /** Organization mailboxes among the resolved user/queue recipients (incoming mail only). */
  otherMailboxes: Array<{ settings: MailboxSettings; owner: RecordRef }>;
  senderRecords: RecordRef[];
  recipientRecords: RecordRef[];
  correlated: boolean;
}

export type Acceptance = { accepted: true; acceptingEntity?: RecordRef } | { accepted: false };

/** Other mailboxes considered for acceptance, at most: each costs a settings read. */
export const MAX_OTHER_MAILBOXES = 25;

/**
 * Which recipients' mailboxes may accept incoming email for everyone: the system users and
 * queues among the resolved recipients other than the receiving mailbox, in recipient order,
 * at most MAX_OTHER_MAILBOXES (`notJudged` counts the rest).
 */
export function otherMailboxCandidates(
  recipients: ReadonlyArray<{ address: string; records: RecordRef[] }>,
  receivingMailbox: string,
): { candidates: Array<{ address: string; owner: RecordRef }>; notJudged: number } {
  const all = recipients
    .filter((party) => party.address !== receivingMailbox)
    .flatMap((party) =>
      party.records
        .filter((record) => record.type === "systemuser" || record.type === "queue")
        .map((record) => ({ address: party.address, owner: record })),
    );
  return { candidates: all.slice(0, MAX_OTHER_MAILBOXES), notJudged: Math.max(0, all.length - MAX_OTHER_MAILBOXES) };
}

export interface TracedAcceptanceInput extends Omit<AcceptanceInput, "otherMailboxes" | "receivingMailbox"> {
  receivingMailbox: { settings: MailboxSettings; owner?: TracedRecord };
  /** `settings` undefined: the recipient's mailbox is not configured in the tracker. */
  otherMailboxes: Array<{ address: string; settings: MailboxSettings | undefined; owner: TracedRecord }>;
}

/**
 * Tracked if the receiving mailbox's filter accepts, or (incoming only) any other enabled,
 * synchronised mailbox among the recipients accepts under its own filter; the accepting
 * entity is the owner of the mailbox that accepted. Every mailbox judged is recorded.
 */
export function traceAcceptance(input: TracedAcceptanceInput): { acceptance: Acceptance; judged: MailboxJudgement[]; acceptingEntity?: TracedRecord } {
  const facts = {
    direction: input.direction,
    senderRecords: input.senderRecords,
    recipientRecords: input.recipientRecords,
    correlated: input.correlated,
  };
  const receiving = input.receivingMailbox;
  const judged: MailboxJudgement[] = [];
  const judge = (settings: MailboxSettings, owner: TracedRecord | undefined, outcome: MailboxJudgement["outcome"]) =>
    judged.push({ mailbox: settings.address, filter: settings.incomingEmailFilter, outcome, ...(owner ? { owner } : {}) });
  const accepted = (owner: TracedRecord | undefined) => ({
    acceptance: owner ? { accepted: true as const, acceptingEntity: { type: owner.type, id: owner.id } } : { accepted: true as const },
    judged,
    ...(owner ? { acceptingEntity: owner } : {}),
  });

  if (passesFilter(receiving.settings.incomingEmailFilter, { ...facts, ...(receiving.owner ? { mailboxOwner: receiving.owner } : {}) })) {
    judge(receiving.settings, receiving.owner, "accepted");
    return accepted(receiving.owner);
  }
  judge(receiving.settings, receiving.owner, "rejected");
  if (input.direction !== "incoming") return { acceptance: { accepted: false }, judged };
  for (const other of input.otherMailboxes) {
    if (!other.settings) {
      judged.push({ mailbox: other.address, filter: "none", outcome: "notConfigured", owner: other.owner });
      continue;
    }
    if (other.settings.address === receiving.settings.address) {
      judge(other.settings, other.owner, "sameMailbox"); // already judged above
      continue;
    }
    if (!other.settings.enabled) {
      judge(other.settings, other.owner, "disabled");
      continue;
    }
    if (other.settings.incomingSyncMethod !== "serverSideSync") {
      judge(other.settings, other.owner, "notSynchronised");
      continue;
    }
    if (passesFilter(other.settings.incomingEmailFilter, { ...facts, mailboxOwner: other.owner })) {
      judge(other.settings, other.owner, "accepted");
      return accepted(other.owner);
    }
    judge(other.settings, other.owner, "rejected");
  }
  return { acceptance: { accepted: false }, judged };
}

/** The acceptance verdict without the trace. */
export function decideAcceptance(input: AcceptanceInput): Acceptance {
  return traceAcceptance({
    ...input,
    otherMailboxes: input.otherMailboxes.map((other) => ({ address: other.settings.address, settings: other.settings, owner: other.owner })),
  }).acceptance;
}
