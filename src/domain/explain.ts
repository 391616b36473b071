// The one renderer of a decision trace: one or two plain sentences a CRM admin can read. The
// replay, the stored activity and (later) the admin API and page all show this text.
import type { AddressResolution, CandidateSummary, CorrelationStep, DecisionTrace, GateStep, MailboxJudgement, TracedRecord } from "./trace.js";
import type { IncomingEmailFilter, RecordRef, RecordType } from "./types.js";

const TYPE_LABELS: Record<RecordType, string> = {
  systemuser: "User",
  contact: "Contact",
  account: "Account",
  lead: "Lead",
  equipment: "Facility/Equipment",
  team: "Team",
  businessunit: "Business Unit",
  queue: "Queue",
  custom: "Record",
};

const FILTER_LABELS: Record<IncomingEmailFilter, string> = {
  all: "all email messages",
  responsesToTrackedEmail: "email messages in response to tracked email",
  fromLeadsContactsAccounts: "email messages from leads, contacts and accounts",
  fromEmailEnabledRecords: "email messages from records that are email enabled",
  none: "no email messages",
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "3 May 2025" (UTC), or the text as given when it is not a date. */
function day(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.getUTCDate()} ${MONTHS[time.getUTCMonth()]} ${time.getUTCFullYear()}`;
}

const typeLabel = (type: RecordType): string => TYPE_LABELS[type] ?? "Record";

/** "Contact Ana Ruiz", or "Contact c-42" when the record has no name. */
export function recordLabel(record: TracedRecord | RecordRef): string {
  const name = "name" in record && record.name ? record.name : undefined;
  return name ? `${typeLabel(record.type)} ${name}` : `${typeLabel(record.type)} ${record.id}`;
}

/** The Message-ID of a `mid:` key, in angle brackets. */
const messageIdOf = (key: string) => `<${key.replace(/^mid:/, "")}>`;

const quoted = (subject: string | undefined) => (subject && subject.trim() !== "" ? `'${subject.trim()}'` : undefined);

function emailName(candidate: CandidateSummary): string {
  return quoted(candidate.subject) ?? `the email <${candidate.internetMessageId}>`;
}

function linkClause(trace: DecisionTrace): string | undefined {
  const step = trace.correlation.find((tried) => tried.outcome === "matched");
  const smart = trace.smartMatching?.matched;
  let clause: string | undefined;
  if (step?.candidate) clause = `Linked to ${emailName(step.candidate)} ${becauseOf(step, step.candidate)}`;
  else if (smart) {
    clause = `Linked to ${emailName(smart)} by smart matching: the same subject words, and ${smart.sharedAddresses} addresses shared with that email, tracked on ${day(smart.activityTime)}`;
  }
  if (!clause) return undefined;
  if (trace.regarding?.from === "correlation") clause += `; regarding ${recordLabel(trace.regarding.record)} copied from it`;
  return clause;
}

function becauseOf(step: CorrelationStep, candidate: CandidateSummary): string {
  const when = `tracked on ${day(candidate.activityTime)}`;
  switch (step.method) {
    case "inReplyTo":
      return `because its In-Reply-To names ${messageIdOf(step.key)}, a message ${when}`;
    case "references":
      return `because its References name ${messageIdOf(step.key)}, a message ${when}`;
    case "trackingToken":
      return `because its subject carries the tracking token ${step.key.replace(/^tok:/, "")}, last on a message ${when}`;
    case "conversationIndex":
      return `because it continues the Outlook conversation (ConversationIndex) of a message ${when}`;
  }
}

/** Why nothing was linked, briefly. */
function notLinkedClause(trace: DecisionTrace): string {
  const tried = trace.correlation;
  const ids = tried.filter((step) => step.method === "inReplyTo" || step.method === "references").length;
  const parts: string[] = [];
  if (ids > 0) parts.push(ids === 1 ? "its In-Reply-To/References Message-ID names no tracked email" : `none of its ${ids} In-Reply-To/References Message-IDs names a tracked email`);
  if (tried.some((step) => step.method === "trackingToken")) parts.push("its tracking token is on no tracked email");
  if (tried.some((step) => step.method === "conversationIndex")) parts.push("its conversation has no tracked email");
  const self = tried.filter((step) => step.outcome === "self").length;
  if (self > 0) parts.push("it only refers to itself");
  const smart = trace.smartMatching;
  if (smart && !smart.skipped) parts.push(smart.candidates === 0 ? "smart matching found no candidate" : `smart matching passed over ${smart.candidates} candidates`);
  if (parts.length === 0) return "it carries nothing to link it to earlier email";
  return parts.join(", ");
}

function gateSentence(gate: GateStep, trace: DecisionTrace): string {
  switch (gate.gate) {
    case "mailboxConfigured":
      return `Not tracked: the mailbox ${trace.mailbox} is not configured for tracking.`;
    case "mailboxEnabled":
      return `Not tracked: the mailbox ${trace.mailbox} is disabled.`;
    case "mailboxApproved":
      return `Not tracked: the mailbox ${trace.mailbox}'s address is not approved (${gate.detail ?? ""}), and the organization processes email only for approved mailboxes.`;
    case "incomingSync":
      return `Not tracked: incoming email synchronization is off for ${trace.mailbox}.`;
    case "startDate":
      return `Not tracked: it is dated before ${trace.mailbox} starts processing email (${day(gate.detail ?? "")}).`;
    case "draft":
      return "Not tracked: it is a draft.";
    case "folderTracked":
      return `Not tracked: the folder '${gate.detail ?? ""}' is not a tracked folder.`;
    case "sentItems":
      return "Not tracked: Sent Items are not tracked automatically (autoTrackSentFolderItems is off).";
    case "automatedEmail":
      return `Not tracked: it is automated email (${gate.detail ?? "auto-reply or bulk"}) and skipAutomatedEmail is on.`;
    default:
      return `Not tracked: the ${gate.gate} check stopped it.`;
  }
}

