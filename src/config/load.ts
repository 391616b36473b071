// Loading: validates the settings a process needs and fails fast with one message naming every
// missing or invalid setting, then builds the typed AppSettings.
import { existsSync } from "node:fs";
import {
  SETTING_GROUPS,
  settingsFor,
  type AppSettingDefinition,
  type AppSettingName,
  type SettingGroup,
} from "./definitions.js";
import {
  buildSettings,
  effectiveValue,
  present,
  type AppSettings,
  type AppSettingsEnv,
  type LoadedAppSettings,
  type PartialAppSettings,
} from "./build.js";
import type { RuntimeEnvironment, ValidationContext } from "./validators.js";

export interface LoadAppSettingsOptions<G extends SettingGroup = SettingGroup> {
  /** The feature groups this process uses; default: all (the Functions app). */
  need?: readonly G[];
  /** Default: "azure" when the App Service platform variables are present. */
  environment?: RuntimeEnvironment;
  /** Checks GRAPH_CA_FILE; default: the file system. */
  fileExists?: (path: string) => boolean;
}

export interface AppSettingProblem {
  name: string;
  kind: "missing" | "invalid";
  message: string;
}

export class AppSettingsError extends Error {
  readonly problems: readonly AppSettingProblem[];

  constructor(problems: readonly AppSettingProblem[]) {
    const noun = problems.length === 1 ? "problem" : "problems";
    super(
      `App settings are not valid (${problems.length} ${noun}):\n${problems.map((p) => `- ${p.message}`).join("\n")}`,
    );
    this.name = "AppSettingsError";
    this.problems = problems;
  }
}

/** App Service and Functions (including Flex Consumption) set these; local hosts do not. */
export function detectEnvironment(env: AppSettingsEnv): RuntimeEnvironment {
  return present(env.WEBSITE_INSTANCE_ID) !== undefined || present(env.WEBSITE_SITE_NAME) !== undefined ? "azure" : "local";
}




function isRequired(definition: AppSettingDefinition<AppSettingName>, env: AppSettingsEnv, environment: RuntimeEnvironment): boolean {
  if (definition.requirement === "always") return true;
  if (definition.requirement === "azure" && environment === "azure") return true;
  const when = definition.requiredWhen;
  if (when) {
    const other = effectiveValue(env, when.setting);
    return other !== undefined && when.in.includes(other);
  }
  return false;
}

function requiredMessage(definition: AppSettingDefinition<AppSettingName>, environment: RuntimeEnvironment): string {
  const alternative = definition.orInstead ? ` (or set ${definition.orInstead})` : "";
  const when = definition.requiredWhen ? ` when ${definition.requiredWhen.setting} is "${definition.requiredWhen.in.join('" or "')}"` : "";
  const vault =
    definition.keyVaultSecret && environment === "azure"
      ? `; in Azure set the Key Vault secret "${definition.keyVaultSecret}" that the app setting references`
      : "";
  return `${definition.name} is required${when}${alternative}: ${definition.description}${vault}`;
}

function invalidMessage(definition: AppSettingDefinition<AppSettingName>, value: string, problem: string): string {
  const shown = definition.secret ? "" : ` (${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)})`;
  return `${definition.name}${shown} is invalid: it ${problem}`;
}


