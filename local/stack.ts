// The whole system on one machine: the embedded Cosmos DB server, Azurite, the Graph simulator and
// the local Functions host running the very functions in functions/. `npm start`, the end-to-end
// tests and the benchmarks all start it the same way. Configuration reaches the functions as
// environment variables with the same names as the Azure app settings.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { APP_SETTINGS } from "../src/config/index.js";
import { getServices, resetServices, setEncryptionKeys, setServicesLog, type Services } from "../src/host/services.js";
import { createLocalEncryptionKeys, type LocalEncryptionKeys } from "./encryption-keys.js";
import { startAzurite } from "./azurite.js";
import { startEmbeddedCosmos } from "./embedded-cosmos.js";
import { startGraphSimulator, type GraphSimulator, type GraphSimulatorOptions } from "./graph-simulator/index.js";
import { startLocalHost, type LocalHost } from "./host/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface LocalStackOptions {
  /** The Functions host's port: default 7071; 0 picks a free one (tests). */
  port?: number;
  /** "manual" (tests, benchmarks) runs timers only when asked; default "schedule". */
  timers?: "schedule" | "manual";
  simulator?: GraphSimulatorOptions;
  /** Delay before a failed queue message is retried. Default: host.json's. */
  visibilityTimeoutInSeconds?: number;
  queuePollIntervalInMs?: number;
  /** App settings to set on top of the local ones (e.g. SUBSCRIPTION_LIFETIME_MINUTES). */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

/** The admin API's audience on the local stack (an App ID URI, as in Entra). */
export const LOCAL_API_AUDIENCE = "api://email-activity-tracker-local";
/** The admin center's client id on the local stack (the simulator accepts any; this one is fixed). */
export const LOCAL_ADMIN_CENTER_CLIENT_ID = "0d1a9e3c-5b7f-4e2a-9c4d-7a6b5e4f3a21";

