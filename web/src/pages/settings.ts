// Email tracking settings: every organization setting, in the sections of Dynamics' settings page,
// with the description, default and allowed values the API's own schema gives; a live tracking
// token preview; the API's validation messages next to their fields; and a clear message when
// someone else saved first (412). Readers see the values without anything to edit.
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { ORGANIZATION_SETTING_SECTIONS } from "../../../src/domain/settings-sections.js";
import { ApiError, type Api } from "../api.js";
import { renderField, renderSaveStatus, saveLabel } from "../fields.js";
import { labelOf } from "../format.js";
import { loadOpenApi, requestSchemaProperties, responseSchema, type JsonSchema } from "../openapi.js";

const SETTINGS_PATH = "/admin/settings/organization";
const PREVIEW_PATH = "/admin/settings/organization/tracking-token-preview";
const PREVIEW_DELAY_MS = 250;

type Values = Record<string, unknown>;

interface Preview {
  prefix: string;
  token: string;
  largest: string;
}

export class SettingsPage extends LitElement {
  static override properties = {
    api: { attribute: false },
    apiBase: { attribute: false },
    canEdit: { attribute: false },
    schema: { state: true },
    saved: { state: true },
    draft: { state: true },
    etag: { state: true },
    error: { state: true },
    loadError: { state: true },
    conflict: { state: true },
    notice: { state: true },
    saving: { state: true },
    preview: { state: true },
    previewError: { state: true },
  };

  declare api: Api;
  declare apiBase: string;
  declare canEdit: boolean;
  declare schema: Record<string, JsonSchema> | undefined;
  declare saved: Values | undefined;
  declare draft: Values;
  declare etag: string | undefined;
  declare error: ApiError | undefined;
  declare loadError: string | undefined;
  declare conflict: boolean;
  declare notice: string | undefined;
  declare saving: boolean;
  declare preview: Preview | undefined;
  declare previewError: string | undefined;
  private previewKeys: string[] = [];
  private previewTimer: number | undefined;
  private previewSequence = 0;

