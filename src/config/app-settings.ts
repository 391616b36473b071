// The one definition of the app settings (environment variables) the Functions app and its
// commands read. loadAppSettings validates them once at start-up and fails fast with a message
// naming every missing or invalid setting; infra/ and docs/deploy.md are checked against
// APP_SETTINGS by test/unit/infra-consistency.test.ts.
import { existsSync } from "node:fs";

/** Storage queue the webhook enqueues notifications on. */
export const NOTIFICATIONS_QUEUE = "notifications";
/** The Functions host moves a message here after maxDequeueCount failed attempts. */
export const NOTIFICATIONS_POISON_QUEUE = `${NOTIFICATIONS_QUEUE}-poison`;
/** The connection name queue bindings use (AzureWebJobsStorage or its __accountName form). */
export const STORAGE_CONNECTION = "AzureWebJobsStorage";
/** host.json extensions.queues.maxDequeueCount; the host override setting must agree with it. */
export const HOST_QUEUES_MAX_DEQUEUE_COUNT = 5;
/** The app setting that overrides host.json's maxDequeueCount without a redeploy. */
export const HOST_MAX_DEQUEUE_COUNT_OVERRIDE = "AzureFunctionsJobHost__extensions__queues__maxDequeueCount";

export type SettingGroup =
  | "cosmos"
  | "graph"
  | "notifications"
  | "subscriptions"
  | "schedules"
  | "queue"
  | "monitoring";

export const SETTING_GROUPS: readonly SettingGroup[] = [
  "cosmos",
  "graph",
  "notifications",
  "subscriptions",
  "schedules",
  "queue",
  "monitoring",
];

export type RuntimeEnvironment = "azure" | "local";

/**
 * - `always`: required wherever a group that uses it is needed.
 * - `azure`: required when running in Azure; locally a stand-in is used when absent.
 * - `optional`: has a default or is not needed.
 */
export type Requirement = "always" | "azure" | "optional";

export const GRAPH_CREDENTIAL_KINDS = ["clientSecret", "certificate", "managedIdentity"] as const;
export type GraphCredentialKind = (typeof GRAPH_CREDENTIAL_KINDS)[number];

export interface ValidationContext {
  environment: RuntimeEnvironment;
}

/** Returns what is wrong with a present value, phrased as what it must be; undefined when valid. */
export type SettingValidator = (value: string, context: ValidationContext) => string | undefined;

export interface AppSettingDefinition {
  name: string;
  groups: readonly SettingGroup[];
  description: string;
  requirement: Requirement;
  /** Also required when another setting (after its default) has one of these values. */
  requiredWhen?: { setting: string; in: readonly string[] };
  /** Another setting that satisfies the requirement instead (the identity-based form). */
  orInstead?: string;
  default?: string;
  /** Secrets never appear in error messages or in describeAppSettings(). */
  secret: boolean;
  /** In Azure the value is a Key Vault reference to this secret name. */
  keyVaultSecret?: string;
  validate?: SettingValidator;
}

// ---------- validators ----------

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function integerIn(min: number, max: number): SettingValidator {
  return (value) => {
    if (!/^\d+$/.test(value)) return `must be a whole number from ${min} to ${max}`;
    const n = Number(value);
    return n < min || n > max ? `must be a whole number from ${min} to ${max}` : undefined;
  };
}

