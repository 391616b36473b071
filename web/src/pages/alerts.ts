// Alerts: what server-side sync raised about mailboxes (Information, Warning, Error), newest first,
// filtered by level and time (and mailbox, organization-wide), and deleted by the same filter.
// The levels offered are those of the API's query schema.
// <alerts-view> is the Alerts page and, with a fixed mailbox, the mailbox page's alerts section.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { describeError, formatTime, labelOf } from "../format.js";
import { PagedLoader, type ListPage } from "../loader.js";
import { loadOpenApi, queryParameterValues } from "../openapi.js";
import { hrefOf } from "../router.js";
import { mailboxPath } from "./mailbox-common.js";
import "./health.css";

const ORGANIZATION_ALERTS = "/admin/alerts";
const PAGE_SIZE = 50;
/** Time presets, in hours back from now; 0 is any time. */
const PERIODS = [
  { hours: 0, label: "Any time" },
  { hours: 1, label: "Last hour" },
  { hours: 24, label: "Last 24 hours" },
  { hours: 24 * 7, label: "Last 7 days" },
  { hours: 24 * 30, label: "Last 30 days" },
] as const;

/** An alert as the API answers it (the fields this page shows). */
interface Alert {
  id: string;
  mailbox: string;
  at: string;
  level: string;
  code: string;
  message: string;
  whatToDo?: string;
  folder?: string;
}

