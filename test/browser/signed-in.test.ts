// The admin center signed in through the Graph simulator's sign-in page (MSAL, authorization code
// with PKCE), against the real admin API on the local stack: what each role sees, the settings
// page's live token preview, saving, the API's validation messages, and a concurrent save (412).
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_ROLES } from "../../src/api/roles.js";
import { unlabelledControls, unexpectedErrors } from "./support/chromium.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";

const unexpected = unexpectedErrors;

describeInBrowser("admin center signed in", () => {
  let harness: SignedInHarness;

  beforeAll(async () => {
    harness = await startSignedInHarness();
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  it.each([
    { roles: [APP_ROLES.admin], shown: "Tracking.Admin", canRead: true, canEdit: true },
    { roles: [APP_ROLES.read], shown: "Tracking.Read", canRead: true, canEdit: false },
    { roles: [APP_ROLES.approve], shown: "Tracking.Approve", canRead: false, canEdit: false },
    { roles: [], shown: "no app role", canRead: false, canEdit: false },
  ])("signs in with $shown; the settings page offers editing only to an admin", async ({ roles, shown, canRead, canEdit }) => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles });
    expect(await page.getByTestId("signed-in-user").textContent()).toContain(shown);
    if (canEdit) await screenshot(page, "overview-signed-in");
    await page.getByRole("navigation").getByRole("link", { name: "Email tracking settings" }).click();
    const settings = page.locator("settings-page");
    if (!canRead) {
      // Without a reading role the API refuses the organization settings (403); the page says so.
      await expect.poll(() => settings.getByRole("alert").textContent()).toMatch(/could not be loaded/);
    } else {
      await page.getByLabel("Tracking token prefix", { exact: true }).waitFor();
      expect(await page.getByRole("button", { name: /^Save/ }).count()).toBe(canEdit ? 1 : 0);
      expect(await page.getByLabel("Tracking token prefix", { exact: true }).isDisabled()).toBe(!canEdit);
    }
    if (!canRead) {
      // The refusal is the API's 403: the browser logs the failed request, which is expected here.
      expect(unexpected(errors, 403)).toEqual([]);
    } else {
      expect(errors).toEqual([]);
    }
    if (canEdit) await screenshot(page, "settings");
    await page.close();
  });

  it("previews the tracking token live, shows the API's validation message, and saves", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: "settings" });
    const preview = page.getByTestId("token-preview");
    await expect.poll(() => preview.textContent()).toBe("CRM:0001001");
    const prefix = page.getByLabel("Tracking token prefix", { exact: true });
    await prefix.fill("TRK-");
    await expect.poll(() => preview.textContent()).toBe("TRK-0001001");
    await page.getByLabel("Tracking token user digits").fill("2");
    await expect.poll(() => preview.textContent()).toBe("TRK-001001");

    // A prefix ending in a digit is refused by the settings table's own rule.
    await prefix.fill("TRK1");
    await expect.poll(() => page.getByTestId("token-preview-error").textContent()).toMatch(/must not end in a digit/);
    await page.getByRole("button", { name: /^Save/ }).click();
    await expect.poll(() => page.locator(".field__error").first().textContent()).toMatch(/must not end in a digit/);
    await screenshot(page, "settings-validation");

    await prefix.fill("TRK-");
    await page.getByRole("button", { name: /^Save 2 changes/ }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).textContent()).toMatch(/Saved 2 changes/);
    const saved = await (await fetch(`${harness.stack.apiUrl}/admin/settings/organization`, {
      headers: { authorization: `Bearer ${await harness.stack.apiToken({ roles: [APP_ROLES.read] })}` },
    })).json() as Record<string, unknown>;
    expect(saved).toMatchObject({ trackingTokenPrefix: "TRK-", trackingTokenUserDigits: 2 });
    expect(saved.trackingTokenPrefixHistory).toEqual(expect.arrayContaining(["CRM:"]));
    expect(await preview.textContent()).toBe("TRK-001001");
    expect(unexpected(errors, 400)).toEqual([]);
    await page.close();
  });

  it("says clearly when someone else saved first (412), and loads their version", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.admin], route: "settings" });
    const correlation = page.getByLabel("Use correlation");
    await correlation.waitFor();
    // Someone else saves through the API after this page read the settings.
    const token = await harness.stack.apiToken({ roles: [APP_ROLES.admin] });
    const current = await fetch(`${harness.stack.apiUrl}/admin/settings/organization`, { headers: { authorization: `Bearer ${token}` } });
    const other = await fetch(`${harness.stack.apiUrl}/admin/settings/organization`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": current.headers.get("etag") ?? "" },
      body: JSON.stringify({ useSmartMatching: true }),
    });
    expect(other.status).toBe(200);

    await correlation.uncheck();
    await page.getByRole("button", { name: /^Save 1 change/ }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Someone else saved" });
    await expect.poll(() => alert.textContent()).toMatch(/Your changes were not saved/);
    await screenshot(page, "settings-conflict");
    await alert.getByRole("button", { name: "Load the current settings" }).click();
    await expect.poll(() => page.getByLabel("Use smart matching").isChecked()).toBe(true);
    expect(await correlation.isChecked()).toBe(true);
    expect(unexpected(errors, 412)).toEqual([]);
    await page.close();
  });

  it("every page, reached by keyboard from the navigation: its heading takes the focus, every control has a label, no console errors", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin, APP_ROLES.read, APP_ROLES.approve] });
    const nav = page.getByRole("navigation", { name: "Admin center" });
    const titles = (await nav.getByRole("link").allTextContents()).map((t) => t.trim());
    expect(titles).toEqual(expect.arrayContaining(["Overview", "Email tracking settings", "Mailboxes", "Activities", "Send tracked email", "Organization health", "Alerts", "Item log"]));
    for (const title of titles.filter((t) => t !== "Overview")) {
      await nav.getByRole("link", { name: title, exact: true }).focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => page.title()).toBe(`${title} · Email tracking admin center`);
      await expect.poll(async () => [title, await page.evaluate("document.activeElement?.tagName")]).toEqual([title, "H1"]);
      // Once the page has loaded what it shows, the heading still has the focus (one re-created on
      // load loses it) and every control is named.
      await page.locator("main .loading").first().waitFor({ state: "detached" });
      expect([title, await page.evaluate("document.activeElement?.tagName")]).toEqual([title, "H1"]);
      expect([title, await unlabelledControls(page)]).toEqual([title, []]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
