import { describe, expect, it } from "vitest";
import { FOLDER_TRACKING_ACTOR, MAX_REGARDING_CHANGES, refileIntoFolder } from "../../src/domain/refile.js";
import type { EmailActivity, Folder, RecordRef, RegardingChange } from "../../src/domain/types.js";

const AT = "2026-12-01T10:00:00.000Z";
const FOLDER: Folder = { kind: "tracked", name: "Customers/Contoso" };
const CONTOSO: RecordRef = { type: "account", id: "contoso" };
const CASE: RecordRef = { type: "custom", id: "case-1" };

function activity(overrides: Partial<EmailActivity> = {}): EmailActivity {
  return { id: "a1", regardingChanges: undefined, ...overrides } as unknown as EmailActivity;
}

describe("refileIntoFolder", () => {
  it.each<{ name: string; stored: Partial<EmailActivity>; folder: Folder; regarding: RecordRef | undefined; changed: boolean }>([
    { name: "no regarding yet: set from the folder", stored: {}, folder: FOLDER, regarding: CONTOSO, changed: true },
    { name: "another regarding (a person's edit): overwritten", stored: { regarding: CASE }, folder: FOLDER, regarding: CONTOSO, changed: true },
    { name: "already the folder's: nothing", stored: { regarding: CONTOSO }, folder: FOLDER, regarding: CONTOSO, changed: false },
    { name: "not a tracked folder: nothing", stored: {}, folder: { kind: "inbox" }, regarding: CONTOSO, changed: false },
    { name: "no folder regarding: nothing", stored: {}, folder: FOLDER, regarding: undefined, changed: false },
  ])("$name", ({ stored, folder, regarding, changed }) => {
    const result = refileIntoFolder(activity(stored), { folder, regarding, at: AT });
    expect(result !== undefined).toBe(changed);
    if (!result) return;
    expect(result.activity.regarding).toEqual(regarding);
    expect(result.step).toEqual({ folder: "Customers/Contoso", ...(stored.regarding ? { from: stored.regarding } : {}), to: regarding });
    expect(result.activity.regardingChanges).toEqual([
      { at: AT, by: FOLDER_TRACKING_ACTOR, action: "relink", scope: "activity", ...(stored.regarding ? { from: stored.regarding } : {}), to: regarding, reason: 'moved into the tracked folder "Customers/Contoso"' },
    ]);
  });

  it("keeps the newest regarding changes within the bound", () => {
    const old: RegardingChange = { at: AT, by: { oid: "x" }, action: "unlink", scope: "activity" };
    const full = activity({ regardingChanges: Array.from({ length: MAX_REGARDING_CHANGES }, () => old) });
    const result = refileIntoFolder(full, { folder: FOLDER, regarding: CONTOSO, at: AT });
    expect(result?.activity.regardingChanges).toHaveLength(MAX_REGARDING_CHANGES);
    expect(result?.activity.regardingChanges?.at(-1)?.to).toEqual(CONTOSO);
  });
});
