import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  APP_SETTINGS,
  AppSettingsError,
  HOST_MAX_DEQUEUE_COUNT_OVERRIDE,
  HOST_QUEUES_MAX_DEQUEUE_COUNT,
  NOTIFICATIONS_POISON_QUEUE,
  NOTIFICATIONS_QUEUE,
  REDACTED,
  SETTING_GROUPS,
  STORAGE_CONNECTION,
  describeAppSettings,
  effectiveValue,
  detectEnvironment,
  formatAppSettings,
  loadAppSettings,
  ncrontab,
  renderAppSettingsTable,
  type AppSettingsEnv,
  type LoadAppSettingsOptions,
  type SettingGroup,
} from "../../src/config/index.js";
import { readHostSettings } from "../../local/host/host-settings.js";

const CLIENT_STATE = "client-state-0123456789";
const SECRET = "graph-secret-value-xyz";
const MI_CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const APP_CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
const PEM =
  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

/** A complete local environment; override or delete entries per case. */
function localEnv(overrides: AppSettingsEnv = {}): AppSettingsEnv {
  return {
    GRAPH_TENANT_ID: "tenant-1",
    GRAPH_CLIENT_ID: "client-1",
    GRAPH_CLIENT_SECRET: SECRET,
    NOTIFICATION_CLIENT_STATE: CLIENT_STATE,
    NOTIFICATION_URL: "https://127.0.0.1:7071/api/notifications",
    LIFECYCLE_NOTIFICATION_URL: "https://127.0.0.1:7071/api/lifecycle",
    AzureWebJobsStorage:
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1",
    ...overrides,
  };
}

/** What infra/main.bicep sets in Azure (Key Vault references already resolved by the platform). */
function azureEnv(overrides: AppSettingsEnv = {}): AppSettingsEnv {
  return {
    WEBSITE_SITE_NAME: "func-api-abc",
    COSMOS_ENDPOINT: "https://cosmos-abc.documents.azure.com:443/",
    COSMOS_DATABASE: "tracking",
    AZURE_CLIENT_ID: MI_CLIENT_ID,
    GRAPH_TENANT_ID: TENANT,
    GRAPH_CLIENT_ID: APP_CLIENT_ID,
    GRAPH_CREDENTIAL: "clientSecret",
    GRAPH_CLIENT_SECRET: SECRET,
    NOTIFICATION_CLIENT_STATE: CLIENT_STATE,
    NOTIFICATION_URL: "https://func-api-abc.azurewebsites.net/api/notifications",
    LIFECYCLE_NOTIFICATION_URL: "https://func-api-abc.azurewebsites.net/api/lifecycle",
    AzureWebJobsStorage__accountName: "stabc",
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: MI_CLIENT_ID,
    APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
    API_AUDIENCE: `${APP_CLIENT_ID},api://email-activity-tracker`,
    ...overrides,
  };
}

function problemsOf(env: AppSettingsEnv, options: LoadAppSettingsOptions = {}): string[] {
  try {
    loadAppSettings(env, options);
  } catch (error) {
    if (error instanceof AppSettingsError) return error.problems.map((p) => p.message);
    throw error;
  }
  return [];
}

function errorOf(env: AppSettingsEnv, options: LoadAppSettingsOptions = {}): AppSettingsError {
  try {
    loadAppSettings(env, options);
  } catch (error) {
    if (error instanceof AppSettingsError) return error;
    throw error;
  }
  throw new Error("expected loadAppSettings to throw");
}

