// `npm start`: the whole system on this machine (embedded Cosmos DB, Azurite, the Graph simulator,
// the Functions host on port 7071), the examples mailboxes enabled through the real webhook
// handshake, and the examples scenario sent through the simulator as real mail. Prints each
// tracking decision as it happens and a summary, then serves until Ctrl+C. `--once` exits after
// the scenario, non-zero when an expected outcome was not met.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { ensureAdminCenterBuilt } from "./admin-center-build.js";
import { spkiHash } from "./certificates.js";
import { runApiWalkthrough } from "./api-walkthrough.js";
import { CONNECTION_FILE, connectionFor, removeConnectionFile, writeConnectionFile } from "./connection.js";
import { formatScenarioSummary, loadExpectedOutcomes, runScenario } from "./scenario.js";
import { startLocalStack, type LocalStack } from "./stack.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface StartOptions {
  once: boolean;
  port: number;
  examplesDir: string;
  verbose: boolean;
}

/** Parses `npm start -- [--once] [--port N] [--examples DIR] [--verbose]`; throws on bad input. */
export function parseStartArgs(argv: readonly string[]): StartOptions {
  const program = new Command("start")
    .description("Start the local stack and send the examples scenario through it as real mail")
    .option("--once", "exit after the scenario (non-zero exit code when an expected outcome was not met)", false)
    .option("--port <port>", "the Functions host's port (0 picks a free one)", parsePort, 7071)
    .option("--examples <dir>", "the examples directory", path.join(repoRoot, "examples"))
    .option("--verbose", "print the host's and the services' log lines too", false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  program.parse([...argv], { from: "user" });
  const opts = program.opts<{ once: boolean; port: number; examples: string; verbose: boolean }>();
  return { once: opts.once, port: opts.port, examplesDir: path.resolve(opts.examples), verbose: opts.verbose };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new InvalidArgumentError(`--port must be a port number from 0 to 65535 (got "${text}")`);
  return port;
}

async function start(options: StartOptions): Promise<number> {
  const print = (line: string) => console.log(line);
  let stack: LocalStack | undefined;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    print("\nStopping…");
    void removeConnectionFile()
      .then(() => stack?.close())
      .finally(() => process.exit(code));
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));

  await ensureAdminCenterBuilt({ log: print });
  print("Starting the local stack (embedded Cosmos DB, Azurite, Graph simulator, Functions host)…");
  stack = await startLocalStack({
    port: options.port,
    // Timers run on schedule while serving; a one-off run needs none.
    timers: options.once ? "manual" : "schedule",
    queuePollIntervalInMs: 100,
    log: options.verbose ? print : () => {},
  });
  print(`  Functions host   ${stack.host.baseUrl}  (webhook ${stack.host.baseUrl}/api/notifications)`);
  print(`  Admin center     ${stack.host.baseUrl}/api/admin-center/`);
  print(`  Graph simulator  ${stack.graph.baseUrl}`);
  print(`  Cosmos DB        ${process.env.COSMOS_ENDPOINT ?? "?"}  (embedded, database ${process.env.COSMOS_DATABASE ?? "tracking"})`);
  print(`  Azurite queues   ${queueEndpoint(process.env.AzureWebJobsStorage) ?? "?"}`);
  print(`\nSending the scenario in ${path.relative(process.cwd(), options.examplesDir) || "."} as real mail…`);

  let result: Awaited<ReturnType<typeof runScenario>>;
  let checks: ReturnType<typeof result.check>;
  try {
    result = await runScenario(stack, { examplesDir: options.examplesDir, log: print });
    checks = result.check(await loadExpectedOutcomes(options.examplesDir));
  } catch (error) {
    stopping = true;
    await stack.close();
    throw error;
  }
  print(`\n${formatScenarioSummary(result, checks)}`);

  print("\nThe admin API, as an administrator uses it (signed tokens, real HTTP):");
  const walkthrough = await runApiWalkthrough(stack, { log: print });
  const failed = checks.some((check) => !check.ok) || walkthrough.some((step) => !step.ok);

  if (options.once) {
    stopping = true;
    await stack.close();
    return failed ? 1 : 0;
  }
  await writeConnectionFile(connectionFor(stack));
  print(`\nAdmin center: ${stack.host.baseUrl}/api/admin-center/ (sign in at the simulator; its certificate is self-signed:`);
  print(`  accept it in the browser once, or start Chromium with --ignore-certificate-errors-spki-list=${spkiHash(stack.graph.ca)})`);
  print(`Admin API:    ${stack.apiUrl}/admin/…   OpenAPI: ${stack.apiUrl}/openapi.json`);
  print(`Connection:   ${path.relative(process.cwd(), CONNECTION_FILE)} (the local commands read it)`);
  print("Try it:");
  print("  export TRACKER_API_TOKEN=$(npm run --silent token -- --roles Tracking.Admin,Tracking.Read,Tracking.Approve)");
  print(`  curl -s ${stack.apiUrl}/admin/mailboxes -H "Authorization: Bearer $TRACKER_API_TOKEN"`);
  print("  npm run mailbox -- list");
  print(`  npm run mail -- send --from customer@fabrikam.example.org --to sales.demo@example.com --subject "Hello"`);
  print(`Serving on ${stack.host.baseUrl}; press Ctrl+C to stop.`);
  await new Promise<never>(() => {});
  return 0;
}

function queueEndpoint(connectionString: string | undefined): string | undefined {
  return connectionString?.split(";").find((part) => part.startsWith("QueueEndpoint="))?.slice("QueueEndpoint=".length);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: StartOptions;
  try {
    options = parseStartArgs(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // commander's own help/version "errors" are not failures.
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.help") process.exit(0);
    console.error(message.replace(/^error: /, ""));
    process.exit(2);
  }
  try {
    process.exit(await start(options));
  } catch (error) {
    console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
