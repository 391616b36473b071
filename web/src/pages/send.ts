// Send tracked email: from a mailbox the signed-in user may send from, to addresses, with a
// regarding record. The API queues it (Pending Send) and sends it with retries; the page follows
// its status until it is Sent or Failed and then links to the tracked activity, whose thread shows
// the replies as they are linked. Which mailboxes may send, the API says (GET …/senders, the
// domain's mayMailboxSend); it checks again when the email is created.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { RECORD_TYPES, type RecordRef } from "../../../src/domain/types.js";
import { ApiError, type Api } from "../api.js";
import { refText } from "../explanation.js";
import { hrefOf } from "../router.js";
import "./tracking.css";

const POLL_MS = 1000;
const POLL_LIMIT = 120;

interface Outgoing {
  id: string;
  mailbox: string;
  status: "draft" | "pendingSend" | "sending" | "sent" | "failed";
  subject: string;
  trackingToken?: string;
  regarding?: RecordRef;
  activityId?: string;
  deliveryAttempts: number;
  lastError?: { message: string };
  internetMessageId: string;
}

const STATUS_LABELS: Record<Outgoing["status"], string> = { draft: "Draft", pendingSend: "Pending Send", sending: "Sending", sent: "Sent", failed: "Failed" };

/** GET /admin/outgoing/senders's items. */
interface ApiSender {
  address: string;
  maySend: boolean;
  reason?: string;
}

interface Sender {
  address: string;
  /** Why it may not send; undefined: it may. */
  refusal?: string;
}

