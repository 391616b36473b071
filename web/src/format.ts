// How the pages show the API's names and values: one place, so every page says them alike.
import { ApiError } from "./api.js";

/** "trackingTokenUserDigits" → "Tracking token user digits": labels are the API's names in words. */
export function labelOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An ISO time as "2026-12-01 12:30 UTC" (the admin center shows UTC throughout). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

/** What went wrong, in the API's words when it answered with a problem document. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  return error instanceof Error ? error.message : String(error);
}
