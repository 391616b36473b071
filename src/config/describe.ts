// Documentation of the settings: what each resolves to (safe to log) and the table of
// docs/deploy.md, both generated from APP_SETTINGS.
import { APP_SETTINGS, SETTING_GROUPS, settingsFor, type AppSettingDefinition, type SettingGroup } from "./definitions.js";
import { present, type AppSettingsEnv } from "./build.js";

export interface AppSettingDescription {
  name: string;
  /** Redacted for secrets. */
  value: string | undefined;
  source: "environment" | "default" | "unset";
  secret: boolean;
}

export const REDACTED = "<redacted>";

/** What each selected setting resolves to and where from, secrets redacted: safe to log. */
export function describeAppSettings(env: AppSettingsEnv, options: { need?: readonly SettingGroup[] } = {}): AppSettingDescription[] {
  return settingsFor(options.need ?? SETTING_GROUPS).map((definition) => {
    const raw = present(env[definition.name]);
    const source = raw !== undefined ? "environment" : definition.default !== undefined ? "default" : "unset";
    const resolved = raw ?? definition.default;
    const value = resolved !== undefined && definition.secret && source === "environment" ? REDACTED : resolved;
    return { name: definition.name, value, source, secret: definition.secret };
  });
}

/** One line per setting, for start-up logs. */
export function formatAppSettings(descriptions: readonly AppSettingDescription[]): string {
  return descriptions.map((d) => `${d.name} = ${d.value === undefined ? "(unset)" : d.value} [${d.source}]`).join("\n");
}

function requirementText(definition: AppSettingDefinition): string {
  const base =
    definition.requirement === "always" ? "yes" : definition.requirement === "azure" ? "in Azure" : "no";
  const when = definition.requiredWhen
    ? `when ${definition.requiredWhen.setting} = ${definition.requiredWhen.in.join(" or ")}`
    : "";
  const alternative = definition.orInstead ? ` (or ${definition.orInstead})` : "";
  if (base === "no" && when) return `${when}${alternative}`;
  return `${base}${alternative}`;
}

/** The settings table of docs/deploy.md, generated from APP_SETTINGS (a test keeps them equal). */
export function renderAppSettingsTable(): string {
  const escape = (text: string): string => text.replace(/\|/g, "\\|");
  const rows = APP_SETTINGS.map((d) => {
    const defaultText = d.default !== undefined ? `\`${d.default}\`` : "";
    const secretText = d.secret ? (d.keyVaultSecret ? `yes (Key Vault \`${d.keyVaultSecret}\`)` : "yes") : "no";
    return `| \`${d.name}\` | ${d.groups.join(", ")} | ${requirementText(d)} | ${escape(defaultText)} | ${secretText} | ${escape(d.description)} |`;
  });
  return ["| Setting | Used by | Required | Default | Secret | Meaning |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
