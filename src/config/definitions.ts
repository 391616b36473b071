// The one definition of the app settings (environment variables) the Functions app and its
// commands read: name, groups, requirement, default, secrecy and validator. infra/ and
// docs/deploy.md are checked against APP_SETTINGS by test/unit/infra-consistency.test.ts.
import {
  audienceList,
  clientId,
  cosmosEndpoint,
  cosmosId,
  guid,
  httpsUrl,
  integerAtLeast,
  integerIn,
  lengthIn,
  ncrontab,
  oneOf,
  pemCertificateWithKey,
  storageAccountName,
  storageConnectionString,
  tenantId,
  webhookUrl,
  type SettingValidator,
} from "./validators.js";
import hostJson from "../../host.json" with { type: "json" };
import { DEFAULT_GRAPH_BASE_URL } from "../adapters/graph/endpoint.js";
import { OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX } from "../adapters/graph/mailbox-limiter.js";
import { DEFAULT_SWEEP_PERIOD_IN_HOURS } from "../domain/schedule.js";

/** Storage queue the webhook enqueues notifications on. */
export const NOTIFICATIONS_QUEUE = "notifications";
/** The Functions host moves a message here after maxDequeueCount failed attempts. */
export const NOTIFICATIONS_POISON_QUEUE = `${NOTIFICATIONS_QUEUE}-poison`;
/** The connection name of the Event Hubs trigger (EventHubConnection__fullyQualifiedNamespace, …). */
export const EVENT_HUB_CONNECTION = "EventHubConnection";
/** The connection name queue bindings use (AzureWebJobsStorage or its __accountName form). */
export const STORAGE_CONNECTION = "AzureWebJobsStorage";
/** host.json extensions.queues.maxDequeueCount, read from host.json itself (the file the host reads). */
export const HOST_QUEUES_MAX_DEQUEUE_COUNT: number = hostJson.extensions.queues.maxDequeueCount;
/** The app setting with which the host overrides host.json's maxDequeueCount without a redeploy. */
export const HOST_MAX_DEQUEUE_COUNT_OVERRIDE = "AzureFunctionsJobHost__extensions__queues__maxDequeueCount";

export const SETTING_GROUPS = [
  "cosmos",
  "graph",
  "notifications",
  "subscriptions",
  "schedules",
  "queue",
  "monitoring",
  "api",
] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

/**
 * - `always`: required wherever a group that uses it is needed.
 * - `azure`: required when running in Azure; locally a stand-in is used when absent.
 * - `optional`: has a default or is not needed.
 */
export type Requirement = "always" | "azure" | "optional";

export const GRAPH_CREDENTIAL_KINDS = ["clientSecret", "certificate", "managedIdentity"] as const;
export type GraphCredentialKind = (typeof GRAPH_CREDENTIAL_KINDS)[number];

/** Name is the setting-name type: `string` while the table is written, AppSettingName after. */
export interface AppSettingDefinition<Name extends string = string> {
  name: Name;
  groups: readonly SettingGroup[];
  description: string;
  requirement: Requirement;
  /** Also required when another setting (after its default) has one of these values. */
  requiredWhen?: { setting: Name; in: readonly string[] };
  /** Another setting that satisfies the requirement instead (the identity-based form). */
  orInstead?: Name;
  default?: string;
  /** Secrets never appear in error messages or in describeAppSettings(). */
  secret: boolean;
  /** In Azure the value is a Key Vault reference to this secret name. */
  keyVaultSecret?: string;
  validate?: SettingValidator;
}