export function oneOf(values: readonly string[]): SettingValidator {
  return (value) => (values.includes(value) ? undefined : `must be one of ${values.map((v) => `"${v}"`).join(", ")}`);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Graph and Entra ID accept only HTTPS endpoints, and the local simulators serve HTTPS too. */
export const httpsUrl: SettingValidator = (value) => {
  const url = parseUrl(value);
  return url?.protocol === "https:" ? undefined : "must be an absolute https:// URL";
};

/**
 * Where Graph sends notifications: HTTPS, as Graph requires; locally also plain HTTP on the
 * loopback address, where the local host listens and the Graph simulator delivers.
 */
export const webhookUrl: SettingValidator = (value, { environment }) => {
  const url = parseUrl(value);
  if (url?.protocol === "https:") return undefined;
  const loopback = url?.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (loopback && environment === "local") return undefined;
  return "must be an absolute https:// URL (http:// only on the loopback address, locally)";
};

/** The embedded local Cosmos server may run over plain HTTP; Azure Cosmos DB is HTTPS only. */
export const cosmosEndpoint: SettingValidator = (value, { environment }) => {
  const url = parseUrl(value);
  if (environment === "azure") {
    return url?.protocol === "https:" ? undefined : "must be the https:// document endpoint of the Cosmos DB account";
  }
  return url && (url.protocol === "https:" || url.protocol === "http:")
    ? undefined
    : "must be an absolute http:// or https:// URL";
};

export const guid: SettingValidator = (value) =>
  GUID.test(value) ? undefined : "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";

/** Entra ID accepts a tenant GUID or a verified domain; a local token simulator takes any simple id. */
export const tenantId: SettingValidator = (value, { environment }) => {
  if (environment === "azure") {
    return GUID.test(value) || DOMAIN.test(value) ? undefined : "must be the tenant GUID or a verified domain name";
  }
  return /^[A-Za-z0-9.-]+$/.test(value) ? undefined : "must be a tenant id (letters, digits, '.', '-')";
};

export const clientId: SettingValidator = (value, context) =>
  context.environment === "azure" ? guid(value, context) : /^[A-Za-z0-9-]+$/.test(value) ? undefined : "must be a client (application) id";

export function lengthIn(min: number, max: number): SettingValidator {
  return (value) =>
    value.length >= min && value.length <= max
      ? undefined
      : `must be ${min} to ${max} characters long (it is ${value.length})`;
}

/** Cosmos DB resource ids: 1-255 characters, none of / \ # ?, no trailing space. */
export const cosmosId: SettingValidator = (value) =>
  value.length <= 255 && !/[/\\#?]/.test(value) ? undefined : "must be 1 to 255 characters without / \\ # ?";

export const pemCertificateWithKey: SettingValidator = (value) =>
  value.includes("-----BEGIN CERTIFICATE-----") && /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(value)
    ? undefined
    : "must be a PEM bundle with the certificate and its private key";

const NCRONTAB_FIELDS = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day-of-week", min: 0, max: 6 },
] as const;
const NCRONTAB_NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

/** The six-field NCRONTAB format of Functions timer triggers: second minute hour day month day-of-week. */
export const ncrontab: SettingValidator = (value) => {
  const usage = 'must be a six-field NCRONTAB expression "{second} {minute} {hour} {day} {month} {day-of-week}"';
  const fields = value.split(/\s+/);
  if (fields.length !== 6) return `${usage} (it has ${fields.length} fields)`;
  for (const [i, field] of fields.entries()) {
    const spec = NCRONTAB_FIELDS[i];
    if (!spec) return usage;
    for (const item of field.split(",")) {
      const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
      if (!match || match[1] === undefined) return `${usage}: the ${spec.name} field "${field}" is not valid`;
      const step = match[2];
      if (step !== undefined && Number(step) === 0) return `${usage}: the ${spec.name} step cannot be 0`;
      if (match[1] === "*") continue;
      for (const part of match[1].split("-")) {
        if (NCRONTAB_NAMES.test(part) && (spec.name === "month" || spec.name === "day-of-week")) continue;
        const n = /^\d+$/.test(part) ? Number(part) : Number.NaN;
        if (!(n >= spec.min && n <= spec.max)) {
          return `${usage}: the ${spec.name} field allows ${spec.min}-${spec.max}, not "${part}"`;
        }
      }
    }
  }
  return undefined;
};

/** Azure's shared keys are disabled by infra; a connection string with a key would fail anyway. */
const storageConnectionString: SettingValidator = (value, { environment }) => {
  if (!/(^|;)\s*(AccountName|BlobEndpoint|QueueEndpoint)=/i.test(value) && value !== "UseDevelopmentStorage=true") {
    return "must be a storage connection string (AccountName=…;… or UseDevelopmentStorage=true)";
  }
  if (environment === "azure" && /(^|;)\s*(AccountKey|SharedAccessSignature)=/i.test(value)) {
    return "must not carry an account key or SAS in Azure (shared keys are disabled): remove it and set AzureWebJobsStorage__accountName, __credential and __clientId instead";
  }
  return undefined;
};

const storageAccountName: SettingValidator = (value) =>
  /^[a-z0-9]{3,24}$/.test(value) ? undefined : "must be a storage account name (3-24 lowercase letters and digits)";

// ---------- the table ----------

export const APP_SETTINGS: readonly AppSettingDefinition[] = [
  // Cosmos DB
  {
    name: "COSMOS_ENDPOINT",
    groups: ["cosmos"],
    description:
      "Document endpoint of the Cosmos DB for NoSQL account (https://<account>.documents.azure.com:443/). Locally, when absent, the embedded Cosmos server is started.",
    requirement: "azure",
    secret: false,
    validate: cosmosEndpoint,
  },
  {
    name: "COSMOS_KEY",
    groups: ["cosmos"],
    description:
      "Account key, for the Cosmos DB emulator only. When absent the Entra ID credential (managed identity in Azure) is used; Azure accounts have key authentication disabled.",
    requirement: "optional",
    secret: true,
  },
  {
    name: "COSMOS_DATABASE",
    groups: ["cosmos"],
    description: "Cosmos DB database holding the tracking containers (the databaseName of src/adapters/cosmos/containers.json).",
    requirement: "optional",
    default: "tracking",
    secret: false,
    validate: cosmosId,
  },
  {
    name: "COSMOS_CA_FILE",
    groups: ["cosmos"],
    description:
      "Path of an extra PEM CA certificate to trust for a local Cosmos DB (the embedded server or the emulator). It adds trust; TLS verification is never disabled.",
    requirement: "optional",
    secret: false,
  },
  {
    name: "AZURE_CLIENT_ID",
    groups: ["cosmos", "graph"],
    description:
      "Client id of the user-assigned managed identity; DefaultAzureCredential and ManagedIdentityCredential use it for Cosmos DB, Key Vault and (with GRAPH_CREDENTIAL=managedIdentity) Graph.",
    requirement: "azure",
    secret: false,
    validate: guid,
  },
  // Microsoft Graph
  {
    name: "GRAPH_TENANT_ID",
    groups: ["graph"],
    description: "The Entra ID tenant (directory) id of the app registration.",
    requirement: "always",
    secret: false,
    validate: tenantId,
  },
  {
    name: "GRAPH_CREDENTIAL",
    groups: ["graph"],
    description:
      'How the app authenticates to Graph: "clientSecret" (GRAPH_CLIENT_SECRET), "certificate" (GRAPH_CLIENT_CERTIFICATE) or "managedIdentity" (Graph application permissions granted to the managed identity).',
    requirement: "optional",
    default: "clientSecret",
    secret: false,
    validate: oneOf(GRAPH_CREDENTIAL_KINDS),
  },
  {
    name: "GRAPH_CLIENT_ID",
    groups: ["graph"],
    description: "The application (client) id of the Entra ID app registration that holds the Graph mail permissions.",
    requirement: "optional",
    requiredWhen: { setting: "GRAPH_CREDENTIAL", in: ["clientSecret", "certificate"] },
    secret: false,
    validate: clientId,
  },
  {
    name: "GRAPH_CLIENT_SECRET",
    groups: ["graph"],
    description: "Client secret of the app registration (GRAPH_CREDENTIAL=clientSecret).",
    requirement: "optional",
    requiredWhen: { setting: "GRAPH_CREDENTIAL", in: ["clientSecret"] },
    secret: true,
    keyVaultSecret: "graph-client-secret",
  },
  {
    name: "GRAPH_CLIENT_CERTIFICATE",
    groups: ["graph"],
    description:
      "PEM certificate including its private key, registered on the app registration (GRAPH_CREDENTIAL=certificate).",
    requirement: "optional",
    requiredWhen: { setting: "GRAPH_CREDENTIAL", in: ["certificate"] },
    secret: true,
    keyVaultSecret: "graph-client-certificate",
    validate: pemCertificateWithKey,
  },
  {
    name: "GRAPH_BASE_URL",
    groups: ["graph"],
    description: "Graph endpoint; point it at the local Graph simulator for development.",
    requirement: "optional",
    default: "https://graph.microsoft.com/",
    secret: false,
    validate: httpsUrl,
  },
  {
    name: "GRAPH_AUTHORITY_HOST",
    groups: ["graph"],
    description: "Entra ID authority host for token requests; point it at the local token simulator for development.",
    requirement: "optional",
    default: "https://login.microsoftonline.com",
    secret: false,
    validate: httpsUrl,
  },
  {
    name: "GRAPH_CA_FILE",
    groups: ["graph"],
    description:
      "Path of an extra PEM CA certificate to trust for the local Graph and token simulators. It adds trust; TLS verification is never disabled.",
    requirement: "optional",
    secret: false,
  },
  {
    name: "GRAPH_MAX_CONCURRENCY_PER_MAILBOX",
    groups: ["graph"],
    description: "Concurrent Graph requests per mailbox; Exchange Online allows 4 (MailboxConcurrency).",
    requirement: "optional",
    default: "4",
    secret: false,
    validate: integerIn(1, 4),
  },
  // Webhook
  {
    name: "NOTIFICATION_CLIENT_STATE",
    groups: ["notifications", "subscriptions"],
    description:
      "Shared secret sent as clientState on every subscription and checked on every notification (16-128 characters).",
    requirement: "always",
    secret: true,
    keyVaultSecret: "notification-client-state",
    validate: lengthIn(16, 128),
  },
  {
    name: "NOTIFICATION_CLIENT_STATE_PREVIOUS",
    groups: ["notifications"],
    description:
      "The previous clientState, still accepted while subscriptions are renewed onto a new one; remove it once rotation is done.",
    requirement: "optional",
    secret: true,
    validate: lengthIn(16, 128),
  },
  {
    name: "NOTIFICATION_MAX_BODY_BYTES",
    groups: ["notifications"],
    description: "Largest notification request body accepted, in bytes; larger requests get 413.",
    requirement: "optional",
    default: "1048576",
    secret: false,
    validate: integerIn(1024, 104857600),
  },
  // Subscriptions
  {
    name: "NOTIFICATION_URL",
    groups: ["subscriptions"],
    description:
      "Public HTTPS URL of the notifications function that Graph subscriptions deliver to (https://<app>.azurewebsites.net/api/notifications).",
    requirement: "always",
    secret: false,
    validate: webhookUrl,
  },
  {
    name: "LIFECYCLE_NOTIFICATION_URL",
    groups: ["subscriptions"],
    description:
      "Public HTTPS URL of the lifecycle function (https://<app>.azurewebsites.net/api/lifecycle); it cannot be added to an existing subscription.",
    requirement: "always",
    secret: false,
    validate: webhookUrl,
  },
  {
    name: "SUBSCRIPTION_LIFETIME_MINUTES",
    groups: ["subscriptions"],
    description: "Requested subscription lifetime; Graph allows at most 10080 minutes for Outlook messages and may return less.",
    requirement: "optional",
    default: "4230",
    secret: false,
    validate: integerIn(45, 10080),
  },
  {
    name: "SUBSCRIPTION_RENEW_BEFORE_MINUTES",
    groups: ["subscriptions"],
    description: "Renew a subscription when it expires within this many minutes; must be less than the lifetime.",
    requirement: "optional",
    default: "1440",
    secret: false,
    validate: integerIn(30, 10079),
  },
  // Timers
  {
    name: "RENEW_SUBSCRIPTIONS_SCHEDULE",
    groups: ["schedules"],
    description: "NCRONTAB schedule of the timer that creates missing and renews expiring subscriptions. The trigger reads it as %RENEW_SUBSCRIPTIONS_SCHEDULE%, so the Functions host needs it set (the infra sets the default).",
    requirement: "optional",
    default: "0 */30 * * * *",
    secret: false,
    validate: ncrontab,
  },
  {
    name: "CATCH_UP_SCHEDULE",
    groups: ["schedules"],
    description: "NCRONTAB schedule of the timer that runs the delta query catch-up for every enabled mailbox. The trigger reads it as %CATCH_UP_SCHEDULE%, so the Functions host needs it set (the infra sets the default).",
    requirement: "optional",
    default: "0 */15 * * * *",
    secret: false,
    validate: ncrontab,
  },
  // Queue and host storage
  {
    name: "AzureWebJobsStorage",
    groups: ["queue"],
    description:
      "Storage connection string for the Functions host and the notifications queue (local development: Azurite). In Azure use the identity-based AzureWebJobsStorage__accountName form instead.",
    requirement: "always",
    orInstead: "AzureWebJobsStorage__accountName",
    secret: true,
    validate: storageConnectionString,
  },
  {
    name: "AzureWebJobsStorage__accountName",
    groups: ["queue"],
    description: "Storage account name for identity-based host storage and queue connections.",
    requirement: "optional",
    secret: false,
    validate: storageAccountName,
  },
  {
    name: "AzureWebJobsStorage__credential",
    groups: ["queue"],
    description: 'Set to "managedidentity" so identity-based storage connections use the managed identity.',
    requirement: "optional",
    secret: false,
    validate: oneOf(["managedidentity"]),
  },
  {
    name: "AzureWebJobsStorage__clientId",
    groups: ["queue"],
    description: "Client id of the user-assigned managed identity used for identity-based storage connections.",
    requirement: "optional",
    secret: false,
    validate: guid,
  },
  {
    name: "PROCESS_MAX_DEQUEUE_COUNT",
    groups: ["queue"],
    description: `Attempts at a queued notification before it moves to "${NOTIFICATIONS_POISON_QUEUE}"; equals host.json extensions.queues.maxDequeueCount (override both with ${HOST_MAX_DEQUEUE_COUNT_OVERRIDE}).`,
    requirement: "optional",
    default: String(HOST_QUEUES_MAX_DEQUEUE_COUNT),
    secret: false,
    validate: integerIn(1, 100),
  },
  // Monitoring
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    groups: ["monitoring"],
    description: "Application Insights connection string; telemetry is off when absent.",
    requirement: "optional",
    secret: true,
  },
];