export function loadAppSettings(env: AppSettingsEnv): AppSettings;
export function loadAppSettings<G extends SettingGroup>(
  env: AppSettingsEnv,
  options: LoadAppSettingsOptions<G>,
): LoadedAppSettings<G>;
export function loadAppSettings(
  env: AppSettingsEnv,
  options: LoadAppSettingsOptions = {},
): PartialAppSettings {
  const need = options.need ?? SETTING_GROUPS;
  const environment = options.environment ?? detectEnvironment(env);
  const fileExists = options.fileExists ?? existsSync;
  const context: ValidationContext = { environment };
  const problems: AppSettingProblem[] = [];
  const selected = settingsFor(need);

  for (const definition of selected) {
    const raw = present(env[definition.name]);
    if (raw === undefined) {
      const satisfied = definition.orInstead !== undefined && present(env[definition.orInstead]) !== undefined;
      if (!satisfied && isRequired(definition, env, environment)) {
        problems.push({ name: definition.name, kind: "missing", message: requiredMessage(definition, environment) });
      }
      continue;
    }
    // An unresolved reference reaches the app as the literal "@Microsoft.KeyVault(...)" text.
    if (raw.startsWith("@Microsoft.KeyVault(")) {
      problems.push({
        name: definition.name,
        kind: "invalid",
        message: `${definition.name} is an unresolved Key Vault reference: create the secret${
          definition.keyVaultSecret ? ` "${definition.keyVaultSecret}"` : ""
        } in the Key Vault and check that the app's managed identity has the Key Vault Secrets User role`,
      });
      continue;
    }
    const problem = definition.validate?.(raw, context);
    if (problem !== undefined) {
      problems.push({ name: definition.name, kind: "invalid", message: invalidMessage(definition, raw, problem) });
    }
  }

  const has = (name: AppSettingName): boolean => selected.some((d) => d.name === name);
  const value = (name: AppSettingName): string | undefined => effectiveValue(env, name);
  const invalid = (name: AppSettingName): boolean => problems.some((p) => p.name === name);
  const addRule = (name: AppSettingName, message: string): void => {
    problems.push({ name, kind: "invalid", message });
  };

  // Rules across settings.
  if (has("COSMOS_KEY") && present(env.COSMOS_KEY) !== undefined) {
    if (environment === "azure") {
      addRule(
        "COSMOS_KEY",
        "COSMOS_KEY must not be set in Azure: the Cosmos DB account has key authentication disabled; remove it so the managed identity (AZURE_CLIENT_ID) is used",
      );
    } else if (present(env.COSMOS_ENDPOINT) === undefined) {
      addRule("COSMOS_KEY", "COSMOS_KEY is set without COSMOS_ENDPOINT: set the emulator endpoint too, or remove the key to use the embedded server");
    }
  }
  for (const name of ["GRAPH_CA_FILE", "COSMOS_CA_FILE", "API_CA_FILE"] as const) {
    const caFile = present(env[name]);
    if (has(name) && caFile !== undefined && !fileExists(caFile)) {
      addRule(name, `${name} ("${caFile}") is invalid: no such file; set it to the PEM CA certificate to trust`);
    }
  }
  if (has("SUBSCRIPTION_RENEW_BEFORE_MINUTES") && !invalid("SUBSCRIPTION_RENEW_BEFORE_MINUTES") && !invalid("SUBSCRIPTION_LIFETIME_MINUTES")) {
    const lifetime = Number(value("SUBSCRIPTION_LIFETIME_MINUTES"));
    const renewBefore = Number(value("SUBSCRIPTION_RENEW_BEFORE_MINUTES"));
    if (renewBefore >= lifetime) {
      addRule(
        "SUBSCRIPTION_RENEW_BEFORE_MINUTES",
        `SUBSCRIPTION_RENEW_BEFORE_MINUTES (${renewBefore}) is invalid: it must be less than SUBSCRIPTION_LIFETIME_MINUTES (${lifetime})`,
      );
    }
  }
  if (has("NOTIFICATION_RESOURCE_DATA") && value("NOTIFICATION_RESOURCE_DATA") === "true") {
    // Locally the stack supplies its own key pair (local/encryption-keys.ts); in Azure it is Key Vault's.
    if (environment === "azure") {
      for (const name of ["NOTIFICATION_ENCRYPTION_KEY_VAULT_URL", "NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME"] as const) {
        if (present(env[name]) === undefined) addRule(name, `${name} is required with NOTIFICATION_RESOURCE_DATA=true in Azure: the encryption certificate is kept in Key Vault`);
      }
    }
    if (present(env.GRAPH_CLIENT_ID) === undefined && present(env.AZURE_CLIENT_ID) === undefined) {
      addRule(
        "NOTIFICATION_RESOURCE_DATA",
        "NOTIFICATION_RESOURCE_DATA=true needs the app id Graph's validation tokens are addressed to: set GRAPH_CLIENT_ID (or AZURE_CLIENT_ID, the managed identity's)",
      );
    }
  }
  if (has("AzureWebJobsStorage") && environment === "azure" && present(env.AzureWebJobsStorage) === undefined) {
    if (present(env.AzureWebJobsStorage__accountName) !== undefined && present(env.AzureWebJobsStorage__credential) === undefined) {
      addRule(
        "AzureWebJobsStorage__credential",
        'AzureWebJobsStorage__credential is required with AzureWebJobsStorage__accountName in Azure: set it to "managedidentity" (and AzureWebJobsStorage__clientId to the identity\'s client id)',
      );
    }
  }

  if (problems.length > 0) throw new AppSettingsError(problems);

  return buildSettings(env, need, environment);
}

