// The admin center's function alone in the local host, serving the real build (made if needed).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureAdminCenterBuilt } from "../../local/admin-center-build.js";
import { developmentConnectionString } from "../../local/azurite.js";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function startAdminCenterHost(): Promise<{ host: LocalHost; outDir: string }> {
  const outDir = await ensureAdminCenterBuilt();
  const host = await startLocalHost({
    functionFiles: [path.join(repoRoot, "functions", "adminCenter.ts")],
    // HTTP only: the queue client is never used, so no Azurite is started.
    storageConnectionString: developmentConnectionString({ queueEndpoint: "http://127.0.0.1:9/devstoreaccount1" }),
    port: 0,
    timers: "manual",
    log: () => {},
  });
  return { host, outDir };
}
