// `npm run mailbox`: the mailbox admin command (src/cli/mailbox.ts) with the Values of
// local.settings.json under the environment, as `func start` and `npm run host` load them, so it
// talks to the same Cosmos DB and Graph as the host does.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/mailbox.js";
import { loadLocalSettings } from "./host/main.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

await loadLocalSettings(path.join(repoRoot, "local.settings.json"));
process.exitCode = await main(process.argv.slice(2));
