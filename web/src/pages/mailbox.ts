// One mailbox: its approval, Test & Enable status and the actions its viewer may take, its
// personal options (mailbox-options.ts), and, as far as the API offers them, its health, alerts
// and item-level log (mailbox-health.ts, alerts.ts).
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { ApiError, type Api } from "../api.js";
import { describeError, formatTime, labelOf } from "../format.js";
import { Loader } from "../loader.js";
import { hrefOf } from "../router.js";
import { MAILBOXES_PATH, mailboxActions, optionsEditing, mailboxPath, renderOutcome, renderTestResult, runMailboxAction, type ActionOutcome, type MailboxAction, type MailboxView, type Viewer } from "./mailbox-common.js";
import "./alerts.js";
import { MAILBOX_ITEM_LOG } from "./item-log.js";
import { HEALTH_ROUTE } from "./mailbox-health.js";
import "./mailbox-options.js";

export class MailboxPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    address: { attribute: false },
    viewer: { attribute: false },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  declare address: string;
  declare viewer: Viewer;
  private readonly loaded = new Loader<{ mailbox: MailboxView; etag: string | undefined }>(this, {
    what: "the mailbox",
    describe: (error) => (error instanceof ApiError && error.status === 404 ? `there is no mailbox ${this.address}.` : describeError(error)),
  });
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
      const saved = (event as CustomEvent<{ mailbox: MailboxView; etag: string | undefined }>).detail;
      void this.loaded.load(async () => saved);
    });
    this.addEventListener("mailbox-reload", () => void this.load());
    void this.load();
  }

  private load(): Promise<void> {
    return this.loaded.load(async (signal) => {
      const { body, etag } = await this.api.request<MailboxView>("GET", mailboxPath(this.address), { signal });
      return { mailbox: body, etag };
    });
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
    return html`
      <p class="breadcrumb"><a href=${hrefOf("mailboxes")}>Mailboxes</a></p>
      <h1 tabindex="-1">${this.address}</h1>
      ${this.loaded.render(({ mailbox, etag }) => this.renderMailbox(mailbox, etag))}
    `;
  }

  private renderMailbox(mailbox: MailboxView, etag: string | undefined): TemplateResult {
    const actions = mailboxActions(mailbox, this.viewer);
    const editing = optionsEditing(mailbox, this.viewer);
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
        ${editing === "all"
          ? nothing
          : html`<p class="section-summary" data-testid="options-summary">${editing === "personal"
              ? "As the mailbox's owner you may change the incoming email filter and the tracked folders; the other options need the Tracking.Admin role."
              : "Changing them needs the Tracking.Admin role."}</p>`}
        <mailbox-options .api=${this.api} .apiBase=${this.apiBase} .mailbox=${mailbox} .etag=${etag} .editing=${editing}
          .canReadRecords=${this.viewer.canRead}></mailbox-options>
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
      ${this.viewer.apiPaths.has(MAILBOX_ITEM_LOG)
        ? html`<section class="card" aria-labelledby="item-log-heading">
            <h2 id="item-log-heading">Item log</h2>
            <item-log-view .api=${this.api} .apiBase=${this.apiBase} .mailbox=${mailbox.address}></item-log-view>
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
