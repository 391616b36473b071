// A mailbox's health as the API reports it (GET /admin/mailboxes/{address}/health): the last
// successful sync, the error policy's count and last error, a requested resync's progress, and per
// watched folder what is covered up to when, the open gaps, the last catch-up and what it found,
// and the items tracked, skipped (by reason) and failed. Then the item-level log, filtered by outcome.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { describeError, formatTime, labelOf } from "../format.js";
import { hrefOf } from "../router.js";
import { mailboxPath, type TestResult } from "./mailbox-common.js";
import "./health.css";

export const HEALTH_ROUTE = "/admin/mailboxes/{address}/health";
export const ITEM_LOG_ROUTE = "/admin/mailboxes/{address}/item-log";

interface FolderHealth {
  folder: string;
  watched: boolean;
  coveredUpTo?: string;
  openGaps: Array<{ kind: string; at: string; detail: string }>;
  needsCatchUp: boolean;
  lastNotificationAt?: string;
  lastCatchUp?: { startedAt: string; completedAt: string; found: number; seen: number; reason: string; restarted: boolean };
  lastCatchUpError?: { at: string; code: string; message: string };
  tracked: number;
  skipped: Record<string, number>;
  failed: number;
}

/** GET /admin/mailboxes/{address}/health (the fields this page shows). */
export interface MailboxHealthView {
  mailbox: string;
  state: string;
  enabled: boolean;
  approvalStatus?: string;
  incoming: TestResult;
  outgoing: TestResult;
  lastSuccessfulSyncAt?: string;
  consecutiveFailures: number;
  lastError?: { code: string; message: string; at: string };
  subscriptions: Array<{ id: string; folder: string; expirationDateTime: string }>;
  folders: FolderHealth[];
  resync?: { status: string; requestedAt: string; folders: string[]; completed: Record<string, { completedAt: string; found: number }> };
}

/** The folder covered least far among the watched ones; undefined when one was never caught up. */
export function oldestCoverage(health: MailboxHealthView): { coveredUpTo: string | undefined; folder: string } | undefined {
  const watched = health.folders.filter((f) => f.watched);
  if (watched.length === 0) return undefined;
  const never = watched.find((f) => f.coveredUpTo === undefined);
  if (never) return { coveredUpTo: undefined, folder: never.folder };
  const oldest = watched.reduce((a, b) => ((a.coveredUpTo ?? "") <= (b.coveredUpTo ?? "") ? a : b));
  return { coveredUpTo: oldest.coveredUpTo, folder: oldest.folder };
}

interface ItemLogEntry {
  id: string;
  folder: string;
  at: string;
  via: string;
  outcome: string;
  reason: string;
  subject?: string;
  activityId?: string;
  error?: { code: string; message: string };
}

const time = (iso: string | undefined) => (iso ? formatTime(iso) : "—");

export class MailboxHealth extends LitElement {
  static override properties = {
    api: { attribute: false },
    address: { attribute: false },
    health: { state: true },
    loadError: { state: true },
  };

  declare api: Api;
  declare address: string;
  declare health: MailboxHealthView | undefined;
  declare loadError: string | undefined;

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Read again after an action (Resync, Test & Enable) so the page shows its effect. */
  async load(): Promise<void> {
    try {
      this.health = (await this.api.request<MailboxHealthView>("GET", `${mailboxPath(this.address)}/health`)).body;
      this.loadError = undefined;
    } catch (error) {
      this.loadError = describeError(error);
    }
  }

  override render(): TemplateResult {
    if (this.loadError !== undefined) return html`<p class="notice notice--error" role="alert">The health could not be loaded: ${this.loadError}</p>`;
    const health = this.health;
    if (health === undefined) return html`<p class="loading" role="status">Loading the health…</p>`;
    const folders = health.folders ?? [];
    return html`
      <dl class="facts">
        <div><dt>State</dt><dd data-testid="state"><span class="state state--${health.state}">${labelOf(health.state)}</span></dd></div>
        <div><dt>Last successful sync</dt><dd data-testid="last-sync">${time(health.lastSuccessfulSyncAt)}</dd></div>
        <div><dt>Consecutive failures</dt><dd data-testid="failures">${health.consecutiveFailures}</dd></div>
        <div><dt>Last error</dt><dd data-testid="last-error">${health.lastError
          ? html`${health.lastError.message} <span class="status__time">${health.lastError.code} · ${time(health.lastError.at)}</span>`
          : "—"}</dd></div>
        <div><dt>Subscriptions</dt><dd>${health.subscriptions.length === 0
          ? "none"
          : html`<ul class="plain">${health.subscriptions.map((s) => html`<li>${s.folder}: until ${formatTime(s.expirationDateTime)}</li>`)}</ul>`}</dd></div>
        ${health.resync
          ? html`<div><dt>Resync</dt><dd data-testid="resync">${labelOf(health.resync.status)}, requested ${time(health.resync.requestedAt)}:
              ${Object.keys(health.resync.completed).length} of ${health.resync.folders.length} folders caught up</dd></div>`
          : nothing}
      </dl>
      ${folders.length === 0
        ? html`<p>No folder is watched.</p>`
        : html`<div class="table-wrap">
            <table class="data-table" data-testid="folder-health">
              <caption class="visually-hidden">Each folder's coverage and counts</caption>
              <thead>
                <tr>
                  <th scope="col">Folder</th>
                  <th scope="col">Covered up to</th>
                  <th scope="col">Open gaps</th>
                  <th scope="col">Last catch-up</th>
                  <th scope="col">Last notification</th>
                  <th scope="col">Tracked</th>
                  <th scope="col">Skipped</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                ${folders.map((folder) => this.renderFolder(folder))}
              </tbody>
            </table>
          </div>`}
    `;
  }

