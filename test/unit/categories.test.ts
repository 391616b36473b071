import { describe, expect, it } from "vitest";
import { changeTypeFor } from "../../src/app/categories.js";
import { trackedFolderKey } from "../../src/app/folder-keys.js";
import { categoryAction, hasTrackingCategory, markedUndeliverable, undeliverableCategory } from "../../src/domain/categories.js";
import type { EmailActivity } from "../../src/domain/types.js";

const ON = { trackCategorizedItems: true, trackingCategory: "Tracked to Dynamics 365" };
const OFF = { ...ON, trackCategorizedItems: false };

describe("the tracking category", () => {
  it.each([
    { categories: ["Tracked to Dynamics 365"], settings: ON, has: true },
    { categories: ["blue", " tracked to dynamics 365 "], settings: ON, has: true },
    { categories: ["Tracked to Dynamics 365 (Undeliverable)"], settings: ON, has: false },
    { categories: [], settings: ON, has: false },
    { categories: null, settings: ON, has: false },
    { categories: ["Tracked to Dynamics 365"], settings: OFF, has: false },
  ])("$categories with tracking $settings.trackCategorizedItems: $has", ({ categories, settings, has }) => {
    expect(hasTrackingCategory(categories, settings)).toBe(has);
  });

  it.each([
    { categories: ["Tracked to Dynamics 365"], marked: ["Tracked to Dynamics 365 (Undeliverable)"] },
    { categories: ["Red", "tracked to dynamics 365"], marked: ["Red", "Tracked to Dynamics 365 (Undeliverable)"] },
    { categories: ["Tracked to Dynamics 365 (Undeliverable)"], marked: ["Tracked to Dynamics 365 (Undeliverable)"] },
  ])("marks $categories Undeliverable as $marked", ({ categories, marked }) => {
    expect(markedUndeliverable(categories, ON)).toEqual(marked);
    expect(undeliverableCategory({ ...ON, trackingCategory: "CRM" })).toBe("CRM (Undeliverable)");
  });
});

describe("what a change means", () => {
  const byCategory = { decisionReason: "trackingCategory" } as EmailActivity;
  const byFilter = { decisionReason: "acceptedByFilter" } as EmailActivity;
  const untracked = { decisionReason: "trackingCategory", untracked: { at: "2026-12-01T00:00:00Z", reason: "categoryRemoved" } } as EmailActivity;
  it.each<{ name: string; categorized: boolean; activity: EmailActivity | undefined; action: string }>([
    { name: "category, no activity", categorized: true, activity: undefined, action: "track" },
    { name: "category, tracked", categorized: true, activity: byCategory, action: "none" },
    { name: "category back after removal", categorized: true, activity: untracked, action: "retrack" },
    { name: "category removed from one it tracked", categorized: false, activity: byCategory, action: "untrack" },
    { name: "category removed again", categorized: false, activity: untracked, action: "none" },
    { name: "no category on one the filter tracked", categorized: false, activity: byFilter, action: "none" },
    { name: "no category, no activity", categorized: false, activity: undefined, action: "none" },
  ])("$name: $action", ({ categorized, activity, action }) => {
    expect(categoryAction({ categorized, activity })).toBe(action);
  });

  it.each([
    { folder: "inbox" as const, on: true, changeType: "created,updated" },
    { folder: "sentitems" as const, on: true, changeType: "created,updated" },
    { folder: "inbox" as const, on: false, changeType: "created" },
    { folder: trackedFolderKey("Customers"), on: true, changeType: "created" },
  ])("subscribes $folder for $changeType when category tracking is $on", ({ folder, on, changeType }) => {
    expect(changeTypeFor(folder, { trackCategorizedItems: on })).toBe(changeType);
  });
});
