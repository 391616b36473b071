// Folder-level tracking live, through the whole stack (Functions host, Cosmos DB, queue, Graph
// simulator): each tracked folder is subscribed by its Graph id; mail moved in is tracked with the
// folder's regarding whatever the filter; mail tracked through the Inbox keeps its one activity
// and takes the folder's regarding; a rename changes nothing; a deleted folder, or one removed
// from the settings, loses its subscription with an alert; a folder added catches up its mail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackedFolderKey } from "../../src/app/folder-keys.js";
import type { RecordRef, TrackedFolder } from "../../src/domain/types.js";
import { activityFor, deliver, eventsOf, graphSubscriptions, makeDue, startE2eStack, storedSubscriptions, timesCreated, type E2eStack } from "./e2e-support.js";

const FILTERED = "filtered@contoso.example.com";
const INBOX_FIRST = "inboxfirst@contoso.example.com";
const RENAMED = "renamed@contoso.example.com";
const DELETED = "deleted@contoso.example.com";
const ADDED = "added@contoso.example.com";
const REMOVED = "removed@contoso.example.com";

const CONTOSO: RecordRef = { type: "account", id: "contoso-account" };
const PROJECT: RecordRef = { type: "custom", id: "project-7" };

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [FILTERED, INBOX_FIRST, RENAMED, DELETED, ADDED, REMOVED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

/** Makes the folder (a path below the Inbox) in the simulated mailbox. */
function makeFolder(mailbox: string, path: string): string {
  const parts = path.split("/");
  let parent = "inbox";
  let id = "";
  for (const part of parts) {
    id = e2e.stack.graph.createFolder(mailbox, { parent, displayName: part });
    parent = id;
  }
  return id;
}

/** Changes the mailbox's settings through the admin use case (as PATCH /api/admin/mailboxes does). */
async function setMailbox(mailbox: string, changes: { trackedFolders?: TrackedFolder[]; incomingEmailFilter?: "none" | "all" }) {
  const { mailboxAdmin, store } = await e2e.stack.services();
  const current = await store.settings.getMailboxVersion(mailbox);
  if (!current) throw new Error(`no mailbox ${mailbox}`);
  const outcome = await mailboxAdmin.update(mailbox, changes, { ifMatch: current.etag });
  if (!outcome.ok) throw new Error(`update failed: ${outcome.reason}`);
  await e2e.stack.settle();
}

async function alertsOf(mailbox: string) {
  const { alerts } = await e2e.stack.services();
  return (await alerts.list({ mailbox }, { limit: 50 })).items;
}

async function folderSubscriptions(mailbox: string, path: string) {
  return (await storedSubscriptions(e2e.stack, mailbox)).filter((s) => s.folder === trackedFolderKey(path));
}

describe("tracked folders", () => {
  it("subscribes each tracked folder by its id, with the same handshake as the Inbox", async () => {
    const folderId = makeFolder(FILTERED, "Customers/Contoso");
    await setMailbox(FILTERED, { incomingEmailFilter: "none", trackedFolders: [{ folder: "Customers/Contoso", regarding: CONTOSO }] });
    const [stored] = await folderSubscriptions(FILTERED, "Customers/Contoso");
    expect(stored?.folderId).toBe(folderId);
    expect(stored?.resource).toContain(folderId);
    const atGraph = graphSubscriptions(e2e.stack, FILTERED).find((s) => s.id === stored?.id);
    expect(atGraph?.folderId).toBe(folderId);
  });

  it("mail moved into a tracked folder is tracked with the folder's regarding, whatever the filter", async () => {
    const { stack, decisions } = e2e;
    const mail = deliver(stack, FILTERED, "Contoso order 1");
    await stack.settle();
    // The filter is "none": the Inbox copy is not tracked.
    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();

    stack.graph.moveMessage(FILTERED, mail.messageId, "Customers/Contoso");
    await stack.settle();

    const activity = await activityFor(stack, mail.internetMessageId);
    expect(activity).toMatchObject({ regarding: CONTOSO, decisionReason: "trackedFolder", folder: { kind: "tracked", name: "Customers/Contoso" } });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("mail tracked through the Inbox, then moved in: one activity, regarding set from the folder, the move in its history and trace", async () => {
    const { stack, decisions } = e2e;
    makeFolder(INBOX_FIRST, "Projects");
    await setMailbox(INBOX_FIRST, { trackedFolders: [{ folder: "Projects", regarding: PROJECT }] });
    const mail = deliver(stack, INBOX_FIRST, "Project kickoff");
    await stack.settle();
    const before = await activityFor(stack, mail.internetMessageId);
    expect(before?.decisionReason).toBe("acceptedByFilter");
    expect(before?.regarding).toBeUndefined();

    stack.graph.moveMessage(INBOX_FIRST, mail.messageId, "Projects");
    await stack.settle();

    const after = await activityFor(stack, mail.internetMessageId);
    expect(after?.id).toBe(before?.id);
    expect(after?.regarding).toEqual(PROJECT);
    expect(after?.regardingChanges?.at(-1)).toMatchObject({ action: "relink", to: PROJECT, by: { oid: "tracker" }, reason: 'moved into the tracked folder "Projects"' });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
    const refiled = decisions.find((d) => d.result.trace.refiled !== undefined && d.result.internetMessageId.includes(mail.internetMessageId));
    expect(refiled?.result.trace.refiled).toEqual({ folder: "Projects", to: PROJECT });
    expect(refiled?.result.why).toContain('moved into the tracked folder "Projects"');
  });

  it("a tracked folder renamed in the mailbox keeps working: it is known by id", async () => {
    const { stack } = e2e;
    makeFolder(RENAMED, "Fabrikam");
    await setMailbox(RENAMED, { trackedFolders: [{ folder: "Fabrikam", regarding: CONTOSO }] });
    const [subscribed] = await folderSubscriptions(RENAMED, "Fabrikam");
    stack.graph.renameFolder(RENAMED, "Fabrikam", "Fabrikam Ltd");
    // Renewal and a recreated subscription both go by the folder's id, not its name.
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    expect((await folderSubscriptions(RENAMED, "Fabrikam")).map((s) => s.id)).toEqual([subscribed?.id]);
    if (subscribed) stack.graph.triggerLifecycle(subscribed.id, "subscriptionRemoved");
    await stack.settle();
    const [recreated] = await folderSubscriptions(RENAMED, "Fabrikam");
    expect(recreated?.id).not.toBe(subscribed?.id);
    expect(recreated?.folderId).toBe(subscribed?.folderId);

    const mail = deliver(stack, RENAMED, "After the rename");
    stack.graph.moveMessage(RENAMED, mail.messageId, "Fabrikam Ltd");
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ regarding: CONTOSO, folder: { kind: "tracked", name: "Fabrikam" } });
  });

  it("a tracked folder deleted in the mailbox: its subscription is gone and an alert says so", async () => {
    const { stack } = e2e;
    const folderId = makeFolder(DELETED, "Old deals");
    await setMailbox(DELETED, { trackedFolders: [{ folder: "Old deals", regarding: CONTOSO }] });
    expect(await folderSubscriptions(DELETED, "Old deals")).toHaveLength(1);

    stack.graph.deleteFolder(DELETED, "Old deals");
    await stack.settle();

    expect(await folderSubscriptions(DELETED, "Old deals")).toHaveLength(0);
    expect(graphSubscriptions(stack, DELETED).map((s) => s.folderId)).not.toContain(folderId);
    expect(graphSubscriptions(stack, DELETED)).toHaveLength(2); // Inbox and Sent Items only
    const alert = (await alertsOf(DELETED)).find((each) => each.code === "trackedFolder.deleted");
    expect(alert).toMatchObject({ level: "warning", message: expect.stringContaining('"Old deals" was deleted'), whatToDo: expect.any(String), folder: trackedFolderKey("Old deals") });
    expect((await eventsOf(stack, DELETED)).map((event) => event.code)).toContain("trackedFolder.deleted");
    // The mailbox's upkeep neither recreates it nor fails the mailbox; the alert is not repeated.
    await makeDue(stack, DELETED, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    expect(await folderSubscriptions(DELETED, "Old deals")).toHaveLength(0);
    const events = await eventsOf(stack, DELETED);
    expect(events.filter((event) => event.code.startsWith("subscription.") && event.level === "error")).toEqual([]);
    expect(events.filter((event) => event.code === "trackedFolder.notFound")).toHaveLength(1);
    await makeDue(stack, DELETED, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    expect((await eventsOf(stack, DELETED)).filter((event) => event.code === "trackedFolder.notFound")).toHaveLength(1);
  });

  it("a folder added to the settings is subscribed and the mail already in it (since the start date) is tracked", async () => {
    const { stack, decisions } = e2e;
    makeFolder(ADDED, "Later");
    const filedEarlier = deliver(stack, ADDED, "Filed before the folder was tracked");
    await stack.settle();
    stack.graph.moveMessage(ADDED, filedEarlier.messageId, "Later");
    await stack.settle();
    expect((await activityFor(stack, filedEarlier.internetMessageId))?.regarding).toBeUndefined();

    await setMailbox(ADDED, { trackedFolders: [{ folder: "Later", regarding: PROJECT }] });

    expect(await folderSubscriptions(ADDED, "Later")).toHaveLength(1);
    expect(await activityFor(stack, filedEarlier.internetMessageId)).toMatchObject({ regarding: PROJECT });
    expect(timesCreated(decisions, filedEarlier.internetMessageId)).toBe(1);
  });

  it("a folder removed from the settings loses its subscription, and the mailbox says so", async () => {
    const { stack } = e2e;
    makeFolder(REMOVED, "Archive 2025");
    await setMailbox(REMOVED, { trackedFolders: [{ folder: "Archive 2025", regarding: CONTOSO }] });
    const [subscribed] = await folderSubscriptions(REMOVED, "Archive 2025");
    expect(subscribed).toBeDefined();

    await setMailbox(REMOVED, { trackedFolders: [] });

    expect(await folderSubscriptions(REMOVED, "Archive 2025")).toHaveLength(0);
    expect(graphSubscriptions(stack, REMOVED).map((s) => s.id)).not.toContain(subscribed?.id);
    expect((await alertsOf(REMOVED)).find((each) => each.code === "trackedFolder.removedFromSettings")).toMatchObject({ level: "information", folder: trackedFolderKey("Archive 2025") });
  });
});
