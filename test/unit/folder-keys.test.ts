import { describe, expect, it } from "vitest";
import { domainFolder, folderLabel, isMailFolderName, trackedFolderKey, trackedFolderName } from "../../src/app/folder-keys.js";
import { trackedFoldersToWatch } from "../../src/app/folder-subscriptions.js";
import { defaultOrganizationSettings, parseMailboxSettings } from "../../src/domain/settings.js";

describe("tracked-folder keys", () => {
  it.each([
    { name: "Customers", key: "tracked:Customers" },
    { name: "Customers/Contoso", key: "tracked:Customers%2FContoso" },
    { name: "  Spaced  ", key: "tracked:Spaced" },
    { name: "Tilde~and 100%", key: "tracked:Tilde%7Eand%20100%25" },
    { name: "Ünïcode/日本", key: `tracked:${encodeURIComponent("Ünïcode/日本")}` },
  ])("$name ↔ $key, never holding '/' or '~'", ({ name, key }) => {
    const made = trackedFolderKey(name);
    expect(made).toBe(key);
    expect(made).not.toMatch(/[/~]/);
    expect(trackedFolderName(made)).toBe(name.trim());
    expect(domainFolder(made)).toEqual({ kind: "tracked", name: name.trim() });
    expect(isMailFolderName(made)).toBe(true);
  });

  it.each([
    { value: "inbox", ok: true },
    { value: "sentitems", ok: true },
    { value: "drafts", ok: false },
    { value: "tracked:", ok: false },
    { value: "tracked:%20", ok: false },
    { value: "tracked:%E0%A4%A", ok: false },
    { value: 42, ok: false },
    { value: undefined, ok: false },
  ])("isMailFolderName($value) is $ok", ({ value, ok }) => {
    expect(isMailFolderName(value)).toBe(ok);
  });

  it("labels folders for mailbox events", () => {
    expect(folderLabel("inbox")).toBe("inbox");
    expect(folderLabel(trackedFolderKey("A/B"))).toBe('tracked folder "A/B"');
    expect(domainFolder("sentitems")).toEqual({ kind: "sentitems" });
  });
});

describe("which tracked folders are watched", () => {
  const regarding = { type: "account", id: "a1" } as const;
  it.each([
    { name: "a user's folders with folder-level tracking on", kind: "user" as const, on: true, folders: ["A", "B/C"], watched: ["tracked:A", "tracked:B%2FC"] },
    { name: "none with folder-level tracking off", kind: "user" as const, on: false, folders: ["A"], watched: [] },
    { name: "none for a queue", kind: "queue" as const, on: true, folders: [], watched: [] },
  ])("$name", ({ kind, on, folders, watched }) => {
    const mailbox = parseMailboxSettings({ address: "m@contoso.example.com", kind, trackedFolders: folders.map((folder) => ({ folder, regarding })) });
    expect(trackedFoldersToWatch(mailbox, { ...defaultOrganizationSettings(), useFolderLevelTracking: on })).toEqual(watched);
  });
});
