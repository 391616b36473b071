// Mailboxes: every mailbox with its approval, incoming and outgoing status, whether it is enabled
// and (once the API reports health) its state, what it is covered up to and its last error, and the actions its viewer's roles allow (Approve, Reject, Test & Enable, Disable,
// Resync). The API decides; the page shows its answer, including its reasons for a refusal.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { formatTime, labelOf } from "../format.js";
import { PagedLoader, type ListPage } from "../loader.js";
import { hrefOf } from "../router.js";
import { HEALTH_ROUTE, oldestCoverage, type MailboxHealthView } from "./mailbox-health.js";
import { MAILBOXES_PATH, mailboxActions, mailboxPath, renderOutcome, renderTestResult, runMailboxAction, type ActionOutcome, type MailboxAction, type MailboxView, type Viewer } from "./mailbox-common.js";
import "./mailbox-finder.js";

const PAGE_SIZE = 25;

/** A listed mailbox with its status, and its health when the API reports health. */
type MailboxRow = MailboxView & { health?: MailboxHealthView };

export class MailboxesPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    viewer: { attribute: false },
    user: { attribute: false },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  declare viewer: Viewer;
  /** The signed-in user's address: what a viewer without a reading role opens first. */
  declare user: string;
  private readonly list = new PagedLoader<MailboxRow>(this, { what: "the mailboxes" });
  /** The address an action is running for. */
  declare busy: string | undefined;
  declare outcome: ActionOutcome | undefined;

  private get canEdit(): boolean {
    return this.viewer.canEdit;
  }

  private get canApprove(): boolean {
    return this.viewer.canApprove;
  }

  private get apiPaths(): ReadonlySet<string> {
    return this.viewer.apiPaths;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Without a reading role the list is refused: such a viewer opens a mailbox by its address.
    if (this.viewer.canRead) void this.load();
  }

  private load(options: { more?: boolean } = {}): Promise<void> {
    return this.list.loadPage(async (continuationToken, signal) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (continuationToken) query.set("continuationToken", continuationToken);
      const { body } = await this.api.request<ListPage<MailboxView>>("GET", `${MAILBOXES_PATH}?${query}`, { signal });
      // The list holds settings only: each mailbox's health (or, without health, the mailbox
      // itself) adds its Test & Enable status.
      return { ...body, items: await Promise.all(body.items.map((item) => this.fetchOne(item).catch(() => item))) };
    }, options);
  }

  private hasHealth(): boolean {
    return this.apiPaths.has(HEALTH_ROUTE);
  }

  private async fetchOne(listed: MailboxView): Promise<MailboxRow> {
    if (!this.hasHealth()) return (await this.api.request<MailboxView>("GET", mailboxPath(listed.address))).body;
    const health = (await this.api.request<MailboxHealthView>("GET", `${mailboxPath(listed.address)}/health`)).body;
    return {
      ...listed,
      enabled: health.enabled,
      ...(health.approvalStatus ? { approvalStatus: health.approvalStatus } : {}),
      status: { incoming: health.incoming, outgoing: health.outgoing },
      health,
    };
  }

  private async refresh(mailbox: MailboxView): Promise<void> {
    // The listed settings may have changed too (Test & Enable sets the start date): read them again.
    const settings = await this.api.request<MailboxView>("GET", mailboxPath(mailbox.address)).then((r) => r.body, () => mailbox);
    const updated = await this.fetchOne(settings).catch(() => settings);
    const shown = this.list.value;
    if (shown) await this.list.load(async () => ({ ...shown, items: shown.items.map((m) => (m.address === mailbox.address ? updated : m)) }));
  }

  private async run(mailbox: MailboxView, action: MailboxAction): Promise<void> {
    this.busy = mailbox.address;
    this.outcome = undefined;
    const outcome = await runMailboxAction(this.api, mailbox, action);
    await this.refresh(mailbox);
    // Announced once the row shows the stored result, so what is said and what is seen agree.
    this.outcome = outcome;
    this.busy = undefined;
  }

  override render(): TemplateResult {
    if (!this.viewer.canRead) {
      return html`<h1 tabindex="-1">Mailboxes</h1>
        <mailbox-finder .api=${this.api} .viewer=${this.viewer} .address=${this.user}></mailbox-finder>`;
    }
    const mayAct = this.canEdit || this.canApprove;
    return html`
      <h1 tabindex="-1">Mailboxes</h1>
      <p class="lead">
        Mailboxes whose email is tracked: approve their addresses, test their access to Exchange and enable them.
        ${mayAct ? nothing : html`<strong>You can see the mailboxes; changing them needs the Tracking.Admin or Tracking.Approve role.</strong>`}
      </p>
      ${renderOutcome(this.outcome)}
      ${this.list.render((list) => this.renderTable(list))}
    `;
  }

  private renderTable({ items: mailboxes, continuationToken }: ListPage<MailboxRow>): TemplateResult {
    if (mailboxes.length === 0) return html`<p class="card">No mailboxes yet.</p>`;
    const mayAct = this.canEdit || this.canApprove;
    const roles = this.viewer;
    return html`<div class="table-wrap">
        <table class="data-table data-table--dense">
          <caption class="visually-hidden">Mailboxes, their approval, status and actions</caption>
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">Approval</th>
              <th scope="col">Incoming</th>
              <th scope="col">Outgoing</th>
              <th scope="col">Enabled</th>
              ${this.hasHealth() ? html`<th scope="col">State</th><th scope="col">Covered up to</th><th scope="col">Last error</th>` : nothing}
              ${mayAct ? html`<th scope="col">Actions</th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${mailboxes.map(
              (mailbox) => html`<tr data-mailbox=${mailbox.address}>
                <th scope="row">
                  <a class="mailbox__address" href=${hrefOf(`mailboxes/${encodeURIComponent(mailbox.address)}`)}>${mailbox.address}</a>
                  <span class="tag">${mailbox.kind}</span>
                </th>
                <td>${mailbox.approvalStatus ? labelOf(mailbox.approvalStatus) : "—"}</td>
                <td data-testid="incoming">${renderTestResult(mailbox.status?.incoming)}</td>
                <td data-testid="outgoing">${renderTestResult(mailbox.status?.outgoing)}</td>
                <td data-testid="enabled">${mailbox.enabled ? "Yes" : "No"}</td>
                ${this.hasHealth() ? renderHealthCells(mailbox.health) : nothing}
                ${mayAct
                  ? html`<td class="actions">
                      ${mailboxActions(mailbox, roles).map(
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
      ${continuationToken ? html`<button class="button" type="button" @click=${() => void this.load({ more: true })}>Show more</button>` : nothing}`;
  }
}

customElements.define("mailboxes-page", MailboxesPage);

declare global {
  interface HTMLElementTagNameMap {
    "mailboxes-page": MailboxesPage;
  }
}

function renderHealthCells(health: MailboxHealthView | undefined): TemplateResult {
  if (!health) return html`<td>—</td><td>—</td><td>—</td>`;
  const oldest = oldestCoverage(health);
  return html`<td data-testid="state"><span class="state state--${health.state}">${labelOf(health.state)}</span></td>
    <td data-testid="covered-up-to">${oldest === undefined ? "—" : oldest.coveredUpTo ? formatTime(oldest.coveredUpTo) : "never caught up"}
      ${oldest ? html`<span class="status__time">${oldest.folder}</span>` : nothing}</td>
    <td class="cell--wrap" data-testid="last-error">${health.lastError
      ? html`${health.lastError.message}<span class="status__time">${formatTime(health.lastError.at)}${health.consecutiveFailures > 0 ? ` · ${health.consecutiveFailures} in a row` : ""}</span>`
      : "—"}</td>`;
}
