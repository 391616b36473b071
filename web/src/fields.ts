// One form field for one value the API describes with JSON Schema: a checkbox, a select of its
// allowed values, a number or text box, a list of lines, or JSON. The settings page and the
// mailbox page's personal options both render their fields, and what saving came to, with it.
import { html, nothing, type TemplateResult } from "lit";
import type { ApiError } from "./api.js";
import type { JsonSchema } from "./openapi.js";

export interface FieldOptions {
  /** The control's id; its help is `${id}-help` and its error `${id}-error`. */
  id: string;
  label: string;
  schema: JsonSchema;
  value: unknown;
  disabled: boolean;
  /** The API's message about this value, shown under it. */
  message?: string | undefined;
  onChange(value: unknown): void;
}

export function renderField(options: FieldOptions): TemplateResult {
  const { id, label, schema, value, disabled, message, onChange } = options;
  const described = `${id}-help${message ? ` ${id}-error` : ""}`;
  const invalid = message ? "true" : "false";
  const help = html`<p class="field__help" id="${id}-help">${schema.description ?? ""}${defaultText(schema)}</p>
    ${message ? html`<p class="field__error" id="${id}-error">${message}</p>` : nothing}`;
  const type = primaryType(schema);

  if (type === "boolean") {
    return html`<div class="field field--switch ${message ? "field--invalid" : ""}">
      <input id=${id} type="checkbox" .checked=${value === true} ?disabled=${disabled} aria-describedby=${described}
        @change=${(e: Event) => onChange((e.target as HTMLInputElement).checked)} />
      <label for=${id}>${label}</label>
      ${help}
    </div>`;
  }
  let control: TemplateResult;
  if (schema.enum) {
    control = html`<select id=${id} ?disabled=${disabled} aria-describedby=${described}
      @change=${(e: Event) => onChange((e.target as HTMLSelectElement).value)}>
      ${schema.enum.map((option) => html`<option value=${String(option)} ?selected=${option === value}>${String(option)}</option>`)}
    </select>`;
  } else if (type === "integer" || type === "number") {
    control = html`<input id=${id} type="number" inputmode="numeric" step=${type === "integer" ? "1" : "any"}
      min=${schema.minimum ?? nothing} max=${schema.maximum ?? nothing} .value=${value === undefined ? "" : String(value)}
      ?disabled=${disabled} aria-describedby=${described} aria-invalid=${invalid}
      @input=${(e: Event) => onChange(toNumber((e.target as HTMLInputElement).value))} />`;
  } else if (type === "string") {
    control = html`<input id=${id} type="text" maxlength=${schema.maxLength ?? nothing} .value=${typeof value === "string" ? value : ""}
      ?disabled=${disabled} aria-describedby=${described} aria-invalid=${invalid} spellcheck="false"
      @input=${(e: Event) => onChange((e.target as HTMLInputElement).value)} />`;
  } else if (type === "array" && primaryType(schema.items ?? {}) === "string") {
    control = html`<textarea id=${id} rows="3" ?disabled=${disabled} aria-describedby=${described} aria-invalid=${invalid}
      spellcheck="false" .value=${Array.isArray(value) ? value.join("\n") : ""}
      @input=${(e: Event) => onChange(lines((e.target as HTMLTextAreaElement).value))}></textarea>`;
  } else {
    control = html`<textarea id=${id} rows="4" class="code" ?disabled=${disabled} aria-describedby=${described}
      aria-invalid=${invalid} spellcheck="false" .value=${JSON.stringify(value ?? null, null, 2)}
      @input=${(e: Event) => onChange(parseJson((e.target as HTMLTextAreaElement).value))}></textarea>`;
  }
  return html`<div class="field ${message ? "field--invalid" : ""}">
    <label for=${id}>${label}</label>
    ${control}
    ${help}
  </div>`;
}

function primaryType(schema: JsonSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  return type ?? (schema.enum && typeof schema.enum[0] === "string" ? "string" : undefined);
}

function defaultText(schema: JsonSchema): string {
  if (schema.default === undefined) return "";
  const value = schema.default;
  const shown = typeof value === "boolean" ? (value ? "on" : "off") : Array.isArray(value) && value.length === 0 ? "none" : JSON.stringify(value);
  return ` Default: ${shown}.`;
}

function toNumber(text: string): number | string {
  return text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // the API names what is wrong with it
  }
}

export interface SaveStatus {
  /** The API answered 412: someone else saved since this page read the value. */
  conflict: boolean;
  error: ApiError | undefined;
  notice: string | undefined;
  /** What was being saved, for the messages: "these settings", "this mailbox". */
  what: string;
  reloadLabel: string;
  onReload(): void;
  /** In-page link to the field an API message names, when the form has one. */
  fieldHref?: (field: string) => string;
}

/** What saving came to: someone else saved first (412), the API's refusal with its messages, or done. */
export function renderSaveStatus(status: SaveStatus): TemplateResult {
  const { conflict, error, notice } = status;
  return html`<div class="save-status" aria-live="polite">
    ${conflict
      ? html`<div class="notice notice--error" role="alert" tabindex="-1">
          <p><strong>Someone else saved ${status.what} since you opened this page.</strong> Your changes were not saved, so
            nothing of theirs was overwritten. Load their version, then make your changes again.</p>
          <button class="button" type="button" @click=${() => status.onReload()}>${status.reloadLabel}</button>
        </div>`
      : nothing}
    ${error
      ? html`<div class="notice notice--error" role="alert" tabindex="-1">
          <p><strong>Not saved:</strong> ${error.problem.errors.length > 0 ? "the API refused these values; nothing was changed." : error.problem.detail || error.problem.title}</p>
          ${error.problem.errors.length > 0
            ? html`<ul>${error.problem.errors.map((e) => html`<li>${status.fieldHref ? html`<a href=${status.fieldHref(e.field)}>${e.message}</a>` : e.message}</li>`)}</ul>`
            : nothing}
        </div>`
      : nothing}
    ${notice ? html`<p class="notice notice--ok" role="status" tabindex="-1">${notice}</p>` : nothing}
  </div>`;
}

/** "Save", "Save 1 change", "Save 3 changes", "Saving…". */
export function saveLabel(options: { changes: number; saving: boolean }): string {
  if (options.saving) return "Saving…";
  if (options.changes === 0) return "Save";
  return `Save ${options.changes === 1 ? "1 change" : `${options.changes} changes`}`;
}
