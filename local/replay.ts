// `npm run replay`: the what-if replay against Cosmos DB. With COSMOS_ENDPOINT set it uses that account
// (COSMOS_KEY, else DefaultAzureCredential) in a separate database, REPLAY_DATABASE (default
// "tracking-replay"), so a what-if never overwrites the live settings and activities; without it, an
// embedded in-process server that disappears when the run ends.
import { readFile } from "node:fs/promises";
import https from "node:https";
import { pathToFileURL } from "node:url";
import { DefaultAzureCredential } from "@azure/identity";
import { openCosmosTrackingStore } from "../src/adapters/cosmos/index.js";
import { main } from "../src/cli/replay.js";
import { loadAppSettings } from "../src/config/index.js";
import { openEmbeddedTrackingStore } from "./embedded-cosmos.js";

const DEFAULT_REPLAY_DATABASE = "tracking-replay";

export async function openReplayStore() {
  const { cosmos } = loadAppSettings(process.env, { need: ["cosmos"] });
  if (!cosmos.endpoint) return openEmbeddedTrackingStore();
  const ca = cosmos.caFile ? await readFile(cosmos.caFile, "utf8") : undefined;
  return openCosmosTrackingStore({
    endpoint: cosmos.endpoint,
    ...(cosmos.key ? { key: cosmos.key } : { credential: new DefaultAzureCredential() }),
    ...(ca ? { httpsAgent: new https.Agent({ ca, keepAlive: true }) } : {}),
    databaseName: process.env.REPLAY_DATABASE || DEFAULT_REPLAY_DATABASE,
  });
}

// Run only as the entry point, so `npm start` can reuse the store opener.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2), { openStore: openReplayStore });
}
