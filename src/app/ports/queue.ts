// Ports of the work queue: its items, enqueueing and the health probe.
import type { ScheduleKind } from "../../domain/schedule.js";
import type { MailFolderName } from "./live-tracking.js";
import type { EncryptedContent } from "./resource-data.js";

/** A unit of background work on the notifications queue. */
export type QueueItem =
  | {
      kind: "change";
      subscriptionId: string;
      mailbox: string;
      folder: MailFolderName;
      /** "updated": the messages changed (a category, perhaps); absent: they arrived. */
      changeType?: "updated";
      /** The subscribed folder's Graph id, when known: a message elsewhere is not tracked. */
      folderId?: string;
      /** 1 to 20 Graph message ids: a burst in one notification POST is fetched with one $batch. */
      messageIds: string[];
      /** How often this work was put back because another worker held its messages. */
      deferrals?: number;
      /**
       * Rich notifications: the encrypted message by message id, as Graph sent it (only those
       * whose validation tokens passed; decrypted by the worker, src/app/resource-data.ts).
       */
      encryptedContent?: Record<string, EncryptedContent>;
      /** When the webhook accepted it. */
      acceptedAt: string;
    }
  | {
      kind: "lifecycle";
      subscriptionId: string;
      mailbox: string;
      folder: MailFolderName;
      lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed";
      acceptedAt: string;
    }
  | { kind: "catchUp"; mailbox: string; folder: MailFolderName; reason: string; requestedAt: string }
  /** Track a categorised message again after a failed attempt (src/app/categories.ts). */
  | { kind: "category"; mailbox: string; folder: MailFolderName; messageId: string; attempt: number; requestedAt: string }
  /** Keep one mailbox's subscriptions (`renew`), or also verify them at Graph and catch its folders up (`sweep`). */
  | { kind: "maintain"; task: ScheduleKind; mailbox: string; requestedAt: string }
  /** Send an outgoing email (src/app/outgoing-email.ts); duplicates are harmless. */
  | { kind: "send"; mailbox: string; outgoingId: string; requestedAt: string }
  /** Replay a what-if run (src/app/what-if-worker.ts); `mailbox` is the replayed one, for logs only. */
  | { kind: "whatIf"; runId: string; mailbox: string; requestedAt: string; deferrals?: number };

/** Whether the work queue answers, and how many items its poison queue holds (the health endpoint). */
export interface QueueProbe {
  probe(): Promise<{ reachable: boolean; poisonCount?: number }>;
}

export interface WorkQueue {
  /** `delayInSeconds`: the items stay invisible that long (work to look at again later). */
  enqueue(items: QueueItem[], options?: { delayInSeconds?: number }): Promise<void>;
}
