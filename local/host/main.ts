// `npm run host`: the local Functions host over every .ts file in functions/, with Azurite started
// when AzureWebJobsStorage is not set. Environment: PORT (default 7071), AzureWebJobsStorage, and
// the Values of local.settings.json where present (as `func start` loads them; the environment wins).
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startAzurite, type LocalAzurite } from "../azurite.js";
import { startLocalHost, type LocalHost } from "./index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RunHostOptions {
  /** Default: PORT, else 7071. */
  port?: number;
  /** Default <repo>/functions. */
  functionsDir?: string;
  /** Default <repo>/local.settings.json (skipped when missing). */
  localSettingsPath?: string;
  log?: (line: string) => void;
}

export interface RunningHost {
  host: LocalHost;
  /** Set when this run started Azurite because AzureWebJobsStorage was not set. */
  azurite?: LocalAzurite;
  close(): Promise<void>;
}

export async function runHost(options: RunHostOptions = {}): Promise<RunningHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  await loadLocalSettings(options.localSettingsPath ?? path.join(repoRoot, "local.settings.json"));
  const port = options.port ?? parsePort(process.env["PORT"]);

  let azurite: LocalAzurite | undefined;
  let storageConnectionString = process.env["AzureWebJobsStorage"];
  if (storageConnectionString === undefined || storageConnectionString === "") {
    azurite = await startAzurite();
    storageConnectionString = azurite.connectionString;
    // Before the function files are imported: their composition may read it.
    process.env["AzureWebJobsStorage"] = storageConnectionString;
    log(`local host: started Azurite (queues) at ${azurite.queueEndpoint}`);
  }

  const functionsDir = options.functionsDir ?? path.join(repoRoot, "functions");
  const functionFiles = (await readdir(functionsDir))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts"))
    .sort()
    .map((name) => path.join(functionsDir, name));
  if (functionFiles.length === 0) log(`local host: no function files in ${functionsDir}`);

  try {
    const host = await startLocalHost({ functionFiles, storageConnectionString, port, log });
    return {
      host,
      ...(azurite !== undefined && { azurite }),
      close: async () => {
        await host.close();
        await azurite?.close();
      },
    };
  } catch (error) {
    await azurite?.close();
    throw error;
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === "") return 7071;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`PORT must be a port number, got "${text}"`);
  return port;
}

async function loadLocalSettings(settingsPath: string): Promise<void> {
  if (!existsSync(settingsPath)) return;
  const parsed = JSON.parse(await readFile(settingsPath, "utf8")) as { Values?: Record<string, unknown> };
  for (const [name, value] of Object.entries(parsed.Values ?? {})) {
    if (process.env[name] === undefined && typeof value === "string") process.env[name] = value;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await runHost().catch((error: unknown) => {
    console.error(`local host: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