export interface LocalStack {
  host: LocalHost;
  graph: GraphSimulator;
  /** The admin API's base URL: <host>/api. */
  apiUrl: string;
  /** The throwaway CA file the Graph simulator's certificate is signed by (removed on close). */
  graphCaFile: string;
  /** A signed bearer token for the admin API with these roles (from the simulator's identity). */
  apiToken(options?: { roles?: readonly string[]; user?: string }): Promise<string>;
  /** Rich notifications' key pairs (with NOTIFICATION_RESOURCE_DATA=true): Key Vault's stand-in. */
  encryptionKeys: LocalEncryptionKeys | undefined;
  /** The functions' own services (store, gateway, use cases), built from the same settings. */
  services(): Promise<Services>;
  /** HTTP requests the embedded Cosmos DB server has received, from every process of the stack. */
  cosmosRequestsReceived(): number;
  /** Azurite's process id (its own process; benchmarks read its CPU time). */
  azuritePid: number | undefined;
  /** Waits until Graph has delivered every notification and the queue is empty. */
  settle(options?: { timeoutInMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  setServicesLog(log);
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    await resetServices();
    setEncryptionKeys(undefined);
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const secrets = await mkdtemp(path.join(tmpdir(), "tracker-local-"));
    closers.push(() => rm(secrets, { recursive: true, force: true }));

    const cosmos = await startEmbeddedCosmos();
    closers.push(() => cosmos.close());
    const azurite = await startAzurite();
    closers.push(() => azurite.close());

    const clientId = randomUUID();
    const clientSecret = randomBytes(24).toString("base64url");
    const graph = await startGraphSimulator({
      clients: [{ clientId, clientSecret }],
      notificationRetryBaseMs: 50,
      ...options.simulator,
    });
    closers.push(() => graph.close());

    const cosmosCaFile = path.join(secrets, "cosmos-ca.pem");
    const graphCaFile = path.join(secrets, "graph-ca.pem");
    await writeFile(cosmosCaFile, cosmos.ca ?? "");
    await writeFile(graphCaFile, graph.ca);

    // Timer schedules are %SETTING% expressions the host resolves at start: give them their defaults.
    const defaults = Object.fromEntries(
      APP_SETTINGS.filter((s) => s.default !== undefined && s.name.endsWith("_SCHEDULE")).map((s) => [s.name, s.default as string]),
    );
    const environment: Record<string, string> = {
      ...defaults,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_CA_FILE: cosmosCaFile,
      AzureWebJobsStorage: azurite.connectionString,
      GRAPH_TENANT_ID: graph.tenantId,
      GRAPH_CREDENTIAL: "clientSecret",
      GRAPH_CLIENT_ID: clientId,
      GRAPH_CLIENT_SECRET: clientSecret,
      GRAPH_BASE_URL: graph.baseUrl,
      GRAPH_AUTHORITY_HOST: graph.authorityHost,
      GRAPH_CA_FILE: graphCaFile,
      NOTIFICATION_CLIENT_STATE: randomBytes(32).toString("base64url"),
      // The admin API accepts the simulator's signed tokens, fetching its JWKS over HTTPS.
      API_AUDIENCE: LOCAL_API_AUDIENCE,
      API_TENANT_ID: graph.tenantId,
      API_AUTHORITY_HOST: graph.authorityHost,
      API_CA_FILE: graphCaFile,
      ADMIN_CENTER_CLIENT_ID: LOCAL_ADMIN_CENTER_CLIENT_ID,
      ...options.settings,
    };
    // The host validates every setting when it starts, the webhook URLs included: they need the
    // port first. Port 0 takes one the system has free now.
    const port = options.port === 0 ? await freePort() : (options.port ?? 7071);
    const baseUrl = `http://127.0.0.1:${port}`;
    environment.NOTIFICATION_URL ??= `${baseUrl}/api/notifications`;
    environment.LIFECYCLE_NOTIFICATION_URL ??= `${baseUrl}/api/lifecycle`;
    Object.assign(process.env, environment);
    // Rich notifications: the key pairs Key Vault would hold, made here (the services take them).
    const encryptionKeys = environment.NOTIFICATION_RESOURCE_DATA === "true" ? await createLocalEncryptionKeys() : undefined;
    setEncryptionKeys(encryptionKeys);

    const functionsDir = path.join(repoRoot, "functions");
    const functionFiles = (await readdir(functionsDir))
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
      .sort()
      .map((file) => path.join(functionsDir, file));
    const host = await startLocalHost({
      functionFiles,
      storageConnectionString: azurite.connectionString,
      port,
      timers: options.timers ?? "schedule",
      log,
      ...(options.visibilityTimeoutInSeconds !== undefined ? { visibilityTimeoutInSeconds: options.visibilityTimeoutInSeconds } : {}),
      ...(options.queuePollIntervalInMs !== undefined ? { queuePollIntervalInMs: options.queuePollIntervalInMs } : {}),
    });
    closers.push(() => host.close());

    return {
      host,
      graph,
      apiUrl: `${host.baseUrl}/api`,
      graphCaFile,
      encryptionKeys,
      apiToken: (tokenOptions = {}) =>
        graph.identity.issueApiToken({
          audience: LOCAL_API_AUDIENCE,
          roles: tokenOptions.roles ?? [],
          ...(tokenOptions.user ? { user: tokenOptions.user } : {}),
        }),
      services: getServices,
      cosmosRequestsReceived: () => cosmos.requestsReceived(),
      azuritePid: azurite.pid,
      async settle(settleOptions = {}) {
        const timeoutInMs = settleOptions.timeoutInMs ?? 30_000;
        // Notifications lead to queue work, and queue work (catch-up, lifecycle) to more requests:
        // settle until both sides are quiet together.
        for (let round = 0; round < 3; round++) {
          await graph.notificationsIdle();
          await host.drain({ timeoutInMs });
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