// ---------- loaded settings ----------

export interface CosmosSettings {
  /** Absent locally: the embedded Cosmos server is used. */
  endpoint: string | undefined;
  /** Emulator key; absent: Entra ID credential. */
  key: string | undefined;
  /** A PEM CA to trust for a local server. */
  caFile: string | undefined;
  databaseName: string;
  managedIdentityClientId: string | undefined;
}

export type GraphCredentialSettings =
  | { kind: "clientSecret"; clientId: string; clientSecret: string }
  | { kind: "certificate"; clientId: string; certificatePem: string }
  | { kind: "managedIdentity"; managedIdentityClientId: string | undefined };

export interface GraphSettings {
  tenantId: string;
  credential: GraphCredentialSettings;
  baseUrl: string;
  authorityHost: string;
  caFile: string | undefined;
  maxConcurrencyPerMailbox: number;
}

export interface NotificationSettings {
  clientState: string;
  previousClientState: string | undefined;
  /** Current first, then the previous one during a rotation. */
  acceptedClientStates: readonly string[];
  maxBodyBytes: number;
}

export interface SubscriptionSettings {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  lifetimeMinutes: number;
  renewBeforeMinutes: number;
}

export interface ScheduleSettings {
  renewSubscriptions: string;
  catchUp: string;
}

