// Activities: search tracked email by mailbox, regarding record or conversation; one activity with
// its parties and the records they resolved to, its regarding, its conversation as a thread and the
// explanation of the decision; Re-link and Unlink for those the API lets change it. The search is
// kept in the address (?mailbox=…), so Back from an activity returns to the same results.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { RECORD_TYPES, type EmailActivity, type RecordRef, type ResolvedParty } from "../../../src/domain/types.js";
import { ApiError, type Api } from "../api.js";
import { asTrace, recordNames, refText, renderExplanation } from "../explanation.js";
import { describeError, formatTime } from "../format.js";
import { hrefOf } from "../router.js";
import "./tracking.css";

const LIST_PATH = "/admin/activities";
const SEARCH_KINDS = ["mailbox", "record", "conversation"] as const;
type SearchKind = (typeof SEARCH_KINDS)[number];
const KIND_LABELS: Record<SearchKind, string> = { mailbox: "Mailbox", record: "Regarding record", conversation: "Conversation" };

interface Search {
  kind: SearchKind;
  mailbox: string;
  regardingType: RecordRef["type"];
  regardingId: string;
  conversationId: string;
}

interface Explanation {
  why: string;
  trace: unknown;
}

interface RelinkResult {
  changed: EmailActivity[];
  unchanged: number;
}

