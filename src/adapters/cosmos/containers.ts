// The containers as containers.json defines them: the one definition the adapter and the Bicep
// templates (loadJsonContent) both read.
import type { IndexingPolicy } from "@azure/cosmos";
import definitions from "./containers.json" with { type: "json" };

export type ContainerName =
  | "activities"
  | "activityIndex"
  | "lookups"
  | "records"
  | "addresses"
  | "settings"
  | "counters"
  | "subscriptions"
  | "syncState"
  | "schedule"
  | "outgoing"
  | "alerts"
  | "itemLog"
  | "whatIfRuns";

export interface ContainerDefinition {
  name: ContainerName;
  partitionKeyPath: string;
  indexingPolicy: IndexingPolicy;
  /** Seconds; absent: items never expire. */
  defaultTtl?: number;
}

export interface ContainerDefinitions {
  databaseName: string;
  containers: ContainerDefinition[];
}

export const containerDefinitions = definitions as ContainerDefinitions;
