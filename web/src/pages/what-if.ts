// What-if: upload recorded mail (.eml files or an mbox), give candidate settings (or two, to
// compare) as changes to the live ones, and watch the replay run on the server (POST
// /admin/what-if, polled for progress). Then the summary, every message's decision with its
// explanation, and the JSON Lines as a download. The run uses stores of its own: nothing live.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { ApiError, type Api } from "../api.js";
import { asTrace, refText, renderExplanation } from "../explanation.js";
import type { RecordRef } from "../../../src/domain/types.js";
import "./tracking.css";

const BASE = "/admin/what-if";
const POLL_MS = 400;

interface Line {
  file: string;
  tracked: boolean;
  reason: string;
  subject?: string;
  from?: string;
  sentOn?: string;
  correlation: { method: string };
  regarding?: RecordRef;
  why?: string;
  explanation?: unknown;
}

interface Summary {
  messages: number;
  tracked: number;
  byReason: Record<string, number>;
  byMethod: Record<string, number>;
  unreadable: Array<{ file: string; reason: string }>;
}

interface Run {
  id: string;
  status: "running" | "done" | "failed";
  progress: { done: number; total: number };
  warnings: string[];
  error?: string;
  summary?: Summary;
  comparison?: { summary: Summary; changed: number };
  messages?: Array<{ file: string; base: Line; compare?: Line; changed?: boolean }>;
}

const SETTINGS_HELP = 'Changes to the live settings, as JSON: {"organization": {…}, "mailbox": {…}}. Empty: the live settings as they are.';