export class ActivitiesPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    route: { attribute: false },
    canEdit: { attribute: false },
    search: { state: true },
    results: { state: true },
    continuationToken: { state: true },
    searchError: { state: true },
    searching: { state: true },
    activity: { state: true },
    explanation: { state: true },
    thread: { state: true },
    detailError: { state: true },
    busy: { state: true },
    outcome: { state: true },
  };

  declare api: Api;
  /** "activities" or "activities/<id>". */
  declare route: string;
  declare canEdit: boolean;
  declare search: Search;
  declare results: EmailActivity[] | undefined;
  declare continuationToken: string | undefined;
  declare searchError: ApiError | undefined;
  declare searching: boolean;
  declare activity: EmailActivity | undefined;
  declare explanation: Explanation | null | undefined;
  declare thread: EmailActivity[] | undefined;
  declare detailError: string | undefined;
  declare busy: boolean;
  declare outcome: { ok: boolean; text: string } | undefined;
  private shownId: string | undefined;

  constructor() {
    super();
    this.canEdit = false;
    this.searching = false;
    this.busy = false;
    this.search = { kind: "mailbox", mailbox: "", regardingType: "contact", regardingId: "", conversationId: "" };
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.search = searchFromQuery(new URLSearchParams(location.search), this.search);
    if (this.activityId() === undefined && hasTerm(this.search)) void this.runSearch();
  }

  override willUpdate(): void {
    const id = this.activityId();
    if (id !== undefined && id !== this.shownId) {
      this.shownId = id;
      void this.loadActivity(id);
    }
    if (id === undefined) this.shownId = undefined;
  }

  private activityId(): string | undefined {
    const [, ...rest] = this.route.split("/");
    if (rest.length === 0 || rest.join("/") === "") return undefined;
    try {
      return decodeURIComponent(rest.join("/"));
    } catch {
      return rest.join("/");
    }
  }

  // ---- search -------------------------------------------------------------------------------------

  private query(search: Search): URLSearchParams {
    const query = new URLSearchParams();
    if (search.kind === "mailbox") query.set("mailbox", search.mailbox.trim());
    if (search.kind === "record") {
      query.set("regardingType", search.regardingType);
      query.set("regardingId", search.regardingId.trim());
    }
    if (search.kind === "conversation") query.set("conversationId", search.conversationId.trim());
    return query;
  }

  private async runSearch(options: { more?: boolean } = {}): Promise<void> {
    this.searching = true;
    const query = this.query(this.search);
    if (!options.more) history.replaceState(null, "", `${location.pathname}?${query.toString()}`);
    if (options.more && this.continuationToken) query.set("continuationToken", this.continuationToken);
    try {
      const { body } = await this.api.request<{ items: EmailActivity[]; continuationToken?: string }>("GET", `${LIST_PATH}?${query.toString()}`);
      this.results = options.more ? [...(this.results ?? []), ...body.items] : body.items;
      this.continuationToken = body.continuationToken;
      this.searchError = undefined;
    } catch (error) {
      this.searchError = toApiError(error);
      this.results = undefined;
    } finally {
      this.searching = false;
    }
  }

  private set(change: Partial<Search>): void {
    this.search = { ...this.search, ...change };
  }

  // ---- one activity -------------------------------------------------------------------------------

  private async loadActivity(id: string): Promise<void> {
    this.activity = undefined;
    this.explanation = undefined;
    this.thread = undefined;
    this.detailError = undefined;
    this.outcome = undefined;
    try {
      const { body } = await this.api.request<{ activity: EmailActivity; explanation: Explanation | null }>("GET", `${LIST_PATH}/${encodeURIComponent(id)}`);
      if (this.activityId() !== id) return;
      this.activity = body.activity;
      this.explanation = body.explanation;
      await this.loadThread(body.activity);
    } catch (error) {
      this.detailError = describeError(error);
    }
  }

  private async loadThread(activity: EmailActivity): Promise<void> {
    const conversationId = activity.conversationId ?? activity.id;
    try {
      const { body } = await this.api.request<{ items: EmailActivity[] }>("GET", `${LIST_PATH}?conversationId=${encodeURIComponent(conversationId)}&limit=100`);
      const items = body.items.some((a) => a.id === activity.id) ? body.items : [...body.items, activity];
      this.thread = [...items].sort((a, b) => a.activityTime.localeCompare(b.activityTime));
    } catch {
      this.thread = [activity];
    }
  }

  private async change(event: Event, action: "relink" | "unlink"): Promise<void> {
    event.preventDefault();
    const activity = this.activity;
    if (!activity) return;
    const form = (event.target as HTMLElement).closest("form") as HTMLFormElement;
    const data = new FormData(form);
    const scope = data.get("scope") === "conversation" ? "conversation" : "activity";
    const reason = String(data.get("reason") ?? "").trim();
    const regarding = { type: String(data.get("regardingType") ?? ""), id: String(data.get("regardingId") ?? "").trim() };
    const body = action === "relink" ? { regarding, scope, ...(reason ? { reason } : {}) } : { scope, ...(reason ? { reason } : {}) };
    this.busy = true;
    this.outcome = undefined;
    try {
      const { body: result } = await this.api.request<RelinkResult>("POST", `${LIST_PATH}/${encodeURIComponent(activity.id)}/${action}`, { body });
      const count = result.changed.length;
      const what = action === "relink" ? `Re-linked to ${refText(regarding as RecordRef)}` : "Unlinked";
      // The activity as stored now, before the outcome is announced with it.
      const reloaded = await this.api.request<{ activity: EmailActivity; explanation: Explanation | null }>("GET", `${LIST_PATH}/${encodeURIComponent(activity.id)}`);
      this.activity = reloaded.body.activity;
      this.explanation = reloaded.body.explanation;
      await this.loadThread(reloaded.body.activity);
      this.outcome = {
        ok: true,
        text: count === 0 ? `Nothing changed: ${result.unchanged === 1 ? "the activity was" : `all ${result.unchanged} activities were`} already so.` : `${what}: ${count} ${count === 1 ? "activity" : "activities"} changed.`,
      };
    } catch (error) {
      const problem = toApiError(error);
      const fields = problem.problem.errors.map((e) => e.message).join("; ");
      this.outcome = { ok: false, text: `${action === "relink" ? "Re-link" : "Unlink"} failed: ${fields || problem.problem.detail || problem.problem.title}` };
    } finally {
      this.busy = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>(".change-outcome [tabindex='-1']")?.focus();
  }

  // ---- rendering ----------------------------------------------------------------------------------

  override render(): TemplateResult {
    return this.activityId() === undefined ? this.renderSearch() : this.renderActivity();
  }

  private renderSearch(): TemplateResult {
    const search = this.search;
    const error = (field: string) => this.searchError?.messageFor(field);
    return html`
      <h1 tabindex="-1">Activities</h1>
      <p class="lead">Tracked email: find it by mailbox, regarding record or conversation, and see why it was tracked and linked.</p>
      <form class="card search-form" role="search" aria-label="Find activities" @submit=${(e: Event) => {
        e.preventDefault();
        void this.runSearch();
      }}>
        <fieldset class="choice">
          <legend>Find by</legend>
          ${SEARCH_KINDS.map(
            (kind) => html`<label><input type="radio" name="kind" value=${kind} .checked=${search.kind === kind} @change=${() => this.set({ kind })} /> ${KIND_LABELS[kind]}</label>`,
          )}
        </fieldset>
        <div class="fields">
          ${search.kind === "mailbox"
            ? this.textField({ id: "search-mailbox", label: "Mailbox address", value: search.mailbox, error: error("mailbox"), type: "email", onInput: (v) => this.set({ mailbox: v }) })
            : nothing}
          ${search.kind === "record"
            ? html`<div class="field">
                  <label for="search-type">Record type</label>
                  <select id="search-type" @change=${(e: Event) => this.set({ regardingType: (e.target as HTMLSelectElement).value as RecordRef["type"] })}>
                    ${RECORD_TYPES.map((type) => html`<option value=${type} ?selected=${type === search.regardingType}>${type}</option>`)}
                  </select>
                </div>
                ${this.textField({ id: "search-record", label: "Record id", value: search.regardingId, error: error("regardingId"), onInput: (v) => this.set({ regardingId: v }) })}`
            : nothing}
          ${search.kind === "conversation"
            ? this.textField({ id: "search-conversation", label: "Conversation id", value: search.conversationId, error: error("conversationId"), onInput: (v) => this.set({ conversationId: v }) })
            : nothing}
        </div>
        <div class="form-row"><button class="button button--primary" type="submit" ?disabled=${this.searching}>${this.searching ? "Searching…" : "Search"}</button></div>
      </form>
      <div aria-live="polite">
        ${this.searchError && this.searchError.problem.errors.length === 0
          ? html`<p class="notice notice--error" role="alert">The search failed: ${this.searchError.problem.detail || this.searchError.problem.title}</p>`
          : nothing}
        ${this.results ? this.renderResults(this.results) : nothing}
      </div>
    `;
  }

  private textField(options: { id: string; label: string; value: string; error: string | undefined; type?: string; onInput(value: string): void }): TemplateResult {
    return html`<div class="field ${options.error ? "field--invalid" : ""}">
      <label for=${options.id}>${options.label}</label>
      <input id=${options.id} type=${options.type ?? "text"} required spellcheck="false" .value=${options.value}
        aria-invalid=${options.error ? "true" : "false"} aria-describedby=${options.error ? `${options.id}-error` : nothing}
        @input=${(e: Event) => options.onInput((e.target as HTMLInputElement).value)} />
      ${options.error ? html`<p class="field__error" id="${options.id}-error">${options.error}</p>` : nothing}
    </div>`;
  }

  private renderResults(results: EmailActivity[]): TemplateResult {
    if (results.length === 0) return html`<p class="card" role="status">No activity matches.</p>`;
    return html`<p class="visually-hidden" role="status">${results.length} activities found</p>
      <div class="table-wrap">
        <table class="data-table" data-testid="activity-results">
          <caption class="visually-hidden">Activities found, newest first</caption>
          <thead>
            <tr><th scope="col">Subject</th><th scope="col">Time (UTC)</th><th scope="col">Direction</th><th scope="col">From</th><th scope="col">Mailbox</th><th scope="col">Regarding</th><th scope="col">Decision</th></tr>
          </thead>
          <tbody>
            ${results.map(
              (a) => html`<tr>
                <th scope="row"><a href=${hrefOf(`activities/${encodeURIComponent(a.id)}`)}>${a.subject || "(no subject)"}</a></th>
                <td>${formatTime(a.activityTime)}</td>
                <td>${a.direction}</td>
                <td>${a.sender?.address ?? "—"}</td>
                <td>${a.receivingMailbox}</td>
                <td>${refText(a.regarding)}</td>
                <td>${a.decisionReason}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${this.continuationToken ? html`<button class="button" type="button" @click=${() => void this.runSearch({ more: true })}>Show more</button>` : nothing}`;
  }

  private renderActivity(): TemplateResult {
    // One heading element whatever the state, so the focus it got on arrival stays once loaded.
    const activity = this.detailError === undefined ? this.activity : undefined;
    return html`<p><a href=${hrefOf("activities")}>← All activities</a></p>
      <h1 tabindex="-1">${activity ? activity.subject || "(no subject)" : "Activity"}</h1>
      ${this.detailError !== undefined
        ? html`<p class="notice notice--error" role="alert">The activity could not be loaded: ${this.detailError}</p>`
        : activity
          ? this.renderActivityDetail(activity)
          : html`<p class="loading" role="status">Loading the activity…</p>`}`;
  }

  private renderActivityDetail(activity: EmailActivity): TemplateResult {
    const trace = asTrace(this.explanation?.trace);
    const names = recordNames(trace);
    return html`
      <p class="lead">${activity.direction === "incoming" ? "Received" : "Sent"} ${formatTime(activity.activityTime)} · mailbox ${activity.receivingMailbox}</p>
      <div class="change-outcome" aria-live="polite">
        ${this.outcome
          ? html`<p class="notice ${this.outcome.ok ? "notice--ok" : "notice--error"}" role=${this.outcome.ok ? "status" : "alert"} tabindex="-1">${this.outcome.text}</p>`
          : nothing}
      </div>
      <section class="card" aria-labelledby="activity-regarding">
          <h2 id="activity-regarding">Regarding</h2>
          <p class="regarding" data-testid="activity-regarding">${activity.regarding ? refText(activity.regarding, names) : "Not linked to a record"}</p>
          <dl class="facts">
            <dt>Decision</dt><dd>${activity.decisionReason}</dd>
            <dt>Linked by</dt><dd>${activity.correlation.method}${activity.correlation.correlatedActivityId ? html` to <a href=${hrefOf(`activities/${encodeURIComponent(activity.correlation.correlatedActivityId)}`)}>an earlier email</a>` : nothing}</dd>
            ${activity.trackingToken ? html`<dt>Tracking token</dt><dd><code>${activity.trackingToken}</code></dd>` : nothing}
            <dt>Message-ID</dt><dd><code class="wrap">${activity.internetMessageId}</code></dd>
            <dt>Conversation</dt><dd><code class="wrap">${activity.conversationId ?? activity.id}</code></dd>
          </dl>
          ${activity.regardingChanges && activity.regardingChanges.length > 0
            ? html`<h3>Changes</h3>
                <ul class="rule-list" data-testid="regarding-changes">
                  ${activity.regardingChanges.map(
                    (c) => html`<li>${formatTime(c.at)}: ${c.action === "relink" ? `re-linked to ${refText(c.to)}` : "unlinked"} by ${c.by.name ?? c.by.oid}${c.scope === "conversation" ? " (whole conversation)" : ""}${c.from ? `, was ${refText(c.from)}` : ""}${c.reason ? ` — “${c.reason}”` : ""}</li>`,
                  )}
                </ul>`
            : nothing}
          ${this.canEdit ? this.renderChangeForm(activity, names) : nothing}
      </section>
      <section class="card" aria-labelledby="activity-parties">
        <h2 id="activity-parties">Parties</h2>
        ${this.renderParties(activity, names)}
      </section>
      <section class="card" aria-labelledby="activity-why">
        <h2 id="activity-why">Explanation</h2>
        ${renderExplanation({ why: this.explanation?.why ?? activity.decisionReason, trace, id: "activity-explanation" })}
      </section>
      <section class="card" aria-labelledby="activity-thread">
        <h2 id="activity-thread">Conversation</h2>
        ${this.thread === undefined
          ? html`<p class="loading" role="status">Loading the conversation…</p>`
          : html`<ol class="thread" data-testid="thread">
              ${this.thread.map(
                (a) => html`<li class="thread__item ${a.id === activity.id ? "thread__item--current" : ""}">
                  ${a.id === activity.id
                    ? html`<strong aria-current="page">${a.subject || "(no subject)"}</strong>`
                    : html`<a href=${hrefOf(`activities/${encodeURIComponent(a.id)}`)}>${a.subject || "(no subject)"}</a>`}
                  <span class="thread__meta">${a.direction === "incoming" ? "from" : "sent by"} ${a.sender?.address ?? "—"} · ${formatTime(a.activityTime)} · ${a.correlation.method === "none" ? "starts the conversation" : `linked by ${a.correlation.method}`} · regarding ${refText(a.regarding)}</span>
                </li>`,
              )}
            </ol>`}
      </section>
    `;
  }

  private renderParties(activity: EmailActivity, names: ReadonlyMap<string, string>): TemplateResult {
    const rows: Array<[string, ResolvedParty]> = [
      ...(activity.sender ? [["From", activity.sender] as [string, ResolvedParty]] : []),
      ...activity.toRecipients.map((p) => ["To", p] as [string, ResolvedParty]),
      ...activity.ccRecipients.map((p) => ["Cc", p] as [string, ResolvedParty]),
      ...activity.bccRecipients.map((p) => ["Bcc", p] as [string, ResolvedParty]),
    ];
    return html`<div class="table-wrap"><table class="data-table" data-testid="parties">
      <caption class="visually-hidden">Parties and the records they resolved to</caption>
      <thead><tr><th scope="col">Role</th><th scope="col">Address</th><th scope="col">Resolved to</th></tr></thead>
      <tbody>
        ${rows.map(
          ([role, party]) => html`<tr>
            <td>${role}</td>
            <th scope="row">${party.name ? html`${party.name} <span class="muted">&lt;${party.address}&gt;</span>` : party.address}</th>
            <td>${party.records.length === 0 ? html`<span class="muted">no record</span>` : party.records.map((r) => refText(r, names)).join(", ")}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  /** The parties' records, one click to fill the form with (the mailbox's own user left out). */
  private renderPicks(activity: EmailActivity, names: ReadonlyMap<string, string>): TemplateResult | typeof nothing {
    const seen = new Set<string>();
    const records = [activity.sender, ...activity.toRecipients, ...activity.ccRecipients]
      .flatMap((party) => party?.records ?? [])
      .filter((r) => r.type !== "systemuser" && r.type !== "queue" && !seen.has(`${r.type}/${r.id}`) && seen.add(`${r.type}/${r.id}`));
    if (records.length === 0) return nothing;
    const pick = (event: Event, record: RecordRef) => {
      const form = (event.target as HTMLElement).closest("form");
      const type = form?.querySelector<HTMLSelectElement>("#relink-type");
      const id = form?.querySelector<HTMLInputElement>("#relink-id");
      if (type) type.value = record.type;
      if (id) {
        id.value = record.id;
        id.focus();
      }
    };
    return html`<p class="form-row">Records of the parties:
      ${records.map((r) => html`<button class="button button--small" type="button" @click=${(e: Event) => pick(e, r)}>${refText(r, names)}</button>`)}</p>`;
  }

  private renderChangeForm(activity: EmailActivity, names: ReadonlyMap<string, string>): TemplateResult {
    const current = activity.regarding;
    return html`<form class="change-form" aria-labelledby="change-heading" @submit=${(e: Event) => void this.change(e, "relink")}>
      <h3 id="change-heading">Change the regarding record</h3>
      ${this.renderPicks(activity, names)}
      <div class="fields fields--narrow">
        <div class="field">
          <label for="relink-type">Record type</label>
          <select id="relink-type" name="regardingType">
            ${RECORD_TYPES.map((type) => html`<option value=${type} ?selected=${type === (current?.type ?? "contact")}>${type}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="relink-id">Record id</label>
          <input id="relink-id" name="regardingId" type="text" required spellcheck="false" .value=${current?.id ?? ""} />
        </div>
        <div class="field">
          <label for="relink-reason">Reason (optional)</label>
          <input id="relink-reason" name="reason" type="text" maxlength="1000" />
        </div>
      </div>
      <fieldset class="choice">
        <legend>Apply to</legend>
        <label><input type="radio" name="scope" value="activity" checked /> This activity</label>
        <label><input type="radio" name="scope" value="conversation" /> The whole conversation</label>
      </fieldset>
      <div class="form-row">
        <button class="button button--primary" type="submit" ?disabled=${this.busy}>Re-link</button>
        <button class="button" type="button" ?disabled=${this.busy || !current} @click=${(e: Event) => void this.change(e, "unlink")}>Unlink</button>
      </div>
    </form>`;
  }
}

customElements.define("activities-page", ActivitiesPage);

declare global {
  interface HTMLElementTagNameMap {
    "activities-page": ActivitiesPage;
  }
}

function searchFromQuery(query: URLSearchParams, fallback: Search): Search {
  if (query.has("mailbox")) return { ...fallback, kind: "mailbox", mailbox: query.get("mailbox") ?? "" };
  if (query.has("regardingId")) {
    const type = query.get("regardingType") ?? "contact";
    return { ...fallback, kind: "record", regardingType: (RECORD_TYPES as readonly string[]).includes(type) ? (type as RecordRef["type"]) : "contact", regardingId: query.get("regardingId") ?? "" };
  }
  if (query.has("conversationId")) return { ...fallback, kind: "conversation", conversationId: query.get("conversationId") ?? "" };
  return fallback;
}

function hasTerm(search: Search): boolean {
  return (search.kind === "mailbox" ? search.mailbox : search.kind === "record" ? search.regardingId : search.conversationId).trim() !== "";
}

function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError({ status: 0, title: "Network error", detail: String(error), errors: [] });
}