describe("constants used by bindings", () => {
  it("names the queue, its poison queue and the storage connection", () => {
    expect(NOTIFICATIONS_QUEUE).toBe("notifications");
    expect(NOTIFICATIONS_POISON_QUEUE).toBe("notifications-poison");
    expect(STORAGE_CONNECTION).toBe("AzureWebJobsStorage");
  });

  it("takes maxDequeueCount from host.json, the file the host reads", () => {
    const host = JSON.parse(readFileSync(new URL("../../host.json", import.meta.url), "utf8")) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(HOST_QUEUES_MAX_DEQUEUE_COUNT).toBe(host.extensions.queues.maxDequeueCount);
    expect(APP_SETTINGS.find((d) => d.name === HOST_MAX_DEQUEUE_COUNT_OVERRIDE)?.default).toBe(
      String(host.extensions.queues.maxDequeueCount),
    );
  });
});

describe("APP_SETTINGS table", () => {
  it("reads values by setting name: a setting with a default reads as its default, a name not in the table fails the type check", () => {
    expect(effectiveValue({}, "GRAPH_BASE_URL")).toBe("https://graph.microsoft.com/");
    expect(effectiveValue({ GRAPH_BASE_URL: " https://graph.example/ " }, "GRAPH_BASE_URL")).toBe("https://graph.example/");
    expect(effectiveValue({}, "COSMOS_ENDPOINT")).toBeUndefined();
    // @ts-expect-error: a typo of GRAPH_TENANT_ID is not an AppSettingName (tsc fails if it were accepted)
    expect(() => effectiveValue({}, "GRAPH_TENANT_IDD")).toThrow(TypeError);
  });

  it("has unique names, a description, and groups from SETTING_GROUPS", () => {
    const names = APP_SETTINGS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of APP_SETTINGS) {
      expect(d.description.length, d.name).toBeGreaterThan(20);
      expect(d.groups.length, d.name).toBeGreaterThan(0);
      for (const g of d.groups) expect(SETTING_GROUPS).toContain(g);
    }
  });

  it.each(APP_SETTINGS.filter((d) => d.default !== undefined).map((d) => [d.name, d.default ?? ""]))(
    "the default of %s (%s) passes its own validator",
    (name, value) => {
      const definition = APP_SETTINGS.find((d) => d.name === name);
      expect(definition?.validate?.(value, { environment: "azure" })).toBeUndefined();
      expect(definition?.validate?.(value, { environment: "local" })).toBeUndefined();
    },
  );

  it.each(APP_SETTINGS.map((d) => [d.name, d.requiredWhen?.setting, d.orInstead]))(
    "%s refers only to settings in the table",
    (_name, when, instead) => {
      const names = APP_SETTINGS.map((d) => d.name);
      if (when !== undefined) expect(names).toContain(when);
      if (instead !== undefined) expect(names).toContain(instead);
    },
  );
});

