// A mailbox's health as the API reports it (GET /admin/mailboxes/{address}/health): the last
// successful sync, the error policy's count and last error, a requested resync's progress, and per
// watched folder what is covered up to when, the open gaps, the last catch-up and what it found,
// and the items tracked, skipped (by reason) and failed. The item-level log is item-log.ts.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { formatTime, labelOf } from "../format.js";
import { Loader } from "../loader.js";
import { mailboxPath, type TestResult } from "./mailbox-common.js";
import "./health.css";

export const HEALTH_ROUTE = "/admin/mailboxes/{address}/health";

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


const time = (iso: string | undefined) => (iso ? formatTime(iso) : "—");

export class MailboxHealth extends LitElement {
  static override properties = {
    api: { attribute: false },
    address: { attribute: false },
  };

  declare api: Api;
  declare address: string;
  private readonly health = new Loader<MailboxHealthView>(this, { what: "the health" });

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Read again after an action (Resync, Test & Enable) so the page shows its effect. */
  load(): Promise<void> {
    return this.health.load(async (signal) => (await this.api.request<MailboxHealthView>("GET", `${mailboxPath(this.address)}/health`, { signal })).body);
  }

  override render(): unknown {
    return this.health.render((health) => this.renderHealth(health));
  }

  private renderHealth(health: MailboxHealthView): TemplateResult {
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


declare global {
  interface HTMLElementTagNameMap {
    "mailbox-health": MailboxHealth;
  }
}