export class SendPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    senders: { state: true },
    sendersNote: { state: true },
    error: { state: true },
    sending: { state: true },
    email: { state: true },
  };

  declare api: Api;
  /** Undefined: the mailboxes could not be listed (no reading role); the address is typed. */
  declare senders: Sender[] | undefined;
  declare sendersNote: string | undefined;
  declare error: ApiError | undefined;
  declare sending: boolean;
  declare email: Outgoing | undefined;
  /** One key per intended email: a resubmit after a lost answer returns the same email. */
  private idempotencyKey = crypto.randomUUID();
  private polling = 0;

  constructor() {
    super();
    this.sending = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadSenders();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.polling++; // stops a running poll
  }

  private async loadSenders(): Promise<void> {
    try {
      const { body } = await this.api.request<{ items: ApiSender[] }>("GET", "/admin/outgoing/senders");
      this.senders = body.items.map((s) => ({ address: s.address, ...(s.maySend ? {} : { refusal: s.reason ?? "may not send" }) }));
    } catch (error) {
      // Without Tracking.Admin the list is refused: a mailbox owner types their own address.
      this.senders = undefined;
      this.sendersNote = error instanceof ApiError && error.status === 403 ? "Type the address of a mailbox you own." : `The mailboxes could not be listed: ${String(error)}`;
    }
  }

  private async send(event: Event): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const list = (name: string) => text(name).split(/[,;\s]+/).filter((a) => a !== "").map((address) => ({ address }));
    const mailbox = text("mailbox");
    const regardingId = text("regardingId");
    const body = {
      to: list("to"),
      ...(list("cc").length > 0 ? { cc: list("cc") } : {}),
      subject: text("subject"),
      body: { contentType: "text", content: String(data.get("body") ?? "") },
      ...(regardingId ? { regarding: { type: text("regardingType"), id: regardingId } } : {}),
    };
    this.sending = true;
    this.error = undefined;
    try {
      const path = `/admin/outgoing/${encodeURIComponent(mailbox)}`;
      const { body: created } = await this.api.request<Outgoing>("POST", path, { body, headers: { "Idempotency-Key": this.idempotencyKey } });
      this.email = created;
      this.idempotencyKey = crypto.randomUUID();
      void this.follow(created);
    } catch (error) {
      this.error = error instanceof ApiError ? error : new ApiError({ status: 0, title: "Network error", detail: String(error), errors: [] });
    } finally {
      this.sending = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>(".send-status [tabindex='-1']")?.focus();
  }

  /** Polls the email until it is Sent or Failed. */
  private async follow(email: Outgoing): Promise<void> {
    const run = ++this.polling;
    for (let attempt = 0; attempt < POLL_LIMIT && run === this.polling; attempt++) {
      if (this.email?.status === "sent" || this.email?.status === "failed") return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (run !== this.polling) return;
      try {
        const { body } = await this.api.request<Outgoing>("GET", `/admin/outgoing/${encodeURIComponent(email.mailbox)}/${encodeURIComponent(email.id)}`);
        this.email = body;
      } catch {
        // A failed poll is tried again on the next round.
      }
    }
  }

  override render(): TemplateResult {
    const message = (field: string) => this.error?.messageFor(field);
    const field = (options: { id: string; name: string; label: string; help?: string; type?: string; required?: boolean; value?: string }) => {
      const error = message(options.name);
      const described = [options.help ? `${options.id}-help` : "", error ? `${options.id}-error` : ""].filter(Boolean).join(" ");
      return html`<div class="field ${error ? "field--invalid" : ""}">
        <label for=${options.id}>${options.label}</label>
        <input id=${options.id} name=${options.name} type=${options.type ?? "text"} ?required=${options.required === true} spellcheck="false"
          .value=${options.value ?? ""} aria-invalid=${error ? "true" : "false"} aria-describedby=${described || nothing} />
        ${options.help ? html`<p class="field__help" id="${options.id}-help">${options.help}</p>` : nothing}
        ${error ? html`<p class="field__error" id="${options.id}-error">${error}</p>` : nothing}
      </div>`;
    };
    const usable = this.senders?.filter((s) => s.refusal === undefined) ?? [];
    return html`
      <h1 tabindex="-1">Send tracked email</h1>
      <p class="lead">Send email from a mailbox through the app: a tracking token is added to the subject, the email is tracked once sent, and replies are linked to it.</p>
      <form class="card" aria-label="Send tracked email" @submit=${(e: Event) => void this.send(e)}>
        <div class="fields fields--narrow">
          ${this.senders === undefined
            ? field({ id: "send-mailbox", name: "mailbox", label: "From (mailbox)", type: "email", required: true, help: this.sendersNote ?? "Loading the mailboxes…" })
            : html`<div class="field">
                <label for="send-mailbox">From (mailbox)</label>
                <select id="send-mailbox" name="mailbox" required aria-describedby="send-mailbox-help">
                  ${usable.map((s) => html`<option value=${s.address}>${s.address}</option>`)}
                </select>
                <p class="field__help" id="send-mailbox-help">${usable.length === 0 ? "No mailbox may send email yet. " : ""}Mailboxes that may send: enabled, approved, outgoing method Server-Side Synchronization.</p>
                ${this.senders.length > usable.length
                  ? html`<details class="field__help"><summary>${this.senders.length - usable.length} other mailboxes may not send</summary>
                      <ul>${this.senders.filter((s) => s.refusal !== undefined).map((s) => html`<li>${s.address}: ${s.refusal}</li>`)}</ul></details>`
                  : nothing}
              </div>`}
          ${field({ id: "send-to", name: "to", label: "To", required: true, help: "Email addresses, separated by commas." })}
          ${field({ id: "send-cc", name: "cc", label: "Cc (optional)" })}
        </div>
        <div class="fields">
          ${field({ id: "send-subject", name: "subject", label: "Subject", required: true })}
        </div>
        <div class="field">
          <label for="send-body">Message</label>
          <textarea id="send-body" name="body" rows="6"></textarea>
        </div>
        <fieldset class="group">
          <legend>Regarding</legend>
          <div class="fields fields--narrow">
            <div class="field">
              <label for="send-regarding-type">Record type</label>
              <select id="send-regarding-type" name="regardingType">
                ${RECORD_TYPES.map((type) => html`<option value=${type} ?selected=${type === "contact"}>${type}</option>`)}
              </select>
            </div>
            ${field({ id: "send-regarding-id", name: "regardingId", label: "Record id", help: "Leave empty for no regarding record." })}
          </div>
        </fieldset>
        <div class="form-row">
          <button class="button button--primary" type="submit" ?disabled=${this.sending || (this.senders !== undefined && usable.length === 0)}>${this.sending ? "Sending…" : "Send"}</button>
        </div>
      </form>
      <div class="send-status" aria-live="polite">${this.renderStatus()}</div>
    `;
  }

  private renderStatus(): TemplateResult | typeof nothing {
    if (this.error) {
      const fields = this.error.problem.errors;
      return html`<div class="notice notice--error" role="alert" tabindex="-1">
        <p><strong>Not sent:</strong> ${this.error.problem.detail || this.error.problem.title}</p>
        ${fields.length > 0 ? html`<ul>${fields.map((e) => html`<li>${e.field}: ${e.message}</li>`)}</ul>` : nothing}
      </div>`;
    }
    const email = this.email;
    if (!email) return nothing;
    const done = email.status === "sent" || email.status === "failed";
    return html`<section class="card" aria-labelledby="sent-heading" data-testid="send-result">
      <h2 id="sent-heading" tabindex="-1">${email.subject}</h2>
      <dl class="facts">
        <dt>Status</dt><dd data-testid="send-status"><span class="status ${email.status === "sent" ? "status--success" : email.status === "failed" ? "status--failure" : ""}">${STATUS_LABELS[email.status]}</span>${done ? nothing : html` <span class="muted">(checking…)</span>`}</dd>
        <dt>From</dt><dd>${email.mailbox}</dd>
        ${email.trackingToken ? html`<dt>Tracking token</dt><dd><code>${email.trackingToken}</code></dd>` : nothing}
        <dt>Regarding</dt><dd>${refText(email.regarding)}</dd>
        <dt>Attempts</dt><dd>${email.deliveryAttempts}</dd>
        ${email.lastError ? html`<dt>Last error</dt><dd>${email.lastError.message}</dd>` : nothing}
      </dl>
      ${email.activityId
        ? html`<p><a href=${hrefOf(`activities/${encodeURIComponent(email.activityId)}`)}>Open the tracked activity</a> — replies appear in its conversation once they are linked.</p>`
        : nothing}
    </section>`;
  }
}

customElements.define("send-page", SendPage);

declare global {
  interface HTMLElementTagNameMap {
    "send-page": SendPage;
  }
}
