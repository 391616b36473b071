// Alerts and health in the admin center, on the whole local stack: alerts raised through the
// functions' own alert service (as the error policy raises them) and one stored two days ago,
// filtered by level and time on the Alerts page, deleted by an admin (a reader gets no Delete, and
// the API refuses a reader's delete), and a mailbox's health, alerts and item log on its page.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_ROLES } from "../../src/api/roles.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { unexpectedErrors } from "./support/chromium.js";
import { apiFetch, signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";

const SALES = "sales@contoso.com";
const SUPPORT = "support@contoso.com";


describeInBrowser("admin center: alerts and health", () => {
  let harness: SignedInHarness;
  let call: ReturnType<typeof apiFetch>;

  beforeAll(async () => {
    harness = await startSignedInHarness();
    call = apiFetch(harness);
    for (const address of [SALES, SUPPORT]) {
      harness.stack.graph.addMailbox({ address, displayName: address });
      expect((await call("POST", "/admin/mailboxes", { body: { address } })).status).toBe(201);
      expect((await call("POST", `/admin/mailboxes/${address}/approve`, { roles: [APP_ROLES.approve] })).status).toBe(200);
    }
    expect((await call("POST", `/admin/mailboxes/${SALES}/test-and-enable`)).status).toBe(200);
    await harness.stack.settle();
    // One message processed, so the item log has an entry (skipped: the default filter tracks replies only).
    harness.stack.graph.deliverExternal({ to: [SALES], from: { address: "someone@fabrikam.example", name: "Someone" }, subject: "Hello there", body: "Hi." });
    await harness.stack.settle();
    const services = await harness.stack.services();
    await services.alerts.raise(SUPPORT, { level: "error", code: "mailbox.permissionLost", message: "Access to the mailbox was denied (403).", whatToDo: "Grant the app access, then Test & Enable." });
    await services.alerts.raise(SALES, { level: "warning", code: "notifications.missed", message: "Graph reported missed notifications for Inbox.", folder: "inbox" });
    await services.live.alerts.putAlert({
      id: "old-information",
      mailbox: SALES,
      at: new Date(Date.now() - 2 * 24 * 3_600_000).toISOString(),
      level: "information",
      code: "catchUp.tracked",
      message: "A catch-up found 2 messages that notifications had missed.",
      ownerNotified: false,
    });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  const rows = (page: Page) => page.getByTestId("alerts").locator("tbody tr");
  const levelsShown = async (page: Page) => (await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-level")))).sort();

  it("filters alerts by level and time, and an admin deletes those that match", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: "alerts" });
    await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    await expect.poll(() => rows(page).count()).toBeGreaterThanOrEqual(3);
    const all = await levelsShown(page);
    expect(all).toEqual(expect.arrayContaining(["error", "information", "warning"]));
    expect(await page.getByTestId("alerts").textContent()).toContain("Grant the app access, then Test & Enable.");
    await screenshot(page, "alerts");

    await page.getByLabel("Level").selectOption({ label: "Warning" });
    await expect.poll(() => levelsShown(page).then((levels) => [...new Set(levels)])).toEqual(["warning"]);
    await page.getByLabel("Level").selectOption({ label: "Every level" });
    await page.getByLabel("Time").selectOption({ label: "Last hour" });
    // Polled as one: the warning-only list of the step before also lacks the old alert, until the
    // new filters' answer replaces it.
    const lastHour = async () => {
      const levels = await levelsShown(page);
      const text = (await page.getByTestId("alerts").textContent()) ?? "";
      return { error: levels.includes("error"), warning: levels.includes("warning"), twoDaysOld: text.includes("A catch-up found 2 messages") };
    };
    await expect.poll(lastHour).toEqual({ error: true, warning: true, twoDaysOld: false });

    await page.getByLabel("Mailbox").fill(SUPPORT);
    await page.getByLabel("Mailbox").press("Enter");
    await expect.poll(() => levelsShown(page)).toEqual(["error"]);
    await page.getByRole("button", { name: "Delete the matching alerts…" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Deleted" }).textContent()).toMatch(/Deleted 1 alert\./);
    await page.getByTestId("no-alerts").waitFor();
    // Only the filter's alerts went: the others are still there.
    const left = (await (await call("GET", "/admin/alerts", { roles: [APP_ROLES.read] })).json()) as { items: Array<{ mailbox: string; level: string }> };
    expect(left.items.some((a) => a.mailbox === SUPPORT && a.level === "error")).toBe(false);
    expect(left.items.filter((a) => a.mailbox === SALES).map((a) => a.level)).toEqual(expect.arrayContaining(["warning", "information"]));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a reader sees the alerts without Delete, and the API refuses a reader's delete (403)", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.read], route: "alerts" });
    await expect.poll(() => rows(page).count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole("main").getByRole("button").count()).toBe(0);
    expect((await call("DELETE", "/admin/alerts", { roles: [APP_ROLES.read] })).status).toBe(403);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a mailbox's page shows its health, its alerts and its item log, and Resync shows its progress there", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: `mailboxes/${encodeURIComponent(SALES)}` });
    await page.getByRole("heading", { level: 2, name: "Health" }).waitFor();
    await page.getByTestId("folder-health").waitFor();
    expect(await page.getByTestId("folder-health").locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    const alerts = page.locator("alerts-view");
    await expect.poll(() => alerts.textContent()).toContain("Graph reported missed notifications for Inbox.");
    expect(await alerts.textContent()).not.toContain("Access to the mailbox was denied");
    const log = page.getByTestId("item-log");
    await expect.poll(() => log.locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    // Subjects of a mailbox the caller does not own are redacted by the API.
    expect(await log.textContent()).toContain("***");
    expect(await log.textContent()).not.toContain("Hello there");

    await page.getByRole("button", { name: "Resync" }).click();
    await expect.poll(() => page.getByTestId("action-outcome").textContent()).toMatch(/Resync queued for sales@contoso.com: \d+ catch-ups?/);
    await expect.poll(() => page.getByTestId("resync").textContent()).toMatch(/requested/);
    await screenshot(page, "mailbox-health");
    expect(unexpectedErrors(errors)).toEqual([]);
    await page.close();
  });

  it("the organization health overview: counts by state and each mailbox's state, linked to its page", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.read], route: "health" });
    await page.getByRole("heading", { level: 1, name: "Organization health" }).waitFor();
    const table = page.getByTestId("mailbox-health");
    await table.waitFor();
    expect(await table.locator(`tr[data-mailbox="${SALES}"]`).count()).toBe(1);
    expect(await table.locator(`tr[data-mailbox="${SUPPORT}"]`).textContent()).toMatch(/Disabled/);
    expect(await page.getByTestId("state-counts").textContent()).toMatch(/2\s*mailboxes/);
    // A reader gets no Resync.
    expect(await page.getByRole("main").getByRole("button").count()).toBe(0);
    await screenshot(page, "health");
    await table.getByRole("link", { name: SALES }).click();
    await page.getByRole("heading", { level: 1, name: SALES }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
