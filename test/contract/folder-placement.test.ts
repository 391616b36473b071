// Placing tracked folders with the Graph gateway against the Graph simulator (real HTTPS, real
// SDK): the walk up a folder's parents, what it costs in requests, and what it does not conclude.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import { GraphFailure } from "../../src/app/errors.js";
import { trackedFolderKey } from "../../src/app/folder-keys.js";
import { placementOf, subscriptionsOutsideInbox } from "../../src/app/folder-placement.js";
import type { SubscriptionRecord } from "../../src/app/ports.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";
import { startSimulator } from "../support/admin-fixture.js";

let sim: GraphSimulator;
let gateway: GraphGateway;
beforeAll(async () => {
  ({ sim, gateway } = await startSimulator());
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

let mailboxNumber = 0;
function freshMailbox(): string {
  const address = `placed${++mailboxNumber}@contoso.test`;
  sim.addMailbox({ address });
  return address;
}

function makeFolder(mailbox: string, path: string, top = "inbox"): string {
  let parent = top;
  for (const part of path.split("/")) parent = sim.createFolder(mailbox, { parent, displayName: part });
  return parent;
}

const requests = (mailbox: string) => sim.stats.requests.byMailbox[sim.getMailbox(mailbox)?.id ?? ""] ?? 0;

function record(mailbox: string, folder: string, folderId: string | undefined, id = `sub-${folder}`): SubscriptionRecord {
  return {
    id,
    mailbox,
    folder: folder === "inbox" ? "inbox" : trackedFolderKey(folder),
    resource: "r",
    expirationDateTime: "2030-01-01T00:00:00.000Z",
    createdOn: "2025-01-01T00:00:00.000Z",
    ...(folderId === undefined ? {} : { folderId }),
  };
}

describe("placing a folder by walking its parents", () => {
  it.each([
    ["directly below the Inbox", "Contoso", "inbox", undefined, { kind: "underInbox" }, 1],
    ["three levels below the Inbox", "A/B/C", "inbox", undefined, { kind: "underInbox" }, 3],
    ["below Archive", "Old/Contoso", "archive", undefined, { kind: "outsideInbox", path: "Archive/Old/Contoso" }, 3],
    ["moved from the Inbox to Deleted Items", "Contoso", "inbox", "deleteditems", { kind: "outsideInbox", path: "Deleted Items/Contoso" }, 2],
  ] as const)("%s", async (_name, path, top, moveTo, expected, levels) => {
    const mailbox = freshMailbox();
    const folderId = makeFolder(mailbox, path, top);
    if (moveTo) sim.moveFolder(mailbox, folderId, moveTo);
    const inbox = await gateway.getFolder(mailbox, "inbox");
    const before = requests(mailbox);
    expect(await placementOf(gateway, mailbox, folderId, inbox)).toEqual(expected);
    expect(requests(mailbox) - before).toBe(levels);
  });

  it("a folder that is gone is Graph's notFound", async () => {
    const mailbox = freshMailbox();
    const folderId = makeFolder(mailbox, "Gone");
    sim.deleteFolder(mailbox, folderId);
    const inbox = await gateway.getFolder(mailbox, "inbox");
    await expect(placementOf(gateway, mailbox, folderId, inbox)).rejects.toSatisfy((error) => error instanceof GraphFailure && error.code === "notFound");
  });
});

describe("subscriptionsOutsideInbox", () => {
  it("asks Graph nothing for a mailbox without tracked folders", async () => {
    const mailbox = freshMailbox();
    const before = requests(mailbox);
    expect(await subscriptionsOutsideInbox({ gateway }, mailbox, [record(mailbox, "inbox", "x")])).toEqual(new Map());
    expect(requests(mailbox)).toBe(before);
  });

  it("names the subscriptions whose folder left the Inbox, leaves the rest and the ones it cannot place", async () => {
    const mailbox = freshMailbox();
    const staying = makeFolder(mailbox, "Customers/Contoso");
    const leaving = makeFolder(mailbox, "Fabrikam");
    const gone = makeFolder(mailbox, "Gone");
    sim.moveFolder(mailbox, leaving, "archive");
    sim.deleteFolder(mailbox, gone);
    const lines: string[] = [];
    const records = [record(mailbox, "inbox", "x"), record(mailbox, "Customers/Contoso", staying), record(mailbox, "Fabrikam", leaving), record(mailbox, "Gone", gone), record(mailbox, "Unplaced", undefined)];
    const before = requests(mailbox);
    expect(await subscriptionsOutsideInbox({ gateway, log: (line) => lines.push(line) }, mailbox, records)).toEqual(new Map([["sub-Fabrikam", "Archive/Fabrikam"]]));
    // The Inbox once, then each folder's levels: 2 + 2 + 1 (gone).
    expect(requests(mailbox) - before).toBe(1 + 2 + 2 + 1);
    expect(lines).toEqual([expect.stringContaining(`${mailbox}/${trackedFolderKey("Gone")}: notFound`)]);
  });
});