const DEFINITIONS = [
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
    default: DEFAULT_GRAPH_BASE_URL,
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
    description: `Concurrent Graph requests per mailbox; Exchange Online allows ${OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX} (MailboxConcurrency).`,
    requirement: "optional",
    default: String(OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX),
    secret: false,
    validate: integerIn(1, OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX),
  },
  // Webhook
  {
    name: "NOTIFICATION_CLIENT_STATE",
    groups: ["notifications", "subscriptions"],
    description:
      "App secret from which each subscription's own clientState is made (nonce + HMAC-SHA256) and with which every notification's clientState is verified (16-128 characters).",
    requirement: "always",
    secret: true,
    keyVaultSecret: "notification-client-state",
    validate: lengthIn(16, 128),
  },
  {
    name: "NOTIFICATION_CLIENT_STATE_PREVIOUS",
    groups: ["notifications"],
    description:
      "The previous app secret, still accepted while mailbox upkeep replaces the subscriptions made with it; remove it after one sweep period (CATCH_UP_SWEEP_PERIOD_HOURS).",
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
  {
    name: "NOTIFICATION_RESOURCE_DATA",
    groups: ["notifications", "subscriptions"],
    description:
      'Rich notifications: "true" makes subscriptions carry the message itself, encrypted for the app (includeResourceData, Graph beta), so a tracked email costs about no Graph read; they live at most a day. Needs the encryption certificate (NOTIFICATION_ENCRYPTION_KEY_VAULT_URL and NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME) and the app id the validation tokens are for (GRAPH_CLIENT_ID, or AZURE_CLIENT_ID with a managed identity).',
    requirement: "optional",
    default: "false",
    secret: false,
    validate: oneOf(["false", "true"]),
  },
  {
    name: "NOTIFICATION_ENCRYPTION_KEY_VAULT_URL",
    groups: ["notifications", "subscriptions"],
    description: "Key Vault (https://<vault>.vault.azure.net) holding the rich notifications' encryption certificate; required in Azure with NOTIFICATION_RESOURCE_DATA=true.",
    requirement: "optional",
    secret: false,
    validate: httpsUrl,
  },
  {
    name: "NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME",
    groups: ["notifications", "subscriptions"],
    description:
      "Name of that Key Vault certificate (RSA 2048-4096, content type application/x-pem-file). Each version is a key pair: the newest enabled one encrypts new subscriptions, older enabled ones still decrypt until the renewal timer has replaced their subscriptions.",
    requirement: "optional",
    secret: false,
    validate: lengthIn(1, 127),
  },
  {
    name: "NOTIFICATION_DELIVERY",
    groups: ["notifications"],
    description:
      'How Graph delivers notifications: "webhook" (HTTPS to NOTIFICATION_URL) or "eventHubs" (Azure Event Hubs; NOTIFICATION_URL and LIFECYCLE_NOTIFICATION_URL are then EventHub:https://<namespace>.servicebus.windows.net/eventhubname/<hub>?tenantId=<tenant>, and the notificationEvents function reads the hub).',
    requirement: "optional",
    default: "webhook",
    secret: false,
    validate: oneOf(["webhook", "eventHubs"]),
  },
  {
    name: "EVENT_HUB_NAME",
    groups: ["notifications"],
    description: "The event hub Graph delivers to (NOTIFICATION_DELIVERY=eventHubs); the trigger reads it as %EVENT_HUB_NAME%.",
    requirement: "optional",
    requiredWhen: { setting: "NOTIFICATION_DELIVERY", in: ["eventHubs"] },
    secret: false,
    validate: lengthIn(1, 256),
  },
  {
    name: "EventHubConnection__fullyQualifiedNamespace",
    groups: ["notifications"],
    description: "The Event Hubs namespace host (<namespace>.servicebus.windows.net) of the trigger's identity-based connection EventHubConnection.",
    requirement: "optional",
    requiredWhen: { setting: "NOTIFICATION_DELIVERY", in: ["eventHubs"] },
    secret: false,
    validate: lengthIn(1, 300),
  },
  {
    name: "EventHubConnection__credential",
    groups: ["notifications"],
    description: 'Set to "managedidentity" so the Event Hubs trigger connects with the managed identity.',
    requirement: "optional",
    secret: false,
    validate: oneOf(["managedidentity"]),
  },
  {
    name: "EventHubConnection__clientId",
    groups: ["notifications"],
    description: "Client id of the user-assigned managed identity the Event Hubs trigger connects with (Azure Event Hubs Data Receiver on the hub).",
    requirement: "optional",
    secret: false,
    validate: guid,
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
  {
    name: "CATCH_UP_SWEEP_PERIOD_HOURS",
    groups: ["subscriptions"],
    description:
      "Every watched folder of an enabled mailbox is swept (its subscriptions checked at Graph, then a delta catch-up) once per this many hours, spread evenly over the period; other catch-ups run when there is a reason (docs/scaling.md).",
    requirement: "optional",
    default: String(DEFAULT_SWEEP_PERIOD_IN_HOURS),
    secret: false,
    validate: integerIn(1, 168),
  },
  // Timers
  {
    name: "RENEW_SUBSCRIPTIONS_SCHEDULE",
    groups: ["schedules"],
    description: "NCRONTAB schedule of the timer that queues the upkeep (create, renew, delete) of the mailboxes whose subscriptions are due. The trigger reads it as %RENEW_SUBSCRIPTIONS_SCHEDULE%, so the Functions host needs it set (the infra sets the default).",
    requirement: "optional",
    default: "0 */30 * * * *",
    secret: false,
    validate: ncrontab,
  },
  {
    name: "CATCH_UP_SCHEDULE",
    groups: ["schedules"],
    description: "NCRONTAB schedule of the timer that queues the sweeps that are due (each mailbox once per CATCH_UP_SWEEP_PERIOD_HOURS). The trigger reads it as %CATCH_UP_SCHEDULE%, so the Functions host needs it set (the infra sets the default).",
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
    // The host's own setting, read here too, so the app's count of attempts is the host's.
    name: HOST_MAX_DEQUEUE_COUNT_OVERRIDE,
    groups: ["queue"],
    description: `Attempts at a queued notification before the host moves it to "${NOTIFICATIONS_POISON_QUEUE}": the Functions host's override of host.json extensions.queues.maxDequeueCount, which the app reads too (the default is host.json's value).`,
    requirement: "optional",
    default: String(HOST_QUEUES_MAX_DEQUEUE_COUNT),
    secret: false,
    validate: integerAtLeast(1),
  },
  // Admin API (sign-in with Entra ID)
  {
    name: "API_AUDIENCE",
    groups: ["api"],
    description:
      "Accepted audiences (aud) of the admin API's access tokens, comma-separated: the API app registration's client id and/or its App ID URI (api://…).",
    requirement: "azure",
    secret: false,
    validate: audienceList,
  },
  {
    name: "API_TENANT_ID",
    groups: ["api"],
    description:
      "The Entra ID tenant (GUID) whose tokens the admin API accepts; its issuer (v1 https://sts.windows.net/{tid}/, v2 <API_AUTHORITY_HOST>/{tid}/v2.0) and JWKS. Default: GRAPH_TENANT_ID.",
    requirement: "optional",
    secret: false,
    validate: tenantId,
  },
  {
    name: "API_AUTHORITY_HOST",
    groups: ["api"],
    description: "Entra ID authority of the admin API's tokens (v2 issuer and JWKS); locally the Graph simulator's identity endpoints.",
    requirement: "optional",
    default: "https://login.microsoftonline.com",
    secret: false,
    validate: httpsUrl,
  },
  {
    name: "API_CA_FILE",
    groups: ["api"],
    description:
      "Path of an extra PEM CA certificate to trust when fetching the signing keys from a local authority (the Graph simulator). It adds trust for that client only.",
    requirement: "optional",
    secret: false,
  },
  {
    name: "API_MAX_BODY_BYTES",
    groups: ["api"],
    description: "Largest admin API request body accepted, in bytes; larger requests get 413.",
    requirement: "optional",
    default: "1048576",
    secret: false,
    validate: integerIn(1024, 104857600),
  },
  {
    name: "ADMIN_CENTER_CLIENT_ID",
    groups: ["api"],
    description:
      "Client id of the app registration the admin center (/api/admin-center/) signs in with: a single-page application whose redirect URI is https://<app>/api/admin-center/. Unset: the page offers no sign-in.",
    requirement: "optional",
    secret: false,
    validate: clientId,
  },
  {
    name: "ADMIN_CENTER_API_SCOPE",
    groups: ["api"],
    description: "The scope the admin center asks for to call the admin API. Default: the first API_AUDIENCE followed by /.default.",
    requirement: "optional",
    secret: false,
    validate: lengthIn(3, 400),
  },
  // Monitoring
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    groups: ["monitoring"],
    description: "Application Insights connection string; telemetry is off when absent.",
    requirement: "optional",
    secret: true,
  },
] as const satisfies readonly AppSettingDefinition[];

/** Every setting's name: a name the table does not define fails the type check. */
export type AppSettingName = (typeof DEFINITIONS)[number]["name"];
/** The settings that have a default, so their effective value is always a string. */
export type DefaultedSettingName = Extract<(typeof DEFINITIONS)[number], { default: string }>["name"];

/** The table; typing it with AppSettingName also checks every requiredWhen and orInstead name. */
export const APP_SETTINGS: readonly AppSettingDefinition<AppSettingName>[] = DEFINITIONS;

export function definitionOf(name: AppSettingName): AppSettingDefinition<AppSettingName> {
  const definition = APP_SETTINGS.find((d) => d.name === name);
  // Unreachable while AppSettingName is derived from the table; guards a cast at a call site.
  if (!definition) throw new TypeError(`No app setting named ${name} in APP_SETTINGS`);
  return definition;
}

/** The settings of at least one of the groups in `need`. */
export function settingsFor(need: readonly SettingGroup[]): AppSettingDefinition<AppSettingName>[] {
  return APP_SETTINGS.filter((d) => d.groups.some((g) => need.includes(g)));
}
