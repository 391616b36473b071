// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work
// here), launched as this machine needs it. describe.ts decides whether the tests run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

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

/** Console errors and warnings, uncaught exceptions and CSP violations a page reports, for "no console errors". */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`exception: ${error.message}`));
  return errors;
}

/** Console errors other than Chromium's note of an HTTP status a test provoked on purpose. */
export function unexpectedErrors(errors: readonly string[], ...statuses: number[]): string[] {
  return errors.filter((e) => !statuses.some((status) => e.includes(`Failed to load resource: the server responded with a status of ${status}`)));
}

/** The focused element's name (aria-label, label or text) and its outline, for "focus is visible". */
export async function focusedElement(page: Page): Promise<{ text: string; outline: string; width: number; visible: boolean }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return { text: (el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent).trim(), outline: style.outlineStyle,
             width: parseFloat(style.outlineWidth), visible: box.bottom > 0 && box.right > 0 && box.width > 0 };
  })()`);
}

/** Form controls and buttons on the page without an accessible name (label, aria-label, aria-labelledby or text). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
    .filter((el) => !(el.labels?.length || el.getAttribute("aria-label")?.trim() || el.getAttribute("aria-labelledby") || (el.tagName === "BUTTON" && el.textContent.trim())))
    .map((el) => el.outerHTML.slice(0, 120))`);
}
