// Starts Azurite's queue service (npm devDependency `azurite`) as a child process for local runs
// and tests. Local code only: nothing under src/ or functions/ imports it. Only the queue service
// is started: the functions use no blobs or tables (the host's own blob leases are not needed by
// the local host in local/host/).
//
// On disk in a throwaway directory, not `--inMemoryPersistence`: in memory every message is an
// extent of its own, and Azurite's garbage collector (QueueGCManager, every 60 s) deletes the
// extents of deleted messages one by one from a LokiJS collection, each removal O(extents), on
// the event loop: after some thousands of messages the queue stopped answering for 20–60 s every
// minute. On disk, messages share a few extent files and the sweep is cheap (docs/benchmarks-live.md).
// Started through local/azurite-queue.cjs, which gives the disk store concurrent appends (Azurite's
// queue writes one message at a time otherwise), with telemetry off (Azurite would send usage data
// to Microsoft; no data of a local run leaves the machine).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const developmentAccountName = "devstoreaccount1";
// The well-known key of Azurite's and the Storage Emulator's development account. It is public,
// published by Microsoft in the Azurite documentation, and accepted only by local emulators: it is
// not a secret. Keep it in this one constant.
const developmentAccountKey =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface StartAzuriteOptions {
  /** Default true: drop Azurite's own output. false: pass it through to this process's stderr. */
  silent?: boolean;
  /** Default: how long to wait for the queue port to answer. */
  startTimeoutInMs?: number;
}

export interface LocalAzurite {
  /** For `AzureWebJobsStorage` and `QueueServiceClient.fromConnectionString`. */
  connectionString: string;
  /** http://127.0.0.1:PORT/devstoreaccount1 */
  queueEndpoint: string;
  /** The Azurite process (benchmarks read its CPU time). */
  pid: number | undefined;
  /** Its throwaway data directory (removed on close). */
  location: string;
  close(): Promise<void>;
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<LocalAzurite> {
  const silent = options.silent ?? true;
  const binary = path.join(repoRoot, "node_modules", ".bin", "azurite-queue");
  if (!existsSync(binary)) {
    throw new Error(`azurite-queue not found at ${binary}: run npm install (azurite is a devDependency)`);
  }
  const launcher = path.join(repoRoot, "local", "azurite-queue.cjs");
  const port = await pickFreePort();
  const location = await mkdtemp(path.join(tmpdir(), "tracker-azurite-"));
  const removeLocation = () => rm(location, { recursive: true, force: true });
  const child = spawn(
    process.execPath,
    [
      launcher,
      "--location",
      location,
      "--silent",
      "--queueHost",
      "127.0.0.1",
      "--queuePort",
      String(port),
      "--skipApiVersionCheck",
      "--loose",
      "--disableTelemetry",
    ],
    { stdio: ["ignore", silent ? "ignore" : "inherit", silent ? "ignore" : "inherit"] },
  );
  const stopOnExit = () => {
    child.kill();
    rmSync(location, { recursive: true, force: true });
  };
  process.once("exit", stopOnExit);

  try {
    await waitForPort({ port, child, timeoutInMs: options.startTimeoutInMs ?? 20_000 });
  } catch (error) {
    process.off("exit", stopOnExit);
    await stopChild(child);
    await removeLocation();
    throw error;
  }

  const queueEndpoint = `http://127.0.0.1:${port}/${developmentAccountName}`;
  return {
    connectionString: developmentConnectionString({ queueEndpoint }),
    queueEndpoint,
    pid: child.pid,
    location,
    close: async () => {
      process.off("exit", stopOnExit);
      await stopChild(child);
      await removeLocation();
    },
  };
}

/** The development account's connection string for a queue endpoint (no blob or table endpoint). */
export function developmentConnectionString(options: { queueEndpoint: string }): string {
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${developmentAccountName}`,
    `AccountKey=${developmentAccountKey}`,
    `QueueEndpoint=${options.queueEndpoint}`,
  ].join(";") + ";";
}

async function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(options: { port: number; child: ChildProcess; timeoutInMs: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutInMs;
  let exited: string | undefined;
  options.child.once("exit", (code, signal) => {
    exited = `azurite-queue exited before answering (code ${code ?? "none"}, signal ${signal ?? "none"})`;
  });
  options.child.once("error", (error) => {
    exited = `azurite-queue could not start: ${error.message}`;
  });
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(exited);
    if (await portAnswers(options.port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`azurite-queue did not answer on port ${options.port} within ${options.timeoutInMs} ms`);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGKILL at once: its directory is thrown away, so there is nothing to save, and on SIGTERM
  // Azurite waits for clients' keep-alive connections to close, which takes seconds.
  child.kill("SIGKILL");
  await exited;
}
