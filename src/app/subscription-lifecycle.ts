// Graph's lifecycle events for a subscription (reauthorization, removal, missed notifications), handled from the queue.
import { GraphFailure } from "./errors.js";
import type { MailFolderName, QueueItem } from "./ports.js";
import type { SubscriptionDeps } from "./subscriptions.js";
import { isGone, type SubscriptionRecords } from "./subscription-records.js";

export function createLifecycleHandler(deps: SubscriptionDeps, records: SubscriptionRecords) {
  const { live, gateway } = deps;
  const { event, renew, replace, requestCatchUp } = records;

  /**
   * Lifecycle events, handled from the queue. `subscriptionRemoved` and `missed` are believed only
   * once Graph confirms: a subscription Graph still has is never replaced (so no second one is
   * made beside a live one), whoever sent the event.
   */
  async function handleLifecycle(item: Extract<QueueItem, { kind: "lifecycle" }>): Promise<void> {
    const record = await live.subscriptions.getSubscription(item.subscriptionId);
    switch (item.lifecycleEvent) {
      case "reauthorizationRequired": {
        if (!record) return;
        try {
          await gateway.reauthorizeSubscription(record.id);
        } catch (error) {
          if (!(error instanceof GraphFailure)) throw error;
          if (isGone(error)) {
            await replace(record, { reason: "subscription gone at reauthorization", goneAtGraph: true });
          } else if (!error.transient) {
            // Reauthorizing is not possible; renewing also re-authorizes delivery.
            await renew(record);
          } else {
            throw error;
          }
        }
        return;
      }
      case "subscriptionRemoved":
      case "missed": {
        const reason = item.lifecycleEvent === "missed" ? "notifications missed" : "subscription removed by Graph";
        if (item.lifecycleEvent === "missed") await notificationsMissed(item.mailbox, item.folder, `${item.subscriptionId} ${item.acceptedAt}`);
        if (!record) {
          // Already replaced (a redelivered event): make sure the gap is caught up anyway.
          await requestCatchUp(item.mailbox, item.folder, reason);
          return;
        }
        const atGraph = await gateway.getSubscription(record.id);
        if (!atGraph) {
          await replace(record, { reason, goneAtGraph: true });
        } else if (item.lifecycleEvent === "missed") {
          await requestCatchUp(record.mailbox, record.folder, reason);
        } else {
          await event(record.mailbox, "warning", "lifecycle.unconfirmed", `subscriptionRemoved for the ${record.folder} subscription, but Graph still has it: ignored`);
        }
        return;
      }
    }
  }

  /** Graph says it could not deliver some notifications: a gap until the catch-up, and a warning. */
  async function notificationsMissed(mailbox: string, folder: MailFolderName, occurrence: string): Promise<void> {
    await deps.health?.gapOpened(mailbox, folder, "missed", "Graph reported notifications it could not deliver");
    await deps.alerts?.raise(mailbox, {
      level: "warning",
      code: "notifications.missed",
      message: `Graph could not deliver some ${folder} notifications; a catch-up is queued`,
      folder,
      occurrence,
      whatToDo: "Nothing for the missed mail: the catch-up tracks it. If it recurs, check the webhook's availability and response times.",
    });
  }

  return { handleLifecycle };
}
