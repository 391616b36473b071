// Mailboxes: every mailbox with its approval, incoming and outgoing status, whether it is enabled,
// and the actions its viewer's roles allow (Approve, Test & Enable, Disable). The API decides;
// the page shows its answer, including its reasons for a refusal.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { ApiError, type Api } from "../api.js";

const LIST_PATH = "/admin/mailboxes";
const actionPath = (address: string, action: string) => `${LIST_PATH}/${encodeURIComponent(address)}/${action}`;

interface TestResult {
  status: "notRun" | "success" | "failure";
  at?: string;
  reason?: string;
}

export interface MailboxView {
  address: string;
  kind: "user" | "queue";
  approvalStatus?: string;
  enabled?: boolean;
  status?: { incoming?: TestResult; outgoing?: TestResult };
  coveredUpTo?: string;
  lastError?: string;
}

type Action = { id: "approve" | "test-and-enable" | "disable"; label: string };

const APPROVAL_LABELS: Record<string, string> = {
  empty: "Empty",
  approved: "Approved",
  pendingApproval: "Pending approval",
  rejected: "Rejected",
};

const TEST_LABELS: Record<TestResult["status"], string> = { notRun: "Not run", success: "Success", failure: "Failure" };

export class MailboxesPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    canEdit: { attribute: false },
    canApprove: { attribute: false },
    mailboxes: { state: true },
    continuationToken: { state: true },
    loadError: { state: true },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  declare canEdit: boolean;
  declare canApprove: boolean;
  declare mailboxes: MailboxView[] | undefined;
  declare continuationToken: string | undefined;
  declare loadError: string | undefined;
  /** The address an action is running for. */
  declare busy: string | undefined;
  declare outcome: { address: string; ok: boolean; text: string } | undefined;

  constructor() {
    super();
    this.canEdit = false;
    this.canApprove = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(options: { more?: boolean } = {}): Promise<void> {
    try {
      const query = options.more && this.continuationToken ? `?continuationToken=${encodeURIComponent(this.continuationToken)}` : "";
      const { body } = await this.api.request<{ items: MailboxView[]; continuationToken?: string }>("GET", `${LIST_PATH}${query}`);
      this.mailboxes = options.more ? [...(this.mailboxes ?? []), ...body.items] : body.items;
      this.continuationToken = body.continuationToken;
      this.loadError = undefined;
    } catch (error) {
      this.loadError = error instanceof ApiError ? error.problem.detail || error.problem.title : String(error);
    }
  }

  private actionsFor(mailbox: MailboxView): Action[] {
    const actions: Action[] = [];
    if (this.canApprove && mailbox.approvalStatus !== "approved") actions.push({ id: "approve", label: "Approve" });
    if (this.canEdit) actions.push({ id: "test-and-enable", label: "Test & Enable" });
    if (this.canEdit && mailbox.enabled) actions.push({ id: "disable", label: "Disable" });
    return actions;
  }

  private async run(mailbox: MailboxView, action: Action): Promise<void> {
    this.busy = mailbox.address;
    this.outcome = undefined;
    try {
      await this.api.request("POST", actionPath(mailbox.address, action.id), { body: {} });
      await this.load();
      const updated = this.mailboxes?.find((m) => m.address === mailbox.address);
      this.outcome = { address: mailbox.address, ok: true, text: `${action.label}: done for ${mailbox.address}.${describeTests(updated)}` };
    } catch (error) {
      const text = error instanceof ApiError ? error.problem.detail || error.problem.title : String(error);
      await this.load();
      this.outcome = { address: mailbox.address, ok: false, text: `${action.label} failed for ${mailbox.address}: ${text}` };
    } finally {
      this.busy = undefined;
    }
  }

  override render(): TemplateResult {
    return html`
      <h1 tabindex="-1">Mailboxes</h1>
      <p class="lead">
        Mailboxes whose email is tracked: approve their addresses, test their access to Exchange and enable them.
        ${this.canEdit || this.canApprove ? nothing : html`<strong>You can see the mailboxes; changing them needs the Tracking.Admin or Tracking.Approve role.</strong>`}
      </p>
      <div aria-live="polite">
        ${this.outcome
          ? html`<p class="notice ${this.outcome.ok ? "notice--ok" : "notice--error"}" role=${this.outcome.ok ? "status" : "alert"}>${this.outcome.text}</p>`
          : nothing}
      </div>
      ${this.loadError !== undefined
        ? html`<p class="notice notice--error" role="alert">The mailboxes could not be loaded: ${this.loadError}</p>`
        : this.mailboxes === undefined
          ? html`<p class="loading" role="status">Loading the mailboxes…</p>`
          : this.renderTable(this.mailboxes)}
    `;
  }

  private renderTable(mailboxes: MailboxView[]): TemplateResult {
    if (mailboxes.length === 0) return html`<p class="card">No mailboxes yet.</p>`;
    const withActions = this.canEdit || this.canApprove;
    return html`<div class="table-wrap">
        <table class="data-table">
          <caption class="visually-hidden">Mailboxes, their approval, status and actions</caption>
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">Approval</th>
              <th scope="col">Incoming</th>
              <th scope="col">Outgoing</th>
              <th scope="col">Enabled</th>
              <th scope="col">Covered up to</th>
              <th scope="col">Last error</th>
              ${withActions ? html`<th scope="col">Actions</th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${mailboxes.map(
              (mailbox) => html`<tr data-mailbox=${mailbox.address}>
                <th scope="row"><span class="mailbox__address">${mailbox.address}</span> <span class="tag">${mailbox.kind}</span></th>
                <td>${APPROVAL_LABELS[mailbox.approvalStatus ?? ""] ?? mailbox.approvalStatus ?? "—"}</td>
                <td>${renderTest(mailbox.status?.incoming)}</td>
                <td>${renderTest(mailbox.status?.outgoing)}</td>
                <td>${mailbox.enabled === undefined ? "—" : mailbox.enabled ? "Yes" : "No"}</td>
                <td>${mailbox.coveredUpTo ? formatTime(mailbox.coveredUpTo) : "—"}</td>
                <td class="cell--wrap">${mailbox.lastError ?? "—"}</td>
                ${withActions
                  ? html`<td class="actions">
                      ${this.actionsFor(mailbox).map(
                        (action) => html`<button class="button button--small" type="button" ?disabled=${this.busy !== undefined}
                          aria-label="${action.label} ${mailbox.address}" @click=${() => void this.run(mailbox, action)}>
                          ${this.busy === mailbox.address ? "…" : action.label}
                        </button>`,
                      )}
                    </td>`
                  : nothing}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${this.continuationToken ? html`<button class="button" type="button" @click=${() => void this.load({ more: true })}>Show more</button>` : nothing}`;
  }
}

customElements.define("mailboxes-page", MailboxesPage);

declare global {
  interface HTMLElementTagNameMap {
    "mailboxes-page": MailboxesPage;
  }
}

function renderTest(result: TestResult | undefined): TemplateResult {
  if (!result) return html`—`;
  return html`<span class="status status--${result.status}">${TEST_LABELS[result.status] ?? result.status}</span>
    ${result.at ? html`<span class="status__time">${formatTime(result.at)}</span>` : nothing}
    ${result.reason ? html`<span class="status__reason">${result.reason}</span>` : nothing}`;
}

function describeTests(mailbox: MailboxView | undefined): string {
  const incoming = mailbox?.status?.incoming?.status;
  const outgoing = mailbox?.status?.outgoing?.status;
  if (!incoming && !outgoing) return "";
  return ` Incoming: ${TEST_LABELS[incoming ?? "notRun"]}; outgoing: ${TEST_LABELS[outgoing ?? "notRun"]}.`;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
