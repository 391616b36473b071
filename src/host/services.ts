// The composition root: app settings in, the use cases wired to Cosmos DB, Graph and the queue
// out. The settings are validated when the host starts (an app start hook); the services are
// built once per process, on first use, so an HTTP function that needs none of them (the
// validation handshake) never waits for them.
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import https from "node:https";
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
import { openCosmosTrackingStore } from "../adapters/cosmos/index.js";
import { createGraphCredential, createGraphGateway, type GraphGateway } from "../adapters/graph/index.js";
import { createStorageQueueProbe, createStorageWorkQueue, type StorageQueueConnection } from "../adapters/queue/storage-work-queue.js";
import { createTrustingFetch } from "../adapters/graph/graph-client.js";
import { createValidationTokenVerifier } from "../adapters/graph/validation-tokens.js";
import { createKeyVaultEncryptionKeys } from "../adapters/keyvault/encryption-keys.js";
import { createResourceDataOpener, subscriptionLifetime } from "../app/resource-data.js";
import { createMailboxAdmin } from "../app/mailboxes.js";
import { createClientStates } from "../app/client-state.js";
import { createWebhook, type Webhook } from "../app/notifications.js";
import { createNotificationHandler } from "../app/notification-handler.js";
import { createEventHubNotifications, type EventHubNotifications } from "../app/event-hub-notifications.js";
import { createTtlCache } from "../app/ttl-cache.js";
import { createActivityAdmin, type ActivityAdmin } from "../app/activities.js";
import { createOutgoingEmail, type OutgoingEmailService } from "../app/outgoing-email.js";
import { createMailboxAdministration, type MailboxAdmin } from "../app/mailbox-admin.js";
import { createOrganizationAdmin, type OrganizationAdmin } from "../app/organization.js";
import { createRecordAdmin, type RecordAdmin } from "../app/records.js";
import { createWhatIf, type WhatIf } from "../app/what-if.js";
import { createWhatIfWorker } from "../app/what-if-worker.js";
import { createMemoryTrackingStore } from "../adapters/memory/index.js";
import { mailCodec } from "../adapters/mime/index.js";
import type { EncryptionKeyStore, LiveTrackingStore, MailFolderName, TrackingStore, WorkQueue } from "../app/ports.js";
import { createAlerts, type Alerts } from "../app/alerts.js";
import { createCategoryTracking } from "../app/categories.js";
import { createErrorPolicy } from "../app/error-policy.js";
import { createHealthRecorder, type HealthRecorder } from "../app/health.js";
import { createHealthAdmin, type HealthAdmin } from "../app/health-admin.js";
import { createWorkProcessor, type WorkProcessor } from "../app/process-work.js";
import { createScheduler, type Scheduler } from "../app/scheduler.js";
import { createSubscriptionManager, type SubscriptionManager } from "../app/subscriptions.js";
import { createTracker, type TrackResult, type Tracker } from "../app/track-message.js";
import { registerAppStartHook } from "./registration.js";
import { loadAppSettings, NOTIFICATIONS_POISON_QUEUE, NOTIFICATIONS_QUEUE, type AppSettings, type AppSettingsEnv } from "../config/index.js";

/** Validates every app setting from process.env; throws AppSettingsError naming each bad one. */
export function validateAppSettingsAtStart(): void {
  loadAppSettings(process.env);
}

// Every function file imports this module (directly or through http.ts), so the host that loads
// them validates the settings at start, not at the first invocation.
registerAppStartHook("validate app settings", validateAppSettingsAtStart);

/**
 * The webhook's subscription cache. A subscription deleted elsewhere may be accepted for this
 * long (its work then finds the mailbox disabled or the message gone); a made-up id costs one
 * read per TTL at most. Bounded: a flood of made-up ids evicts the least recently used only.
 */
const SUBSCRIPTION_CACHE_TTL_IN_MS = 60_000;
const SUBSCRIPTION_CACHE_MAX_ENTRIES = 10_000;

export interface TrackingDecisionEvent {
  mailbox: string;
  folder: MailFolderName;
  result: TrackResult;
  via: "notification" | "catchUp";
}

