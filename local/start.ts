// `npm start`: replays the examples mailbox through the tracking engine on the embedded Cosmos DB
// and prints each decision and the summary.
import { main } from "../src/cli/replay.js";
import { openReplayStore } from "./replay.js";

process.exitCode = await main(
  ["examples/mailbox", "--settings", "examples/settings.json", "--records", "examples/records.json"],
  { openStore: openReplayStore },
);
