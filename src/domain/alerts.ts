// Mailbox alerts, as Dynamics 365 server-side synchronization raises them: a level (Information,
// Warning, Error), a code, a message and what to do. Pure rules: which levels the organization
// records, whether the owner is notified, and an alert's id (deterministic when the caller names
// the occurrence, so a retried step raises it once).
import { createHash } from "node:crypto";
import type { OrganizationSettings } from "./types.js";

export const ALERT_LEVELS = ["information", "warning", "error"] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export interface Alert {
  id: string;
  /** Lower-cased mailbox address (every alert here is about one mailbox). */
  mailbox: string;
  at: string;
  level: AlertLevel;
  /** Stable, dotted: "mailbox.permissionLost", "catchUp.tracked", "folder.deleted". */
  code: string;
  message: string;
  /** What an admin (or the owner) does about it. */
  whatToDo?: string;
  /** The watched folder it concerns, when one. */
  folder?: string;
  /** The Graph message it concerns, when one. */
  messageId?: string;
  /** Flagged for the mailbox's owner (organization setting notifyMailboxOwnerOfAlerts). */
  ownerNotified: boolean;
}

/** What a caller raises; the rest (id, time, owner flag) is filled in. */
export interface AlertInput {
  level: AlertLevel;
  code: string;
  message: string;
  whatToDo?: string;
  folder?: string;
  messageId?: string;
  /**
   * Names this occurrence (e.g. the catch-up's start time, the poisoned item's message ids): the
   * same mailbox, code and key give the same alert id, so raising it again overwrites, not adds.
   * Absent: every raise is a new alert.
   */
  occurrence?: string;
}

export type AlertSettings = Pick<OrganizationSettings, "recordErrorAlerts" | "recordWarningAlerts" | "recordInformationAlerts" | "notifyMailboxOwnerOfAlerts">;

/** Whether the organization records alerts of this level (Dynamics' three alert switches). */
export function isRecorded(level: AlertLevel, settings: AlertSettings): boolean {
  switch (level) {
    case "error":
      return settings.recordErrorAlerts;
    case "warning":
      return settings.recordWarningAlerts;
    case "information":
      return settings.recordInformationAlerts;
  }
}

/** The alert as stored; `randomId` is used only when the input names no occurrence. */
export function buildAlert(mailbox: string, input: AlertInput, options: { at: string; settings: AlertSettings; randomId: () => string }): Alert {
  const id =
    input.occurrence === undefined
      ? options.randomId()
      : createHash("sha256").update(JSON.stringify([mailbox, input.code, input.occurrence])).digest("base64url").slice(0, 32);
  return {
    id,
    mailbox,
    at: options.at,
    level: input.level,
    code: input.code,
    message: input.message,
    ...(input.whatToDo !== undefined ? { whatToDo: input.whatToDo } : {}),
    ...(input.folder !== undefined ? { folder: input.folder } : {}),
    ...(input.messageId !== undefined ? { messageId: input.messageId } : {}),
    ownerNotified: options.settings.notifyMailboxOwnerOfAlerts,
  };
}

/** Which alerts a listing (or a delete) covers. Times are ISO; `until` is exclusive. */
export interface AlertFilter {
  mailbox?: string;
  levels?: readonly AlertLevel[];
  since?: string;
  until?: string;
  /** Only those flagged for the owner (what an owner without a role sees). */
  ownerNotifiedOnly?: boolean;
}

export function matchesAlertFilter(alert: Alert, filter: AlertFilter): boolean {
  return (
    (filter.mailbox === undefined || alert.mailbox === filter.mailbox.toLowerCase()) &&
    (filter.levels === undefined || filter.levels.includes(alert.level)) &&
    (filter.since === undefined || alert.at >= filter.since) &&
    (filter.until === undefined || alert.at < filter.until) &&
    (!filter.ownerNotifiedOnly || alert.ownerNotified)
  );
}

/** Newest first; equal times by id, so pages are stable. */
export function byAlertRecency(a: Alert, b: Alert): number {
  return b.at.localeCompare(a.at) || a.id.localeCompare(b.id);
}