export type StorageConnectionSettings =
  | { kind: "connectionString"; connectionString: string }
  | {
      kind: "identity";
      accountName: string;
      queueServiceUri: string;
      managedIdentityClientId: string | undefined;
    };

export interface QueueSettings {
  connection: typeof STORAGE_CONNECTION;
  storage: StorageConnectionSettings;
  notificationsQueue: typeof NOTIFICATIONS_QUEUE;
  poisonQueue: typeof NOTIFICATIONS_POISON_QUEUE;
  maxDequeueCount: number;
}

export interface MonitoringSettings {
  applicationInsightsConnectionString: string | undefined;
}

export interface AppSettings {
  environment: RuntimeEnvironment;
  cosmos: CosmosSettings;
  graph: GraphSettings;
  notifications: NotificationSettings;
  subscriptions: SubscriptionSettings;
  schedules: ScheduleSettings;
  queue: QueueSettings;
  monitoring: MonitoringSettings;
}

export type LoadedAppSettings<G extends SettingGroup> = Pick<AppSettings, G | "environment">;

export type AppSettingsEnv = NodeJS.ProcessEnv | Record<string, string | undefined>;

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

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function definitionOf(name: string): AppSettingDefinition {
  const definition = APP_SETTINGS.find((d) => d.name === name);
  if (!definition) throw new TypeError(`No app setting named ${name} in APP_SETTINGS`);
  return definition;
}

