// The What-if page on the whole local stack, signed in through the simulator: the examples mailbox
// uploaded with its records, the examples' settings compared with smart matching off; the progress
// bar, the summary, the per-message table with the explanation, and the JSON Lines downloaded.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_ROLES } from "../../src/api/roles.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

describeInBrowser("admin center: what-if", () => {
  let harness: SignedInHarness;

  beforeAll(async () => {
    harness = await startSignedInHarness();
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("runs a what-if comparison: progress, summary, the table with explanations, the JSON Lines", async () => {
    const mail = (await readdir(path.join(examples, "mailbox"))).filter((n) => n.endsWith(".eml")).sort().map((n) => path.join(examples, "mailbox", n));
    const settings = JSON.parse(await readFile(path.join(examples, "settings.json"), "utf8")) as { organization: unknown; mailbox: Record<string, unknown> };
    const { page, errors } = await signIn(harness, { user: "rita@contoso.com", roles: [APP_ROLES.read] });
    await page.getByRole("navigation").getByRole("link", { name: "What-if" }).click();
    await page.getByRole("heading", { name: "What-if", level: 1 }).waitFor();

    await page.getByLabel("Receiving mailbox").fill("dana.reyes@example.com");
    await page.getByLabel("Mail (.eml files or an mbox)").setInputFiles(mail);
    await page.getByLabel("CRM records (optional, JSON)").setInputFiles(path.join(examples, "records.json"));
    await page.getByLabel("Compare with a second set of settings").check();
    await page.getByLabel("Settings A").fill(JSON.stringify({ organization: settings.organization, mailbox: settings.mailbox }, null, 2));
    await page.getByLabel("Settings B (changes on top of A)").fill('{"organization": {"useSmartMatching": false}}');
    await screenshot(page, "what-if-form");
    await page.getByRole("button", { name: "Run the what-if" }).click();

    const progress = page.locator("#whatif-progress");
    await expect.poll(() => page.getByTestId("whatif-progress-label").textContent(), { timeout: 60_000 }).toBe(`Done: ${mail.length * 2} messages replayed`);
    expect(await progress.getAttribute("max")).toBe(String(mail.length * 2));
    expect(await page.evaluate("document.getElementById('whatif-progress').value")).toBe(mail.length * 2);

    const changed = page.getByTestId("whatif-changed");
    expect(await changed.textContent()).toMatch(new RegExp(`Messages decided differently: [1-9]\\d* of ${mail.length}`));
    const correlation = page.getByRole("table", { name: "Correlation" });
    expect(await correlation.getByRole("row", { name: /^smartMatching/ }).textContent()).toMatch(/smartMatching\s*1\s*0\s*-1/);

    const row = page.locator('tr[data-file="12-smart-matching.eml"]');
    expect(await row.textContent()).toMatch(/≠.*smartMatching.*none/s);
    // The explanation beneath the row, opened by keyboard.
    const details = row.locator("xpath=following-sibling::tr[1]").locator("details");
    await details.locator("summary").focus();
    await page.keyboard.press("Enter");
    expect(await details.getAttribute("open")).not.toBeNull();
    expect(await details.textContent()).toMatch(/by smart matching/);
    expect(await details.locator(".rules").first().textContent()).toMatch(/Linked by:\s*smartMatching/);
    await screenshot(page, "what-if-results");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download JSON Lines" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^what-if-[0-9a-f-]{36}\.jsonl$/);
    const saved = await download.path();
    const lines = (await readFile(saved, "utf8")).trimEnd().split("\n").map((line) => JSON.parse(line) as { file: string; changed: boolean });
    expect(lines).toHaveLength(mail.length);
    expect(lines.find((l) => l.file === "12-smart-matching.eml")?.changed).toBe(true);

    // Nothing live: the replayed mailbox is not configured, and no activity was stored for it.
    const services = await harness.stack.services();
    expect(await services.store.settings.getMailbox("dana.reyes@example.com")).toBeUndefined();
    expect((await services.store.activities.listActivities({ mailbox: "dana.reyes@example.com" }, { limit: 5 })).items).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("names bad settings JSON before sending, and shows the API's refusal naming the field", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.admin], route: "what-if" });
    await page.getByLabel("Receiving mailbox").fill("dana.reyes@example.com");
    await page.getByLabel("Mail (.eml files or an mbox)").setInputFiles(path.join(examples, "mailbox", "01-crm-quote-sent.eml"));
    await page.getByLabel("Candidate settings").fill("{not json");
    await page.getByRole("button", { name: "Run the what-if" }).click();
    expect(await page.locator("#whatif-settings-error").textContent()).toMatch(/not valid JSON/);
    expect(await page.evaluate("document.activeElement && document.activeElement.id")).toBe("whatif-settings");

    await page.getByLabel("Candidate settings").fill('{"organization": {"trackingTokenPrefix": "CRM1"}}');
    await page.getByRole("button", { name: "Run the what-if" }).click();
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toMatch(/settings\.organization\.trackingTokenPrefix: .*must not end in a digit/);
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    await page.close();
  });
});