/** Tracking decisions as they happen, for whoever hosts the app (the local console, tests). */
export const trackingEvents = new EventEmitter<{ decision: [TrackingDecisionEvent] }>();

export interface Services {
  settings: AppSettings;
  store: TrackingStore;
  live: LiveTrackingStore;
  gateway: GraphGateway;
  queue: WorkQueue;
  tracker: Tracker;
  webhook: Webhook;
  /** The same notification handling for Event Hubs delivery (functions/notificationEvents.ts). */
  eventHub: EventHubNotifications;
  subscriptions: SubscriptionManager;
  scheduler: Scheduler;
  work: WorkProcessor;
  mailboxes: ReturnType<typeof createMailboxAdmin>;
  outgoing: OutgoingEmailService;
  records: RecordAdmin;
  activities: ActivityAdmin;
  /** What-if runs: started and read here, replayed by the work queue (src/app/what-if.ts). */
  whatIf: WhatIf;
  organization: OrganizationAdmin;
  mailboxAdmin: MailboxAdmin;
  /** Mailbox alerts: raise, list, delete (src/app/alerts.ts). */
  alerts: Alerts;
  /** Records each mailbox's health and item-level log; `coverage` says whether a folder needs a catch-up. */
  health: HealthRecorder;
  /** Reads health for the API and the anonymous endpoint; Resync. */
  healthAdmin: HealthAdmin;
  clock(): Date;
  cosmosRequestCount(): number;
  /** The same, by operation and container ("create processed", …): where the requests go. */
  cosmosRequestCountByOperation(): Map<string, number>;
  dispose(): Promise<void>;
}

/** Lines that start with "error:" or "warning:" go out at that level (Application Insights' severity). */
function consoleLog(line: string): void {
  if (line.startsWith("error:")) console.error(line);
  else if (line.startsWith("warning:")) console.warn(line);
  else console.log(line);
}

