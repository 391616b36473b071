// The organization health overview: how many mailboxes are healthy, degraded, failing, disabled
// or not run yet, the folder covered least far, and each mailbox's state, failures, last sync,
// coverage and open gaps, the ones needing attention first. An admin may resync every mailbox.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { Loader } from "../loader.js";
import { describeError, formatTime, labelOf } from "../format.js";
import { hrefOf } from "../router.js";
import { renderOutcome, type ActionOutcome } from "./mailbox-common.js";
import "./health.css";

export const ORGANIZATION_HEALTH_PATH = "/admin/health";
export const RESYNC_ALL_PATH = "/admin/health/resync";

interface OrganizationHealth {
  checkedAt: string;
  mailboxes: { total: number; byState: Record<string, number> };
  oldestCoveredUpTo?: { mailbox: string; folder: string; coveredUpTo?: string };
  items: Array<{ mailbox: string; state: string; consecutiveFailures: number; lastSuccessfulSyncAt?: string; oldestCoveredUpTo?: string; openGaps: number }>;
}

/** Needing attention first; then by address. */
const STATE_ORDER = ["failing", "degraded", "disabled", "notRun", "healthy"];
const rank = (state: string) => (STATE_ORDER.indexOf(state) + STATE_ORDER.length + 1) % (STATE_ORDER.length + 1);

export class OrganizationHealthPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    canResync: { attribute: false },
    outcome: { state: true },
    busy: { state: true },
  };

  declare api: Api;
  declare canResync: boolean;
  private readonly health = new Loader<OrganizationHealth>(this, { what: "the health" });
  declare outcome: ActionOutcome | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.canResync = false;
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private load(): Promise<void> {
    return this.health.load(async (signal) => (await this.api.request<OrganizationHealth>("GET", ORGANIZATION_HEALTH_PATH, { signal })).body);
  }

  private async resyncAll(): Promise<void> {
    this.busy = true;
    try {
      const { body } = await this.api.request<{ mailboxes: number; folders: number }>("POST", RESYNC_ALL_PATH, { body: {} });
      this.outcome = { ok: true, text: `Resync queued: ${body.folders} catch-ups for ${body.mailboxes} mailboxes. Their progress shows on each mailbox's page.` };
      await this.load();
    } catch (error) {
      this.outcome = { ok: false, text: `Resync was refused: ${describeError(error)}` };
    } finally {
      this.busy = false;
    }
  }

  override render(): TemplateResult {
    return html`
      <h1 tabindex="-1">Organization health</h1>
      <p class="lead">How every mailbox is doing: what is tracked up to when, what is failing, and what needs a catch-up.
        See also the <a href=${hrefOf("alerts")}>alerts</a>.</p>
      ${renderOutcome(this.outcome)}
      ${this.health.render((health) => this.renderHealth(health))}
    `;
  }

  private renderHealth(health: OrganizationHealth): TemplateResult {
    const items = [...health.items].sort((a, b) => rank(a.state) - rank(b.state) || a.mailbox.localeCompare(b.mailbox));
    const oldest = health.oldestCoveredUpTo;
    return html`
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading" class="visually-hidden">Mailboxes by state</h2>
        <ul class="counts plain" data-testid="state-counts">
          <li class="count"><span class="count__value">${health.mailboxes.total}</span><span class="count__label">mailboxes</span></li>
          ${STATE_ORDER.filter((state) => state in health.mailboxes.byState).map(
            (state) => html`<li class="count" data-state=${state}><span class="count__value">${health.mailboxes.byState[state]}</span><span class="count__label">${labelOf(state)}</span></li>`,
          )}
        </ul>
      </section>
      <dl class="facts">
        <div><dt>Oldest covered up to</dt><dd data-testid="oldest-covered">${oldest
          ? html`${oldest.coveredUpTo ? formatTime(oldest.coveredUpTo) : "never caught up"}
              <span class="status__time">${oldest.mailbox}, ${oldest.folder}</span>`
          : "—"}</dd></div>
        <div><dt>Checked</dt><dd>${formatTime(health.checkedAt)}</dd></div>
      </dl>
      ${this.canResync
        ? html`<div class="actions list-actions">
            <button class="button" type="button" ?disabled=${this.busy} @click=${() => void this.resyncAll()}>Resync every mailbox</button>
          </div>`
        : nothing}
      ${items.length === 0
        ? html`<p class="card">No mailboxes yet.</p>`
        : html`<div class="table-wrap">
            <table class="data-table" data-testid="mailbox-health">
              <caption class="visually-hidden">Each mailbox's health, those needing attention first</caption>
              <thead>
                <tr><th scope="col">Mailbox</th><th scope="col">State</th><th scope="col">Consecutive failures</th><th scope="col">Last successful sync</th><th scope="col">Covered up to</th><th scope="col">Open gaps</th></tr>
              </thead>
              <tbody>
                ${items.map(
                  (item) => html`<tr data-mailbox=${item.mailbox}>
                    <th scope="row"><a class="mailbox__address" href=${hrefOf(`mailboxes/${encodeURIComponent(item.mailbox)}`)}>${item.mailbox}</a></th>
                    <td><span class="state state--${item.state}">${labelOf(item.state)}</span></td>
                    <td>${item.consecutiveFailures}</td>
                    <td>${item.lastSuccessfulSyncAt ? formatTime(item.lastSuccessfulSyncAt) : "—"}</td>
                    <td>${item.oldestCoveredUpTo ? formatTime(item.oldestCoveredUpTo) : "—"}</td>
                    <td>${item.openGaps}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    `;
  }
}

customElements.define("organization-health-page", OrganizationHealthPage);

declare global {
  interface HTMLElementTagNameMap {
    "organization-health-page": OrganizationHealthPage;
  }
}
