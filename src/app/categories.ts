// Category tracking live. With `trackCategorizedItems` on, Inbox and Sent Items are subscribed for
// `updated` as well as `created`. An `updated` notification does not fetch its messages (most
// updates are a read flag): it runs the folder's delta from the stored link, which returns every
// message changed since, with its categories, in one request per page. Only a message whose
// category says something new costs more: a fetch to track it (`track`), or one activity write
// (`retrack`, `untrack`). A message that cannot be tracked is tried again every
// `categoryRetryIntervalInMinutes` (default 15), 5 times in all, then marked
// "<category> (Undeliverable)" in the mailbox, as Dynamics marks it.
import { activityIdFor } from "../domain/activity.js";
import {
  MAX_CATEGORY_ATTEMPTS,
  categoryAction,
  hasTrackingCategory,
  markedUndeliverable,
  undeliverableCategory,
} from "../domain/categories.js";
import { normalizeMessageId } from "../domain/message.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { GraphMessage, OrganizationSettings } from "../domain/types.js";
import type { Alerts } from "./alerts.js";
import { GraphFailure } from "./errors.js";
import { domainFolder, isTrackedFolderKey } from "./folder-keys.js";
import type { LiveTrackingStore, MailFolderName, MailGateway, QueueItem, TrackingStore, WorkQueue } from "./ports.js";
import type { TrackResult, Tracker } from "./track-message.js";

export interface CategoryTrackingDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  gateway: MailGateway;
  tracker: Tracker;
  queue: WorkQueue;
  clock: () => Date;
  alerts?: Pick<Alerts, "raise"> | undefined;
  /** Told about every tracking decision, as the work processor's onDecision. */
  onDecision?: (decision: { mailbox: string; folder: MailFolderName; result: TrackResult; via: "notification" | "catchUp" }) => void;
}

export interface CategoryOutcome {
  tracked: number;
  retracked: number;
  untracked: number;
  failed: number;
}

/** The subscription's change types for a folder: `updated` too where category changes must be seen. */
export function changeTypeFor(folder: MailFolderName, organization: Pick<OrganizationSettings, "trackCategorizedItems">): "created" | "created,updated" {
  // A tracked folder tracks whatever is moved in; its categories add nothing.
  return organization.trackCategorizedItems && !isTrackedFolderKey(folder) ? "created,updated" : "created";
}

export function createCategoryTracking(deps: CategoryTrackingDeps) {
  const { store, live, gateway, tracker, clock } = deps;

  async function event(mailbox: string, level: "warning" | "information", code: string, message: string, messageId: string): Promise<void> {
    await live.syncState.recordEvent(mailbox, { at: clock().toISOString(), level, code, message, messageId });
  }

  /** Category changes among the messages of a delta page (after the page's new mail was handled). */
  async function onChangedMessages(mailbox: string, folder: MailFolderName, messages: GraphMessage[], organization: OrganizationSettings): Promise<CategoryOutcome> {
    const outcome: CategoryOutcome = { tracked: 0, retracked: 0, untracked: 0, failed: 0 };
    if (!organization.trackCategorizedItems || isTrackedFolderKey(folder)) return outcome;
    for (const message of messages) {
      const internetMessageId = normalizeMessageId(message.internetMessageId);
      if (!internetMessageId || message.isDraft) continue;
      const categorized = hasTrackingCategory(message.categories, organization);
      const activity = await store.activities.getActivity(activityIdFor({ internetMessageId }));
      switch (categoryAction({ categorized, activity })) {
        case "track":
          if (await attempt({ mailbox, folder, messageId: message.id, attempt: 1 })) outcome.tracked += 1;
          else outcome.failed += 1;
          break;
        case "retrack":
          if (activity) await store.activities.updateActivity(activity.id, ({ untracked: _gone, ...current }) => current);
          await event(mailbox, "information", "category.retracked", `the tracking category was given back: the email is tracked again (same activity)`, message.id);
          outcome.retracked += 1;
          break;
        case "untrack":
          if (activity) await store.activities.updateActivity(activity.id, (current) => (current.untracked ? undefined : { ...current, untracked: { at: clock().toISOString(), reason: "categoryRemoved" } }));
          await event(mailbox, "information", "category.removed", `the tracking category was removed: the email is untracked, its activity is kept`, message.id);
          outcome.untracked += 1;
          break;
        case "none":
          break;
      }
    }
    return outcome;
  }

  /** One attempt to track a categorised message; true when it is tracked. A failure is retried later, or marked. */
  async function attempt(input: { mailbox: string; folder: MailFolderName; messageId: string; attempt: number }): Promise<boolean> {
    const organization = (await store.settings.getOrganization()) ?? defaultOrganizationSettings();
    let message: GraphMessage;
    try {
      message = await gateway.getMessage(input.mailbox, input.messageId, { folder: input.folder });
    } catch (error) {
      // Deleted, or moved away: nothing left to track.
      if (error instanceof GraphFailure && error.code === "notFound") return false;
      return failed(input, organization, undefined, error instanceof Error ? error.message : String(error));
    }
    // The category was taken off again before this attempt.
    if (!hasTrackingCategory(message.categories, organization)) return false;
    try {
      const result = await tracker.track({ message, mailbox: input.mailbox, folder: domainFolder(input.folder) });
      deps.onDecision?.({ mailbox: input.mailbox, folder: input.folder, result, via: "catchUp" });
      if (result.tracked) return true;
      return failed(input, organization, message, `not tracked: ${result.why}`);
    } catch (error) {
      return failed(input, organization, message, error instanceof Error ? error.message : String(error));
    }
  }

  async function failed(
    input: { mailbox: string; folder: MailFolderName; messageId: string; attempt: number },
    organization: OrganizationSettings,
    message: GraphMessage | undefined,
    why: string,
  ): Promise<false> {
    if (input.attempt < MAX_CATEGORY_ATTEMPTS) {
      const retry: QueueItem = { kind: "category", mailbox: input.mailbox, folder: input.folder, messageId: input.messageId, attempt: input.attempt + 1, requestedAt: clock().toISOString() };
      await deps.queue.enqueue([retry], { delayInSeconds: organization.categoryRetryIntervalInMinutes * 60 });
      await event(input.mailbox, "warning", "category.retry", `a categorised email could not be tracked (attempt ${input.attempt} of ${MAX_CATEGORY_ATTEMPTS}): ${why}`, input.messageId);
      return false;
    }
    await gateway.setCategories(input.mailbox, input.messageId, markedUndeliverable(message?.categories ?? [organization.trackingCategory], organization));
    const alert = {
      level: "warning" as const,
      code: "category.undeliverable",
      message: `a categorised email could not be tracked after ${MAX_CATEGORY_ATTEMPTS} attempts; it is marked "${undeliverableCategory(organization)}": ${why}`,
      whatToDo: "Fix what the message says (the mailbox's settings or state), then give the email the tracking category again.",
      messageId: input.messageId,
    };
    if (deps.alerts) await deps.alerts.raise(input.mailbox, alert);
    else await live.syncState.recordEvent(input.mailbox, { at: clock().toISOString(), ...alert });
    return false;
  }

  /** A queued retry (kind "category"). */
  async function retry(item: Extract<QueueItem, { kind: "category" }>): Promise<{ tracked: boolean }> {
    return { tracked: await attempt(item) };
  }

  return { onChangedMessages, retry };
}

export type CategoryTracking = ReturnType<typeof createCategoryTracking>;
