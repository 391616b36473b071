// `npm run host`: the local Functions host over every .ts file in functions/, with Azurite started
// when AzureWebJobsStorage is not set and an embedded Cosmos DB server when COSMOS_ENDPOINT is not
// set, against whatever Graph the GRAPH_* settings name. Environment: PORT (default 7071), the app
// settings, and the Values of local.settings.json where present (as `func start` loads them; the
// environment wins). The app settings are checked before anything is served: invalid ones print
// what is missing or wrong and exit 2. Arguments: `--roles http,queue,timer` (the trigger kinds
// served, default all: Flex Consumption runs the HTTP functions on their own instances) and
// `--quiet` (no per-invocation log lines). Forked with an IPC channel, it sends its
// `{ baseUrl }` to the parent once serving, and stops when the parent disconnects.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { APP_SETTINGS, AppSettingsError, loadAppSettings, type SettingGroup } from "../../src/config/index.js";
import { startAzurite, type LocalAzurite } from "../azurite.js";
import { startEmbeddedCosmos, type EmbeddedCosmos } from "../embedded-cosmos.js";
import { HOST_ROLES, startLocalHost, type HostRole, type LocalHost } from "./index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RunHostOptions {
  /** Default: PORT, else 7071. */
  port?: number;
  /** Default <repo>/functions. */
  functionsDir?: string;
  /** Default <repo>/local.settings.json (skipped when missing). */
  localSettingsPath?: string;
  /**
   * Prepare and check the tracker's app settings: embedded Cosmos DB when COSMOS_ENDPOINT is not
   * set, timer schedules' defaults, the groups no stand-in supplies checked first (the app's start
   * hook checks them all once the functions are loaded; both throw AppSettingsError). Default: true
   * for the app's own functions folder, false when functionsDir names another one.
   */
  appSettings?: boolean;
  /** Trigger kinds served; default all (see StartLocalHostOptions.roles). */
  roles?: readonly HostRole[];
  log?: (line: string) => void;
}

export interface RunningHost {
  host: LocalHost;
  /** Set when this run started Azurite because AzureWebJobsStorage was not set. */
  azurite?: LocalAzurite;
  /** Set when this run started an embedded Cosmos DB server because COSMOS_ENDPOINT was not set. */
  cosmos?: EmbeddedCosmos;
  close(): Promise<void>;
}

/** Every group but those whose stand-ins runHost starts itself: checked before starting anything. */
const CHECKED_FIRST: readonly SettingGroup[] = ["graph", "notifications", "subscriptions", "schedules", "monitoring"];

