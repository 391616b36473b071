// The typed AppSettings and the builder that turns validated raw values into them. Every value
// is read by setting name (AppSettingName), so a name the table does not define fails the type
// check, and a setting with a default reads as a string.
import {
  definitionOf,
  HOST_MAX_DEQUEUE_COUNT_OVERRIDE,
  NOTIFICATIONS_POISON_QUEUE,
  NOTIFICATIONS_QUEUE,
  STORAGE_CONNECTION,
  type AppSettingName,
  type DefaultedSettingName,
  type GraphCredentialKind,
  type SettingGroup,
} from "./definitions.js";
import type { RuntimeEnvironment } from "./validators.js";

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
  /** Rich notifications; undefined when off. */
  resourceData: ResourceDataSettings | undefined;
}

export interface ResourceDataSettings {
  /** Key Vault's certificate; both absent locally, where the stack supplies a key pair. */
  keyVaultUrl: string | undefined;
  certificateName: string | undefined;
  /** The app id the validation tokens are addressed to (aud). */
  appId: string;
}

export interface SubscriptionSettings {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  lifetimeMinutes: number;
  renewBeforeMinutes: number;
  /** Subscriptions ask for resource data (rich notifications). */
  resourceData: boolean;
  /** Every watched folder is caught up at least once per this period (the slow sweep). */
  sweepPeriodHours: number;
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

export interface ApiSettings {
  /** Empty when API_AUDIENCE is not set (locally): the API then refuses every request. */
  audiences: readonly string[];
  tenantId: string | undefined;
  authorityHost: string;
  caFile: string | undefined;
  maxBodyBytes: number;
  /** The admin center's sign-in; undefined when ADMIN_CENTER_CLIENT_ID is not set. */
  adminCenter: { clientId: string; scope: string } | undefined;
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
  api: ApiSettings;
}

export type LoadedAppSettings<G extends SettingGroup> = Pick<AppSettings, G | "environment">;

export type AppSettingsEnv = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** A value with surrounding whitespace removed; blank counts as absent. */
export function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export type EffectiveValue<N extends AppSettingName> = N extends DefaultedSettingName ? string : string | undefined;

/** The value from the environment, else the setting's default. */
export function effectiveValue<N extends AppSettingName>(env: AppSettingsEnv, name: N): EffectiveValue<N> {
  return (present(env[name]) ?? definitionOf(name).default) as EffectiveValue<N>;
}

export type PartialAppSettings = Partial<AppSettings> & { environment: RuntimeEnvironment };

/** Builds the groups in `need` from an environment that loadAppSettings has validated. */
export function buildSettings(
  env: AppSettingsEnv,
  need: readonly SettingGroup[],
  environment: RuntimeEnvironment,
): PartialAppSettings {
  const value = <N extends AppSettingName>(name: N): EffectiveValue<N> => effectiveValue(env, name);
  // Required (always, or by requiredWhen) and so present after validation; guards a table error.
  const required = (name: AppSettingName): string => {
    const v = effectiveValue(env, name);
    if (v === undefined) throw new TypeError(`${name} was validated as present but is missing`);
    return v;
  };
  const int = (name: DefaultedSettingName): number => Number(value(name));
  const settings: PartialAppSettings = { environment };
  const managedIdentityClientId = value("AZURE_CLIENT_ID");

  if (need.includes("cosmos")) {
    settings.cosmos = {
      endpoint: value("COSMOS_ENDPOINT"),
      key: value("COSMOS_KEY"),
      caFile: value("COSMOS_CA_FILE"),
      databaseName: value("COSMOS_DATABASE"),
      managedIdentityClientId,
    };
  }
  if (need.includes("graph")) {
    const kind = value("GRAPH_CREDENTIAL") as GraphCredentialKind;
    const credential: GraphCredentialSettings =
      kind === "clientSecret"
        ? { kind, clientId: required("GRAPH_CLIENT_ID"), clientSecret: required("GRAPH_CLIENT_SECRET") }
        : kind === "certificate"
          ? { kind, clientId: required("GRAPH_CLIENT_ID"), certificatePem: required("GRAPH_CLIENT_CERTIFICATE") }
          : { kind, managedIdentityClientId };
    settings.graph = {
      tenantId: required("GRAPH_TENANT_ID"),
      credential,
      baseUrl: value("GRAPH_BASE_URL"),
      authorityHost: value("GRAPH_AUTHORITY_HOST"),
      caFile: value("GRAPH_CA_FILE"),
      maxConcurrencyPerMailbox: int("GRAPH_MAX_CONCURRENCY_PER_MAILBOX"),
    };
  }
  if (need.includes("notifications")) {
    const clientState = required("NOTIFICATION_CLIENT_STATE");
    const previousClientState = value("NOTIFICATION_CLIENT_STATE_PREVIOUS");
    settings.notifications = {
      clientState,
      previousClientState,
      acceptedClientStates: previousClientState === undefined ? [clientState] : [clientState, previousClientState],
      maxBodyBytes: int("NOTIFICATION_MAX_BODY_BYTES"),
      resourceData:
        value("NOTIFICATION_RESOURCE_DATA") === "true"
          ? {
              keyVaultUrl: value("NOTIFICATION_ENCRYPTION_KEY_VAULT_URL"),
              certificateName: value("NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME"),
              appId: value("GRAPH_CLIENT_ID") ?? managedIdentityClientId ?? "",
            }
          : undefined,
    };
  }
  if (need.includes("subscriptions")) {
    settings.subscriptions = {
      notificationUrl: required("NOTIFICATION_URL"),
      lifecycleNotificationUrl: required("LIFECYCLE_NOTIFICATION_URL"),
      clientState: required("NOTIFICATION_CLIENT_STATE"),
      lifetimeMinutes: int("SUBSCRIPTION_LIFETIME_MINUTES"),
      renewBeforeMinutes: int("SUBSCRIPTION_RENEW_BEFORE_MINUTES"),
      resourceData: value("NOTIFICATION_RESOURCE_DATA") === "true",
      sweepPeriodHours: int("CATCH_UP_SWEEP_PERIOD_HOURS"),
    };
  }
  if (need.includes("schedules")) {
    settings.schedules = {
      renewSubscriptions: value("RENEW_SUBSCRIPTIONS_SCHEDULE"),
      catchUp: value("CATCH_UP_SCHEDULE"),
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
      // The host's maxDequeueCount (host.json or its override): the app knows the last attempt.
      maxDequeueCount: int(HOST_MAX_DEQUEUE_COUNT_OVERRIDE),
    };
  }
  if (need.includes("api")) {
    const audiences = (value("API_AUDIENCE") ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
    const adminCenterClientId = value("ADMIN_CENTER_CLIENT_ID");
    const adminCenterScope = value("ADMIN_CENTER_API_SCOPE") ?? (audiences[0] !== undefined ? `${audiences[0]}/.default` : undefined);
    settings.api = {
      audiences,
      tenantId: value("API_TENANT_ID") ?? value("GRAPH_TENANT_ID"),
      authorityHost: value("API_AUTHORITY_HOST"),
      caFile: value("API_CA_FILE"),
      maxBodyBytes: int("API_MAX_BODY_BYTES"),
      adminCenter: adminCenterClientId && adminCenterScope ? { clientId: adminCenterClientId, scope: adminCenterScope } : undefined,
    };
  }
  if (need.includes("monitoring")) {
    settings.monitoring = { applicationInsightsConnectionString: value("APPLICATIONINSIGHTS_CONNECTION_STRING") };
  }
  return settings;
}