  private renderFolder(folder: FolderHealth): TemplateResult {
    const skipped = Object.entries(folder.skipped ?? {});
    return html`<tr data-folder=${folder.folder}>
      <th scope="row">${folder.folder}${folder.watched ? nothing : html`<span class="status__time">not watched</span>`}</th>
      <td data-testid="covered-up-to">${folder.coveredUpTo ? formatTime(folder.coveredUpTo) : "never caught up"}
        ${folder.needsCatchUp ? html`<span class="status__reason">needs a catch-up</span>` : nothing}</td>
      <td>${folder.openGaps.length === 0
        ? "none"
        : html`<ul class="plain">${folder.openGaps.map((gap) => html`<li><strong>${labelOf(gap.kind)}</strong> since ${formatTime(gap.at)}: ${gap.detail}</li>`)}</ul>`}</td>
      <td>${folder.lastCatchUp
        ? html`${formatTime(folder.lastCatchUp.completedAt)}<span class="status__reason">${folder.lastCatchUp.found} found by catch-up of ${folder.lastCatchUp.seen} seen · ${folder.lastCatchUp.reason}</span>`
        : "never"}
        ${folder.lastCatchUpError ? html`<span class="status__reason status--failure">failed ${formatTime(folder.lastCatchUpError.at)}: ${folder.lastCatchUpError.message}</span>` : nothing}</td>
      <td>${time(folder.lastNotificationAt)}</td>
      <td>${folder.tracked}</td>
      <td>${skipped.length === 0 ? "0" : html`<ul class="plain">${skipped.map(([reason, count]) => html`<li>${labelOf(reason)}: ${count}</li>`)}</ul>`}</td>
      <td>${folder.failed}</td>
    </tr>`;
  }
}

customElements.define("mailbox-health", MailboxHealth);

export class MailboxItemLog extends LitElement {
  static override properties = {
    api: { attribute: false },
    address: { attribute: false },
    outcome: { state: true },
    entries: { state: true },
    continuationToken: { state: true },
    loadError: { state: true },
  };

  declare api: Api;
  declare address: string;
  declare outcome: string;
  declare entries: ItemLogEntry[] | undefined;
  declare continuationToken: string | undefined;
  declare loadError: string | undefined;

  constructor() {
    super();
    this.outcome = "";
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(options: { more?: boolean } = {}): Promise<void> {
    const query = new URLSearchParams({ limit: "50" });
    if (this.outcome) query.set("outcome", this.outcome);
    if (options.more && this.continuationToken) query.set("continuationToken", this.continuationToken);
    try {
      const { body } = await this.api.request<{ items: ItemLogEntry[]; continuationToken?: string }>("GET", `${mailboxPath(this.address)}/item-log?${query}`);
      this.entries = options.more ? [...(this.entries ?? []), ...body.items] : body.items;
      this.continuationToken = body.continuationToken;
      this.loadError = undefined;
    } catch (error) {
      this.loadError = describeError(error);
    }
  }

  override render(): TemplateResult {
    return html`
      <div class="field field--inline">
        <label for="item-log-outcome">Outcome</label>
        <select id="item-log-outcome" @change=${(e: Event) => ((this.outcome = (e.target as HTMLSelectElement).value), void this.load())}>
          ${["", "tracked", "skipped", "failed"].map((o) => html`<option value=${o} ?selected=${o === this.outcome}>${o ? labelOf(o) : "Every outcome"}</option>`)}
        </select>
      </div>
      ${this.loadError !== undefined
        ? html`<p class="notice notice--error" role="alert">The item log could not be loaded: ${this.loadError}</p>`
        : this.entries === undefined
          ? html`<p class="loading" role="status">Loading the item log…</p>`
          : this.entries.length === 0
            ? html`<p data-testid="no-items">No items in the log.</p>`
            : html`<div class="table-wrap">
                <table class="data-table" data-testid="item-log">
                  <caption class="visually-hidden">Each processed item and its decision, newest first</caption>
                  <thead>
                    <tr><th scope="col">Time</th><th scope="col">Folder</th><th scope="col">Subject</th><th scope="col">Outcome</th><th scope="col">Reason</th></tr>
                  </thead>
                  <tbody>
                    ${this.entries.map(
                      (entry) => html`<tr data-outcome=${entry.outcome}>
                        <td class="nowrap">${formatTime(entry.at)}</td>
                        <td>${entry.folder}</td>
                        <td class="cell--wide">${entry.activityId ? html`<a href=${hrefOf(`activities/${encodeURIComponent(entry.activityId)}`)}>${entry.subject ?? "(no subject)"}</a>` : (entry.subject ?? "—")}</td>
                        <td><span class="outcome outcome--${entry.outcome}">${labelOf(entry.outcome)}</span><span class="status__time">via ${labelOf(entry.via).toLowerCase()}</span></td>
                        <td class="cell--wide">${labelOf(entry.reason)}${entry.error ? html`<span class="status__reason">${entry.error.code}: ${entry.error.message}</span>` : nothing}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              ${this.continuationToken ? html`<button class="button" type="button" @click=${() => void this.load({ more: true })}>Show more</button>` : nothing}`}
    `;
  }
}

customElements.define("mailbox-item-log", MailboxItemLog);

declare global {
  interface HTMLElementTagNameMap {
    "mailbox-health": MailboxHealth;
    "mailbox-item-log": MailboxItemLog;
  }
}
