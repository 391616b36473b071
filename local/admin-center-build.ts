// Builds the admin center (web/ → dist/admin-center) when it is missing or older than its
// sources, for `npm start` and the tests, which serve the built files as the deployment does.
// A lock directory keeps test files that start together from building over each other.
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_CENTER_BUILD_DIR } from "../src/host/admin-center-config.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ADMIN_CENTER_OUT_DIR = path.join(repoRoot, ADMIN_CENTER_BUILD_DIR);
const STAMP = path.join(repoRoot, "dist", ".admin-center-built");
const LOCK = path.join(repoRoot, "dist", ".admin-center-lock");
/** What the build reads besides web/: the shared config type and the lockfile (library versions). */
const EXTRA_INPUTS = [path.join(repoRoot, "src", "host", "admin-center-config.ts"), path.join(repoRoot, "package-lock.json")];
const STALE_LOCK_MS = 120_000;

export async function ensureAdminCenterBuilt(options: { log?: (line: string) => void } = {}): Promise<string> {
  await mkdir(path.dirname(LOCK), { recursive: true });
  await acquireLock();
  try {
    if (!(await isStale())) return ADMIN_CENTER_OUT_DIR;
    options.log?.("Building the admin center (web/ → dist/admin-center)…");
    const { build } = await import("vite");
    await build({ configFile: path.join(repoRoot, "web", "vite.config.ts"), logLevel: "warn" });
    await writeFile(STAMP, new Date().toISOString());
    return ADMIN_CENTER_OUT_DIR;
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function isStale(): Promise<boolean> {
  const built = await stat(STAMP).catch(() => undefined);
  const index = await stat(path.join(ADMIN_CENTER_OUT_DIR, "index.html")).catch(() => undefined);
  if (built === undefined || index === undefined) return true;
  const newest = Math.max(await newestMtime(path.join(repoRoot, "web")), ...(await Promise.all(EXTRA_INPUTS.map(mtimeOf))));
  return newest > built.mtimeMs;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(full) : await mtimeOf(full));
  }
  return newest;
}

async function mtimeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.mtimeMs ?? 0;
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const held = await stat(LOCK).catch(() => undefined);
      // A build that died (Ctrl+C) leaves its lock behind; a live one finishes well within this.
      if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
