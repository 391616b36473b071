// For a viewer without a reading role, who cannot list the mailboxes: open one by its address (the
// API lets owners read their own), and, with Tracking.Approve, approve or reject one by its address
// (the API lets an approver do that without reading it).
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { Api } from "../api.js";
import { navigate } from "../router.js";
import "./tracking.css";
import { MAILBOXES_PATH, renderOutcome, runMailboxAction, type ActionOutcome, type MailboxAction, type Viewer } from "./mailbox-common.js";

const APPROVALS: readonly MailboxAction[] = [
  { id: "approve", label: "Approve" },
  { id: "reject", label: "Reject" },
];

export class MailboxFinder extends LitElement {
  static override properties = {
    api: { attribute: false },
    viewer: { attribute: false },
    address: { state: true },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  declare viewer: Viewer;
  /** Starts as the signed-in user's own address. */
  declare address: string;
  declare busy: boolean;
  declare outcome: ActionOutcome | undefined;

  constructor() {
    super();
    this.address = "";
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  private open(event: Event): void {
    event.preventDefault();
    const address = this.address.trim();
    if (address !== "") navigate(`mailboxes/${encodeURIComponent(address)}`);
  }

  private async decide(action: MailboxAction): Promise<void> {
    const address = this.address.trim();
    if (address === "") return;
    this.busy = true;
    this.outcome = await runMailboxAction(this.api, { address }, action);
    this.busy = false;
  }

  override render(): TemplateResult {
    const approvals = this.viewer.canApprove ? APPROVALS.filter((a) => this.viewer.apiPaths.has(`${MAILBOXES_PATH}/{address}/${a.id}`)) : [];
    return html`<section class="card" aria-labelledby="finder-heading">
      <h2 id="finder-heading">Open a mailbox by its address</h2>
      <p class="section-summary">
        Listing every mailbox needs the Tracking.Read or Tracking.Admin role. You can open the mailboxes you own: their status, personal
        options, health, alerts and item log.${approvals.length > 0 ? " With Tracking.Approve you can also approve or reject an address." : ""}
      </p>
      ${renderOutcome(this.outcome)}
      <form @submit=${(event: Event) => this.open(event)}>
        <div class="fields">
          <div class="field">
            <label for="finder-address">Mailbox address</label>
            <input id="finder-address" type="email" autocomplete="email" spellcheck="false" .value=${this.address}
              @input=${(e: Event) => ((this.address = (e.target as HTMLInputElement).value), (this.outcome = undefined))} />
          </div>
        </div>
        <div class="form-row">
          <button class="button button--primary" type="submit" ?disabled=${this.address.trim() === ""}>Open</button>
          ${approvals.map(
            (action) => html`<button class="button" type="button" ?disabled=${this.busy || this.address.trim() === ""} @click=${() => void this.decide(action)}>${action.label}</button>`,
          )}
        </div>
      </form>
    </section>`;
  }
}

customElements.define("mailbox-finder", MailboxFinder);

declare global {
  interface HTMLElementTagNameMap {
    "mailbox-finder": MailboxFinder;
  }
}
