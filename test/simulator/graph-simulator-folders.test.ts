// Child folders in the Graph simulator, over Graph's wire format: create, list, rename, move and
// delete a folder under the Inbox; subscriptions on a folder id; `updated` notifications when a
// message's categories change; delta per child folder.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Client } from "@microsoft/microsoft-graph-client";
import { connectTestClient, startGraphSimulator, startNotificationReceiver } from "../../local/graph-simulator/index.js";
import type { GraphSimulator, NotificationReceiver } from "../../local/graph-simulator/index.js";

const ALICE = "alice@contoso.test";
let sim: GraphSimulator;
let client: Client;
let receiver: NotificationReceiver;
let lifecycle: NotificationReceiver;
let alice: string;

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

function deliver(subject: string): string {
  return sim.deliverExternal({ to: [ALICE], from: { address: "sender@fabrikam.test" }, subject }).deliveries[0]?.messageId ?? "";
}

async function createChild(parent: string, displayName: string): Promise<Record<string, unknown>> {
  return (await client.api(`/users/${alice}/mailFolders/${parent}/childFolders`).post({ displayName })) as Record<string, unknown>;
}

async function subscribeTo(folderId: string, changeType = "created"): Promise<Record<string, unknown>> {
  return (await client.api("/subscriptions").header("Prefer", 'IdType="ImmutableId"').post({
    changeType,
    notificationUrl: receiver.url,
    lifecycleNotificationUrl: lifecycle.url,
    resource: `users/${alice}/mailFolders('${folderId}')/messages`,
    expirationDateTime: inDays(1),
    clientState: "state",
  })) as Record<string, unknown>;
}

beforeAll(async () => {
  sim = await startGraphSimulator({ notificationRetryBaseMs: 5, notificationTimeoutMs: 1_000, validationTimeoutMs: 1_000, notificationDelayMs: 20 });
  alice = sim.addMailbox({ address: ALICE });
  client = connectTestClient(sim);
});

beforeEach(async () => {
  receiver = await startNotificationReceiver();
  lifecycle = await startNotificationReceiver({ path: "/api/lifecycle" });
});

afterEach(async () => {
  for (const subscription of sim.listSubscriptions()) await client.api(`/subscriptions/${subscription.id}`).delete().catch(() => undefined);
  await sim.notificationsIdle();
  await receiver.close();
  await lifecycle.close();
});

afterAll(async () => {
  await sim.close();
});