export class AlertsView extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    mailbox: { attribute: false },
    canDelete: { attribute: false },
    levels: { state: true },
    level: { state: true },
    hours: { state: true },
    mailboxFilter: { state: true },
    confirming: { state: true },
    notice: { state: true },
    busy: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  /** Set on a mailbox's page: only its alerts. */
  declare mailbox: string | undefined;
  declare canDelete: boolean;
  /** The levels the API knows (its query schema), most severe first. */
  declare levels: string[];
  /** "" for every level. */
  declare level: string;
  declare hours: number;
  declare mailboxFilter: string;
  private readonly alerts = new PagedLoader<Alert>(this, { what: "the alerts" });
  declare confirming: boolean;
  declare notice: { ok: boolean; text: string } | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.canDelete = false;
    this.levels = [];
    this.level = "";
    this.hours = 0;
    this.mailboxFilter = "";
    this.confirming = false;
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  private listPath(): string {
    return this.mailbox === undefined ? ORGANIZATION_ALERTS : `${mailboxPath(this.mailbox)}/alerts`;
  }

  private async start(): Promise<void> {
    // The levels on offer are the API's; without its description the filter offers none.
    const document = await loadOpenApi(this.apiBase).catch(() => undefined);
    const template = this.mailbox === undefined ? ORGANIZATION_ALERTS : "/admin/mailboxes/{address}/alerts";
    if (document) this.levels = queryParameterValues(document, { path: template, method: "GET", name: "level" }).reverse();
    await this.load();
  }

  /** The filter as query parameters, shared by the listing and the delete. */
  private filterQuery(): URLSearchParams {
    const query = new URLSearchParams();
    if (this.level !== "") query.set("level", this.level);
    if (this.hours > 0) query.set("since", new Date(Date.now() - this.hours * 3_600_000).toISOString());
    if (this.mailbox === undefined && this.mailboxFilter.trim() !== "") query.set("mailbox", this.mailboxFilter.trim());
    return query;
  }

  private load(options: { more?: boolean } = {}): Promise<void> {
    const query = this.filterQuery();
    query.set("limit", String(PAGE_SIZE));
    return this.alerts.loadPage(async (continuationToken, signal) => {
      if (continuationToken) query.set("continuationToken", continuationToken);
      return (await this.api.request<ListPage<Alert>>("GET", `${this.listPath()}?${query}`, { signal })).body;
    }, options);
  }

  private filterChanged(): void {
    this.confirming = false;
    this.notice = undefined;
    void this.load();
  }

  /** The question takes focus on its least harmful answer, Cancel, as a dialog would. */
  private async askToDelete(): Promise<void> {
    this.confirming = true;
    await this.updateComplete;
    this.querySelector<HTMLButtonElement>("[data-cancel-delete]")?.focus();
  }

  private async deleteMatching(): Promise<void> {
    this.busy = true;
    try {
      const { body } = await this.api.request<{ deleted: number }>("DELETE", `${this.listPath()}?${this.filterQuery()}`);
      this.notice = { ok: true, text: `Deleted ${body.deleted === 1 ? "1 alert" : `${body.deleted} alerts`}.` };
      await this.load();
    } catch (error) {
      this.notice = { ok: false, text: `The alerts were not deleted: ${describeError(error)}` };
    } finally {
      this.busy = false;
      this.confirming = false;
    }
  }

  override render(): TemplateResult {
    const prefix = this.mailbox === undefined ? "alerts" : "mailbox-alerts";
    return html`
      <form class="filters" aria-label="Filter alerts" @submit=${(e: Event) => (e.preventDefault(), this.filterChanged())}>
        <div class="field">
          <label for="${prefix}-level">Level</label>
          <select id="${prefix}-level" @change=${(e: Event) => ((this.level = (e.target as HTMLSelectElement).value), this.filterChanged())}>
            <option value="" ?selected=${this.level === ""}>Every level</option>
            ${this.levels.map((level) => html`<option value=${level} ?selected=${level === this.level}>${labelOf(level)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="${prefix}-period">Time</label>
          <select id="${prefix}-period" @change=${(e: Event) => ((this.hours = Number((e.target as HTMLSelectElement).value)), this.filterChanged())}>
            ${PERIODS.map((p) => html`<option value=${p.hours} ?selected=${p.hours === this.hours}>${p.label}</option>`)}
          </select>
        </div>
        ${this.mailbox === undefined
          ? html`<div class="field">
              <label for="${prefix}-mailbox">Mailbox</label>
              <input id="${prefix}-mailbox" type="text" inputmode="email" spellcheck="false" placeholder="every mailbox" .value=${this.mailboxFilter}
                @input=${(e: Event) => (this.mailboxFilter = (e.target as HTMLInputElement).value)} @change=${() => this.filterChanged()} />
            </div>`
          : nothing}
      </form>
      <div aria-live="polite">
        ${this.notice
          ? html`<p class="notice ${this.notice.ok ? "notice--ok" : "notice--error"}" role=${this.notice.ok ? "status" : "alert"}>${this.notice.text}</p>`
          : nothing}
      </div>
      ${this.alerts.render((page) => this.renderAlerts(page))}
    `;
  }

  private renderAlerts({ items: alerts, continuationToken }: ListPage<Alert>): TemplateResult {
    if (alerts.length === 0) return html`<p class="card" data-testid="no-alerts">No alerts match.</p>`;
    return html`
      <div class="table-wrap">
        <table class="data-table" data-testid="alerts">
          <caption class="visually-hidden">Alerts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              ${this.mailbox === undefined ? html`<th scope="col">Mailbox</th>` : nothing}
              <th scope="col">Alert</th>
              <th scope="col">What to do</th>
            </tr>
          </thead>
          <tbody>
            ${alerts.map(
              (alert) => html`<tr data-level=${alert.level}>
                <td class="nowrap">${formatTime(alert.at)}</td>
                <td><span class="level level--${alert.level}">${labelOf(alert.level)}</span></td>
                ${this.mailbox === undefined
                  ? html`<td><a class="mailbox__address" href=${hrefOf(`mailboxes/${encodeURIComponent(alert.mailbox)}`)}>${alert.mailbox}</a></td>`
                  : nothing}
                <td class="cell--wide">${alert.message}<span class="status__reason"><code>${alert.code}</code>${alert.folder ? ` · folder ${alert.folder}` : ""}</span></td>
                <td class="cell--wide">${alert.whatToDo ?? "—"}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <div class="actions list-actions">
        ${continuationToken ? html`<button class="button" type="button" @click=${() => void this.load({ more: true })}>Show more</button>` : nothing}
        ${this.canDelete && !this.confirming
          ? html`<button class="button" type="button" @click=${() => void this.askToDelete()}>Delete the matching alerts…</button>`
          : nothing}
      </div>
      ${this.confirming
        ? html`<div class="notice" role="alertdialog" aria-labelledby="${this.mailbox ? "mailbox-" : ""}delete-question">
            <p id="${this.mailbox ? "mailbox-" : ""}delete-question"><strong>Delete every alert that matches this filter${continuationToken ? ", on this page and the next ones" : ""}?</strong> This cannot be undone.</p>
            <div class="actions">
              <button class="button button--danger" type="button" ?disabled=${this.busy} @click=${() => void this.deleteMatching()}>Delete</button>
              <button class="button" type="button" data-cancel-delete ?disabled=${this.busy} @click=${() => (this.confirming = false)}>Cancel</button>
            </div>
          </div>`
        : nothing}
    `;
  }
}

customElements.define("alerts-view", AlertsView);

declare global {
  interface HTMLElementTagNameMap {
    "alerts-view": AlertsView;
  }
}
