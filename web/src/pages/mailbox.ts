// One mailbox: its approval, Test & Enable status and the actions its viewer may take, its
// personal options (mailbox-options.ts), and, as far as the API offers them, its health, alerts
// and item-level log (mailbox-health.ts, alerts.ts).
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { ApiError, type Api } from "../api.js";
import { describeError, formatTime, labelOf } from "../format.js";
import { hrefOf } from "../router.js";
import { MAILBOXES_PATH, mailboxActions, mailboxPath, renderOutcome, renderTestResult, runMailboxAction, type ActionOutcome, type MailboxAction, type MailboxView, type Viewer } from "./mailbox-common.js";
import "./alerts.js";
import { HEALTH_ROUTE, ITEM_LOG_ROUTE } from "./mailbox-health.js";
import "./mailbox-options.js";

export class MailboxPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    address: { attribute: false },
    viewer: { attribute: false },
    mailbox: { state: true },
    etag: { state: true },
    loadError: { state: true },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  declare address: string;
  declare viewer: Viewer;
  declare mailbox: MailboxView | undefined;
  declare etag: string | undefined;
  declare loadError: string | undefined;
  declare busy: boolean;
  declare outcome: ActionOutcome | undefined;

  constructor() {
    super();
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener("mailbox-saved", (event) => {
      const { mailbox, etag } = (event as CustomEvent<{ mailbox: MailboxView; etag: string | undefined }>).detail;
      this.mailbox = mailbox;
      this.etag = etag;
    });
    this.addEventListener("mailbox-reload", () => void this.load());
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const { body, etag } = await this.api.request<MailboxView>("GET", mailboxPath(this.address));
      this.mailbox = body;
      this.etag = etag;
      this.loadError = undefined;
    } catch (error) {
      this.loadError = error instanceof ApiError && error.status === 404 ? `there is no mailbox ${this.address}.` : describeError(error);
    }
  }

  private async run(mailbox: MailboxView, action: MailboxAction): Promise<void> {
    this.busy = true;
    this.outcome = undefined;
    const outcome = await runMailboxAction(this.api, mailbox, action);
    await Promise.all([this.load(), this.querySelector("mailbox-health")?.load()]);
    this.outcome = outcome;
    this.busy = false;
  }

  override render(): TemplateResult {
    const mailbox = this.mailbox;
    return html`
      <p class="breadcrumb"><a href=${hrefOf("mailboxes")}>Mailboxes</a></p>
      <h1 tabindex="-1">${this.address}</h1>
      ${this.loadError !== undefined
        ? html`<p class="notice notice--error" role="alert">The mailbox could not be loaded: ${this.loadError}</p>`
        : mailbox === undefined
          ? html`<p class="loading" role="status">Loading the mailbox…</p>`
          : this.renderMailbox(mailbox)}
    `;
  }

  private renderMailbox(mailbox: MailboxView): TemplateResult {
    const actions = mailboxActions(mailbox, this.viewer);
    return html`
      <section class="card" aria-labelledby="status-heading">
        <h2 id="status-heading">Status</h2>
        ${renderOutcome(this.outcome)}
        <dl class="facts">
          <div><dt>Kind</dt><dd>${mailbox.kind}</dd></div>
          <div><dt>Approval status</dt><dd data-testid="approval">${mailbox.approvalStatus ? labelOf(mailbox.approvalStatus) : "—"}</dd></div>
          <div><dt>Enabled</dt><dd data-testid="enabled">${mailbox.enabled ? "Yes" : "No"}</dd></div>
          <div><dt>Incoming</dt><dd data-testid="incoming">${renderTestResult(mailbox.status?.incoming)}</dd></div>
          <div><dt>Outgoing</dt><dd data-testid="outgoing">${renderTestResult(mailbox.status?.outgoing)}</dd></div>
          <div><dt>Process email received after</dt><dd>${mailbox.processEmailReceivedAfter ? formatTime(mailbox.processEmailReceivedAfter) : "—"}</dd></div>
        </dl>
        ${actions.length > 0
          ? html`<div class="actions">
              ${actions.map(
                (action) => html`<button class="button" type="button" ?disabled=${this.busy} @click=${() => void this.run(mailbox, action)}>${action.label}</button>`,
              )}
            </div>`
          : nothing}
      </section>
      <section class="card" aria-labelledby="options-heading">
        <h2 id="options-heading">Personal options</h2>
        ${this.viewer.canEdit ? nothing : html`<p class="section-summary">Changing them needs the Tracking.Admin role.</p>`}
        <mailbox-options .api=${this.api} .apiBase=${this.apiBase} .mailbox=${mailbox} .etag=${this.etag} .canEdit=${this.viewer.canEdit}></mailbox-options>
      </section>
      ${this.viewer.apiPaths.has(HEALTH_ROUTE)
        ? html`<section class="card" aria-labelledby="health-heading">
            <h2 id="health-heading">Health</h2>
            <mailbox-health .api=${this.api} .address=${mailbox.address}></mailbox-health>
          </section>`
        : nothing}
      ${this.viewer.apiPaths.has(`${MAILBOXES_PATH}/{address}/alerts`)
        ? html`<section class="card" aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">Alerts</h2>
            <alerts-view .api=${this.api} .apiBase=${this.apiBase} .mailbox=${mailbox.address} .canDelete=${this.viewer.canEdit}></alerts-view>
          </section>`
        : nothing}
      ${this.viewer.apiPaths.has(ITEM_LOG_ROUTE)
        ? html`<section class="card" aria-labelledby="item-log-heading">
            <h2 id="item-log-heading">Item log</h2>
            <mailbox-item-log .api=${this.api} .address=${mailbox.address}></mailbox-item-log>
          </section>`
        : nothing}
    `;
  }
}

customElements.define("mailbox-page", MailboxPage);

declare global {
  interface HTMLElementTagNameMap {
    "mailbox-page": MailboxPage;
  }
}