describe("loadAppSettings with everything set", () => {
  it("loads a local environment with defaults applied", () => {
    const settings = loadAppSettings(localEnv());
    expect(settings.environment).toBe("local");
    expect(settings.cosmos).toEqual({
      endpoint: undefined,
      key: undefined,
      databaseName: "tracking",
      managedIdentityClientId: undefined,
    });
    expect(settings.graph).toEqual({
      tenantId: "tenant-1",
      credential: { kind: "clientSecret", clientId: "client-1", clientSecret: SECRET },
      baseUrl: "https://graph.microsoft.com/",
      authorityHost: "https://login.microsoftonline.com",
      caFile: undefined,
      maxConcurrencyPerMailbox: 4,
    });
    expect(settings.notifications).toEqual({
      clientState: CLIENT_STATE,
      previousClientState: undefined,
      acceptedClientStates: [CLIENT_STATE],
      maxBodyBytes: 1048576,
      resourceData: undefined,
    });
    expect(settings.subscriptions).toEqual({
      notificationUrl: "https://127.0.0.1:7071/api/notifications",
      lifecycleNotificationUrl: "https://127.0.0.1:7071/api/lifecycle",
      clientState: CLIENT_STATE,
      lifetimeMinutes: 4230,
      renewBeforeMinutes: 1440,
      resourceData: false,
      sweepPeriodHours: 24,
    });
    expect(settings.schedules).toEqual({ renewSubscriptions: "0 */30 * * * *", catchUp: "0 */15 * * * *" });
    expect(settings.queue.storage.kind).toBe("connectionString");
    expect(settings.queue).toMatchObject({
      connection: "AzureWebJobsStorage",
      notificationsQueue: "notifications",
      poisonQueue: "notifications-poison",
      maxDequeueCount: 5,
    });
    expect(settings.monitoring).toEqual({ applicationInsightsConnectionString: undefined });
  });

  it("loads what the infra sets in Azure, with identity-based storage", () => {
    const settings = loadAppSettings(azureEnv());
    expect(settings.environment).toBe("azure");
    expect(settings.cosmos.endpoint).toBe("https://cosmos-abc.documents.azure.com:443/");
    expect(settings.cosmos.managedIdentityClientId).toBe(MI_CLIENT_ID);
    expect(settings.queue.storage).toEqual({
      kind: "identity",
      accountName: "stabc",
      queueServiceUri: "https://stabc.queue.core.windows.net",
      managedIdentityClientId: MI_CLIENT_ID,
    });
  });

  it.each([
    ["certificate", { GRAPH_CREDENTIAL: "certificate", GRAPH_CLIENT_SECRET: undefined, GRAPH_CLIENT_CERTIFICATE: PEM }, { kind: "certificate", clientId: APP_CLIENT_ID, certificatePem: PEM.trim() }],
    ["managedIdentity", { GRAPH_CREDENTIAL: "managedIdentity", GRAPH_CLIENT_ID: undefined, GRAPH_CLIENT_SECRET: undefined }, { kind: "managedIdentity", managedIdentityClientId: MI_CLIENT_ID }],
    ["clientSecret", {}, { kind: "clientSecret", clientId: APP_CLIENT_ID, clientSecret: SECRET }],
  ] as const)("builds the %s Graph credential", (_kind, overrides, expected) => {
    expect(loadAppSettings(azureEnv(overrides)).graph.credential).toEqual(expected);
  });

  it("rich notifications: locally the stack's keys; in Azure Key Vault's, named by both settings; the app id from GRAPH_CLIENT_ID or the identity", () => {
    expect(loadAppSettings(localEnv({ NOTIFICATION_RESOURCE_DATA: "true" })).notifications.resourceData).toEqual({ keyVaultUrl: undefined, certificateName: undefined, appId: "client-1" });
    expect(errorOf(azureEnv({ NOTIFICATION_RESOURCE_DATA: "true" })).problems.map((p) => p.name).sort()).toEqual([
      "NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME",
      "NOTIFICATION_ENCRYPTION_KEY_VAULT_URL",
    ]);
    const azure = loadAppSettings(
      azureEnv({ NOTIFICATION_RESOURCE_DATA: "true", NOTIFICATION_ENCRYPTION_KEY_VAULT_URL: "https://kv-abc.vault.azure.net", NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME: "notifications", GRAPH_CLIENT_ID: undefined, GRAPH_CREDENTIAL: "managedIdentity", GRAPH_CLIENT_SECRET: undefined }),
    );
    expect(azure.notifications.resourceData).toEqual({ keyVaultUrl: "https://kv-abc.vault.azure.net", certificateName: "notifications", appId: MI_CLIENT_ID });
    expect(azure.subscriptions.resourceData).toBe(true);
    expect(problemsOf(localEnv({ NOTIFICATION_RESOURCE_DATA: "true", GRAPH_CLIENT_ID: undefined, GRAPH_CREDENTIAL: "managedIdentity", GRAPH_CLIENT_SECRET: undefined }))).toEqual([
      expect.stringMatching(/needs the app id/),
    ]);
    expect(problemsOf(localEnv({ NOTIFICATION_RESOURCE_DATA: "yes" }))).toEqual([expect.stringMatching(/NOTIFICATION_RESOURCE_DATA/)]);
  });

  it("accepts the previous client state during a rotation, current first", () => {
    const previous = "previous-state-9876543210";
    const settings = loadAppSettings(localEnv({ NOTIFICATION_CLIENT_STATE_PREVIOUS: previous }));
    expect(settings.notifications.acceptedClientStates).toEqual([CLIENT_STATE, previous]);
  });

  it("treats blank values as unset and trims values", () => {
    const settings = loadAppSettings(localEnv({ COSMOS_DATABASE: "   ", GRAPH_MAX_CONCURRENCY_PER_MAILBOX: " 2 " }));
    expect(settings.cosmos.databaseName).toBe("tracking");
    expect(settings.graph.maxConcurrencyPerMailbox).toBe(2);
  });
});

