// Screenshots of the admin center's pages for docs/screenshots/, taken by the browser tests at
// the moments they check, so the pictures show what the tests saw. Only `npm run screenshots`
// (SCREENSHOTS=1) writes them; an ordinary test run leaves docs/ alone.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

const directory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "screenshots");

export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== "1") return;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name "${name}" must be lower-case words with dashes`);
  await mkdir(directory, { recursive: true });
  // Settle focus rings and transitions away from whatever the test last clicked.
  await page.mouse.move(0, 0);
  // A viewport as tall as the page, so sticky parts sit where a reader expects them (fullPage
  // screenshots keep them at the first screen's bottom).
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const height = Number(await page.evaluate("document.documentElement.scrollHeight"));
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.min(height, 8000)) });
  await page.screenshot({ path: path.join(directory, `${name}.png`), animations: "disabled", caret: "hide" });
  await page.setViewportSize(viewport);
}
