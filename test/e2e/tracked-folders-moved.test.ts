// A tracked folder moved out of the Inbox, through the whole stack (Functions host, Cosmos DB,
// queue, Graph simulator). Folder-level tracking is for folders under the Inbox; a tracked folder
// is known by its Graph id, which a move keeps. The sweep (and Test & Enable) walks the folder's
// parents: moved out, its subscription is deleted with a warning naming it and where it is now,
// and mail filed there is not tracked; moved back to its path, the next upkeep subscribes it again,
// says so, and catches up the mail filed meanwhile. Moved within the Inbox, nothing changes. A
// subscription Graph removes is not recreated (by the folder's id) for a folder moved out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackedFolderKey } from "../../src/app/folder-keys.js";
import type { RecordRef, TrackedFolder } from "../../src/domain/types.js";
import { activityFor, deliver, eventsOf, graphSubscriptions, makeDue, startE2eStack, storedSubscriptions, timesCreated, type E2eStack } from "./e2e-support.js";

const ARCHIVED = "archived@contoso.example.com";
const WITHIN = "within@contoso.example.com";
const ENABLED = "reenabled@contoso.example.com";
const LAPSED = "lapsed@contoso.example.com";
const CONTOSO: RecordRef = { type: "account", id: "contoso-account" };

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [ARCHIVED, WITHIN, ENABLED, LAPSED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

/** Makes the folder (a path below the Inbox) in the simulated mailbox; returns its id. */
function makeFolder(mailbox: string, path: string): string {
  let parent = "inbox";
  for (const part of path.split("/")) parent = e2e.stack.graph.createFolder(mailbox, { parent, displayName: part });
  return parent;
}

async function track(mailbox: string, trackedFolders: TrackedFolder[]) {
  const { mailboxAdmin, store } = await e2e.stack.services();
  const current = await store.settings.getMailboxVersion(mailbox);
  if (!current) throw new Error(`no mailbox ${mailbox}`);
  const outcome = await mailboxAdmin.update(mailbox, { incomingEmailFilter: "none", trackedFolders }, { ifMatch: current.etag });
  if (!outcome.ok) throw new Error(`update failed: ${outcome.reason}`);
  await e2e.stack.settle();
}

async function sweep(mailbox: string) {
  await makeDue(e2e.stack, mailbox, "sweep");
  await e2e.stack.host.triggerTimer("catchUp");
  await e2e.stack.settle();
}

async function renew(mailbox: string) {
  await makeDue(e2e.stack, mailbox, "renew");
  await e2e.stack.host.triggerTimer("renewSubscriptions");
  await e2e.stack.settle();
}

async function folderSubscriptions(mailbox: string, path: string) {
  return (await storedSubscriptions(e2e.stack, mailbox)).filter((s) => s.folder === trackedFolderKey(path));
}

async function alertsOf(mailbox: string) {
  const { alerts } = await e2e.stack.services();
  return (await alerts.list({ mailbox }, { limit: 50 })).items;
}

describe("a tracked folder moved out of the Inbox", () => {
  it("the sweep lets it go with an alert naming it and where it is; mail filed there is not tracked; moved back, it is tracked again", async () => {
    const { stack, decisions } = e2e;
    const folderId = makeFolder(ARCHIVED, "Customers/Contoso");
    await track(ARCHIVED, [{ folder: "Customers/Contoso", regarding: CONTOSO }]);
    const [subscribed] = await folderSubscriptions(ARCHIVED, "Customers/Contoso");
    expect(subscribed?.folderId).toBe(folderId);

    stack.graph.moveFolder(ARCHIVED, folderId, "archive");
    await sweep(ARCHIVED);

    expect(await folderSubscriptions(ARCHIVED, "Customers/Contoso")).toEqual([]);
    expect(graphSubscriptions(stack, ARCHIVED).map((s) => s.folderId)).not.toContain(folderId);
    const moved = (await alertsOf(ARCHIVED)).filter((alert) => alert.code === "trackedFolder.movedOutOfInbox");
    expect(moved).toEqual([
      expect.objectContaining({
        level: "warning",
        folder: trackedFolderKey("Customers/Contoso"),
        message: expect.stringMatching(/^tracked folder "Customers\/Contoso" was moved out of the Inbox \(it is now "Archive\/Contoso"\)/),
        whatToDo: expect.stringContaining("Move the folder back under the Inbox"),
      }),
    ]);

    // Filed in the moved folder: not tracked (the filter is "none", and the folder is not tracked now).
    const filed = deliver(stack, ARCHIVED, "Filed in the archived folder");
    await stack.settle();
    stack.graph.moveMessage(ARCHIVED, filed.messageId, folderId);
    await stack.settle();
    expect(await activityFor(stack, filed.internetMessageId)).toBeUndefined();

    // Upkeep while it is out: not recreated, not a failure, not "not found" on top of "moved out".
    await renew(ARCHIVED);
    await sweep(ARCHIVED);
    expect(await folderSubscriptions(ARCHIVED, "Customers/Contoso")).toEqual([]);
    const events = await eventsOf(stack, ARCHIVED);
    expect(events.filter((event) => event.level === "error")).toEqual([]);
    expect(events.filter((event) => event.code === "trackedFolder.notFound")).toEqual([]);
    expect(events.filter((event) => event.code === "trackedFolder.movedOutOfInbox")).toHaveLength(1);

    // Moved back to its path: the next upkeep subscribes it by that path (the same folder, by id),
    // says so, and the catch-up tracks what was filed meanwhile, with the folder's regarding.
    stack.graph.moveFolder(ARCHIVED, folderId, "Customers");
    await renew(ARCHIVED);
    const [resubscribed] = await folderSubscriptions(ARCHIVED, "Customers/Contoso");
    expect(resubscribed?.folderId).toBe(folderId);
    expect(resubscribed?.id).not.toBe(subscribed?.id);
    expect((await alertsOf(ARCHIVED)).filter((alert) => alert.code === "trackedFolder.resumed")).toEqual([
      expect.objectContaining({ level: "information", folder: trackedFolderKey("Customers/Contoso"), message: expect.stringContaining("is under the Inbox again") }),
    ]);
    expect(await activityFor(stack, filed.internetMessageId)).toMatchObject({ regarding: CONTOSO, decisionReason: "trackedFolder" });
    expect(timesCreated(decisions, filed.internetMessageId)).toBe(1);

    // And it stays: the next sweep finds it under the Inbox.
    await sweep(ARCHIVED);
    expect((await folderSubscriptions(ARCHIVED, "Customers/Contoso")).map((s) => s.id)).toEqual([resubscribed?.id]);
  });

  it("moved to another place below the Inbox it stays tracked, with no alert", async () => {
    const { stack } = e2e;
    const folderId = makeFolder(WITHIN, "Deals/Fabrikam");
    makeFolder(WITHIN, "Closed");
    await track(WITHIN, [{ folder: "Deals/Fabrikam", regarding: CONTOSO }]);
    const [subscribed] = await folderSubscriptions(WITHIN, "Deals/Fabrikam");

    stack.graph.moveFolder(WITHIN, folderId, "Closed");
    await sweep(WITHIN);

    expect((await folderSubscriptions(WITHIN, "Deals/Fabrikam")).map((s) => s.id)).toEqual([subscribed?.id]);
    expect((await eventsOf(stack, WITHIN)).filter((event) => event.code.startsWith("trackedFolder."))).toEqual([]);
    const mail = deliver(stack, WITHIN, "Filed three levels down");
    await stack.settle();
    stack.graph.moveMessage(WITHIN, mail.messageId, folderId);
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ regarding: CONTOSO, decisionReason: "trackedFolder" });
  });

  it("Test & Enable finds it at once, without waiting for the sweep", async () => {
    const { stack } = e2e;
    const folderId = makeFolder(ENABLED, "Projects");
    await track(ENABLED, [{ folder: "Projects", regarding: CONTOSO }]);
    expect(await folderSubscriptions(ENABLED, "Projects")).toHaveLength(1);

    stack.graph.moveFolder(ENABLED, folderId, "deleteditems");
    const { mailboxAdmin } = await stack.services();
    expect(await mailboxAdmin.testAndEnable(ENABLED)).toMatchObject({ ok: true, value: { enabled: true } });
    await stack.settle();

    expect(await folderSubscriptions(ENABLED, "Projects")).toEqual([]);
    expect((await alertsOf(ENABLED)).find((alert) => alert.code === "trackedFolder.movedOutOfInbox")?.message).toContain('(it is now "Deleted Items/Projects")');
  });

  it("a subscription Graph removed is not recreated by id for a folder moved out meanwhile", async () => {
    const { stack } = e2e;
    const folderId = makeFolder(LAPSED, "Leads");
    await track(LAPSED, [{ folder: "Leads", regarding: CONTOSO }]);
    const [subscribed] = await folderSubscriptions(LAPSED, "Leads");
    expect(subscribed).toBeDefined();

    stack.graph.moveFolder(LAPSED, folderId, "archive");
    if (subscribed) stack.graph.triggerLifecycle(subscribed.id, "subscriptionRemoved");
    await stack.settle();

    expect(await folderSubscriptions(LAPSED, "Leads")).toEqual([]);
    expect(graphSubscriptions(stack, LAPSED).map((s) => s.folderId)).not.toContain(folderId);
    const codes = (await alertsOf(LAPSED)).map((alert) => alert.code);
    expect(codes).toContain("trackedFolder.movedOutOfInbox");
    expect(codes).not.toContain("subscription.recreated");
  });
});
