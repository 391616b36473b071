// Recording a mailbox's health as processing happens (src/domain/health.ts holds the rules): the
// item-level log and counts after each batch of items, gaps as they open, catch-ups as they end.
// Processing calls these hooks; nothing here scans. Recording never throws: a health write that
// fails is logged at error level and the work that reported it goes on (its outcome is what
// counts; health catches up with the next event).
import { createHash } from "node:crypto";
import { mailboxLogLine } from "./mailbox-log.js";
import type { ItemLogEntry, LiveTrackingStore, ProcessedMark, TrackingStore } from "./ports.js";
import { createTtlCache } from "./ttl-cache.js";
import { normalizeAddress } from "../domain/address.js";
import { applyHealthEvent, blindChanges, coverageOf, type CatchUpSummary, type FolderCoverage, type GapKind, type HealthEvent } from "../domain/health.js";
import { defaultOrganizationSettings } from "../domain/settings.js";

/** How long the item log's retention setting is reused (it changes rarely; a change applies within this). */
const SETTINGS_CACHE_TTL_IN_MS = 30_000;

export interface HealthDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  clock: () => Date;
  log?: (line: string) => void;
}

/** One item's decision, as processing saw it. */
export interface ItemOutcome {
  messageId: string;
  outcome: ItemLogEntry["outcome"];
  reason: string;
  subject?: string;
  internetMessageId?: string;
  activityId?: string;
  error?: { code: string; message: string };
  /** A failure the queue retries (not the item's last attempt): logged, not counted as failed. */
  retried?: boolean;
}

/** One entry per (mailbox, folder, message, decision): a redelivered item overwrites its entry. */
export function itemLogEntryId(entry: Pick<ItemLogEntry, "mailbox" | "folder" | "messageId" | "outcome" | "reason">): string {
  return createHash("sha256")
    .update(JSON.stringify([normalizeAddress(entry.mailbox), entry.folder, entry.messageId, entry.outcome, entry.reason]))
    .digest("base64url")
    .slice(0, 32);
}

export function createHealthRecorder(deps: HealthDeps) {
  const { live, clock } = deps;
  const log = deps.log ?? (() => {});
  const organization = createTtlCache({
    ttlInMs: SETTINGS_CACHE_TTL_IN_MS,
    maxEntries: 1,
    load: async () => (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings(),
    clock,
  });

  async function guarded(mailbox: string, what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      log(mailboxLogLine("error", mailbox, `health: ${what} could not be recorded: ${error instanceof Error ? error.message : String(error)}`, { health: what }));
    }
  }

  async function record(mailbox: string, event: HealthEvent): Promise<void> {
    const changes = blindChanges(event);
    if (changes) await live.health.applyChanges(mailbox, changes);
    else await live.health.updateHealth(mailbox, (current) => applyHealthEvent(current, event));
  }

  /**
   * A batch of processed items: their processed markers, item-log entries and counts in one write
   * (one request in Cosmos DB). The log and the counts are best effort, the markers are not: if the
   * write fails, the markers go again alone, and a failure of that is thrown (the queue retries).
   * `failed` counts an item once, when its processing ends in failure (docs/operations.md).
   */
  async function recordItems(
    mailbox: string,
    folder: string,
    via: ItemLogEntry["via"],
    items: readonly ItemOutcome[],
    options: { markers?: readonly ProcessedMark[] } = {},
  ): Promise<void> {
    const markers = options.markers ?? [];
    if (items.length === 0 && markers.length === 0) return;
    const address = normalizeAddress(mailbox);
    const at = clock().toISOString();
    let written = false;
    await guarded(address, "items", async () => {
      const settings = (await organization.get("organization")) ?? defaultOrganizationSettings();
      const entries: ItemLogEntry[] = items.map((item) => {
        const base = { mailbox: address, folder, messageId: item.messageId, outcome: item.outcome, reason: item.reason };
        return {
          id: itemLogEntryId(base),
          ...base,
          at,
          via,
          ...(item.subject !== undefined ? { subject: item.subject } : {}),
          ...(item.internetMessageId !== undefined ? { internetMessageId: item.internetMessageId } : {}),
          ...(item.activityId !== undefined ? { activityId: item.activityId } : {}),
          ...(item.error !== undefined ? { error: item.error } : {}),
        };
      });
      const skipped: Record<string, number> = {};
      for (const item of items) if (item.outcome === "skipped") skipped[item.reason] = (skipped[item.reason] ?? 0) + 1;
      const event: HealthEvent = {
        kind: "itemsProcessed",
        folder,
        at,
        via,
        tracked: items.filter((item) => item.outcome === "tracked").length,
        skipped,
        failed: items.filter((item) => item.outcome === "failed" && item.retried !== true).length,
      };
      await live.batches.commit(address, {
        markers,
        ...(items.length > 0 ? { itemLog: { entries, retentionInDays: settings.itemLogRetentionInDays }, health: (current) => applyHealthEvent(current, event) } : {}),
      });
      written = true;
    });
    if (!written && markers.length > 0) await live.batches.commit(address, { markers });
  }

  /** Something that may have let mail through unseen: the folder needs a catch-up after now. */
  async function gapOpened(mailbox: string, folder: string, gap: GapKind, detail: string): Promise<void> {
    const address = normalizeAddress(mailbox);
    log(mailboxLogLine("warning", address, `coverage gap in ${folder} (${gap}): ${detail}`, { folder, gap }));
    await guarded(address, "gap", () => record(address, { kind: "gapOpened", folder, gap, at: clock().toISOString(), detail }));
  }

  async function catchUpCompleted(mailbox: string, folder: string, summary: CatchUpSummary): Promise<void> {
    const address = normalizeAddress(mailbox);
    await guarded(address, "catch-up", () => record(address, { kind: "catchUpCompleted", folder, summary }));
  }

  async function catchUpFailed(mailbox: string, folder: string, error: { code: string; message: string }): Promise<void> {
    const address = normalizeAddress(mailbox);
    await guarded(address, "catch-up failure", () => record(address, { kind: "catchUpFailed", folder, at: clock().toISOString(), ...error }));
  }

  async function resyncRequested(mailbox: string, folders: string[]): Promise<void> {
    // Not guarded: the resync's caller must know its progress cannot be shown.
    await record(normalizeAddress(mailbox), { kind: "resyncRequested", at: clock().toISOString(), folders });
  }

  /** Whether the folder needs a catch-up, and what it is covered up to (for need-driven catch-up). */
  async function coverage(mailbox: string, folder: string): Promise<FolderCoverage> {
    return coverageOf(await live.health.getHealth(normalizeAddress(mailbox)), folder, clock());
  }

  return { recordItems, gapOpened, catchUpCompleted, catchUpFailed, resyncRequested, coverage };
}

export type HealthRecorder = ReturnType<typeof createHealthRecorder>;
