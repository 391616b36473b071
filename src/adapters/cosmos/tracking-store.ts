import type https from "node:https";
import type { TokenCredential } from "@azure/identity";
import { CosmosClient, PluginOn, type CosmosClientOptions, type Database, type PluginConfig } from "@azure/cosmos";
import type { LiveTrackingStore, TrackingStore, WhatIfRunStore } from "../../app/ports.js";
import { createCosmosActivityStore } from "./activity-store.js";
import { createCosmosAlertStore } from "./alert-store.js";
import { createCosmosHealthStore } from "./health-store.js";
import { createCosmosItemLogStore } from "./item-log-store.js";
import { createCosmosMailboxBatchStore } from "./mailbox-batch-store.js";
import { containerDefinitions, type ContainerName } from "./containers.js";
import { StoreError, statusOf, translateErrors } from "./errors.js";
import { createCosmosLookupStore } from "./lookup-store.js";
import { createCosmosOutgoingStore } from "./outgoing-store.js";
import { createCosmosProcessedMessageStore } from "./processed-message-store.js";
import { createCosmosRecordDirectory } from "./record-directory.js";
import { createCosmosSettingsStore } from "./settings-store.js";
import { createCosmosScheduleStore } from "./schedule-store.js";
import { createCosmosSubscriptionStore } from "./subscription-store.js";
import { createCosmosSyncStateStore } from "./sync-state-store.js";
import { createCosmosTokenCounterStore } from "./token-counter-store.js";
import { createCosmosWhatIfRunStore } from "./what-if-store.js";

export interface OpenCosmosTrackingStoreOptions {
  /** Account endpoint, e.g. https://<account>.documents.azure.com:443/ */
  endpoint: string;
  /** Account key. Without it, `credential` (Microsoft Entra ID, data-plane RBAC) is used. */
  key?: string;
  credential?: TokenCredential;
  /** Default: containers.json's databaseName ("tracking"). */
  databaseName?: string;
  /** To trust a local CA explicitly (embedded server, emulator) instead of disabling TLS checks. */
  httpsAgent?: https.Agent;
  /**
   * Create the database and containers from containers.json when missing. Default: true. Set it
   * to false when infrastructure deploys them: an Entra ID identity with only the data-plane
   * role cannot create them.
   */
  createIfMissing?: boolean;
}

