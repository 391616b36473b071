// `npm run replay`: the what-if replay. By default it runs on the in-memory store: a what-if needs no
// database. With --cosmos, or COSMOS_ENDPOINT set, it uses Cosmos DB: that account (COSMOS_KEY, else
// DefaultAzureCredential) in a separate database, REPLAY_DATABASE (default "tracking-replay"; the
// second store of --compare adds "-compare"), so a what-if never overwrites the live settings and
// activities; with --cosmos and no COSMOS_ENDPOINT, an embedded in-process server that disappears
// when the run ends.
import { readFile } from "node:fs/promises";
import https from "node:https";
import { pathToFileURL } from "node:url";
import { DefaultAzureCredential } from "@azure/identity";
import { openCosmosTrackingStore } from "../src/adapters/cosmos/index.js";
import { createMemoryTrackingStore } from "../src/adapters/memory/index.js";
import type { TrackingStore } from "../src/app/ports.js";
import { main } from "../src/cli/replay.js";
import { loadAppSettings } from "../src/config/index.js";
import { openEmbeddedTrackingStore } from "./embedded-cosmos.js";

const DEFAULT_REPLAY_DATABASE = "tracking-replay";

export interface OpenReplayStoreOptions {
  /** Cosmos DB even without COSMOS_ENDPOINT (then the embedded server). Default: false. */
  cosmos?: boolean;
  /** "compare": the second store of --compare (its own database). */
  side?: "base" | "compare";
}

/** Which store a replay with these options and this environment uses. */
export function replayStoreKind(options: OpenReplayStoreOptions, env: NodeJS.ProcessEnv = process.env): "memory" | "embedded" | "account" {
  if (env.COSMOS_ENDPOINT) return "account";
  return options.cosmos ? "embedded" : "memory";
}

export interface OpenedReplayStore {
  store: TrackingStore;
  /** Cosmos DB stores count their requests; the in-memory store has none. */
  requestCount?: () => number;
  dispose(): Promise<void>;
}

export async function openReplayStore(options: OpenReplayStoreOptions = {}): Promise<OpenedReplayStore> {
  const kind = replayStoreKind(options);
  if (kind === "memory") return { store: createMemoryTrackingStore(), dispose: async () => {} };
  if (kind === "embedded") return openEmbeddedTrackingStore();
  const { cosmos } = loadAppSettings(process.env, { need: ["cosmos"] });
  const ca = cosmos.caFile ? await readFile(cosmos.caFile, "utf8") : undefined;
  const database = process.env.REPLAY_DATABASE || DEFAULT_REPLAY_DATABASE;
  return openCosmosTrackingStore({
    endpoint: cosmos.endpoint as string,
    ...(cosmos.key ? { key: cosmos.key } : { credential: new DefaultAzureCredential() }),
    ...(ca ? { httpsAgent: new https.Agent({ ca, keepAlive: true }) } : {}),
    databaseName: options.side === "compare" ? `${database}-compare` : database,
  });
}

// Run only as the entry point, so `npm start` can reuse the store opener.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2), { openStore: openReplayStore });
}