function filterRefusal(judged: MailboxJudgement, trace: DecisionTrace): string {
  const party = trace.direction === "incoming" ? "the sender" : "no recipient";
  switch (judged.filter) {
    case "responsesToTrackedEmail":
      return `it answers no tracked email (${notLinkedClause(trace)})`;
    case "fromLeadsContactsAccounts":
      return trace.direction === "incoming" ? "the sender resolves to no contact, account or lead" : `${party} resolves to a contact, account or lead`;
    case "fromEmailEnabledRecords":
      return trace.direction === "incoming" ? "the sender resolves to no record" : `${party} resolves to a record`;
    default:
      return "it accepts no email";
  }
}

function acceptanceClause(trace: DecisionTrace): string {
  const acceptance = trace.acceptance;
  if (!acceptance) return "Tracked";
  if (acceptance.rule === "bypass") {
    const folder = trace.folder.kind === "tracked" ? trace.folder.name : "";
    if (acceptance.bypass === "trackedFolder") return `Tracked because it is in the tracked folder '${folder}'`;
    if (acceptance.bypass === "trackingCategory") return "Tracked because it carries the tracking category";
    if (acceptance.bypass === "trackedByUser") return "Tracked because a user asked to track it";
    return "Tracked because the app sent it";
  }
  const accepted = acceptance.judged.find((judged) => judged.outcome === "accepted");
  if (!accepted) return "Tracked";
  const who = accepted.mailbox === trace.mailbox ? `${trace.mailbox} tracks` : `${accepted.mailbox}${accepted.owner ? ` (${recordLabel(accepted.owner)})` : ""}, also a recipient, tracks`;
  return `Tracked because ${who} ${FILTER_LABELS[accepted.filter]}`;
}

function senderSentence(trace: DecisionTrace): string | undefined {
  const from = trace.addresses.find((resolution) => resolution.role === "from");
  if (!from) return undefined;
  return `Sender ${resolutionText(from)}.`;
}

function resolutionText(resolution: AddressResolution): string {
  const chosen = resolution.chosen[0];
  const sameType = (type: RecordType) => resolution.found.filter((found) => found.type === type).length;
  switch (resolution.rule) {
    case "noRecords":
      return `${resolution.address} matches no record`;
    case "onlyInactive":
      return `${resolution.address} matches only inactive records (${resolution.inactive})`;
    case "tooManyMatches":
      return `${resolution.address} stays unresolved: more than 100 records have the address`;
    case "ambiguousUnresolved":
      return `${resolution.address} stays unresolved: ${resolution.found.length} records have the address and unresolving multiple matches is on`;
    case "typePrecedence":
      return `resolved to ${recordLabel(chosen as TracedRecord)} (a ${typeLabel((chosen as TracedRecord).type)} outranks the ${typeLabel((resolution.passedOver as TracedRecord).type)} with the same address)`;
    case "mailboxOwner":
      return `resolved to ${recordLabel(chosen as TracedRecord)} (of ${sameType((chosen as TracedRecord).type)} ${typeLabel((chosen as TracedRecord).type)} records with the address, the one the mailbox's owner owns)`;
    case "firstCreated":
      return `resolved to ${recordLabel(chosen as TracedRecord)} (the first created of ${sameType((chosen as TracedRecord).type)} ${typeLabel((chosen as TracedRecord).type)} records with the address)`;
    default:
      return `resolved to ${resolution.chosen.map(recordLabel).join(", ")}`;
  }
}

/** One or two sentences saying what was decided and why. */
export function explainDecision(trace: DecisionTrace): string {
  const sender = senderSentence(trace);
  const withSender = (first: string) => (sender ? `${first} ${sender}` : first);
  if (trace.existingActivity) {
    const earlier = trace.existingActivity.why ? ` ${trace.existingActivity.why}` : "";
    if (trace.refiled) {
      return `Already tracked on ${day(trace.existingActivity.createdOn)}; moved into the tracked folder "${trace.refiled.folder}", so its regarding is now ${recordLabel(trace.refiled.to)}.${earlier}`;
    }
    return `Already tracked on ${day(trace.existingActivity.createdOn)} (another copy or an earlier delivery of this email).${earlier}`;
  }
  const failed = trace.gates.find((gate) => gate.outcome === "fail");
  if (failed) return gateSentence(failed, trace);
  if (!trace.outcome.tracked) {
    const receiving = trace.acceptance?.judged[0];
    if (!receiving) return `Not tracked (${trace.outcome.reason}).`;
    const others = (trace.acceptance?.judged.length ?? 1) - 1;
    const nobodyElse = others > 0 ? `, nor did the ${others} other mailbox${others === 1 ? "" : "es"} among the recipients` : "";
    return withSender(`Not tracked: ${trace.mailbox} tracks ${FILTER_LABELS[receiving.filter]}, and ${filterRefusal(receiving, trace)}${nobodyElse}.`);
  }
  const link = linkClause(trace);
  const accepted = acceptanceClause(trace);
  const regarding = trace.regarding && trace.regarding.from !== "correlation" ? `; regarding ${recordLabel(trace.regarding.record)}` : "";
  // When a link explains it, acceptance by the receiving mailbox's own filter goes without saying.
  const ownFilter = trace.acceptance?.rule === "filter" && trace.acceptance.judged[0]?.outcome === "accepted";
  if (link) return withSender(ownFilter ? `${link}.` : `${accepted}${regarding}. ${link}.`);
  return withSender(`${accepted}${regarding}; not linked to earlier email (${notLinkedClause(trace)}).`);
}