describe("missing settings", () => {
  it("names every missing required setting in one error, with what to set", () => {
    const error = errorOf({});
    expect(error.problems.map((p) => p.name)).toEqual([
      "GRAPH_TENANT_ID",
      "GRAPH_CLIENT_ID",
      "GRAPH_CLIENT_SECRET",
      "NOTIFICATION_CLIENT_STATE",
      "NOTIFICATION_URL",
      "LIFECYCLE_NOTIFICATION_URL",
      "AzureWebJobsStorage",
    ]);
    expect(error.problems.every((p) => p.kind === "missing")).toBe(true);
    expect(error.message).toContain(
      "GRAPH_TENANT_ID is required: The Entra ID tenant (directory) id of the app registration.",
    );
    expect(error.message).toContain("AzureWebJobsStorage is required (or set AzureWebJobsStorage__accountName)");
    expect(error.message).toMatch(/^App settings are not valid \(7 problems\):\n- /);
  });

  it.each([
    ["COSMOS_ENDPOINT"],
    ["AZURE_CLIENT_ID"],
    ["GRAPH_TENANT_ID"],
    ["GRAPH_CLIENT_ID"],
    ["GRAPH_CLIENT_SECRET"],
    ["NOTIFICATION_CLIENT_STATE"],
    ["NOTIFICATION_URL"],
    ["LIFECYCLE_NOTIFICATION_URL"],
    ["AzureWebJobsStorage__accountName"],
  ])("in Azure, removing %s is reported", (name) => {
    const expected = name === "AzureWebJobsStorage__accountName" ? "AzureWebJobsStorage" : name;
    expect(errorOf(azureEnv({ [name]: undefined })).problems).toEqual([
      expect.objectContaining({ name: expected, kind: "missing" }),
    ]);
  });

  it.each([
    ["COSMOS_ENDPOINT", "embedded server"],
    ["AZURE_CLIENT_ID", "no managed identity locally"],
  ])("locally, %s may be absent (%s)", (name) => {
    expect(problemsOf(localEnv({ [name]: undefined }))).toEqual([]);
  });

  it("points to the Key Vault secret in Azure", () => {
    expect(problemsOf(azureEnv({ NOTIFICATION_CLIENT_STATE: undefined }))).toEqual([
      expect.stringContaining('set the Key Vault secret "notification-client-state"'),
    ]);
  });

  it.each([
    ["clientSecret", "GRAPH_CLIENT_SECRET", ["GRAPH_CLIENT_SECRET"]],
    ["certificate", "GRAPH_CLIENT_SECRET", ["GRAPH_CLIENT_CERTIFICATE"]],
    ["managedIdentity", "GRAPH_CLIENT_SECRET", []],
  ] as const)("GRAPH_CREDENTIAL=%s without %s requires %j", (credential, removed, expected) => {
    const error = problemsOf(azureEnv({ GRAPH_CREDENTIAL: credential, [removed]: undefined }));
    expect(error.map((m) => m.split(" ")[0])).toEqual(expected);
  });

  it("requires GRAPH_CLIENT_ID unless the managed identity is the Graph credential", () => {
    expect(problemsOf(azureEnv({ GRAPH_CLIENT_ID: undefined }))).toEqual([
      expect.stringMatching(/^GRAPH_CLIENT_ID is required when GRAPH_CREDENTIAL is "clientSecret" or "certificate"/),
    ]);
    expect(problemsOf(azureEnv({ GRAPH_CLIENT_ID: undefined, GRAPH_CREDENTIAL: "managedIdentity" }))).toEqual([]);
  });
});

