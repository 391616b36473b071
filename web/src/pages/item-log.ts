// The item-level log: each item server-side sync processed and its decision, newest first, with
// the filters the API's route takes (outcome, since, until and, organization-wide, mailbox) and a
// page at a time. Subjects of mailboxes the viewer does not own arrive as "***" from the API.
// <item-log-view> is the Item log page and, with a fixed mailbox, the mailbox page's section.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { formatTime, labelOf } from "../format.js";
import { PagedLoader, type ListPage } from "../loader.js";
import { loadOpenApi, queryParameterValues } from "../openapi.js";
import { hrefOf } from "../router.js";
import { mailboxPath } from "./mailbox-common.js";
import "./health.css";

export const ORGANIZATION_ITEM_LOG = "/admin/item-log";
export const MAILBOX_ITEM_LOG = "/admin/mailboxes/{address}/item-log";
const PAGE_SIZE = 50;

export interface ItemLogEntry {
  id: string;
  mailbox: string;
  folder: string;
  at: string;
  via: string;
  outcome: string;
  reason: string;
  subject?: string;
  activityId?: string;
  error?: { code: string; message: string };
}

interface Filter {
  outcome: string;
  mailbox: string;
  /** datetime-local values, read as UTC as everything the admin center shows. */
  since: string;
  until: string;
}

/** "2026-12-01T12:30" (a datetime-local value, UTC) → "2026-12-01T12:30:00.000Z"; "" → undefined. */
export function utcFromLocalInput(value: string): string | undefined {
  if (value === "") return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export class ItemLogView extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    mailbox: { attribute: false },
    outcomes: { state: true },
    filter: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  /** The one mailbox shown; undefined: every mailbox, with a mailbox filter. */
  declare mailbox: string | undefined;
  declare outcomes: string[];
  declare filter: Filter;
  private readonly log = new PagedLoader<ItemLogEntry>(this, { what: "the item log" });

  constructor() {
    super();
    this.outcomes = [];
    this.filter = { outcome: "", mailbox: "", since: "", until: "" };
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  private async start(): Promise<void> {
    // The outcomes on offer are the API's; without its description the filter offers none.
    const document = await loadOpenApi(this.apiBase).catch(() => undefined);
    if (document) this.outcomes = queryParameterValues(document, { path: this.mailbox === undefined ? ORGANIZATION_ITEM_LOG : MAILBOX_ITEM_LOG, method: "GET", name: "outcome" });
    await this.load();
  }

  /** Loads the first page for the filter, or with `more` the next page after those shown. */
  load(options: { more?: boolean } = {}): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    const { outcome, mailbox } = this.filter;
    if (outcome !== "") query.set("outcome", outcome);
    if (this.mailbox === undefined && mailbox.trim() !== "") query.set("mailbox", mailbox.trim());
    const since = utcFromLocalInput(this.filter.since);
    const until = utcFromLocalInput(this.filter.until);
    if (since) query.set("since", since);
    if (until) query.set("until", until);
    const path = this.mailbox === undefined ? ORGANIZATION_ITEM_LOG : `${mailboxPath(this.mailbox)}/item-log`;
    return this.log.loadPage(async (continuationToken, signal) => {
      if (continuationToken) query.set("continuationToken", continuationToken);
      return (await this.api.request<ListPage<ItemLogEntry>>("GET", `${path}?${query}`, { signal })).body;
    }, options);
  }

  private change(change: Partial<Filter>): void {
    this.filter = { ...this.filter, ...change };
    void this.load();
  }

  override render(): TemplateResult {
    const id = this.mailbox === undefined ? "item-log" : "mailbox-item-log";
    const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
    return html`
      <form class="filters" aria-label="Filter the item log" @submit=${(e: Event) => (e.preventDefault(), void this.load())}>
        <div class="field">
          <label for="${id}-outcome">Outcome</label>
          <select id="${id}-outcome" @change=${(e: Event) => this.change({ outcome: value(e) })}>
            <option value="" ?selected=${this.filter.outcome === ""}>Every outcome</option>
            ${this.outcomes.map((o) => html`<option value=${o} ?selected=${o === this.filter.outcome}>${labelOf(o)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="${id}-since">From (UTC)</label>
          <input id="${id}-since" type="datetime-local" .value=${this.filter.since} @change=${(e: Event) => this.change({ since: value(e) })} />
        </div>
        <div class="field">
          <label for="${id}-until">Until (UTC)</label>
          <input id="${id}-until" type="datetime-local" .value=${this.filter.until} @change=${(e: Event) => this.change({ until: value(e) })} />
        </div>
        ${this.mailbox === undefined
          ? html`<div class="field">
              <label for="${id}-mailbox">Mailbox</label>
              <input id="${id}-mailbox" type="text" inputmode="email" spellcheck="false" placeholder="every mailbox" .value=${this.filter.mailbox}
                @change=${(e: Event) => this.change({ mailbox: value(e) })} />
            </div>`
          : nothing}
      </form>
      ${this.log.render((page) => this.renderPage(page))}
    `;
  }

  private renderPage(page: ListPage<ItemLogEntry>): TemplateResult {
    if (page.items.length === 0) return html`<p data-testid="no-items">No items in the log${this.filtered() ? " match the filter" : ""}.</p>`;
    const everyMailbox = this.mailbox === undefined;
    return html`<div class="table-wrap">
        <table class="data-table" data-testid="item-log">
          <caption class="visually-hidden">Each processed item and its decision, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              ${everyMailbox ? html`<th scope="col">Mailbox</th>` : nothing}
              <th scope="col">Folder</th><th scope="col">Subject</th><th scope="col">Outcome</th><th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            ${page.items.map(
              (entry) => html`<tr data-outcome=${entry.outcome} data-mailbox=${entry.mailbox}>
                <td class="nowrap">${formatTime(entry.at)}</td>
                ${everyMailbox ? html`<td><a href=${hrefOf(`mailboxes/${encodeURIComponent(entry.mailbox)}`)}>${entry.mailbox}</a></td>` : nothing}
                <td>${entry.folder}</td>
                <td class="cell--wide">${entry.activityId
                  ? html`<a href=${hrefOf(`activities/${encodeURIComponent(entry.activityId)}`)}>${entry.subject ?? "(no subject)"}</a>`
                  : (entry.subject ?? "—")}</td>
                <td><span class="outcome outcome--${entry.outcome}">${labelOf(entry.outcome)}</span><span class="status__time">via ${labelOf(entry.via).toLowerCase()}</span></td>
                <td class="cell--wide">${labelOf(entry.reason)}${entry.error ? html`<span class="status__reason">${entry.error.code}: ${entry.error.message}</span>` : nothing}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${page.continuationToken ? html`<button class="button" type="button" @click=${() => void this.load({ more: true })}>Show more</button>` : nothing}`;
  }

  private filtered(): boolean {
    const { outcome, mailbox, since, until } = this.filter;
    return outcome !== "" || since !== "" || until !== "" || (this.mailbox === undefined && mailbox.trim() !== "");
  }
}

customElements.define("item-log-view", ItemLogView);

declare global {
  interface HTMLElementTagNameMap {
    "item-log-view": ItemLogView;
  }
}
