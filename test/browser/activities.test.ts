// The Activities and Send pages on the whole local stack, signed in through the simulator: mail
// from outside is tracked in a mailbox set up through the API; an admin finds it by mailbox, reads
// its parties, regarding, thread and explanation, and re-links it; a reader gets no edit buttons.
// An admin sends a tracked email with a regarding record, and the customer's reply from outside
// is seen linked to it, with the regarding it inherits.
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_ROLES } from "../../src/api/roles.js";
import { describeInBrowser } from "./support/describe.js";
import { screenshot } from "./support/screenshots.js";
import { signIn, startSignedInHarness, type SignedInHarness } from "./support/signed-in.js";
import { trackedMailbox, type ApiCall } from "./support/tracked-mail.js";

const MAILBOX = "sales@contoso.com";
const CUSTOMER = "wanda.walker@northwind.example.net";

describeInBrowser("admin center: activities and tracked email", () => {
  let harness: SignedInHarness;
  let call: ApiCall;
  let activityId: string;

  beforeAll(async () => {
    harness = await startSignedInHarness();
    call = await trackedMailbox(harness.stack, {
      address: MAILBOX,
      displayName: "Sales",
      recordsCsv: `contact,wanda,Wanda Walker,${CUSTOMER}\naccount,northwind,Northwind Traders,orders@northwind.example.net\nsystemuser,sales,Sales Team,${MAILBOX}\n`,
    });
    const first = harness.stack.graph.deliverExternal({ to: [MAILBOX], from: { address: CUSTOMER, name: "Wanda Walker" }, subject: "Quote for 40 chairs", body: "Could you send a quote?" });
    await harness.stack.settle();
    harness.stack.graph.deliverExternal({
      to: [MAILBOX],
      from: { address: CUSTOMER, name: "Wanda Walker" },
      subject: "RE: Quote for 40 chairs",
      body: "And 4 tables, please.",
      headers: [{ name: "In-Reply-To", value: first.internetMessageId }, { name: "References", value: first.internetMessageId }],
    });
    await harness.stack.settle();
    const listed = await call("GET", `/admin/activities?mailbox=${encodeURIComponent(MAILBOX)}`);
    const items = listed.body.items as Array<{ id: string; subject: string }>;
    activityId = items.find((a) => a.subject === "RE: Quote for 40 chairs")?.id ?? "";
    expect(items).toHaveLength(2);
  }, 240_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("finds an activity by mailbox and shows its parties, thread and explanation", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.admin] });
    await page.getByRole("navigation").getByRole("link", { name: "Activities" }).click();
    await page.getByRole("heading", { name: "Activities", level: 1 }).waitFor();
    await page.getByLabel("Mailbox address").fill(MAILBOX);
    await page.getByLabel("Mailbox address").press("Enter");
    const results = page.getByTestId("activity-results");
    await expect.poll(() => results.locator("tbody tr").count()).toBe(2);
    await screenshot(page, "activities-search");

    await results.getByRole("link", { name: "RE: Quote for 40 chairs" }).click();
    await page.getByRole("heading", { name: "RE: Quote for 40 chairs", level: 1 }).waitFor();
    const why = page.getByTestId("explanation-why");
    await expect.poll(() => why.textContent()).toMatch(/Linked to 'Quote for 40 chairs' because its In-Reply-To names/);
    expect(await why.textContent()).toContain("Contact Wanda Walker");
    // What each rule found: the sender's resolution and the correlation step that matched.
    const rules = page.locator(".rules");
    expect(await rules.textContent()).toMatch(/from wanda\.walker@northwind\.example\.net:\s*Contact Wanda Walker/);
    expect(await rules.textContent()).toMatch(/inReplyTo .*: matched/);
    // The parties with their records, the regarding and the thread of two.
    const parties = page.getByTestId("parties");
    expect(await parties.getByRole("row").filter({ hasText: CUSTOMER }).textContent()).toContain("Contact Wanda Walker");
    expect(await parties.getByRole("row").filter({ hasText: MAILBOX }).textContent()).toContain("User Sales Team");
    const thread = page.getByTestId("thread").getByRole("listitem");
    expect(await thread.count()).toBe(2);
    expect(await thread.nth(0).textContent()).toContain("starts the conversation");
    expect(await thread.nth(1).textContent()).toContain("linked by inReplyTo");
    await screenshot(page, "activity-explanation");

    // Keyboard: the thread's other email is reachable and opens with Enter.
    await page.getByTestId("thread").getByRole("link", { name: "Quote for 40 chairs" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Quote for 40 chairs", level: 1 }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("re-links the activity to another record, recorded on the activity", async () => {
    const { page, errors } = await signIn(harness, { user: "grace@contoso.com", roles: [APP_ROLES.admin], route: `activities/${encodeURIComponent(activityId)}` });
    await page.getByRole("heading", { name: "RE: Quote for 40 chairs", level: 1 }).waitFor();
    await page.getByLabel("Record type").selectOption("account");
    await page.getByLabel("Record id").fill("northwind");
    await page.getByLabel("Reason (optional)").fill("the order is the account's");
    await page.getByRole("button", { name: "Re-link" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Re-linked" }).textContent()).toMatch(/Re-linked to Account northwind: 1 activity changed/);
    expect(await page.getByTestId("activity-regarding").textContent()).toBe("Account northwind");
    expect(await page.getByTestId("regarding-changes").textContent()).toMatch(/re-linked to Account northwind by .*the order is the account's/);
    await screenshot(page, "activity-relinked");

    const stored = await call("GET", `/admin/activities/${encodeURIComponent(activityId)}`);
    const activity = stored.body.activity as { regarding?: unknown; regardingChanges?: Array<{ action: string; reason?: string }> };
    expect(activity.regarding).toEqual({ type: "account", id: "northwind" });
    expect(activity.regardingChanges?.at(-1)).toMatchObject({ action: "relink", reason: "the order is the account's" });

    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a reader the activity without Re-link or Unlink", async () => {
    const { page, errors } = await signIn(harness, { user: "rita@contoso.com", roles: [APP_ROLES.read], route: `activities/${encodeURIComponent(activityId)}` });
    await page.getByTestId("explanation-why").waitFor();
    expect(await page.getByRole("button", { name: "Re-link" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Unlink" }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sends a tracked email with a regarding record, and shows the reply from outside linked to it", async () => {
    const { page, errors } = await signIn(harness, { user: "ada@contoso.com", roles: [APP_ROLES.admin] });
    await page.getByRole("navigation").getByRole("link", { name: "Send tracked email" }).click();
    await page.getByRole("heading", { name: "Send tracked email", level: 1 }).waitFor();
    const from = page.getByLabel("From (mailbox)");
    await expect.poll(() => from.locator("option").allTextContents()).toEqual([MAILBOX]);
    await page.getByLabel("To", { exact: true }).fill(CUSTOMER);
    await page.getByLabel("Subject").fill("Your chair quote");
    await page.getByLabel("Message").fill("Hello Wanda, 40 chairs and 4 tables: the quote is attached.");
    await page.getByLabel("Record type").selectOption("contact");
    await page.getByLabel("Record id").fill("wanda");
    await screenshot(page, "send-form");
    await page.getByRole("button", { name: "Send" }).click();

    const status = page.getByTestId("send-status");
    await expect.poll(async () => {
      await harness.stack.settle();
      return (await status.textContent())?.trim();
    }, { timeout: 60_000 }).toBe("Sent");
    const result = page.getByTestId("send-result");
    expect(await result.getByRole("heading").textContent()).toMatch(/^Your chair quote CRM:\d+$/);
    expect(await result.textContent()).toContain("Contact wanda");
    await screenshot(page, "send-sent");

    // The customer answers from outside (the simulator's outside mail, as `npm run mail` does).
    const href = (await result.getByRole("link", { name: "Open the tracked activity" }).getAttribute("href")) ?? "";
    const sentId = decodeURIComponent(href.split("/").at(-1) ?? "");
    const sent = (await call("GET", `/admin/activities/${encodeURIComponent(sentId)}`)).body.activity as { internetMessageId: string; subject: string };
    harness.stack.graph.deliverExternal({
      to: [MAILBOX],
      from: { address: CUSTOMER, name: "Wanda Walker" },
      subject: `RE: ${sent.subject}`,
      body: "Thanks, we accept.",
      headers: [{ name: "In-Reply-To", value: `<${sent.internetMessageId.replace(/^<|>$/g, "")}>` }],
    });
    await harness.stack.settle();

    await result.getByRole("link", { name: "Open the tracked activity" }).click();
    const thread = page.getByTestId("thread").getByRole("listitem");
    await expect.poll(() => thread.count()).toBe(2);
    expect(await thread.nth(1).textContent()).toMatch(/RE: Your chair quote.*linked by inReplyTo.*regarding Contact wanda/s);
    await page.getByTestId("thread").getByRole("link", { name: /^RE: Your chair quote/ }).click();
    await expect.poll(() => page.getByTestId("explanation-why").textContent()).toMatch(/^Linked to 'Your chair quote CRM:\d+' because its In-Reply-To names/);
    expect(await page.getByTestId("activity-regarding").textContent()).toBe("Contact Wanda Walker");
    await screenshot(page, "send-reply-linked");
    expect(errors).toEqual([]);
    await page.close();
  });
});
