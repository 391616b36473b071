// Category tracking (`trackCategorizedItems`): mail a person gives the tracking category is tracked
// wherever it is, whatever the filter; removing the category untracks the item but keeps the
// record, as Dynamics does. Pure: what to do about one changed message, given its activity.
import type { EmailActivity, OrganizationSettings } from "./types.js";

/**
 * Dynamics' attempts before it gives up on a categorised item (5; the wait between them is the
 * organization's `categoryRetryIntervalInMinutes`, Dynamics' "about every 15 minutes").
 */
export const MAX_CATEGORY_ATTEMPTS = 5;

type CategorySettings = Pick<OrganizationSettings, "trackCategorizedItems" | "trackingCategory">;

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function hasTrackingCategory(categories: readonly string[] | null | undefined, settings: CategorySettings): boolean {
  return settings.trackCategorizedItems && (categories ?? []).some((category) => same(category, settings.trackingCategory));
}

/** The category Dynamics gives an item it could not track: "<category> (Undeliverable)". */
export function undeliverableCategory(settings: CategorySettings): string {
  return `${settings.trackingCategory} (Undeliverable)`;
}

/** The message's categories with the tracking category replaced by its Undeliverable form. */
export function markedUndeliverable(categories: readonly string[], settings: CategorySettings): string[] {
  const others = categories.filter((category) => !same(category, settings.trackingCategory) && !same(category, undeliverableCategory(settings)));
  return [...others, undeliverableCategory(settings)];
}

/**
 * What a change to a message means for category tracking:
 * - `track`: it has the category and no activity: fetch it and track it;
 * - `retrack`: it has the category again after it was removed: the same activity is tracked again;
 * - `untrack`: the category that tracked it was removed: the activity is kept, marked untracked;
 * - `none`: nothing to do (already tracked, or never tracked by its category).
 */
export type CategoryAction = "track" | "retrack" | "untrack" | "none";

export function categoryAction(input: { categorized: boolean; activity: EmailActivity | undefined }): CategoryAction {
  const { categorized, activity } = input;
  if (categorized) {
    if (!activity) return "track";
    return activity.untracked ? "retrack" : "none";
  }
  if (activity && activity.decisionReason === "trackingCategory" && !activity.untracked) return "untrack";
  return "none";
}
