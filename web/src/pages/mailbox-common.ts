// What the mailbox list and the mailbox page share: the API's mailbox shape, its addresses, the
// actions a viewer's roles allow, and how a Test & Enable result reads.
import { html, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { describeError, formatTime, labelOf } from "../format.js";

export const MAILBOXES_PATH = "/admin/mailboxes";
export const mailboxPath = (address: string) => `${MAILBOXES_PATH}/${encodeURIComponent(address)}`;

export interface TestResult {
  status: "notRun" | "success" | "failure";
  at?: string;
  reason?: string;
}

export interface RecordRef {
  type: string;
  id: string;
}

/** GET /admin/mailboxes/{address}: the mailbox's settings and its Test & Enable status. */
export interface MailboxView {
  address: string;
  kind: "user" | "queue";
  enabled: boolean;
  approvalStatus?: string;
  incomingSyncMethod?: string;
  outgoingSyncMethod?: string;
  incomingEmailFilter?: string;
  trackedFolders?: Array<{ folder: string; regarding: RecordRef }>;
  processEmailReceivedAfter?: string;
  ownerObjectId?: string;
  status?: { incoming: TestResult; outgoing: TestResult };
}

export const PERSONAL_OPTIONS_ROUTE = `${MAILBOXES_PATH}/{address}/personal-options`;

/** Whether the viewer owns the mailbox: the API lets owners read it and change their personal options. */
export function ownsMailbox(mailbox: MailboxView, viewer: Pick<Viewer, "objectId">): boolean {
  return mailbox.ownerObjectId !== undefined && mailbox.ownerObjectId.toLowerCase() === viewer.objectId.toLowerCase();
}

/**
 * Which personal options the viewer may change: all of them (Tracking.Admin, PATCH on the mailbox),
 * the owner's own (PATCH …/personal-options), or none.
 */
export type OptionsEditing = "all" | "personal" | "none";

export function optionsEditing(mailbox: MailboxView, viewer: Viewer): OptionsEditing {
  if (viewer.canEdit) return "all";
  return ownsMailbox(mailbox, viewer) && viewer.apiPaths.has(PERSONAL_OPTIONS_ROUTE) ? "personal" : "none";
}

export interface MailboxAction {
  /** The last segment of the action's route, POST /admin/mailboxes/{address}/<id>. */
  id: "approve" | "reject" | "test-and-enable" | "disable" | "resync";
  label: string;
}

export interface Viewer {
  canEdit: boolean;
  canApprove: boolean;
  /** Tracking.Read or Tracking.Admin: every mailbox may be read. Without it, only those the viewer owns. */
  canRead: boolean;
  /** The signed-in user's oid, to tell whether they own a mailbox (its ownerObjectId). */
  objectId: string;
  /** The routes the API describes: an action whose route it lacks is not offered. */
  apiPaths: ReadonlySet<string>;
}

/** The actions a viewer may take on a mailbox, in the order shown. The API checks the roles again. */
export function mailboxActions(mailbox: MailboxView, viewer: Viewer): MailboxAction[] {
  const offered = (id: MailboxAction["id"]) => viewer.apiPaths.has(`${MAILBOXES_PATH}/{address}/${id}`);
  const actions: MailboxAction[] = [];
  if (viewer.canApprove && mailbox.approvalStatus !== "approved") actions.push({ id: "approve", label: "Approve" });
  if (viewer.canApprove && mailbox.approvalStatus !== "rejected") actions.push({ id: "reject", label: "Reject" });
  if (viewer.canEdit) actions.push({ id: "test-and-enable", label: "Test & Enable" });
  if (viewer.canEdit && mailbox.enabled) actions.push({ id: "disable", label: "Disable" });
  if (viewer.canEdit && mailbox.enabled && offered("resync")) actions.push({ id: "resync", label: "Resync" });
  return actions.filter((action) => offered(action.id));
}

export interface ActionOutcome {
  ok: boolean;
  text: string;
}

/** Runs an action and says how it went, in the API's words when it refused. */
export async function runMailboxAction(api: Api, mailbox: Pick<MailboxView, "address">, action: MailboxAction): Promise<ActionOutcome> {
  try {
    const { body } = await api.request<unknown>("POST", `${mailboxPath(mailbox.address)}/${action.id}`, { body: {} });
    if (action.id === "test-and-enable") {
      const result = body as { mailbox: MailboxView; enabled: boolean };
      const status = result.mailbox.status;
      const reasons = [status?.incoming, status?.outgoing].map((r) => r?.reason).filter((r): r is string => r !== undefined);
      return result.enabled
        ? { ok: true, text: `Test & Enable passed for ${mailbox.address} (${describeStatus(status)}): the mailbox is enabled.` }
        : { ok: false, text: `Test & Enable failed for ${mailbox.address} (${describeStatus(status)}): ${reasons.join("; ") || "no folder could be read"}. The mailbox stays disabled.` };
    }
    if (action.id === "resync") {
      const queued = body as { folders: number };
      return { ok: true, text: `Resync queued for ${mailbox.address}: ${queued.folders === 1 ? "1 catch-up" : `${queued.folders} catch-ups`}. Their progress shows in the mailbox's health.` };
    }
    return { ok: true, text: `${action.label}: done for ${mailbox.address}.` };
  } catch (error) {
    return { ok: false, text: `${action.label} was refused for ${mailbox.address}: ${describeError(error)}` };
  }
}

function describeStatus(status: MailboxView["status"]): string {
  return `incoming ${labelOf(status?.incoming.status ?? "notRun").toLowerCase()}, outgoing ${labelOf(status?.outgoing.status ?? "notRun").toLowerCase()}`;
}

export function renderTestResult(result: TestResult | undefined): TemplateResult {
  if (!result) return html`—`;
  return html`<span class="status status--${result.status}">${labelOf(result.status)}</span>
    ${result.at ? html`<span class="status__time">${formatTime(result.at)}</span>` : nothing}
    ${result.reason ? html`<span class="status__reason">${result.reason}</span>` : nothing}`;
}

/** The last action's outcome, announced politely when done and assertively when refused or failed. */
export function renderOutcome(outcome: ActionOutcome | undefined): TemplateResult {
  return html`<div aria-live="polite">
    ${outcome
      ? html`<p class="notice ${outcome.ok ? "notice--ok" : "notice--error"}" role=${outcome.ok ? "status" : "alert"} data-testid="action-outcome">${outcome.text}</p>`
      : nothing}
  </div>`;
}
