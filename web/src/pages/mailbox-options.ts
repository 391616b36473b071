// A mailbox's personal options: the synchronization methods, the incoming email filter, the start
// date, the owner and the tracked folders with their regarding records, as the API's PATCH takes
// them (its schema names the fields, their descriptions and allowed values). An admin changes them
// all; the mailbox's owner those the API's …/personal-options route takes (its schema says which).
// Saved with If-Match; the API's messages appear next to their fields, and a 412 says that someone
// else saved first.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { ApiError, type Api } from "../api.js";
import { renderField, renderSaveStatus, saveLabel } from "../fields.js";
import { describeError, labelOf } from "../format.js";
import { loadOpenApi, type JsonSchema } from "../openapi.js";
import { mailboxPath, MAILBOXES_PATH, PERSONAL_OPTIONS_ROUTE, type MailboxView, type OptionsEditing, type RecordRef } from "./mailbox-common.js";

type Values = Record<string, unknown>;
type Folder = { folder: string; regarding: RecordRef };

/** The route each kind of editor saves through; its PATCH schema names what they may change. */
const SAVE_ROUTES: Record<OptionsEditing, string | undefined> = { all: `${MAILBOXES_PATH}/{address}`, personal: PERSONAL_OPTIONS_ROUTE, none: undefined };

/** A record the viewer may not read (no reading role): its name cannot be shown. */
const UNREADABLE = "\u0000unreadable";

/** The address is the mailbox's identity: a new one is a new mailbox, made through the API. */
const NOT_HERE = new Set(["address"]);