function effectiveValue(env: AppSettingsEnv, name: string): string | undefined {
  return present(env[name]) ?? definitionOf(name).default;
}

function isRequired(definition: AppSettingDefinition, env: AppSettingsEnv, environment: RuntimeEnvironment): boolean {
  if (definition.requirement === "always") return true;
  if (definition.requirement === "azure" && environment === "azure") return true;
  const when = definition.requiredWhen;
  if (when) {
    const other = effectiveValue(env, when.setting);
    return other !== undefined && when.in.includes(other);
  }
  return false;
}

function requiredMessage(definition: AppSettingDefinition, environment: RuntimeEnvironment): string {
  const alternative = definition.orInstead ? ` (or set ${definition.orInstead})` : "";
  const when = definition.requiredWhen ? ` when ${definition.requiredWhen.setting} is "${definition.requiredWhen.in.join('" or "')}"` : "";
  const vault =
    definition.keyVaultSecret && environment === "azure"
      ? `; in Azure set the Key Vault secret "${definition.keyVaultSecret}" that the app setting references`
      : "";
  return `${definition.name} is required${when}${alternative}: ${definition.description}${vault}`;
}

function invalidMessage(definition: AppSettingDefinition, value: string, problem: string): string {
  const shown = definition.secret ? "" : ` (${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)})`;
  return `${definition.name}${shown} is invalid: it ${problem}`;
}

