// Response schemas of the health, alert and item-log routes (the OpenAPI document shows them).
import { z } from "zod";
import { ALERT_LEVELS } from "../../domain/alerts.js";
import { GAP_KINDS } from "../../domain/health.js";

const MAILBOX_STATES = ["healthy", "degraded", "failing", "disabled", "notRun"] as const;
const time = z.string().meta({ description: "ISO 8601 date-time." });

const testResultSchema = z.object({ status: z.enum(["notRun", "success", "failure"]), at: time.optional(), reason: z.string().optional() });

const folderHealthSchema = z.object({
  folder: z.string(),
  watched: z.boolean().meta({ description: "Whether the folder is subscribed and caught up now (Inbox; Sent Items when auto-tracked)." }),
  coveredUpTo: time.optional().meta({ description: "Everything received before this is known to be tracked: the start of the last completed catch-up. Absent: never caught up." }),
  behindInMs: z.number().optional(),
  openGaps: z.array(z.object({ kind: z.enum(GAP_KINDS), at: time, detail: z.string() })).meta({ description: "What may have let mail through unseen since; a catch-up that starts after closes it." }),
  needsCatchUp: z.boolean(),
  lastNotificationAt: time.optional(),
  lastCatchUp: z
    .object({ startedAt: time, completedAt: time, found: z.int().meta({ description: "Messages tracked that notifications had missed." }), seen: z.int(), reason: z.string(), restarted: z.boolean() })
    .optional(),
  lastCatchUpError: z.object({ at: time, code: z.string(), message: z.string() }).optional(),
  tracked: z.int(),
  skipped: z.record(z.string(), z.int()).meta({ description: "Items not tracked, by reason (the tracker's decision reason, messageGone, notInFolder)." }),
  failed: z.int(),
});

export const mailboxHealthSchema = z
  .object({
    mailbox: z.string(),
    state: z.enum(MAILBOX_STATES),
    enabled: z.boolean(),
    approvalStatus: z.string().optional(),
    incoming: testResultSchema,
    outgoing: testResultSchema,
    lastSuccessfulSyncAt: time.optional(),
    consecutiveFailures: z.int(),
    lastError: z.object({ code: z.string(), message: z.string(), at: time }).optional(),
    subscriptions: z.array(z.object({ id: z.string(), folder: z.string(), expirationDateTime: time, renewedOn: time.optional() })),
    folders: z.array(folderHealthSchema),
    resync: z
      .object({
        status: z.enum(["none", "queued", "completed"]),
        requestedAt: time,
        folders: z.array(z.string()),
        completed: z.record(z.string(), z.object({ completedAt: time, found: z.int() })),
      })
      .optional(),
  })
  .meta({ description: "A mailbox's health, as processing left it." });

const stateCountsSchema = z.object({ healthy: z.int(), degraded: z.int(), failing: z.int(), disabled: z.int(), notRun: z.int() });

export const organizationHealthSchema = z.object({
  checkedAt: time,
  mailboxes: z.object({ total: z.int(), byState: stateCountsSchema }),
  oldestCoveredUpTo: z.object({ mailbox: z.string(), folder: z.string(), coveredUpTo: time.optional() }).optional(),
  items: z.array(
    z.object({
      mailbox: z.string(),
      state: z.enum(MAILBOX_STATES),
      consecutiveFailures: z.int(),
      lastSuccessfulSyncAt: time.optional(),
      oldestCoveredUpTo: time.optional(),
      openGaps: z.int(),
    }),
  ),
});

export const alertSchema = z.object({
  id: z.string(),
  mailbox: z.string(),
  at: time,
  level: z.enum(ALERT_LEVELS),
  code: z.string(),
  message: z.string(),
  whatToDo: z.string().optional(),
  folder: z.string().optional(),
  messageId: z.string().optional(),
  ownerNotified: z.boolean(),
});

export const itemLogEntrySchema = z.object({
  id: z.string(),
  mailbox: z.string(),
  folder: z.string(),
  messageId: z.string(),
  at: time,
  via: z.enum(["notification", "catchUp"]),
  outcome: z.enum(["tracked", "skipped", "failed"]),
  reason: z.string(),
  subject: z.string().optional().meta({ description: '"***" for a mailbox the caller does not own.' }),
  internetMessageId: z.string().optional(),
  activityId: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const resyncSchema = z.object({ mailboxes: z.int(), folders: z.int().meta({ description: "Catch-ups queued." }) });
export const deletedSchema = z.object({ deleted: z.int() });

export const timeQuery = {
  since: z.iso.datetime({ offset: true }).optional().meta({ description: "At or after (ISO 8601)." }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: "Before (ISO 8601)." }),
};
export const levelQuery = { level: z.enum(ALERT_LEVELS).optional().meta({ description: "Only alerts of this level." }) };
export const outcomeQuery = { outcome: z.enum(["tracked", "skipped", "failed"]).optional() };
