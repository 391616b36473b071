// The admin center in Chromium, served by the real function through the local host: it loads with
// no console errors under its Content-Security-Policy, and keyboard focus is visible.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { LocalHost } from "../../local/host/index.js";
import { startAdminCenterHost } from "../support/admin-center-host.js";
import { collectPageErrors, focusedElement, launchChromium, type Browser } from "./support/chromium.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";

describeInBrowser("admin center in Chromium", () => {
  let host: LocalHost;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ({ host } = await startAdminCenterHost());
    url = `${host.baseUrl}/api/admin-center/`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  async function open(route = ""): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors = collectPageErrors(page);
    const response = await page.goto(`${url}${route}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    return { page, errors };
  }

  it("loads the overview with no console errors under the CSP", async () => {
    const { page, errors } = await open();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Overview");
    expect(await page.title()).toBe("Overview · Email tracking admin center");
    expect(await page.getByRole("navigation", { name: "Admin center" }).getByRole("link").allTextContents()).toEqual(["Overview"]);
    expect(errors).toEqual([]);
    await screenshot(page, "overview-signed-out");
    await page.close();
  });

  it("shows a page-not-found page for an unknown address, without errors", async () => {
    const { page, errors } = await open("no-such-page");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    await page.getByRole("link", { name: "Go to the overview" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Overview");
    expect(new URL(page.url()).pathname).toBe("/api/admin-center/");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows keyboard focus: the skip link first, then the brand and the navigation, each outlined", async () => {
    const { page, errors } = await open();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    const focused: Array<Awaited<ReturnType<typeof focusedElement>>> = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      focused.push(await focusedElement(page));
    }
    expect(focused.map((f) => f.text)).toEqual(["Skip to main content", "Email tracking admin center", "Overview"]);
    for (const f of focused) {
      expect(f.outline).toBe("solid");
      expect(f.width).toBeGreaterThanOrEqual(2);
      expect(f.visible).toBe(true);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the browser enforces the CSP: an injected inline script does not run", async () => {
    const { page, errors } = await open();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    const ran = await page.evaluate(`(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inlineRan = true";
      document.body.append(script);
      return window.__inlineRan === true;
    })()`);
    expect(ran).toBe(false);
    expect(errors.some((e) => /Content Security Policy/.test(e))).toBe(true);
    await page.close();
  });
});