  constructor() {
    super();
    this.draft = {};
    this.conflict = false;
    this.saving = false;
    this.canEdit = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const document = await loadOpenApi(this.apiBase);
      this.schema = responseSchema(document, { path: SETTINGS_PATH, method: "GET" })?.properties ?? {};
      this.previewKeys = requestSchemaProperties(document, { path: PREVIEW_PATH, method: "POST" });
      await this.reload();
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
    }
  }

  private async reload(): Promise<void> {
    const { body, etag } = await this.api.request<Values>("GET", SETTINGS_PATH);
    this.saved = body;
    this.draft = { ...body };
    this.etag = etag;
    this.error = undefined;
    this.conflict = false;
    void this.updatePreview();
  }

  private changes(): Values {
    const changes: Values = {};
    for (const [key, value] of Object.entries(this.draft)) {
      if (JSON.stringify(value) !== JSON.stringify(this.saved?.[key])) changes[key] = value;
    }
    return changes;
  }

  private setValue(key: string, value: unknown): void {
    this.draft = { ...this.draft, [key]: value };
    this.notice = undefined;
    if (this.previewKeys.includes(key)) {
      window.clearTimeout(this.previewTimer);
      this.previewTimer = window.setTimeout(() => void this.updatePreview(), PREVIEW_DELAY_MS);
    }
  }

  private async updatePreview(): Promise<void> {
    if (this.previewKeys.length === 0) return;
    const sequence = ++this.previewSequence;
    const proposed = Object.fromEntries(this.previewKeys.filter((key) => key in this.draft).map((key) => [key, this.draft[key]]));
    try {
      const { body } = await this.api.request<Preview>("POST", PREVIEW_PATH, { body: proposed });
      if (sequence !== this.previewSequence) return; // a newer preview is on its way
      this.preview = body;
      this.previewError = undefined;
    } catch (error) {
      if (sequence !== this.previewSequence) return;
      this.previewError = error instanceof ApiError ? describeProblem(error) : String(error);
    }
  }

  private async save(event: Event): Promise<void> {
    event.preventDefault();
    const changes = this.changes();
    if (Object.keys(changes).length === 0 || this.etag === undefined) return;
    this.saving = true;
    this.notice = undefined;
    try {
      const { body, etag } = await this.api.request<Values>("PATCH", SETTINGS_PATH, { body: changes, ifMatch: this.etag });
      this.saved = body;
      this.draft = { ...body };
      this.etag = etag;
      this.error = undefined;
      this.notice = `Saved ${Object.keys(changes).length === 1 ? "1 change" : `${Object.keys(changes).length} changes`}. They apply from the next email.`;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        this.conflict = true;
        this.error = undefined;
      } else {
        this.error = error instanceof ApiError ? error : new ApiError({ status: 0, title: "Network error", detail: String(error), errors: [] });
      }
    } finally {
      this.saving = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>(".save-status [tabindex='-1']")?.focus();
  }

  // The heading is the same element whatever the state, so the focus the app gives it on
  // navigation survives the settings arriving.
  override render(): TemplateResult {
    return html`<h1 tabindex="-1">Email tracking settings</h1>${this.renderBody()}`;
  }

  private renderBody(): TemplateResult {
    if (this.loadError !== undefined) {
      return html`<p class="notice notice--error" role="alert">The settings could not be loaded: ${this.loadError}</p>`;
    }
    if (this.saved === undefined || this.schema === undefined) {
      return html`<p class="loading" role="status">Loading the settings…</p>`;
    }
    const schema = this.schema;
    const placed = new Set<string>(ORGANIZATION_SETTING_SECTIONS.flatMap((section) => section.keys));
    // A setting the API has and no section names yet is still shown, at the end.
    const others = Object.keys(schema).filter((key) => !placed.has(key));
    const sections = [
      ...ORGANIZATION_SETTING_SECTIONS.map((section) => ({ ...section, keys: section.keys.filter((key) => key in schema) as string[] })),
      ...(others.length > 0 ? [{ id: "other", title: "Other settings", summary: "", keys: others }] : []),
    ];
    const changeCount = Object.keys(this.changes()).length;
    return html`
      <p class="lead">
        Organization-wide rules for which email is tracked and how it is linked to records.
        ${this.canEdit ? nothing : html`<strong>You can read these settings; changing them needs the Tracking.Admin role.</strong>`}
      </p>
      <form class="settings-form" @submit=${(event: Event) => void this.save(event)} novalidate>
        ${this.renderStatus()}
        ${sections.map(
          (section) => html`
            <section class="card" aria-labelledby="section-${section.id}">
              <h2 id="section-${section.id}">${section.title}</h2>
              ${section.summary ? html`<p class="section-summary">${section.summary}</p>` : nothing}
              ${section.id === "tracking-token" ? this.renderPreview() : nothing}
              <div class="fields">${section.keys.map((key) => this.renderField(key, schema[key] ?? {}))}</div>
            </section>
          `,
        )}
        ${this.canEdit
          ? html`<div class="form-actions">
              <button class="button button--primary" type="submit" ?disabled=${changeCount === 0 || this.saving}>${saveLabel({ changes: changeCount, saving: this.saving })}</button>
              <button class="button" type="button" ?disabled=${changeCount === 0 || this.saving} @click=${() => this.discard()}>Discard changes</button>
            </div>`
          : nothing}
      </form>
    `;
  }

  private discard(): void {
    this.draft = { ...this.saved };
    this.error = undefined;
    this.notice = undefined;
    void this.updatePreview();
  }

  private renderStatus(): TemplateResult {
    return renderSaveStatus({
      conflict: this.conflict,
      error: this.error,
      notice: this.notice,
      what: "these settings",
      reloadLabel: "Load the current settings",
      onReload: () => void this.reload(),
      fieldHref: (field) => `#setting-${fieldKey(field)}`,
    });
  }

  private renderPreview(): TemplateResult {
    return html`<div class="token-preview" aria-live="polite">
      <span class="token-preview__label">Preview</span>
      ${this.previewError !== undefined
        ? html`<span class="token-preview__error" data-testid="token-preview-error">${this.previewError}</span>`
        : this.preview
          ? html`<code class="token-preview__token" data-testid="token-preview">${this.preview.token}</code>
              <span class="token-preview__largest">largest: <code>${this.preview.largest}</code></span>`
          : html`<span>…</span>`}
    </div>`;
  }

  private renderField(key: string, schema: JsonSchema): TemplateResult {
    return renderField({
      id: `setting-${key}`,
      label: labelOf(key),
      schema,
      value: this.draft[key],
      disabled: !this.canEdit,
      message: this.error?.messageFor(key),
      onChange: (value) => this.setValue(key, value),
    });
  }
}

customElements.define("settings-page", SettingsPage);

declare global {
  interface HTMLElementTagNameMap {
    "settings-page": SettingsPage;
  }
}

function fieldKey(field: string): string {
  return field.replace(/^body\./, "").split(/[.[]/)[0] ?? field;
}

function describeProblem(error: ApiError): string {
  return error.problem.detail || error.problem.title;
}
