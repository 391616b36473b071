// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work
// here). When no Chromium is installed, `npm test` skips the browser tests and says so; in CI
// (CI=true) they fail instead, so a green CI always means they ran.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { describe, it } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Without the networking flags Chromium keeps calling Google's hosts, which this machine refuses. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra Chromium flags (e.g. to trust one local certificate). */
  args?: readonly string[];
}

/** A headless Chromium with a fresh, empty profile (--user-data-dir), removed on close. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), "tracker-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    timezoneId: "UTC",
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Console errors, uncaught exceptions and CSP violations a page reports, for "no console errors". */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`exception: ${error.message}`));
  return errors;
}

/**
 * describe() for browser tests: runs them where Chromium is; elsewhere skips them visibly with
 * the reason, except in CI, where a missing Chromium is a failure.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `no Chromium at ${CHROMIUM_PATH} (install it with .ci/install-chromium.sh, or set CHROMIUM_PATH)`;
  if (process.env.CI === "true") {
    describe(name, () => {
      it("needs Chromium in CI", () => {
        throw new Error(`browser tests cannot run: ${reason}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED browser tests "${name}": ${reason}`);
  describe.skip(`${name} [skipped: ${reason}]`, body);
}