describe("feature groups", () => {
  it("a Cosmos-only command does not demand Graph, webhook or storage settings", () => {
    const settings = loadAppSettings({ COSMOS_ENDPOINT: "http://127.0.0.1:8081" }, { need: ["cosmos"] });
    expect(settings).toEqual({
      environment: "local",
      cosmos: { endpoint: "http://127.0.0.1:8081", key: undefined, databaseName: "tracking", managedIdentityClientId: undefined },
    });
  });

  it.each<[SettingGroup, string[]]>([
    ["cosmos", []],
    ["graph", ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"]],
    ["notifications", ["NOTIFICATION_CLIENT_STATE"]],
    ["subscriptions", ["NOTIFICATION_CLIENT_STATE", "NOTIFICATION_URL", "LIFECYCLE_NOTIFICATION_URL"]],
    ["schedules", []],
    ["queue", ["AzureWebJobsStorage"]],
    ["monitoring", []],
  ])("locally, group %s alone requires %j", (group, expected) => {
    expect(errorOrNone({}, [group])).toEqual(expected);
  });

  it("in Azure, the cosmos group requires the endpoint and the identity", () => {
    expect(errorOrNone({ WEBSITE_INSTANCE_ID: "x" }, ["cosmos"])).toEqual(["COSMOS_ENDPOINT", "AZURE_CLIENT_ID"]);
  });

  it("validates only the selected groups", () => {
    expect(problemsOf({ ...localEnv(), GRAPH_BASE_URL: "not a url" }, { need: ["cosmos"] })).toEqual([]);
  });
});

function errorOrNone(env: AppSettingsEnv, need: SettingGroup[]): string[] {
  try {
    loadAppSettings(env, { need });
    return [];
  } catch (error) {
    if (error instanceof AppSettingsError) return error.problems.map((p) => p.name);
    throw error;
  }
}

describe("invalid values", () => {
  it.each<[string, string, string]>([
    ["COSMOS_ENDPOINT", "cosmos.example", "must be an absolute http:// or https:// URL"],
    ["COSMOS_DATABASE", "a/b", "must be 1 to 255 characters without"],
    ["AZURE_CLIENT_ID", "not-a-guid", "must be a GUID"],
    ["GRAPH_TENANT_ID", "contoso tenant", "must be a tenant id"],
    ["GRAPH_CLIENT_ID", "client id", "must be a client (application) id"],
    ["GRAPH_CREDENTIAL", "password", 'must be one of "clientSecret", "certificate", "managedIdentity"'],
    ["GRAPH_BASE_URL", "http://graph.microsoft.com/", "must be an absolute https:// URL"],
    ["GRAPH_AUTHORITY_HOST", "login.microsoftonline.com", "must be an absolute https:// URL"],
    ["GRAPH_MAX_CONCURRENCY_PER_MAILBOX", "5", "must be a whole number from 1 to 4"],
    ["GRAPH_MAX_CONCURRENCY_PER_MAILBOX", "0", "must be a whole number from 1 to 4"],
    ["GRAPH_MAX_CONCURRENCY_PER_MAILBOX", "2.5", "must be a whole number from 1 to 4"],
    ["NOTIFICATION_MAX_BODY_BYTES", "-1", "must be a whole number from 1024"],
    ["NOTIFICATION_URL", "http://example.com/api/notifications", "must be an absolute https:// URL"],
    ["LIFECYCLE_NOTIFICATION_URL", "/api/lifecycle", "must be an absolute https:// URL"],
    ["SUBSCRIPTION_LIFETIME_MINUTES", "10081", "must be a whole number from 45 to 10080"],
    ["SUBSCRIPTION_LIFETIME_MINUTES", "abc", "must be a whole number from 45 to 10080"],
    ["SUBSCRIPTION_RENEW_BEFORE_MINUTES", "10", "must be a whole number from 30 to 10079"],
    ["RENEW_SUBSCRIPTIONS_SCHEDULE", "*/30 * * * *", "six-field NCRONTAB"],
    ["CATCH_UP_SCHEDULE", "0 */15 25 * * *", "the hour field allows 0-23"],
    ["AzureWebJobsStorage__accountName", "My_Account", "must be a storage account name"],
    ["AzureWebJobsStorage__credential", "secret", 'must be one of "managedidentity"'],
    [HOST_MAX_DEQUEUE_COUNT_OVERRIDE, "0", "must be a whole number of at least 1"],
    [HOST_MAX_DEQUEUE_COUNT_OVERRIDE, "five", "must be a whole number of at least 1"],
  ])("%s=%j is reported: %s", (name, value, expected) => {
    const problems = problemsOf(localEnv({ [name]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${name} (${JSON.stringify(value)}) is invalid: it `);
    expect(problems[0]).toContain(expected);
  });

  it.each<[string, string, string]>([
    ["NOTIFICATION_CLIENT_STATE", "too-short", "must be 16 to 128 characters long (it is 9)"],
    ["NOTIFICATION_CLIENT_STATE", "x".repeat(129), "must be 16 to 128 characters long (it is 129)"],
    ["NOTIFICATION_CLIENT_STATE_PREVIOUS", "short-previous", "must be 16 to 128 characters long (it is 14)"],
    ["GRAPH_CLIENT_CERTIFICATE", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "must be a PEM bundle with the certificate and its private key"],
    ["AzureWebJobsStorage", "hello", "must be a storage connection string (AccountName=…;… or UseDevelopmentStorage=true)"],
  ])("secret %s is reported without its value", (name, value, expected) => {
    const env = localEnv({ [name]: value, ...(name === "GRAPH_CLIENT_CERTIFICATE" ? { GRAPH_CREDENTIAL: "certificate" } : {}) });
    const error = errorOf(env);
    expect(error.problems.map((p) => p.message)).toEqual([`${name} is invalid: it ${expected}`]);
    expect(error.message).not.toContain(value);
  });

  it.each<[string, string, string]>([
    ["COSMOS_ENDPOINT", "http://cosmos-abc.documents.azure.com/", "must be the https:// document endpoint"],
    ["GRAPH_TENANT_ID", "tenant-1", "must be the tenant GUID or a verified domain name"],
    ["GRAPH_CLIENT_ID", "client-1", "must be a GUID"],
    ["AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountName=stabc;AccountKey=abc==", "must not carry an account key"],
  ])("in Azure, %s=%j is reported: %s", (name, value, expected) => {
    const problems = problemsOf(azureEnv({ [name]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it.each([["contoso.onmicrosoft.com"], [TENANT]])("in Azure, GRAPH_TENANT_ID=%s is valid", (tenant) => {
    expect(problemsOf(azureEnv({ GRAPH_TENANT_ID: tenant }))).toEqual([]);
  });

  it("never puts a secret value in any message", () => {
    const env = azureEnv({
      GRAPH_CLIENT_SECRET: "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/graph-client-secret)",
      NOTIFICATION_CLIENT_STATE: "s3cr3t",
      COSMOS_KEY: "c29tZS1rZXk=",
      AzureWebJobsStorage: "AccountName=stabc;AccountKey=VERYSECRETKEY==",
    });
    const error = errorOf(env);
    for (const secret of ["s3cr3t", "c29tZS1rZXk=", "VERYSECRETKEY=="]) expect(error.message).not.toContain(secret);
    expect(error.problems.map((p) => p.name)).toEqual([
      "GRAPH_CLIENT_SECRET",
      "NOTIFICATION_CLIENT_STATE",
      "AzureWebJobsStorage",
      "COSMOS_KEY",
    ]);
  });
});

describe("rules across settings", () => {
  it("reports an unresolved Key Vault reference with what to fix", () => {
    const problems = problemsOf(
      azureEnv({ NOTIFICATION_CLIENT_STATE: "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/notification-client-state)" }),
    );
    expect(problems).toEqual([
      'NOTIFICATION_CLIENT_STATE is an unresolved Key Vault reference: create the secret "notification-client-state" in the Key Vault and check that the app\'s managed identity has the Key Vault Secrets User role',
    ]);
  });

  it.each<[string, AppSettingsEnv, RegExp]>([
    ["COSMOS_KEY in Azure", azureEnv({ COSMOS_KEY: "key==" }), /^COSMOS_KEY must not be set in Azure/],
    ["COSMOS_KEY without an endpoint", localEnv({ COSMOS_KEY: "key==" }), /^COSMOS_KEY is set without COSMOS_ENDPOINT/],
    ["renew-before not below lifetime", localEnv({ SUBSCRIPTION_LIFETIME_MINUTES: "1440" }), /^SUBSCRIPTION_RENEW_BEFORE_MINUTES \(1440\) is invalid: it must be less than SUBSCRIPTION_LIFETIME_MINUTES \(1440\)/],
    ["identity storage without a credential in Azure", azureEnv({ AzureWebJobsStorage__credential: undefined }), /^AzureWebJobsStorage__credential is required with AzureWebJobsStorage__accountName/],
    ["CA file that does not exist", localEnv({ GRAPH_CA_FILE: "/nowhere/ca.pem" }), /^GRAPH_CA_FILE \("\/nowhere\/ca.pem"\) is invalid: no such file/],
    ["Cosmos CA file that does not exist", localEnv({ COSMOS_CA_FILE: "/nowhere/cosmos.pem" }), /^COSMOS_CA_FILE \("\/nowhere\/cosmos.pem"\) is invalid: no such file/],
  ])("%s", (_case, env, expected) => {
    const problems = problemsOf(env, { fileExists: () => false });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it.each<[string, AppSettingsEnv, number]>([
    ["host.json's value", {}, HOST_QUEUES_MAX_DEQUEUE_COUNT],
    ["the host's override", { [HOST_MAX_DEQUEUE_COUNT_OVERRIDE]: "8" }, 8],
    ["the host's override of 1", { [HOST_MAX_DEQUEUE_COUNT_OVERRIDE]: " 1 " }, 1],
    // The former app-only setting is no longer read: it could disagree with the host.
    ["not PROCESS_MAX_DEQUEUE_COUNT", { PROCESS_MAX_DEQUEUE_COUNT: "7" }, HOST_QUEUES_MAX_DEQUEUE_COUNT],
  ])("counts the attempts the host makes: %s", (_case, overrides, expected) => {
    expect(loadAppSettings(localEnv(overrides)).queue.maxDequeueCount).toBe(expected);
  });

  it.each<AppSettingsEnv>([{}, { [HOST_MAX_DEQUEUE_COUNT_OVERRIDE]: "8" }, { [HOST_MAX_DEQUEUE_COUNT_OVERRIDE]: "12" }])(
    "agrees with the local host's reading of host.json and its override (%j)",
    async (overrides) => {
      const env = localEnv(overrides);
      const host = await readHostSettings(fileURLToPath(new URL("../../host.json", import.meta.url)), { env: env as NodeJS.ProcessEnv });
      expect(loadAppSettings(env).queue.maxDequeueCount).toBe(host.queues.maxDequeueCount);
    },
  );

  it("accepts an existing CA file", () => {
    const settings = loadAppSettings(localEnv({ GRAPH_CA_FILE: "/certs/ca.pem" }), {
      fileExists: (path) => path === "/certs/ca.pem",
    });
    expect(settings.graph.caFile).toBe("/certs/ca.pem");
    expect(settings.cosmos.caFile).toBeUndefined();
    const cosmosOnly = loadAppSettings({ COSMOS_CA_FILE: "/certs/cosmos.pem" }, {
      need: ["cosmos"],
      fileExists: (path) => path === "/certs/cosmos.pem",
    });
    expect(cosmosOnly.cosmos.caFile).toBe("/certs/cosmos.pem");
  });
});

describe("environment detection", () => {
  it.each<[AppSettingsEnv, string]>([
    [{}, "local"],
    [{ WEBSITE_SITE_NAME: "func-api" }, "azure"],
    [{ WEBSITE_INSTANCE_ID: "abc" }, "azure"],
    [{ WEBSITE_SITE_NAME: " " }, "local"],
  ])("%j is %s", (env, expected) => {
    expect(detectEnvironment(env)).toBe(expected);
  });

  it("an explicit environment wins over detection", () => {
    expect(loadAppSettings(localEnv({ WEBSITE_SITE_NAME: "x" }), { environment: "local", need: ["cosmos"] }).environment).toBe("local");
  });
});

describe("ncrontab", () => {
  it.each([
    ["0 */30 * * * *", true],
    ["0 0 9-17 * * mon-fri", true],
    ["0 0 0 1 Jan *", true],
    ["0,30 5,10 * * * *", true],
    ["0 */0 * * * *", false],
    ["60 * * * * *", false],
    ["0 0 0 0 * *", false],
    ["0 0 0 * 13 *", false],
    ["0 0 0 * * 7", false],
    ["0 0 mon * * *", false],
    ["* * * * *", false],
  ])("%j valid: %s", (expression, valid) => {
    expect(ncrontab(expression, { environment: "local" }) === undefined).toBe(valid);
  });
});

describe("describeAppSettings", () => {
  it("shows sources and redacts every secret", () => {
    const rows = describeAppSettings(localEnv({ COSMOS_KEY: "emulator-key==" }));
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get("GRAPH_CLIENT_SECRET")).toEqual({ name: "GRAPH_CLIENT_SECRET", value: REDACTED, source: "environment", secret: true });
    expect(byName.get("COSMOS_DATABASE")).toEqual({ name: "COSMOS_DATABASE", value: "tracking", source: "default", secret: false });
    expect(byName.get("COSMOS_ENDPOINT")).toEqual({ name: "COSMOS_ENDPOINT", value: undefined, source: "unset", secret: false });
    expect(byName.get("GRAPH_TENANT_ID")?.value).toBe("tenant-1");
    const text = formatAppSettings(rows);
    for (const secret of [SECRET, CLIENT_STATE, "emulator-key==", "devstoreaccount1"]) expect(text).not.toContain(secret);
    expect(text).toContain("COSMOS_DATABASE = tracking [default]");
    expect(text).toContain("COSMOS_ENDPOINT = (unset) [unset]");
  });

  it("lists one row per setting of the selected groups", () => {
    expect(describeAppSettings({}, { need: ["schedules"] }).map((r) => r.name)).toEqual([
      "RENEW_SUBSCRIPTIONS_SCHEDULE",
      "CATCH_UP_SCHEDULE",
    ]);
    expect(describeAppSettings({})).toHaveLength(APP_SETTINGS.length);
  });
});

describe("renderAppSettingsTable", () => {
  it("has a header and one row per setting with its default", () => {
    const lines = renderAppSettingsTable().split("\n");
    expect(lines).toHaveLength(APP_SETTINGS.length + 2);
    expect(lines.find((l) => l.startsWith("| `COSMOS_DATABASE` "))).toContain("| `tracking` |");
    expect(lines.find((l) => l.startsWith("| `GRAPH_CLIENT_SECRET` "))).toContain("yes (Key Vault `graph-client-secret`)");
  });
});