export async function runHost(options: RunHostOptions = {}): Promise<RunningHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const appSettings = options.appSettings ?? options.functionsDir === undefined;
  await loadLocalSettings(options.localSettingsPath ?? path.join(repoRoot, "local.settings.json"));
  const port = options.port ?? parsePort(process.env["PORT"]);
  if (appSettings) {
    // Timers are %SETTING% expressions the host resolves at start: give unset ones their defaults.
    for (const setting of APP_SETTINGS) {
      if (setting.name.endsWith("_SCHEDULE") && setting.default !== undefined && !process.env[setting.name]?.trim()) {
        process.env[setting.name] = setting.default;
      }
    }
    // Fail fast on what no local stand-in can supply (Graph, notification URLs, client state).
    loadAppSettings(process.env, { need: CHECKED_FIRST });
  }

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    let azurite: LocalAzurite | undefined;
    let storageConnectionString = process.env["AzureWebJobsStorage"];
    if (storageConnectionString === undefined || storageConnectionString === "") {
      azurite = await startAzurite();
      closers.push(() => azurite!.close());
      storageConnectionString = azurite.connectionString;
      // Before the function files are imported: their composition may read it.
      process.env["AzureWebJobsStorage"] = storageConnectionString;
      log(`local host: started Azurite (queues) at ${azurite.queueEndpoint}`);
    }

    let cosmos: EmbeddedCosmos | undefined;
    if (appSettings && !process.env["COSMOS_ENDPOINT"]?.trim()) {
      cosmos = await startEmbeddedCosmos();
      closers.push(() => cosmos!.close());
      const secrets = await mkdtemp(path.join(tmpdir(), "tracker-host-"));
      closers.push(() => rm(secrets, { recursive: true, force: true }));
      process.env["COSMOS_ENDPOINT"] = cosmos.endpoint;
      process.env["COSMOS_KEY"] = cosmos.key;
      if (cosmos.ca) {
        // The functions trust the server's certificate through the file, never process-wide.
        const caFile = path.join(secrets, "cosmos-ca.pem");
        await writeFile(caFile, cosmos.ca);
        process.env["COSMOS_CA_FILE"] = caFile;
      }
      log(`local host: started an embedded Cosmos DB server at ${cosmos.endpoint} (its data is gone when the host stops)`);
    }

    const functionsDir = options.functionsDir ?? path.join(repoRoot, "functions");
    const functionFiles = (await readdir(functionsDir))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts"))
      .sort()
      .map((name) => path.join(functionsDir, name));
    if (functionFiles.length === 0) log(`local host: no function files in ${functionsDir}`);

    const host = await startLocalHost({ functionFiles, storageConnectionString, port, log, ...(options.roles !== undefined && { roles: options.roles }) });
    closers.push(() => host.close());
    return {
      host,
      ...(azurite !== undefined && { azurite }),
      ...(cosmos !== undefined && { cosmos }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === "") return 7071;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`PORT must be a port number, got "${text}"`);
  return port;
}

/** Sets the Values of a local.settings.json that the environment does not set already (as `func start` does). */
export async function loadLocalSettings(settingsPath: string): Promise<void> {
  if (!existsSync(settingsPath)) return;
  const parsed = JSON.parse(await readFile(settingsPath, "utf8")) as { Values?: Record<string, unknown> };
  for (const [name, value] of Object.entries(parsed.Values ?? {})) {
    if (process.env[name] === undefined && typeof value === "string") process.env[name] = value;
  }
}

/** `--roles http,queue` (repeatable) and `--quiet`; throws naming an unknown role or argument. */
export function parseHostArguments(args: readonly string[]): Pick<RunHostOptions, "roles"> & { quiet: boolean } {
  const { values } = parseArgs({
    args: [...args],
    options: { roles: { type: "string", multiple: true }, quiet: { type: "boolean", default: false } },
    strict: true,
  });
  const quiet = values.quiet ?? false;
  if (values.roles === undefined) return { quiet };
  const roles = values.roles.flatMap((text) => text.split(",")).map((role) => role.trim()).filter((role) => role !== "");
  for (const role of roles) {
    if (!(HOST_ROLES as readonly string[]).includes(role)) {
      throw new RangeError(`--roles: unknown role "${role}", expected a comma-separated list of ${HOST_ROLES.join(", ")}`);
    }
  }
  if (roles.length === 0) throw new RangeError(`--roles needs at least one of ${HOST_ROLES.join(", ")}`);
  return { roles: roles as HostRole[], quiet };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let cli: ReturnType<typeof parseHostArguments>;
  try {
    cli = parseHostArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`local host: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const running = await runHost({
    ...(cli.roles !== undefined && { roles: cli.roles }),
    // Quiet keeps failures: a silent host that fails is worse than a noisy one.
    ...(cli.quiet && {
      log: (line: string) => {
        if (/fail|error/i.test(line)) console.error(line);
      },
    }),
  }).catch((error: unknown) => {
    // Configuration problems are the user's to fix: the message names them; a stack trace would not help.
    if (error instanceof AppSettingsError) {
      console.error(`local host: ${error.message}`);
      process.exit(2);
    }
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
  if (process.send) {
    // Forked (e.g. by the live benchmark): report where it serves; go when the parent does.
    process.send({ baseUrl: running.host.baseUrl });
    process.once("disconnect", stop);
  }
}