describe("child folders", () => {
  it("creates a folder under the Inbox, lists it, and counts it on the parent", async () => {
    const inbox = (await client.api(`/users/${alice}/mailFolders/inbox`).get()) as { id: string; childFolderCount: number };
    const created = await createChild("inbox", "Customers");
    expect(created).toMatchObject({ displayName: "Customers", parentFolderId: inbox.id, childFolderCount: 0, totalItemCount: 0 });
    expect(created.id).toEqual(expect.any(String));
    const listed = (await client.api(`/users/${alice}/mailFolders/inbox/childFolders`).get()) as { value: Array<{ id: string; displayName: string }> };
    expect(listed.value.map((folder) => folder.displayName)).toContain("Customers");
    const after = (await client.api(`/users/${alice}/mailFolders/inbox`).get()) as { childFolderCount: number };
    expect(after.childFolderCount).toBe(inbox.childFolderCount + 1);
  });

  it.each([
    { name: "a name a sibling has (any case)", body: { displayName: "PROJECTS" }, status: 409, code: "ErrorFolderExists" },
    { name: "no display name", body: {}, status: 400, code: "ErrorInvalidRequest" },
    { name: "a blank display name", body: { displayName: "  " }, status: 400, code: "ErrorInvalidRequest" },
  ])("refuses a child folder with $name", async ({ body, status, code }) => {
    await createChild("inbox", "Projects").catch(() => undefined);
    await expect(client.api(`/users/${alice}/mailFolders/inbox/childFolders`).post(body)).rejects.toMatchObject({ statusCode: status, code });
  });

  it("renames a folder in place: the id stays", async () => {
    const folder = await createChild("inbox", "Old name");
    const renamed = (await client.api(`/users/${alice}/mailFolders/${String(folder.id)}`).patch({ displayName: "New name" })) as Record<string, unknown>;
    expect(renamed).toMatchObject({ id: folder.id, displayName: "New name" });
  });

  it("moves a folder under another and refuses a move under itself", async () => {
    const parent = await createChild("inbox", "Parent");
    const child = await createChild("inbox", "Child");
    const moved = (await client.api(`/users/${alice}/mailFolders/${String(child.id)}/move`).post({ destinationId: parent.id })) as Record<string, unknown>;
    expect(moved).toMatchObject({ id: child.id, parentFolderId: parent.id });
    await expect(client.api(`/users/${alice}/mailFolders/${String(parent.id)}/move`).post({ destinationId: child.id })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("refuses to rename or delete a well-known folder", async () => {
    await expect(client.api(`/users/${alice}/mailFolders/inbox`).patch({ displayName: "Mine" })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api(`/users/${alice}/mailFolders/inbox`).delete()).rejects.toMatchObject({ statusCode: 400 });
  });

  it("moves a message into a child folder by id and keeps its immutable id; delta of the folder returns it", async () => {
    const folder = await createChild("inbox", "Filed");
    const id = deliver("To be filed");
    const moved = (await client.api(`/users/${alice}/messages/${id}/move`).header("Prefer", 'IdType="ImmutableId"').post({ destinationId: folder.id })) as Record<string, unknown>;
    expect(moved).toMatchObject({ id, parentFolderId: folder.id });
    const delta = (await client.api(`/users/${alice}/mailFolders/${String(folder.id)}/messages/delta`).header("Prefer", 'IdType="ImmutableId"').get()) as { value: Array<{ id: string }> };
    expect(delta.value.map((message) => message.id)).toEqual([id]);
  });
});

describe("subscriptions on a child folder", () => {
  it("notifies `created` when a message is moved in, and nothing for mail that stays in the Inbox", async () => {
    const folder = await createChild("inbox", "Watched");
    await subscribeTo(String(folder.id));
    const stays = deliver("Stays in the Inbox");
    const moves = deliver("Moves into the folder");
    sim.moveMessage(ALICE, moves, String(folder.id));
    await receiver.waitFor(() => receiver.items().length === 1);
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(1);
    expect(receiver.items()[0]).toMatchObject({ changeType: "created", resourceData: { id: moves } });
    expect(JSON.stringify(receiver.items())).not.toContain(stays);
  });

  it("keeps notifying after the folder is renamed (the subscription is on its id)", async () => {
    const folder = await createChild("inbox", "Before rename");
    await subscribeTo(String(folder.id));
    await client.api(`/users/${alice}/mailFolders/${String(folder.id)}`).patch({ displayName: "After rename" });
    sim.moveMessage(ALICE, deliver("After the rename"), "After rename");
    await receiver.waitFor(() => receiver.items().length === 1);
    expect(receiver.items()[0]?.changeType).toBe("created");
  });

  it("deleting the folder removes its messages and ends its subscription with subscriptionRemoved", async () => {
    const folder = await createChild("inbox", "Doomed");
    const subscription = await subscribeTo(String(folder.id));
    sim.moveMessage(ALICE, deliver("Inside the doomed folder"), String(folder.id));
    await receiver.waitFor(() => receiver.items().length === 1);
    await client.api(`/users/${alice}/mailFolders/${String(folder.id)}`).delete();
    await lifecycle.waitFor(() => lifecycle.items().length === 1);
    expect(lifecycle.items()[0]).toMatchObject({ lifecycleEvent: "subscriptionRemoved", subscriptionId: subscription.id });
    await expect(client.api(`/subscriptions/${String(subscription.id)}`).get()).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.api(`/users/${alice}/mailFolders/${String(folder.id)}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("refuses a subscription on a folder that does not exist", async () => {
    await expect(subscribeTo("AAMkADnosuchfolderAAA=")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("sends `updated` when a message's categories change over Graph (PATCH), to subscriptions that ask for it", async () => {
    await subscribeTo("inbox", "created,updated");
    const id = deliver("Categorise me");
    await receiver.waitFor(() => receiver.items().length === 1);
    const patched = (await client.api(`/users/${alice}/messages/${id}`).header("Prefer", 'IdType="ImmutableId"').patch({ categories: ["Tracked to Dynamics 365"] })) as { categories: string[] };
    expect(patched.categories).toEqual(["Tracked to Dynamics 365"]);
    await receiver.waitFor(() => receiver.items().length === 2);
    expect(receiver.items().map((item) => item.changeType)).toEqual(["created", "updated"]);
  });

  it("sends no `updated` to a subscription for `created` only", async () => {
    await subscribeTo("inbox", "created");
    const id = deliver("Created only");
    await receiver.waitFor(() => receiver.items().length === 1);
    sim.updateMessage(ALICE, id, { categories: ["Blue"] });
    await sim.notificationsIdle();
    expect(receiver.items()).toHaveLength(1);
  });
});