export class MailboxOptions extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    mailbox: { attribute: false },
    etag: { attribute: false },
    editing: { attribute: false },
    canReadRecords: { attribute: false },
    schema: { state: true },
    editableBy: { state: true },
    draft: { state: true },
    error: { state: true },
    loadError: { state: true },
    conflict: { state: true },
    notice: { state: true },
    saving: { state: true },
    recordNames: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  declare mailbox: MailboxView;
  declare etag: string | undefined;
  declare editing: OptionsEditing;
  /** Reading CRM records needs a reading role: without one the page does not ask for their names. */
  declare canReadRecords: boolean;
  declare schema: Record<string, JsonSchema> | undefined;
  /** What each kind of editor may change: the properties of the route they save through. */
  declare editableBy: Record<OptionsEditing, ReadonlySet<string>>;
  declare draft: Values;
  declare error: ApiError | undefined;
  declare loadError: string | undefined;
  declare conflict: boolean;
  declare notice: string | undefined;
  declare saving: boolean;
  /** "contact/123" → the record's name, undefined while unknown, null when there is none, UNREADABLE when the viewer may not read it. */
  declare recordNames: ReadonlyMap<string, string | null>;

  constructor() {
    super();
    this.draft = {};
    this.conflict = false;
    this.saving = false;
    this.editing = "none";
    this.canReadRecords = false;
    this.editableBy = { all: new Set(), personal: new Set(), none: new Set() };
    this.recordNames = new Map();
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadSchema();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    // A new version from the page (after an action or a reload) keeps the changes not yet saved.
    if (changed.has("mailbox")) {
      const previous = changed.get("mailbox") as MailboxView | undefined;
      const pending = previous ? this.changes(previous as unknown as Values) : {};
      this.draft = { ...(this.mailbox as unknown as Values), ...pending };
      void this.lookUpRecords();
    }
  }

  private async loadSchema(): Promise<void> {
    try {
      const document = await loadOpenApi(this.apiBase);
      const properties = (path: string) => document.paths?.[path]?.patch?.requestBody?.content?.["application/json"]?.schema?.properties ?? {};
      this.schema = Object.fromEntries(Object.entries(properties(`${MAILBOXES_PATH}/{address}`)).filter(([key]) => !NOT_HERE.has(key)));
      const schema = this.schema;
      const keysOf = (route: string | undefined) => new Set(route === undefined ? [] : Object.keys(properties(route)).filter((key) => key in schema));
      this.editableBy = { all: keysOf(SAVE_ROUTES.all), personal: keysOf(SAVE_ROUTES.personal), none: keysOf(SAVE_ROUTES.none) };
    } catch (error) {
      this.loadError = describeError(error);
    }
  }

  /** The options this viewer may change. */
  private get editable(): ReadonlySet<string> {
    return this.editableBy[this.editing];
  }

  private changes(base: Values = this.mailbox as unknown as Values): Values {
    const keys = [...this.editable];
    return Object.fromEntries(
      keys.filter((key) => key in this.draft && JSON.stringify(this.draft[key]) !== JSON.stringify(base[key])).map((key) => [key, this.draft[key]]),
    );
  }

  private setValue(key: string, value: unknown): void {
    this.draft = { ...this.draft, [key]: value };
    this.notice = undefined;
  }

  private folders(): Folder[] {
    return Array.isArray(this.draft.trackedFolders) ? (this.draft.trackedFolders as Folder[]) : [];
  }

  private setFolder(index: number, change: (folder: Folder) => Folder): void {
    this.setValue("trackedFolders", this.folders().map((folder, i) => (i === index ? change(folder) : folder)));
  }

  /** The regarding records' names, so an admin sees which record each folder files under. */
  private async lookUpRecords(): Promise<void> {
    const wanted = this.folders()
      .map((f) => f.regarding)
      .filter((ref) => ref.id.trim() !== "" && !this.recordNames.has(`${ref.type}/${ref.id}`));
    if (wanted.length === 0) return;
    if (!this.canReadRecords) {
      this.recordNames = new Map([...this.recordNames, ...wanted.map((ref) => [`${ref.type}/${ref.id}`, UNREADABLE] as const)]);
      return;
    }
    const found = await Promise.all(
      wanted.map(async (ref) => {
        try {
          const { body } = await this.api.request<{ name?: string }>("GET", `/admin/records/${encodeURIComponent(ref.type)}/${encodeURIComponent(ref.id)}`);
          return [`${ref.type}/${ref.id}`, body.name ?? ""] as const;
        } catch (error) {
          // Only a 404 means there is none; without a reading role (an owner) the name stays unknown.
          return [`${ref.type}/${ref.id}`, error instanceof ApiError && error.status === 404 ? null : UNREADABLE] as const;
        }
      }),
    );
    this.recordNames = new Map([...this.recordNames, ...found]);
  }

  private async save(event: Event): Promise<void> {
    event.preventDefault();
    const changes = this.changes();
    if (Object.keys(changes).length === 0 || this.etag === undefined) return;
    this.saving = true;
    this.notice = undefined;
    try {
      const path = this.editing === "personal" ? `${mailboxPath(this.mailbox.address)}/personal-options` : mailboxPath(this.mailbox.address);
      const { body, etag } = await this.api.request<MailboxView>("PATCH", path, { body: changes, ifMatch: this.etag });
      this.error = undefined;
      this.conflict = false;
      this.notice = `Saved ${Object.keys(changes).length === 1 ? "1 change" : `${Object.keys(changes).length} changes`}.`;
      this.dispatchEvent(new CustomEvent("mailbox-saved", { detail: { mailbox: body, etag }, bubbles: true }));
      this.draft = { ...(body as unknown as Values) };
    } catch (error) {
      this.conflict = error instanceof ApiError && error.status === 412;
      this.error = this.conflict ? undefined : error instanceof ApiError ? error : new ApiError({ status: 0, title: "Network error", detail: String(error), errors: [] });
    } finally {
      this.saving = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>(".save-status [tabindex='-1']")?.focus();
  }

  private reloadRequested(): void {
    this.draft = { ...(this.mailbox as unknown as Values) };
    this.conflict = false;
    this.dispatchEvent(new CustomEvent("mailbox-reload", { bubbles: true }));
  }

  override render(): TemplateResult {
    if (this.loadError !== undefined) return html`<p class="notice notice--error" role="alert">The personal options could not be shown: ${this.loadError}</p>`;
    const schema = this.schema;
    if (schema === undefined) return html`<p class="loading" role="status">Loading the personal options…</p>`;
    const changeCount = Object.keys(this.changes()).length;
    return html`<form @submit=${(event: Event) => void this.save(event)} novalidate aria-labelledby="options-heading">
      ${this.renderStatus()}
      <div class="fields">
        ${Object.entries(schema)
          .filter(([key]) => key !== "trackedFolders")
          .map(([key, fieldSchema]) =>
            renderField({
              id: `option-${key}`,
              label: labelOf(key),
              schema: fieldSchema,
              value: this.draft[key],
              disabled: !this.editable.has(key),
              message: this.error?.messageFor(key),
              onChange: (value) => this.setValue(key, value),
            }),
          )}
      </div>
      ${schema.trackedFolders ? this.renderFolders(schema.trackedFolders) : nothing}
      ${this.editable.size > 0
        ? html`<div class="form-actions">
            <button class="button button--primary" type="submit" ?disabled=${changeCount === 0 || this.saving}>${saveLabel({ changes: changeCount, saving: this.saving })}</button>
            <button class="button" type="button" ?disabled=${changeCount === 0 || this.saving}
              @click=${() => ((this.draft = { ...(this.mailbox as unknown as Values) }), (this.error = undefined))}>Discard changes</button>
          </div>`
        : nothing}
    </form>`;
  }

  private renderStatus(): TemplateResult {
    return renderSaveStatus({
      conflict: this.conflict,
      error: this.error,
      notice: this.notice,
      what: "this mailbox",
      reloadLabel: "Load the current mailbox",
      onReload: () => this.reloadRequested(),
    });
  }

  private renderFolders(schema: JsonSchema): TemplateResult {
    const types = (schema.items?.properties?.regarding?.properties?.type?.enum ?? []).map(String);
    const folders = this.folders();
    const disabled = !this.editable.has("trackedFolders");
    const messages = this.error?.problem.errors.filter((e) => /(^|\.)trackedFolders/.test(e.field)).map((e) => e.message) ?? [];
    const isQueue = this.draft.kind === "queue";
    return html`<fieldset class="folders" aria-describedby="folders-help">
      <legend>${labelOf("trackedFolders")}</legend>
      <p class="field__help" id="folders-help">${schema.description ?? ""} At most ${schema.maxItems ?? "?"}.</p>
      ${messages.map((m) => html`<p class="field__error">${m}</p>`)}
      ${folders.length === 0
        ? html`<p>${isQueue ? "A queue has no tracked folders." : "No tracked folders."}</p>`
        : html`<table class="data-table folders__table">
            <caption class="visually-hidden">Tracked folders and the records their mail is regarding</caption>
            <thead>
              <tr><th scope="col">Folder</th><th scope="col">Regarding type</th><th scope="col">Regarding id</th><th scope="col">Regarding record</th>${disabled ? nothing : html`<th scope="col"><span class="visually-hidden">Remove</span></th>`}</tr>
            </thead>
            <tbody>
              ${folders.map((folder, index) => {
                const name = this.recordNames.get(`${folder.regarding.type}/${folder.regarding.id}`);
                const n = index + 1;
                return html`<tr>
                  <td><input type="text" aria-label="Folder ${n}" .value=${folder.folder} ?disabled=${disabled} spellcheck="false"
                    @input=${(e: Event) => this.setFolder(index, (f) => ({ ...f, folder: (e.target as HTMLInputElement).value }))} /></td>
                  <td><select aria-label="Folder ${n} regarding type" ?disabled=${disabled}
                    @change=${(e: Event) => this.setFolder(index, (f) => ({ ...f, regarding: { ...f.regarding, type: (e.target as HTMLSelectElement).value } }))}>
                    ${types.map((type) => html`<option value=${type} ?selected=${type === folder.regarding.type}>${type}</option>`)}
                  </select></td>
                  <td><input type="text" aria-label="Folder ${n} regarding id" .value=${folder.regarding.id} ?disabled=${disabled} spellcheck="false"
                    @input=${(e: Event) => this.setFolder(index, (f) => ({ ...f, regarding: { ...f.regarding, id: (e.target as HTMLInputElement).value } }))}
                    @change=${() => void this.lookUpRecords()} /></td>
                  <td data-testid="regarding-name">${name === undefined
                    ? "…"
                    : name === null
                      ? html`<span class="status--failure">no such record</span>`
                      : name === UNREADABLE
                        ? html`<span class="muted">reading records needs Tracking.Read</span>`
                        : name || "(no name)"}</td>
                  ${disabled
                    ? nothing
                    : html`<td><button class="button button--small" type="button" aria-label="Remove folder ${n}"
                        @click=${() => this.setValue("trackedFolders", folders.filter((_, i) => i !== index))}>Remove</button></td>`}
                </tr>`;
              })}
            </tbody>
          </table>`}
      ${disabled || isQueue
        ? nothing
        : html`<button class="button button--small" type="button" ?disabled=${folders.length >= (schema.maxItems ?? Infinity)}
            @click=${() => this.setValue("trackedFolders", [...folders, { folder: "", regarding: { type: types[0] ?? "account", id: "" } }])}>
            Add a tracked folder
          </button>`}
    </fieldset>`;
  }
}

customElements.define("mailbox-options", MailboxOptions);

declare global {
  interface HTMLElementTagNameMap {
    "mailbox-options": MailboxOptions;
  }
}