export interface CosmosTrackingStore {
  store: TrackingStore;
  /** Subscriptions, sync state, processed markers, health and the item log, on the same client (and request count). */
  live: LiveTrackingStore;
  /** What-if runs (src/app/what-if.ts): apart from the live data, in a container of their own. */
  whatIf: WhatIfRunStore;
  /** HTTP requests sent to Cosmos DB since opening (or the last reset), retries included. */
  requestCount(): number;
  /** The same count by operation and container ("create itemLog", "read lookups", …). */
  requestCountByOperation(): Map<string, number>;
  resetRequestCount(): void;
  dispose(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Opens the Cosmos DB implementation of every store port. Throttling (429) is retried by the SDK
 * itself (default: up to 9 retries within 30 s, waiting the x-ms-retry-after-ms Cosmos DB asks
 * for); what is still failing after that surfaces as StoreError "throttled".
 */
export async function openCosmosTrackingStore(options: OpenCosmosTrackingStoreOptions): Promise<CosmosTrackingStore> {
  const { endpoint, key, credential } = options;
  let endpointUrl: URL;
  try {
    endpointUrl = new URL(endpoint);
  } catch {
    throw new TypeError(`Cosmos DB endpoint is not a URL: "${endpoint}"`);
  }
  if (key === undefined && credential === undefined) {
    throw new TypeError("Cosmos DB needs either a key or a credential (Microsoft Entra ID)");
  }

  let requests = 0;
  const byOperation = new Map<string, number>();
  const countRequests: PluginConfig = {
    on: PluginOn.request,
    plugin: (context, diagnosticNode, next) => {
      requests++;
      const operation = `${context.operationType ?? context.method} ${containerOf(context.path) ?? context.resourceType ?? ""}`.trim();
      byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
      return next(context);
    },
  };
  // `plugins` is a supported client option that the published typings mark @hidden.
  const clientOptions: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint,
    ...(key !== undefined ? { key } : { aadCredentials: credential }),
    ...(options.httpsAgent !== undefined && { agent: options.httpsAgent }),
    // A local server answers for one address only; endpoint discovery would send the SDK elsewhere
    // (and from http to https).
    ...(LOOPBACK_HOSTS.has(endpointUrl.hostname) && { connectionPolicy: { enableEndpointDiscovery: false } }),
    plugins: [countRequests],
  };
  const client = new CosmosClient(clientOptions);

  try {
    const databaseName = options.databaseName ?? containerDefinitions.databaseName;
    const database =
      options.createIfMissing === false
        ? client.database(databaseName)
        : await createDatabaseAndContainers(client, databaseName, { usingCredential: key === undefined });
    const container = (name: ContainerName) => database.container(name);

    const store: TrackingStore = {
      activities: createCosmosActivityStore({ activities: container("activities"), index: container("activityIndex") }),
      lookups: createCosmosLookupStore(container("lookups")),
      records: createCosmosRecordDirectory({ records: container("records"), addresses: container("addresses") }),
      settings: createCosmosSettingsStore(container("settings")),
      counters: createCosmosTokenCounterStore(container("counters")),
      outgoing: createCosmosOutgoingStore(container("outgoing")),
    };
    const live: LiveTrackingStore = {
      subscriptions: createCosmosSubscriptionStore(container("subscriptions")),
      syncState: createCosmosSyncStateStore(container("syncState")),
      processed: createCosmosProcessedMessageStore(container("itemLog")),
      alerts: createCosmosAlertStore(container("alerts")),
      health: createCosmosHealthStore(container("itemLog")),
      itemLog: createCosmosItemLogStore(container("itemLog")),
      batches: createCosmosMailboxBatchStore(container("itemLog")),
      schedule: createCosmosScheduleStore(container("schedule")),
    };
    return {
      store,
      live,
      whatIf: createCosmosWhatIfRunStore(container("whatIfRuns")),
      requestCount: () => requests,
      requestCountByOperation: () => new Map(byOperation),
      resetRequestCount: () => {
        requests = 0;
        byOperation.clear();
      },
      dispose: async () => {
        client.dispose();
      },
    };
  } catch (error) {
    client.dispose();
    throw error;
  }
}

/** The container a request path names ("/dbs/tracking/colls/processed/docs/…" → "processed"). */
function containerOf(path: string | undefined): string | undefined {
  return path === undefined ? undefined : /\/colls\/([^/]+)/.exec(path)?.[1];
}

async function createDatabaseAndContainers(
  client: CosmosClient,
  databaseName: string,
  options: { usingCredential: boolean },
): Promise<Database> {
  try {
    return await translateErrors("create database and containers", async () => {
      const { database } = await client.databases.createIfNotExists({ id: databaseName });
      for (const definition of containerDefinitions.containers) {
        await database.containers.createIfNotExists({
          id: definition.name,
          // Version 2 (large partition keys): Message-IDs used as lookup keys can exceed 101 bytes.
          partitionKey: { paths: [definition.partitionKeyPath], version: 2 },
          indexingPolicy: definition.indexingPolicy,
          ...(definition.defaultTtl !== undefined && { defaultTtl: definition.defaultTtl }),
        });
      }
      return database;
    });
  } catch (error) {
    if (error instanceof StoreError && error.code === "permission" && options.usingCredential) {
      throw new StoreError(
        "permission",
        `${error.message}. An Entra ID identity cannot create databases or containers through the data plane: deploy them with the infrastructure and open the store with createIfMissing: false`,
        { cause: error, statusCode: statusOf(error) ?? 403 },
      );
    }
    throw error;
  }
}
