// Mail already tracked (through the Inbox) and then moved into a tracked folder keeps its one
// activity; its regarding becomes the folder's record, as Dynamics sets it from the folder on the
// next sync (overwriting a manual edit). Pure: the decision says what to change, the app writes it.
import type { EmailActivity, Folder, RecordRef, RegardingChange } from "./types.js";

/** Regarding changes kept on an activity (the oldest fall off). */
export const MAX_REGARDING_CHANGES = 50;

/** Who made a regarding change that no person made: the tracker, for folder-level tracking. */
export const FOLDER_TRACKING_ACTOR = { oid: "tracker", name: "Folder-level tracking" } as const;

/** What the trace records about the move. */
export interface RefileStep {
  folder: string;
  from?: RecordRef;
  to: RecordRef;
}

function sameRecord(a: RecordRef | undefined, b: RecordRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.type === b.type && a.id === b.id;
}

/**
 * The stored activity with the tracked folder's regarding, or undefined when nothing changes (not
 * a tracked folder, or the regarding is already the folder's). Applied again to a newer version
 * of the activity on a write race, so it decides from `stored` alone.
 */
export function refileIntoFolder(
  stored: EmailActivity,
  input: { folder: Folder; regarding: RecordRef | undefined; at: string },
): { activity: EmailActivity; step: RefileStep } | undefined {
  const { folder } = input;
  if (folder.kind !== "tracked" || !input.regarding) return undefined;
  if (sameRecord(stored.regarding, input.regarding)) return undefined;
  const to = { ...input.regarding };
  const change: RegardingChange = {
    at: input.at,
    by: { ...FOLDER_TRACKING_ACTOR },
    action: "relink",
    scope: "activity",
    ...(stored.regarding ? { from: stored.regarding } : {}),
    to,
    reason: `moved into the tracked folder "${folder.name}"`,
  };
  return {
    activity: { ...stored, regarding: to, regardingChanges: [...(stored.regardingChanges ?? []), change].slice(-MAX_REGARDING_CHANGES) },
    step: { folder: folder.name, ...(stored.regarding ? { from: stored.regarding } : {}), to },
  };
}
