// The organization-wide Item log page on the whole local stack, signed in through the simulator:
// 51 processed emails (one tracked from a known contact, fifty skipped), shown a page of 50 at a
// time, filtered by every filter the API's route takes (outcome, mailbox, since, until), with links
// to the mailbox and to the tracked email's activity. A reader who does not own the mailbox sees
// "***" for subjects (the API redacts them).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_ROLES } from "../../src/api/roles.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";
import { trackedMailbox } from "./support/tracked-mail.js";

const MAILBOX = "sales@contoso.com";
const CUSTOMER = "wanda.walker@northwind.example.net";
const SKIPPED = 50;

describeInBrowser("admin center: the item log", () => {
  let harness: SignedInHarness;
  let activityId: string;

  beforeAll(async () => {
    harness = await startSignedInHarness();
    const call = await trackedMailbox(harness.stack, { address: MAILBOX, displayName: "Sales", recordsCsv: `contact,wanda,Wanda Walker,${CUSTOMER}\n` });
    harness.stack.graph.deliverExternal({ to: [MAILBOX], from: { address: CUSTOMER, name: "Wanda Walker" }, subject: "Quote for 40 chairs", body: "A quote, please." });
    for (let i = 1; i <= SKIPPED; i++) {
      harness.stack.graph.deliverExternal({ to: [MAILBOX], from: { address: `stranger${i}@elsewhere.example`, name: `Stranger ${i}` }, subject: `Newsletter ${i}`, body: "News." });
    }
    await harness.stack.settle();
    const listed = await call("GET", `/admin/item-log?limit=100`, { roles: [APP_ROLES.read] });
    const items = listed.body.items as Array<{ outcome: string; activityId?: string }>;
    expect(items.map((i) => i.outcome).sort()).toEqual([...Array(SKIPPED).fill("skipped"), "tracked"]);
    activityId = items.find((i) => i.outcome === "tracked")?.activityId ?? "";
    expect(activityId).not.toBe("");
  }, 240_000);

  afterAll(async () => {
    await harness?.close();
  });

  const rows = (page: Page) => page.getByTestId("item-log").locator("tbody tr");

  it("shows every mailbox's log a page at a time, filters by outcome, mailbox and time, and links to the mailbox and the activity", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.read], route: "item-log" });
    await page.getByRole("heading", { level: 1, name: "Item log" }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(50);
    // Not the reader's mailbox: the API sends no subjects.
    expect(await rows(page).first().textContent()).toContain("***");
    expect(await page.getByTestId("item-log").textContent()).not.toMatch(/Newsletter|Quote/);
    await page.getByRole("button", { name: "Show more" }).click();
    await expect.poll(() => rows(page).count()).toBe(SKIPPED + 1);
    expect(await page.getByRole("button", { name: "Show more" }).count()).toBe(0);

    await page.getByLabel("Outcome").selectOption({ label: "Tracked" });
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await rows(page).getAttribute("data-outcome")).toBe("tracked");
    await screenshot(page, "item-log");

    await page.getByLabel("Outcome").selectOption({ label: "Every outcome" });
    await page.getByLabel("Mailbox").fill("nobody@contoso.com");
    await page.getByLabel("Mailbox").press("Enter");
    await expect.poll(() => page.getByTestId("no-items").textContent()).toBe("No items in the log match the filter.");
    await page.getByLabel("Mailbox").fill(MAILBOX);
    await page.getByLabel("Mailbox").press("Enter");
    await expect.poll(() => rows(page).count()).toBe(50);

    // Time, in UTC as the page says: nothing from next year on; everything until then.
    const nextYear = `${new Date().getUTCFullYear() + 1}-01-01T00:00`;
    await page.getByLabel("From (UTC)").fill(nextYear);
    await page.getByTestId("no-items").waitFor();
    await page.getByLabel("From (UTC)").fill("");
    await page.getByLabel("Until (UTC)").fill(nextYear);
    await expect.poll(() => rows(page).count()).toBe(50);
    await page.getByLabel("Until (UTC)").fill("2000-01-01T00:00");
    await page.getByTestId("no-items").waitFor();
    await page.getByLabel("Until (UTC)").fill("");
    await expect.poll(() => rows(page).count()).toBe(50);

    // The tracked email's row links to its activity, and every row to its mailbox.
    await page.getByLabel("Outcome").selectOption({ label: "Tracked" });
    await expect.poll(() => rows(page).count()).toBe(1);
    await rows(page).getByRole("link", { name: "***" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/api/admin-center/activities/${encodeURIComponent(activityId)}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Quote for 40 chairs");
    // The heading took the focus on arrival and kept it while the activity loaded.
    expect(await page.evaluate("document.activeElement?.tagName + ' ' + document.activeElement?.textContent")).toBe("H1 Quote for 40 chairs");
    await page.goBack();
    await page.getByRole("heading", { level: 1, name: "Item log" }).waitFor();
    await rows(page).first().getByRole("link", { name: MAILBOX }).click();
    await page.getByRole("heading", { level: 1, name: MAILBOX }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("is offered to readers; without a reading role the API refuses it (403) and the page says so", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [], route: "item-log" });
    await expect.poll(() => page.locator("item-log-view").getByRole("alert").textContent()).toMatch(/The item log could not be loaded: .*Tracking.Read/);
    expect(errors.filter((e) => !e.includes("status of 403"))).toEqual([]);
    await page.close();
  });
});
