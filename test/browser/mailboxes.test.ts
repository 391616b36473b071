// The Mailboxes pages signed in through the Graph simulator, on the whole local stack: what each
// role sees (a reader no action buttons, and the API refuses a reader anyway), Test & Enable with
// the status changing on screen, a failing test with its reason, and the mailbox page's personal
// options with a tracked folder and its regarding record, saved and checked through the API.
import { afterAll, beforeAll, expect, it } from "vitest";
import { objectIdFor } from "../../local/graph-simulator/index.js";
import { APP_ROLES } from "../../src/api/roles.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { focusedElement, unexpectedErrors } from "./support/chromium.js";
import { apiFetch, signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";

const SALES = "sales@contoso.com";
/** In the API but not in Exchange (the simulator): its Test & Enable fails. */
const GHOST = "ghost@contoso.com";
/** Created, never approved: Test & Enable is refused while approval is required. */
const PENDING = "pending@contoso.com";
/** Owned by Olga, who has no app role. */
const OLGA = "olga@contoso.com";
/** Created for the approver without a reading role to approve by its address. */
const NEWCOMER = "newcomer@contoso.com";


describeInBrowser("admin center: mailboxes", () => {
  let harness: SignedInHarness;
  let call: ReturnType<typeof apiFetch>;

  beforeAll(async () => {
    harness = await startSignedInHarness();
    call = apiFetch(harness);
    harness.stack.graph.addMailbox({ address: SALES, displayName: "Sales" });
    for (const address of [SALES, GHOST, PENDING, NEWCOMER]) expect((await call("POST", "/admin/mailboxes", { body: { address } })).status).toBe(201);
    expect((await call("POST", "/admin/mailboxes", { body: { address: OLGA, ownerObjectId: objectIdFor(OLGA) } })).status).toBe(201);
    for (const address of [SALES, GHOST]) {
      expect((await call("POST", `/admin/mailboxes/${address}/approve`, { roles: [APP_ROLES.approve] })).status).toBe(200);
    }
    const records = await call("POST", "/admin/records/upsert", { body: { records: [{ type: "account", id: "acc-fabrikam", name: "Fabrikam", emailAddresses: ["info@fabrikam.example"] }] } });
    expect(records.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  const row = (page: import("playwright-core").Page, address: string) => page.locator(`tr[data-mailbox="${address}"]`);

  /** Adds the tracked folder Customers/Fabrikam regarding the account acc-fabrikam, as a user types it. */
  async function addFabrikamFolder(page: import("playwright-core").Page): Promise<void> {
    await page.getByRole("button", { name: "Add a tracked folder" }).click();
    await page.getByLabel("Folder 1", { exact: true }).fill("Customers/Fabrikam");
    await page.getByLabel("Folder 1 regarding type").selectOption("account");
    await page.getByLabel("Folder 1 regarding id").fill("acc-fabrikam");
    await page.getByLabel("Folder 1 regarding id").press("Tab");
  }

  it.each([
    { name: "Tracking.Admin", roles: [APP_ROLES.admin], canRead: true, buttons: ["Test & Enable"] },
    { name: "Tracking.Admin and Tracking.Approve", roles: [APP_ROLES.admin, APP_ROLES.approve], canRead: true, buttons: ["Approve", "Reject", "Test & Enable"] },
    { name: "Tracking.Read and Tracking.Approve", roles: [APP_ROLES.read, APP_ROLES.approve], canRead: true, buttons: ["Approve", "Reject"] },
    { name: "Tracking.Read", roles: [APP_ROLES.read], canRead: true, buttons: [] },
    { name: "Tracking.Approve", roles: [APP_ROLES.approve], canRead: false, buttons: [] },
    { name: "no app role", roles: [], canRead: false, buttons: [] },
  ])("signed in with $name, the list offers $buttons", async ({ roles, canRead, buttons }) => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles, route: "mailboxes" });
    const list = page.locator("mailboxes-page");
    if (!canRead) {
      // The list would be refused (403): the page offers opening a mailbox by its address instead,
      // starting with the user's own, and asks the API for nothing.
      await page.getByRole("heading", { name: "Open a mailbox by its address" }).waitFor();
      expect(await page.getByLabel("Mailbox address").inputValue()).toBe("ada@contoso.com");
      expect(await list.getByRole("button").allTextContents()).toEqual(roles.includes(APP_ROLES.approve) ? ["Open", "Approve", "Reject"] : ["Open"]);
      expect(await list.getByRole("table").count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
      return;
    }
    await row(page, PENDING).waitFor();
    expect(await row(page, PENDING).getByRole("button").allTextContents().then((t) => t.map((s) => s.trim()))).toEqual(buttons);
    expect(await list.getByRole("columnheader", { name: "Actions" }).count()).toBe(buttons.length > 0 ? 1 : 0);
    if (buttons.length === 0) expect(await page.getByRole("main").getByRole("button").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the API refuses a reader's Test & Enable and a Tracking.Admin's approval (403), whatever the page shows", async () => {
    expect((await call("POST", `/admin/mailboxes/${SALES}/test-and-enable`, { roles: [APP_ROLES.read] })).status).toBe(403);
    expect((await call("POST", `/admin/mailboxes/${PENDING}/approve`, { roles: [APP_ROLES.admin] })).status).toBe(403);
    expect((await call("PATCH", `/admin/mailboxes/${SALES}`, { roles: [APP_ROLES.read], body: { incomingEmailFilter: "all" }, ifMatch: "*" })).status).toBe(403);
  });

  it("Test & Enable: the status changes on screen; a mailbox Exchange lacks fails with its reason; an unapproved one is refused", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: "mailboxes" });
    const sales = row(page, SALES);
    await sales.waitFor();
    expect(await sales.getByTestId("enabled").textContent()).toBe("No");
    expect(await sales.getByTestId("incoming").textContent()).toMatch(/Not run/);
    expect(await sales.getByRole("button", { name: `Disable ${SALES}` }).count()).toBe(0);

    await sales.getByRole("button", { name: `Test & Enable ${SALES}` }).click();
    const outcome = page.getByTestId("action-outcome");
    await expect.poll(() => outcome.textContent()).toMatch(/Test & Enable passed for sales@contoso.com \(incoming success, outgoing success\): the mailbox is enabled/);
    await expect.poll(() => sales.getByTestId("enabled").textContent()).toBe("Yes");
    expect(await sales.getByTestId("incoming").textContent()).toMatch(/Success/);
    expect(await sales.getByTestId("outgoing").textContent()).toMatch(/Success/);
    expect(await sales.getByRole("button", { name: `Disable ${SALES}` }).count()).toBe(1);
    const stored = (await (await call("GET", `/admin/mailboxes/${SALES}`, { roles: [APP_ROLES.read] })).json()) as { enabled: boolean };
    expect(stored.enabled).toBe(true);
    await screenshot(page, "mailboxes");

    await row(page, GHOST).getByRole("button", { name: `Test & Enable ${GHOST}` }).click();
    await expect.poll(() => outcome.textContent()).toMatch(/Test & Enable failed for ghost@contoso.com \(incoming failure, outgoing failure\): .+The mailbox stays disabled/);
    await expect.poll(() => row(page, GHOST).getByTestId("incoming").textContent()).toMatch(/Failure/);
    expect(await row(page, GHOST).getByTestId("enabled").textContent()).toBe("No");

    await row(page, PENDING).getByRole("button", { name: `Test & Enable ${PENDING}` }).click();
    await expect.poll(() => outcome.textContent()).toMatch(/Test & Enable was refused for pending@contoso.com: .*requires approval/);
    expect(unexpectedErrors(errors, 409)).toEqual([]);
    await page.close();
  });

  it("the mailbox page: an admin edits the filter and a tracked folder with its regarding record; a reader sees them without editing", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: "mailboxes" });
    await row(page, SALES).getByRole("link", { name: SALES }).click();
    await page.getByRole("heading", { level: 1, name: SALES }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/api/admin-center/mailboxes/${encodeURIComponent(SALES)}`);
    const filter = page.getByLabel("Incoming email filter", { exact: true });
    await filter.waitFor();
    expect(await filter.inputValue()).toBe("responsesToTrackedEmail");
    await filter.selectOption("all");
    await addFabrikamFolder(page);
    await expect.poll(() => page.getByTestId("regarding-name").textContent()).toBe("Fabrikam");
    await page.getByRole("button", { name: "Save 2 changes" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).textContent()).toMatch(/Saved 2 changes/);
    const stored = (await (await call("GET", `/admin/mailboxes/${SALES}`, { roles: [APP_ROLES.read] })).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ incomingEmailFilter: "all", trackedFolders: [{ folder: "Customers/Fabrikam", regarding: { type: "account", id: "acc-fabrikam" } }] });
    expect(await page.getByTestId("enabled").textContent()).toBe("Yes");
    await screenshot(page, "mailbox");
    expect(errors).toEqual([]);
    await page.close();

    const reader = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.read], route: `mailboxes/${encodeURIComponent(SALES)}` });
    const readerFilter = reader.page.getByLabel("Incoming email filter", { exact: true });
    await readerFilter.waitFor();
    expect(await readerFilter.inputValue()).toBe("all");
    expect(await readerFilter.isDisabled()).toBe(true);
    expect(await reader.page.getByLabel("Folder 1", { exact: true }).inputValue()).toBe("Customers/Fabrikam");
    await expect.poll(() => reader.page.getByTestId("regarding-name").textContent()).toBe("Fabrikam");
    expect(await reader.page.getByRole("main").getByRole("button").count()).toBe(0);
    expect(reader.errors).toEqual([]);
    await reader.page.close();
  });

  it("works by keyboard: a mailbox link opens its page with focus on the heading, and each control shows a visible focus outline", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: "mailboxes" });
    const link = row(page, PENDING).getByRole("link", { name: PENDING });
    await link.waitFor();
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: PENDING }).waitFor();
    await expect.poll(() => page.evaluate("document.activeElement?.tagName + ' ' + document.activeElement?.textContent")).toBe(`H1 ${PENDING}`);
    // The heading keeps the focus while the mailbox and its options load. Tab from it: the status
    // card's action first, then the options' controls in order.
    await page.getByLabel("Kind", { exact: true }).waitFor();
    expect(await page.evaluate("document.activeElement?.tagName + ' ' + document.activeElement?.textContent")).toBe(`H1 ${PENDING}`);
    const focused: Array<Awaited<ReturnType<typeof focusedElement>>> = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      focused.push(await focusedElement(page));
    }
    expect(focused.map((f) => f.text)).toEqual(["Test & Enable", "Kind", "Incoming sync method"]);
    for (const f of focused) {
      expect(f.outline).toBe("solid");
      expect(f.width).toBeGreaterThanOrEqual(2);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the mailbox page says when someone else changed the mailbox first (412), and loads their version", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: `mailboxes/${encodeURIComponent(GHOST)}` });
    const filter = page.getByLabel("Incoming email filter", { exact: true });
    await filter.waitFor();
    const changed = await call("PATCH", `/admin/mailboxes/${GHOST}`, { body: { incomingEmailFilter: "none" }, ifMatch: "*" });
    expect(changed.status).toBe(200);
    await filter.selectOption("fromLeadsContactsAccounts");
    await page.getByRole("button", { name: "Save 1 change" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Someone else saved" });
    await expect.poll(() => alert.textContent()).toMatch(/Your changes were not saved/);
    await alert.getByRole("button", { name: "Load the current mailbox" }).click();
    await expect.poll(() => filter.inputValue()).toBe("none");
    expect(unexpectedErrors(errors, 412)).toEqual([]);
    await page.close();
  });

  it("a mailbox's owner without an app role opens their mailbox and changes exactly the personal options the API lets them", async () => {
    const { page, errors } = await signIn(harness, { user: OLGA, roles: [] });
    await page.getByRole("link", { name: "Your mailbox" }).click();
    await page.getByRole("heading", { level: 1, name: OLGA }).waitFor();
    const filter = page.getByLabel("Incoming email filter", { exact: true });
    await filter.waitFor();
    expect(await page.getByTestId("options-summary").textContent()).toMatch(/As the mailbox's owner you may change the incoming email filter and the tracked folders/);
    // The filter and the folders are theirs; the rest stays with admins and is shown disabled.
    expect(await filter.isDisabled()).toBe(false);
    for (const label of ["Kind", "Incoming sync method", "Outgoing sync method", "Process email received after", "Owner object id"]) {
      expect([label, await page.getByLabel(label, { exact: true }).isDisabled()]).toEqual([label, true]);
    }
    // No Test & Enable, Disable, Approve, Resync; no deleting alerts.
    expect(await page.locator("section").filter({ has: page.getByRole("heading", { name: "Status" }) }).getByRole("button").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Delete/ }).count()).toBe(0);

    await filter.selectOption("fromLeadsContactsAccounts");
    await addFabrikamFolder(page);
    // Reading records needs a role: the page says so rather than asking the API.
    await expect.poll(() => page.getByTestId("regarding-name").textContent()).toMatch(/needs Tracking.Read/);
    await page.getByRole("button", { name: "Save 2 changes" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).textContent()).toMatch(/Saved 2 changes/);
    const stored = (await (await call("GET", `/admin/mailboxes/${OLGA}`, { roles: [APP_ROLES.read] })).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({
      incomingEmailFilter: "fromLeadsContactsAccounts",
      trackedFolders: [{ folder: "Customers/Fabrikam", regarding: { type: "account", id: "acc-fabrikam" } }],
      incomingSyncMethod: "serverSideSync",
      ownerObjectId: objectIdFor(OLGA),
    });
    await screenshot(page, "mailbox-owner");
    expect(errors).toEqual([]);

    // Another's mailbox: the API refuses (403) and the page says so.
    await page.getByRole("navigation").getByRole("link", { name: "Mailboxes" }).click();
    await page.getByLabel("Mailbox address").fill(SALES);
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByRole("heading", { level: 1, name: SALES }).waitFor();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/could not be loaded: .*needs the app role/);
    expect(unexpectedErrors(errors, 403)).toEqual([]);
    await page.close();
  });

  it("an approver without a reading role approves a mailbox by its address", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.approve], route: "mailboxes" });
    await page.getByLabel("Mailbox address").fill(NEWCOMER);
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.getByTestId("action-outcome").textContent()).toBe(`Approve: done for ${NEWCOMER}.`);
    const stored = (await (await call("GET", `/admin/mailboxes/${NEWCOMER}`, { roles: [APP_ROLES.read] })).json()) as Record<string, unknown>;
    expect(stored.approvalStatus).toBe("approved");
    expect(errors).toEqual([]);
    await page.close();
  });
});