/** The groups every selected setting belongs to, for one `need`. */
export function settingsFor(need: readonly SettingGroup[]): AppSettingDefinition[] {
  return APP_SETTINGS.filter((d) => d.groups.some((g) => need.includes(g)));
}

export function loadAppSettings(env: AppSettingsEnv): AppSettings;
export function loadAppSettings<G extends SettingGroup>(
  env: AppSettingsEnv,
  options: LoadAppSettingsOptions<G>,
): LoadedAppSettings<G>;
export function loadAppSettings(
  env: AppSettingsEnv,
  options: LoadAppSettingsOptions = {},
): Partial<AppSettings> & { environment: RuntimeEnvironment } {
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

  const has = (name: string): boolean => selected.some((d) => d.name === name);
  const value = (name: string): string | undefined => effectiveValue(env, name);
  const invalid = (name: string): boolean => problems.some((p) => p.name === name);
  const addRule = (name: string, message: string): void => {
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
  for (const name of ["GRAPH_CA_FILE", "COSMOS_CA_FILE"]) {
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
  if (has("PROCESS_MAX_DEQUEUE_COUNT") && !invalid("PROCESS_MAX_DEQUEUE_COUNT")) {
    const hostCount = Number(present(env[HOST_MAX_DEQUEUE_COUNT_OVERRIDE]) ?? HOST_QUEUES_MAX_DEQUEUE_COUNT);
    const explicit = present(env.PROCESS_MAX_DEQUEUE_COUNT);
    if (explicit !== undefined && Number(explicit) !== hostCount) {
      addRule(
        "PROCESS_MAX_DEQUEUE_COUNT",
        `PROCESS_MAX_DEQUEUE_COUNT (${explicit}) is invalid: it must equal the host's queues.maxDequeueCount (${hostCount}); set ${HOST_MAX_DEQUEUE_COUNT_OVERRIDE} to the same value`,
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

function required(env: AppSettingsEnv, name: string): string {
  const v = effectiveValue(env, name);
  // Validation above guarantees presence; this guards programming errors in the table.
  if (v === undefined) throw new TypeError(`${name} was validated as present but is missing`);
  return v;
}

function buildSettings(
  env: AppSettingsEnv,
  need: readonly SettingGroup[],
  environment: RuntimeEnvironment,
): Partial<AppSettings> & { environment: RuntimeEnvironment } {
  const value = (name: string): string | undefined => effectiveValue(env, name);
  const int = (name: string): number => Number(required(env, name));
  const settings: Partial<AppSettings> & { environment: RuntimeEnvironment } = { environment };
  const managedIdentityClientId = value("AZURE_CLIENT_ID");

  if (need.includes("cosmos")) {
    settings.cosmos = {
      endpoint: value("COSMOS_ENDPOINT"),
      key: value("COSMOS_KEY"),
      caFile: value("COSMOS_CA_FILE"),
      databaseName: required(env, "COSMOS_DATABASE"),
      managedIdentityClientId,
    };
  }
  if (need.includes("graph")) {
    const kind = required(env, "GRAPH_CREDENTIAL") as GraphCredentialKind;
    const credential: GraphCredentialSettings =
      kind === "clientSecret"
        ? { kind, clientId: required(env, "GRAPH_CLIENT_ID"), clientSecret: required(env, "GRAPH_CLIENT_SECRET") }
        : kind === "certificate"
          ? { kind, clientId: required(env, "GRAPH_CLIENT_ID"), certificatePem: required(env, "GRAPH_CLIENT_CERTIFICATE") }
          : { kind, managedIdentityClientId };
    settings.graph = {
      tenantId: required(env, "GRAPH_TENANT_ID"),
      credential,
      baseUrl: required(env, "GRAPH_BASE_URL"),
      authorityHost: required(env, "GRAPH_AUTHORITY_HOST"),
      caFile: value("GRAPH_CA_FILE"),
      maxConcurrencyPerMailbox: int("GRAPH_MAX_CONCURRENCY_PER_MAILBOX"),
    };
  }
  if (need.includes("notifications")) {
    const clientState = required(env, "NOTIFICATION_CLIENT_STATE");
    const previousClientState = value("NOTIFICATION_CLIENT_STATE_PREVIOUS");
    settings.notifications = {
      clientState,
      previousClientState,
      acceptedClientStates: previousClientState === undefined ? [clientState] : [clientState, previousClientState],
      maxBodyBytes: int("NOTIFICATION_MAX_BODY_BYTES"),
    };
  }
  if (need.includes("subscriptions")) {
    settings.subscriptions = {
      notificationUrl: required(env, "NOTIFICATION_URL"),
      lifecycleNotificationUrl: required(env, "LIFECYCLE_NOTIFICATION_URL"),
      clientState: required(env, "NOTIFICATION_CLIENT_STATE"),
      lifetimeMinutes: int("SUBSCRIPTION_LIFETIME_MINUTES"),
      renewBeforeMinutes: int("SUBSCRIPTION_RENEW_BEFORE_MINUTES"),
    };
  }
  if (need.includes("schedules")) {
    settings.schedules = {
      renewSubscriptions: required(env, "RENEW_SUBSCRIPTIONS_SCHEDULE"),
      catchUp: required(env, "CATCH_UP_SCHEDULE"),
    };
  }
  if (need.includes("queue")) {
    const connectionString = value("AzureWebJobsStorage");
    const accountName = value("AzureWebJobsStorage__accountName");
    const storage: StorageConnectionSettings =
      connectionString !== undefined
        ? { kind: "connectionString", connectionString }
        : {
            kind: "identity",
            accountName: accountName ?? "",
            queueServiceUri: `https://${accountName ?? ""}.queue.core.windows.net`,
            managedIdentityClientId: value("AzureWebJobsStorage__clientId") ?? managedIdentityClientId,
          };
    settings.queue = {
      connection: STORAGE_CONNECTION,
      storage,
      notificationsQueue: NOTIFICATIONS_QUEUE,
      poisonQueue: NOTIFICATIONS_POISON_QUEUE,
      maxDequeueCount: int("PROCESS_MAX_DEQUEUE_COUNT"),
    };
  }
  if (need.includes("monitoring")) {
    settings.monitoring = { applicationInsightsConnectionString: value("APPLICATIONINSIGHTS_CONNECTION_STRING") };
  }
  return settings;
}

export interface AppSettingDescription {
  name: string;
  /** Redacted for secrets. */
  value: string | undefined;
  source: "environment" | "default" | "unset";
  secret: boolean;
}

export const REDACTED = "<redacted>";

/** What each selected setting resolves to and where from, secrets redacted: safe to log. */
export function describeAppSettings(env: AppSettingsEnv, options: Pick<LoadAppSettingsOptions, "need"> = {}): AppSettingDescription[] {
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