export class WhatIfPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    comparing: { state: true },
    localErrors: { state: true },
    error: { state: true },
    run: { state: true },
    starting: { state: true },
    onlyChanged: { state: true },
  };

  declare api: Api;
  declare comparing: boolean;
  /** Field id → message, for what the page checks before sending (JSON that does not parse). */
  declare localErrors: Record<string, string>;
  declare error: ApiError | undefined;
  declare run: Run | undefined;
  declare starting: boolean;
  declare onlyChanged: boolean;
  private polling = 0;

  constructor() {
    super();
    this.comparing = false;
    this.localErrors = {};
    this.starting = false;
    this.onlyChanged = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.polling++;
  }

  private async start(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (id: string) => form.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`)?.value ?? "";
    const errors: Record<string, string> = {};
    const json = (id: string, fallback: unknown): unknown => {
      const text = value(id).trim();
      if (text === "") return fallback;
      try {
        return JSON.parse(text);
      } catch (error) {
        errors[id] = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
        return undefined;
      }
    };
    const settings = json("whatif-settings", {});
    const compare = this.comparing ? json("whatif-compare", {}) : undefined;
    const mailFiles = [...(form.querySelector<HTMLInputElement>("#whatif-files")?.files ?? [])];
    if (mailFiles.length === 0) errors["whatif-files"] = "choose at least one .eml or mbox file";
    const recordsFile = form.querySelector<HTMLInputElement>("#whatif-records")?.files?.[0];
    let records: unknown = [];
    if (recordsFile) {
      try {
        records = JSON.parse(await recordsFile.text());
      } catch {
        errors["whatif-records"] = "the records file is not valid JSON";
      }
    }
    this.localErrors = errors;
    if (Object.keys(errors).length > 0) {
      await this.updateComplete;
      this.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
      return;
    }
    this.starting = true;
    this.error = undefined;
    this.run = undefined;
    try {
      const files = await Promise.all(mailFiles.map(async (file) => ({ name: file.name, contentBase64: await base64Of(file) })));
      const body = { mailbox: value("whatif-mailbox").trim(), files, settings, ...(compare !== undefined ? { compare } : {}), records };
      const { body: run } = await this.api.request<Run>("POST", BASE, { body });
      this.run = run;
      void this.follow(run.id);
    } catch (error) {
      this.error = error instanceof ApiError ? error : new ApiError({ status: 0, title: "Network error", detail: String(error), errors: [] });
      await this.updateComplete;
      this.querySelector<HTMLElement>(".whatif-status [tabindex='-1']")?.focus();
    } finally {
      this.starting = false;
    }
  }

  private async follow(id: string): Promise<void> {
    const run = ++this.polling;
    while (run === this.polling && this.run?.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (run !== this.polling) return;
      try {
        this.run = (await this.api.request<Run>("GET", `${BASE}/${encodeURIComponent(id)}`)).body;
      } catch (error) {
        this.error = error instanceof ApiError ? error : undefined;
        return;
      }
    }
    if (this.run?.status !== "running") {
      await this.updateComplete;
      this.querySelector<HTMLElement>("#whatif-results")?.focus();
    }
  }

  /** The JSON Lines as a file: fetched with the bearer token, then saved through a blob link. */
  private async download(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const { body } = await this.api.request<string>("GET", `${BASE}/${encodeURIComponent(run.id)}/jsonl`, { accept: "application/x-ndjson" });
    const url = URL.createObjectURL(new Blob([body], { type: "application/x-ndjson" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `what-if-${run.id}.jsonl`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  override render(): TemplateResult {
    const invalid = (id: string) => this.localErrors[id];
    const described = (id: string, help: boolean) => [help ? `${id}-help` : "", invalid(id) ? `${id}-error` : ""].filter(Boolean).join(" ") || nothing;
    const fieldError = (id: string) => (invalid(id) ? html`<p class="field__error" id="${id}-error">${invalid(id)}</p>` : nothing);
    return html`
      <h1 tabindex="-1">What-if</h1>
      <p class="lead">Replay recorded mail under candidate settings, or two to compare, and see what each message would become and why.
        The replay runs in a store of its own: nothing live is changed.</p>
      <form class="card" aria-label="What-if replay" novalidate @submit=${(e: Event) => void this.start(e)}>
        <div class="fields fields--narrow">
          <div class="field">
            <label for="whatif-mailbox">Receiving mailbox</label>
            <input id="whatif-mailbox" type="email" required spellcheck="false" aria-describedby="whatif-mailbox-help" />
            <p class="field__help" id="whatif-mailbox-help">The mailbox the mail was recorded in; its live personal options apply.</p>
          </div>
          <div class="field ${invalid("whatif-files") ? "field--invalid" : ""}">
            <label for="whatif-files">Mail (.eml files or an mbox)</label>
            <input id="whatif-files" type="file" multiple accept=".eml,.mbox,.mbx,message/rfc822,application/mbox"
              aria-invalid=${invalid("whatif-files") ? "true" : "false"} aria-describedby=${described("whatif-files", false)} />
            ${fieldError("whatif-files")}
          </div>
          <div class="field ${invalid("whatif-records") ? "field--invalid" : ""}">
            <label for="whatif-records">CRM records (optional, JSON)</label>
            <input id="whatif-records" type="file" accept=".json,application/json" aria-describedby=${described("whatif-records", true)}
              aria-invalid=${invalid("whatif-records") ? "true" : "false"} />
            <p class="field__help" id="whatif-records-help">A JSON array of records, as for npm run replay --records.</p>
            ${fieldError("whatif-records")}
          </div>
        </div>
        <div class="fields">
          ${this.settingsField("whatif-settings", this.comparing ? "Settings A" : "Candidate settings", described, fieldError)}
          ${this.comparing ? this.settingsField("whatif-compare", "Settings B (changes on top of A)", described, fieldError) : nothing}
        </div>
        <div class="field field--switch">
          <input id="whatif-comparing" type="checkbox" .checked=${this.comparing} @change=${(e: Event) => (this.comparing = (e.target as HTMLInputElement).checked)} />
          <label for="whatif-comparing">Compare with a second set of settings</label>
        </div>
        <div class="form-row">
          <button class="button button--primary" type="submit" ?disabled=${this.starting || this.run?.status === "running"}>${this.starting ? "Uploading…" : "Run the what-if"}</button>
        </div>
      </form>
      <div class="whatif-status" aria-live="polite">${this.renderStatus()}</div>
      ${this.run?.status === "done" ? this.renderResults(this.run) : nothing}
    `;
  }

  private settingsField(id: string, label: string, described: (id: string, help: boolean) => string | typeof nothing, fieldError: (id: string) => unknown): TemplateResult {
    return html`<div class="field ${this.localErrors[id] ? "field--invalid" : ""}">
      <label for=${id}>${label}</label>
      <textarea id=${id} class="code" rows="6" spellcheck="false" placeholder='{"organization": {"useSmartMatching": true}}'
        aria-invalid=${this.localErrors[id] ? "true" : "false"} aria-describedby=${described(id, true)}></textarea>
      <p class="field__help" id="${id}-help">${SETTINGS_HELP}</p>
      ${fieldError(id)}
    </div>`;
  }

  private renderStatus(): TemplateResult | typeof nothing {
    if (this.error) {
      return html`<div class="notice notice--error" role="alert" tabindex="-1">
        <p><strong>The what-if did not run:</strong> ${this.error.problem.detail || this.error.problem.title}</p>
        ${this.error.problem.errors.length > 0 ? html`<ul>${this.error.problem.errors.map((e) => html`<li>${e.field}: ${e.message}</li>`)}</ul>` : nothing}
      </div>`;
    }
    const run = this.run;
    if (!run) return nothing;
    const label = run.status === "running" ? `Replaying: ${run.progress.done} of ${run.progress.total} messages` : run.status === "done" ? `Done: ${run.progress.total} messages replayed` : `Failed: ${run.error ?? ""}`;
    return html`<section class="card" aria-label="Progress">
      <label for="whatif-progress" data-testid="whatif-progress-label">${label}</label>
      <progress id="whatif-progress" class="progress" max=${Math.max(1, run.progress.total)} .value=${run.progress.done}>${label}</progress>
      ${run.warnings.length > 0 ? html`<ul class="notice">${run.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : nothing}
    </section>`;
  }

  private renderResults(run: Run): TemplateResult {
    const base = run.summary as Summary;
    const compare = run.comparison?.summary;
    const reasons = [...new Set([...Object.keys(base.byReason), ...Object.keys(compare?.byReason ?? {})])];
    const methods = [...new Set([...Object.keys(base.byMethod), ...Object.keys(compare?.byMethod ?? {})])];
    const row = (name: string, a: number, b: number | undefined) =>
      html`<tr><th scope="row">${name}</th><td>${a}</td>${compare ? html`<td>${b ?? 0}</td><td>${signed((b ?? 0) - a)}</td>` : nothing}</tr>`;
    const head = html`<tr><th scope="col"></th><th scope="col">${compare ? "A" : "Messages"}</th>${compare ? html`<th scope="col">B</th><th scope="col">Change</th>` : nothing}</tr>`;
    const messages = (run.messages ?? []).filter((m) => !this.onlyChanged || m.changed);
    return html`<section id="whatif-results" tabindex="-1" aria-labelledby="whatif-summary">
      <div class="card">
        <h2 id="whatif-summary">Summary</h2>
        ${compare ? html`<p data-testid="whatif-changed"><strong>Messages decided differently: ${run.comparison?.changed} of ${base.messages}</strong></p>` : nothing}
        <div class="summary-grid">
          <table class="data-table"><caption>Decisions</caption><thead>${head}</thead>
            <tbody>${reasons.map((r) => row(r, base.byReason[r] ?? 0, compare?.byReason[r]))}${row("tracked", base.tracked, compare?.tracked)}</tbody></table>
          <table class="data-table"><caption>Correlation</caption><thead>${head}</thead>
            <tbody>${methods.map((m) => row(m, base.byMethod[m] ?? 0, compare?.byMethod[m]))}</tbody></table>
        </div>
        <p class="form-row"><button class="button" type="button" @click=${() => void this.download()}>Download JSON Lines</button></p>
      </div>
      <div class="card">
        <h2 id="whatif-messages">Messages</h2>
        ${compare
          ? html`<div class="field field--switch"><input id="whatif-only-changed" type="checkbox" .checked=${this.onlyChanged}
              @change=${(e: Event) => (this.onlyChanged = (e.target as HTMLInputElement).checked)} /><label for="whatif-only-changed">Only messages decided differently</label></div>`
          : nothing}
        <div class="table-wrap">
          <table class="data-table" data-testid="whatif-messages">
            <caption class="visually-hidden">Each message's decision${compare ? " under A and B" : ""}, with the explanation beneath</caption>
            <thead><tr>
              ${compare ? html`<th scope="col"><span class="visually-hidden">Changed</span></th>` : nothing}
              <th scope="col">File</th><th scope="col">Subject</th><th scope="col">From</th>
              <th scope="col">${compare ? "A: decision" : "Decision"}</th><th scope="col">${compare ? "A: linked by" : "Linked by"}</th>
              ${compare ? html`<th scope="col">B: decision</th><th scope="col">B: linked by</th>` : nothing}
              <th scope="col">Regarding</th>
            </tr></thead>
            <tbody>${messages.map((m, index) => this.renderMessage(m, index, compare !== undefined))}</tbody>
          </table>
        </div>
      </div>
    </section>`;
  }

  private renderMessage(m: NonNullable<Run["messages"]>[number], index: number, comparing: boolean): TemplateResult {
    const columns = comparing ? 9 : 6;
    const decision = (line: Line) => `${line.tracked ? "tracked" : "not tracked"}: ${line.reason}`;
    return html`<tr data-file=${m.file}>
        ${comparing ? html`<td>${m.changed ? html`<span class="change-mark" title="decided differently">≠<span class="visually-hidden">changed</span></span>` : html`<span class="muted">=</span>`}</td>` : nothing}
        <th scope="row">${m.file}</th>
        <td>${m.base.subject ?? ""}</td>
        <td>${m.base.from ?? ""}</td>
        <td>${decision(m.base)}</td>
        <td>${m.base.correlation.method}</td>
        ${comparing && m.compare ? html`<td>${decision(m.compare)}</td><td>${m.compare.correlation.method}</td>` : nothing}
        <td>${refText(m.base.regarding)}${comparing && m.compare && JSON.stringify(m.compare.regarding) !== JSON.stringify(m.base.regarding) ? html` → ${refText(m.compare.regarding)}` : nothing}</td>
      </tr>
      <tr class="why-row">
        <td colspan=${columns}>
          <details>
            <summary>${comparing && m.changed ? html`A: ${m.base.why ?? m.base.reason}` : (m.base.why ?? m.base.reason)}</summary>
            ${renderExplanation({ why: m.base.why, trace: asTrace(m.base.explanation), id: `whatif-${index}-a`, headingLevel: 3 })}
            ${comparing && m.changed && m.compare
              ? html`<p><strong>B:</strong></p>${renderExplanation({ why: m.compare.why, trace: asTrace(m.compare.explanation), id: `whatif-${index}-b`, headingLevel: 3 })}`
              : nothing}
          </details>
        </td>
      </tr>`;
  }
}

customElements.define("what-if-page", WhatIfPage);

declare global {
  interface HTMLElementTagNameMap {
    "what-if-page": WhatIfPage;
  }
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** The file's bytes as base64 (the browser's own encoder, through a data: URL). */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}
