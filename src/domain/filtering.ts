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

export type GateBypass = { reason: "trackedFolder" | "trackingCategory"; regarding?: RecordRef };

export type GateResult = { pass: false; reason: DecisionReason } | { pass: true; bypass?: GateBypass };

export interface GateInput {
  folder: Folder;
  mailbox: MailboxSettings;
  organization: OrganizationSettings;
  envelope: Pick<EmailEnvelope, "isDraft" | "categories" | "automated" | "receivedOn" | "sentOn">;
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

/**
 * The rules that decide, before any resolution or correlation, whether a message is processed,
 * in a fixed order. Manual tracking (tracked folder, tracking category) bypasses the filter.
 */
export function checkGates(input: GateInput): GateResult {
  const { folder, mailbox, organization, envelope } = input;
  if (!mailbox.enabled) return { pass: false, reason: "mailboxDisabled" };
  if (heldForApproval(mailbox, organization)) return { pass: false, reason: "mailboxNotApproved" };
  // Incoming sync "none": the mailbox is not processed at all, Sent Items included.
  if (mailbox.incomingSyncMethod === "none") return { pass: false, reason: "incomingSyncDisabled" };
  if (beforeStartDate(input)) return { pass: false, reason: "beforeStartDate" };
  if (envelope.isDraft) return { pass: false, reason: "draft" };

  if (folder.kind === "tracked" && organization.useFolderLevelTracking) {
    const tracked = mailbox.trackedFolders.find((f) => sameName(f.folder, folder.name));
    if (tracked) return { pass: true, bypass: { reason: "trackedFolder", regarding: { ...tracked.regarding } } };
  }
  // The category marks mail for tracking wherever it is, so it is checked before folder rules.
  if (
    organization.trackCategorizedItems &&
    envelope.categories.some((category) => sameName(category, organization.trackingCategory))
  ) {
    return { pass: true, bypass: { reason: "trackingCategory" } };
  }
  if (folder.kind === "tracked") return { pass: false, reason: "folderNotTracked" };
  if (folder.kind === "sentitems" && !organization.autoTrackSentFolderItems) {
    return { pass: false, reason: "sentItemsNotAutoTracked" };
  }
  if (organization.skipAutomatedEmail && (envelope.automated.autoReply || envelope.automated.bulk)) {
    return { pass: false, reason: "automatedEmail" };
  }
  return { pass: true };
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

/**
 * Tracked if the receiving mailbox's filter accepts, or (incoming only) any other enabled,
 * synchronised mailbox among the recipients accepts under its own filter; the accepting
 * entity is the owner of the mailbox that accepted.
 */
export function decideAcceptance(input: AcceptanceInput): Acceptance {
  const facts = {
    direction: input.direction,
    senderRecords: input.senderRecords,
    recipientRecords: input.recipientRecords,
    correlated: input.correlated,
  };
  const receiving = input.receivingMailbox;
  if (
    passesFilter(receiving.settings.incomingEmailFilter, {
      ...facts,
      ...(receiving.owner ? { mailboxOwner: receiving.owner } : {}),
    })
  ) {
    return receiving.owner ? { accepted: true, acceptingEntity: receiving.owner } : { accepted: true };
  }
  if (input.direction !== "incoming") return { accepted: false };
  for (const other of input.otherMailboxes) {
    if (!other.settings.enabled || other.settings.incomingSyncMethod !== "serverSideSync") continue;
    if (other.settings.address === receiving.settings.address) continue; // already judged above
    if (passesFilter(other.settings.incomingEmailFilter, { ...facts, mailboxOwner: other.owner })) {
      return { accepted: true, acceptingEntity: other.owner };
    }
  }
  return { accepted: false };
}