export async function createServices(options: {
  env: AppSettingsEnv;
  log?: (line: string) => void;
  /** Rich notifications' key pairs from elsewhere than Key Vault (the local stack's). */
  encryptionKeys?: EncryptionKeyStore;
}): Promise<Services> {
  const settings = loadAppSettings(options.env);
  const log = options.log ?? consoleLog;
  const clock = () => new Date();

  const azureCredential = (): TokenCredential =>
    settings.cosmos.managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: settings.cosmos.managedIdentityClientId })
      : new DefaultAzureCredential();

  if (!settings.cosmos.endpoint) {
    throw new Error("COSMOS_ENDPOINT is not set: point it at Cosmos DB or the emulator (npm run host starts an embedded server and sets it)");
  }
  const cosmosCa = settings.cosmos.caFile ? await readFile(settings.cosmos.caFile, "utf8") : undefined;
  const cosmos = await openCosmosTrackingStore({
    endpoint: settings.cosmos.endpoint,
    databaseName: settings.cosmos.databaseName,
    ...(settings.cosmos.key ? { key: settings.cosmos.key } : { credential: azureCredential(), createIfMissing: false }),
    ...(cosmosCa ? { httpsAgent: new https.Agent({ ca: cosmosCa, keepAlive: true }) } : {}),
  });

  const graphCa = settings.graph.caFile ? await readFile(settings.graph.caFile, "utf8") : undefined;
  const credentialSettings = settings.graph.credential;
  const credential = createGraphCredential({
    kind: credentialSettings.kind,
    tenantId: settings.graph.tenantId,
    authorityHost: settings.graph.authorityHost,
    ...(graphCa ? { ca: graphCa } : {}),
    ...(credentialSettings.kind === "clientSecret"
      ? { clientId: credentialSettings.clientId, clientSecret: credentialSettings.clientSecret }
      : credentialSettings.kind === "certificate"
        ? { clientId: credentialSettings.clientId, certificatePem: credentialSettings.certificatePem }
        : credentialSettings.managedIdentityClientId
          ? { managedIdentityClientId: credentialSettings.managedIdentityClientId }
          : {}),
  });
  const gateway = createGraphGateway({
    credential,
    baseUrl: settings.graph.baseUrl,
    maxConcurrencyPerMailbox: settings.graph.maxConcurrencyPerMailbox,
    ...(graphCa ? { ca: graphCa } : {}),
    log,
  });

  const storage = settings.queue.storage;
  const queueConnection: StorageQueueConnection =
    storage.kind === "connectionString"
      ? { kind: "connectionString", connectionString: storage.connectionString }
      : {
          kind: "identity",
          queueServiceUri: storage.queueServiceUri,
          credential: storage.managedIdentityClientId
            ? new ManagedIdentityCredential({ clientId: storage.managedIdentityClientId })
            : new DefaultAzureCredential(),
        };
  const queue = createStorageWorkQueue({ queueName: NOTIFICATIONS_QUEUE, connection: queueConnection });

  const { store, live } = cosmos;
  // Rich notifications: the key pairs (Key Vault in Azure; the local stack supplies its own) and
  // the validation tokens' check against Entra's keys (the simulator's locally).
  const resourceDataSettings = settings.notifications.resourceData;
  const encryptionKeys: EncryptionKeyStore | undefined = resourceDataSettings
    ? (options.encryptionKeys ??
      (resourceDataSettings.keyVaultUrl && resourceDataSettings.certificateName
        ? createKeyVaultEncryptionKeys({ vaultUrl: resourceDataSettings.keyVaultUrl, certificateName: resourceDataSettings.certificateName, credential: azureCredential() })
        : undefined))
    : undefined;
  if (resourceDataSettings && !encryptionKeys) {
    throw new Error("NOTIFICATION_RESOURCE_DATA=true needs NOTIFICATION_ENCRYPTION_KEY_VAULT_URL and NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME (docs/settings.md)");
  }
  const validationTokens = resourceDataSettings
    ? createValidationTokenVerifier({
        tenantId: settings.graph.tenantId,
        appId: resourceDataSettings.appId,
        authorityHost: settings.graph.authorityHost,
        // Trusts the local CA for this client only: nothing process-wide changes.
        fetch: createTrustingFetch(graphCa ? { ca: graphCa } : {}).fetch,
      })
    : undefined;
  const lifetime = subscriptionLifetime({
    lifetimeInMinutes: settings.subscriptions.lifetimeMinutes,
    renewBeforeInMinutes: settings.subscriptions.renewBeforeMinutes,
    resourceData: settings.subscriptions.resourceData,
  });
  // The app secret and, during a rotation, the previous one: each subscription's own clientState
  // is made from the first and verified against both.
  const clientStates = createClientStates(settings.notifications.acceptedClientStates);
  const tracker = createTracker({ store, clock });
  const alerts = createAlerts({ store, live, clock, log });
  const errorPolicy = createErrorPolicy({ store, live, clock, log, alerts });
  const health = createHealthRecorder({ store, live, clock, log });
  const subscriptions = createSubscriptionManager({
    store,
    live,
    gateway,
    queue,
    clock,
    log,
    errorPolicy,
    alerts,
    health,
    policy: {
      notificationUrl: settings.subscriptions.notificationUrl,
      lifecycleNotificationUrl: settings.subscriptions.lifecycleNotificationUrl,
      clientStates,
      ...lifetime,
      ...(encryptionKeys ? { resourceData: { keys: encryptionKeys } } : {}),
      sweepPeriodInHours: settings.subscriptions.sweepPeriodHours,
    },
  });
  const scheduler = createScheduler({
    store,
    live,
    queue,
    subscriptions,
    clock,
    log,
    policy: { renewBeforeInMinutes: lifetime.renewBeforeInMinutes, sweepPeriodInHours: settings.subscriptions.sweepPeriodHours },
  });
  const outgoing = createOutgoingEmail({ store, gateway, tracker, queue, clock });
  const work = createWorkProcessor({
    store,
    live,
    gateway,
    tracker,
    queue,
    subscriptions,
    clock,
    log,
    maxDequeueCount: settings.queue.maxDequeueCount,
    outgoing,
    maintenance: scheduler,
    errorPolicy,
    alerts,
    health,
    ...(encryptionKeys ? { resourceData: createResourceDataOpener(encryptionKeys) } : {}),
    // A what-if replays into fresh in-memory stores, one per side of each run: never the live data.
    whatIf: createWhatIfWorker({ runs: cosmos.whatIf, newStore: () => createMemoryTrackingStore(), codec: mailCodec, queue, clock, log }),
    categories: createCategoryTracking({ store, live, gateway, tracker, queue, clock, alerts, onDecision: (decision) => trackingEvents.emit("decision", decision) }),
    onDecision: (decision) => trackingEvents.emit("decision", decision),
  });
  // One set of gates for every delivery: the webhook and Event Hubs share the options and the cache.
  const handlerOptions = {
    subscriptions: createTtlCache({
      ttlInMs: SUBSCRIPTION_CACHE_TTL_IN_MS,
      maxEntries: SUBSCRIPTION_CACHE_MAX_ENTRIES,
      load: (id: string) => live.subscriptions.getSubscription(id),
      clock,
    }),
    clientStates,
    tenantId: settings.graph.tenantId,
    ...(validationTokens ? { validationTokens } : {}),
    clock,
  };
  const webhook = createWebhook({ ...handlerOptions, maxBodyBytes: settings.notifications.maxBodyBytes });
  const eventHub = createEventHubNotifications(createNotificationHandler(handlerOptions));

  return {
    settings,
    store,
    live,
    gateway,
    queue,
    tracker,
    webhook,
    eventHub,
    subscriptions,
    scheduler,
    work,
    mailboxes: createMailboxAdmin({ store, subscriptions, clock, onEnable: (address) => errorPolicy.recordTestAndEnable(address, { passed: true }) }),
    outgoing,
    records: createRecordAdmin({ store, clock, onChange: () => tracker.forgetCachedSettings() }),
    activities: createActivityAdmin({ store, gateway, tracker, clock }),
    // Runs are kept in the what-if container and replayed by the queue worker (whatIf above).
    whatIf: createWhatIf({ settings: store.settings, runs: cosmos.whatIf, queue, codec: mailCodec, clock }),
    // A change reaches this process's tracker at once; other instances within the tracker's 30 s.
    organization: createOrganizationAdmin({ store, onChange: () => tracker.forgetCachedSettings() }),
    mailboxAdmin: createMailboxAdministration({
      store,
      gateway,
      subscriptions,
      clock,
      onChange: () => tracker.forgetCachedSettings(),
      onTestAndEnable: errorPolicy.recordTestAndEnable,
    }),
    alerts,
    health,
    healthAdmin: createHealthAdmin({
      store,
      live,
      recorder: health,
      subscriptions,
      queueProbe: createStorageQueueProbe({ connection: queueConnection, queueName: NOTIFICATIONS_QUEUE, poisonQueueName: NOTIFICATIONS_POISON_QUEUE }),
      clock,
    }),
    clock,
    cosmosRequestCount: () => cosmos.requestCount(),
    cosmosRequestCountByOperation: () => cosmos.requestCountByOperation(),
    async dispose() {
      await gateway.close();
      await cosmos.dispose();
    },
  };
}

let shared: Promise<Services> | undefined;
let sharedLog: ((line: string) => void) | undefined;
let sharedEncryptionKeys: EncryptionKeyStore | undefined;

/** Where rich notifications' key pairs come from when not Key Vault (the local stack's own). */
export function setEncryptionKeys(keys: EncryptionKeyStore | undefined): void {
  sharedEncryptionKeys = keys;
}

/** Where the process's services log (the local host passes its own; Azure: the console). */
export function setServicesLog(log: (line: string) => void): void {
  sharedLog = log;
}

/** The process's services, built from process.env on first use. A failed build is retried next time. */
export function getServices(): Promise<Services> {
  shared ??= createServices({ env: process.env, ...(sharedLog ? { log: sharedLog } : {}), ...(sharedEncryptionKeys ? { encryptionKeys: sharedEncryptionKeys } : {}) }).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** Drops the process's services (the local host calls this when it stops). */
export async function resetServices(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current.catch(() => undefined))?.dispose();
}
