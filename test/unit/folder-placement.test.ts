// Whether a tracked folder is still below the Inbox, from the parents read so far.
import { describe, expect, it } from "vitest";
import { MAX_FOLDER_DEPTH, folderPlacement, type FolderPlacement, type FolderStep } from "../../src/domain/folder-placement.js";

const INBOX = "inbox-id";
const ROOT = "root-id";
const step = (id: string, parentFolderId: string | undefined, displayName = id): FolderStep => ({ id, displayName, ...(parentFolderId === undefined ? {} : { parentFolderId }) });

describe("folderPlacement", () => {
  it.each<[string, FolderStep[], string | undefined, FolderPlacement]>([
    ["directly under the Inbox", [step("f", INBOX)], ROOT, { kind: "underInbox" }],
    ["two levels down: read the parent first", [step("f", "customers")], ROOT, { kind: "readNext", folderId: "customers" }],
    ["two levels down, parent read", [step("f", "customers"), step("customers", INBOX)], ROOT, { kind: "underInbox" }],
    ["moved to a top-level folder", [step("f", "archive", "Contoso"), step("archive", ROOT, "Archive")], ROOT, { kind: "outsideInbox", path: "Archive/Contoso" }],
    ["moved to the top itself", [step("f", ROOT, "Contoso")], ROOT, { kind: "outsideInbox", path: "Contoso" }],
    ["deep below Archive", [step("f", "b", "F"), step("b", "a", "B"), step("a", ROOT, "Archive")], ROOT, { kind: "outsideInbox", path: "Archive/B/F" }],
    ["a parent without a parent (the top, root unknown)", [step("f", "a", "F"), step("a", undefined, "A")], undefined, { kind: "outsideInbox", path: "A/F" }],
    ["an empty parent id", [step("f", "", "F")], ROOT, { kind: "outsideInbox", path: "F" }],
    ["the walk reached the root itself", [step("f", "x", "F"), step(ROOT, "above-root", "Top")], ROOT, { kind: "outsideInbox", path: "F" }],
    ["the Inbox named as the folder", [step(INBOX, ROOT)], ROOT, { kind: "underInbox" }],
    ["parents in a cycle", [step("f", "a"), step("a", "f")], ROOT, { kind: "unknown", why: "the folder's parents form a cycle" }],
    ["nothing read", [], ROOT, { kind: "unknown", why: "no folder read" }],
    ["no display name: the id stands in", [{ id: "f", parentFolderId: "a" }, { id: "a", parentFolderId: ROOT }], ROOT, { kind: "outsideInbox", path: "a/f" }],
  ])("%s", (_name, chain, rootId, expected) => {
    expect(folderPlacement({ chain, inboxId: INBOX, rootId })).toEqual(expected);
  });

  it(`stops after ${MAX_FOLDER_DEPTH} levels without concluding`, () => {
    const chain = Array.from({ length: MAX_FOLDER_DEPTH }, (_, i) => step(`f${i}`, `f${i + 1}`));
    expect(folderPlacement({ chain, inboxId: INBOX, rootId: ROOT })).toEqual({ kind: "unknown", why: `more than ${MAX_FOLDER_DEPTH} levels deep` });
    expect(folderPlacement({ chain: chain.slice(0, -1), inboxId: INBOX, rootId: ROOT })).toEqual({ kind: "readNext", folderId: `f${MAX_FOLDER_DEPTH - 1}` });
  });
});
