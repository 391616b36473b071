// Category tracking live, through the whole stack: with trackCategorizedItems on, Inbox
// subscriptions ask for `updated`; a category given later is seen through the folder's delta and
// the email is tracked once; removing the category untracks it and keeps the activity; an email
// that cannot be tracked is retried, then marked "(Undeliverable)" in the mailbox with an alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { activityFor, deliver, CUSTOMER, eventsOf, graphSubscriptions, inboxSubscription, startE2eStack, timesCreated, type E2eStack } from "./e2e-support.js";

const LATER = "later@contoso.example.com";
const REMOVED = "uncategorized@contoso.example.com";
const FAILING = "undeliverable@contoso.example.com";
const CATEGORY = "Tracked to Dynamics 365";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [LATER, REMOVED, FAILING] });
  const { store, tracker, mailboxAdmin } = await e2e.stack.services();
  await store.settings.putOrganization(parseOrganizationSettings({ autoTrackSentFolderItems: true, trackCategorizedItems: true }));
  tracker.forgetCachedSettings();
  // The filter tracks nothing: only the category can.
  for (const mailbox of [LATER, REMOVED, FAILING]) {
    const current = await store.settings.getMailboxVersion(mailbox);
    if (!current) throw new Error(`no mailbox ${mailbox}`);
    const outcome = await mailboxAdmin.update(mailbox, { incomingEmailFilter: "none" }, { ifMatch: current.etag });
    if (!outcome.ok) throw new Error(outcome.reason);
  }
  await e2e.stack.host.triggerTimer("renewSubscriptions");
  await e2e.stack.settle();
});

afterAll(async () => {
  await e2e?.stack.close();
});

/** The first defined answer of `probe`, polled for up to 20 s. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const until = Date.now() + 20_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function categorize(mailbox: string, messageId: string, categories: string[]) {
  e2e.stack.graph.updateMessage(mailbox, messageId, { categories });
}

describe("category tracking", () => {
  it("Inbox and Sent Items subscriptions are replaced by ones asking for `updated` once category tracking is on", async () => {
    const inbox = await inboxSubscription(e2e.stack, LATER);
    expect(inbox.changeType).toBe("created,updated");
    expect(graphSubscriptions(e2e.stack, LATER).map((s) => s.changeType).sort()).toEqual(["created,updated", "created,updated"]);
  });

  it("mail given the tracking category after it arrived is tracked, once, with few Graph requests", async () => {
    const { stack, decisions } = e2e;
    const mail = deliver(stack, LATER, "Categorise me later");
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();

    const graphId = stack.graph.getMailbox(LATER)?.id ?? "";
    const before = stack.graph.stats.requests.byMailbox[graphId] ?? 0;
    categorize(LATER, mail.messageId, ["Blue", CATEGORY]);
    await stack.settle();

    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ decisionReason: "trackingCategory" });
    // One delta page and one fetch of the categorised message.
    expect((stack.graph.stats.requests.byMailbox[graphId] ?? 0) - before).toBeLessThanOrEqual(2);

    // However many updates follow (read, re-categorised), it is never tracked twice.
    stack.graph.updateMessage(LATER, mail.messageId, { isRead: true });
    categorize(LATER, mail.messageId, [CATEGORY]);
    stack.graph.updateMessage(LATER, mail.messageId, { subject: "Categorise me later (edited)" });
    await stack.settle();
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("removing the category untracks the email and keeps its activity; giving it back tracks the same one again", async () => {
    const { stack, decisions } = e2e;
    const mail = deliver(stack, REMOVED, "Categorised, then not");
    await stack.settle();
    categorize(REMOVED, mail.messageId, [CATEGORY]);
    await stack.settle();
    const tracked = await activityFor(stack, mail.internetMessageId);
    expect(tracked?.untracked).toBeUndefined();

    categorize(REMOVED, mail.messageId, []);
    await stack.settle();
    const untracked = await activityFor(stack, mail.internetMessageId);
    expect(untracked?.id).toBe(tracked?.id);
    expect(untracked?.untracked).toMatchObject({ reason: "categoryRemoved" });
    expect((await eventsOf(stack, REMOVED)).map((event) => event.code)).toContain("category.removed");

    categorize(REMOVED, mail.messageId, [CATEGORY]);
    await stack.settle();
    expect((await activityFor(stack, mail.internetMessageId))?.untracked).toBeUndefined();
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("an email that cannot be tracked is retried, and after the last attempt marked Undeliverable with an alert", async () => {
    const { stack } = e2e;
    // Received before the mailbox's start date: the category can't make it trackable.
    const delivered = stack.graph.deliverExternal({
      to: [FAILING],
      from: { address: CUSTOMER },
      subject: "From before the start date",
      receivedDateTime: new Date(Date.now() - 86_400_000).toISOString(),
    });
    const messageId = delivered.deliveries[0]?.messageId ?? "";
    await stack.settle();
    categorize(FAILING, messageId, [CATEGORY, "Red"]);
    // Not settle(): the retry waits 15 minutes in the queue. The first attempt's event is enough.
    const retry = await eventually(async () => (await eventsOf(stack, FAILING)).find((event) => event.code === "category.retry"));
    expect(retry).toMatchObject({ level: "warning", messageId, message: expect.stringContaining("attempt 1 of 5") });

    // The fifth attempt (the queue would bring it after four 15-minute waits), run now.
    const { work, alerts } = await stack.services();
    const outcome = await work.process({ kind: "category", mailbox: FAILING, folder: "inbox", messageId, attempt: 5, requestedAt: new Date().toISOString() }, { dequeueCount: 1 });
    expect(outcome).toEqual({ kind: "categoryRetried", tracked: false });

    const [inGraph] = stack.graph.listMessages(FAILING, "inbox").filter((message) => message.id === messageId);
    expect(inGraph?.categories).toEqual(["Red", `${CATEGORY} (Undeliverable)`]);
    const raised = (await alerts.list({ mailbox: FAILING }, { limit: 20 })).items.find((alert) => alert.code === "category.undeliverable");
    expect(raised).toMatchObject({ level: "warning", messageId });
    expect(await activityFor(stack, delivered.internetMessageId)).toBeUndefined();
  });
});
