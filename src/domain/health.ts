// A mailbox's health as processing leaves it, per watched folder: when mail was last notified and
// processed, the last catch-up and what it found, the open gaps, what is "covered up to", counts
// by outcome and skip reason, and a requested resync's progress. Pure transitions: the app
// (src/app/health.ts) turns what happened into events; the store applies them.
//
// Coverage: a folder is known to be fully tracked up to the start of its last completed catch-up
// (a delta query reads what is in the folder, so everything received before it started has been
// seen). Notifications alone prove nothing: a dropped one is silent. A gap — a lapsed or vanished
// subscription, a `missed` lifecycle event, a reset delta, a poisoned item — stays open until a
// catch-up that started after it completes; while one is open the folder needs a catch-up.

export const GAP_KINDS = ["subscriptionLapsed", "missed", "deltaReset", "poisoned"] as const;
export type GapKind = (typeof GAP_KINDS)[number];

export interface Gap {
  /** When it last opened (a catch-up closes it only if it started at or after this). */
  at: string;
  detail: string;
}

export interface CatchUpSummary {
  startedAt: string;
  completedAt: string;
  /** Messages it tracked that notifications had not: "N found by catch-up". */
  found: number;
  /** Messages the delta returned. */
  seen: number;
  reason: string;
  /** The delta link had expired and a fresh delta ran from the start date. */
  restarted: boolean;
}

export interface FolderHealth {
  lastNotificationAt?: string;
  lastCatchUp?: CatchUpSummary;
  /** The last catch-up that failed, until one completes. */
  lastCatchUpError?: { at: string; code: string; message: string };
  coveredUpTo?: string;
  gaps: Partial<Record<GapKind, Gap>>;
  tracked: number;
  /** Items not tracked, by reason (the tracker's DecisionReason, or messageGone / notInFolder). */
  skipped: Record<string, number>;
  failed: number;
}

export interface ResyncState {
  requestedAt: string;
  folders: string[];
  /** Per folder: the first catch-up that started at or after the request and completed. */
  completed: Record<string, { completedAt: string; found: number }>;
}

export interface MailboxHealth {
  mailbox: string;
  /** Any processing of the mailbox that succeeded: items handled, a catch-up completed. */
  lastSuccessfulSyncAt?: string;
  folders: Record<string, FolderHealth>;
  resync?: ResyncState;
}

export type HealthEvent =
  | {
      kind: "itemsProcessed";
      folder: string;
      at: string;
      via: "notification" | "catchUp";
      tracked: number;
      skipped: Record<string, number>;
      failed: number;
    }
  | { kind: "gapOpened"; folder: string; gap: GapKind; at: string; detail: string }
  | { kind: "catchUpCompleted"; folder: string; summary: CatchUpSummary }
  | { kind: "catchUpFailed"; folder: string; at: string; code: string; message: string }
  | { kind: "resyncRequested"; at: string; folders: string[] };

/** A change a store can make without reading first: set a value, or add to a number. */
export type HealthChange = { op: "set"; path: string[]; value: unknown } | { op: "incr"; path: string[]; by: number };

export function emptyHealth(mailbox: string): MailboxHealth {
  return { mailbox, folders: {} };
}

export function emptyFolderHealth(): FolderHealth {
  return { gaps: {}, tracked: 0, skipped: {}, failed: 0 };
}

function withFolder(health: MailboxHealth, folder: string, change: (current: FolderHealth) => FolderHealth): MailboxHealth {
  return { ...health, folders: { ...health.folders, [folder]: change(health.folders[folder] ?? emptyFolderHealth()) } };
}

const later = (a: string | undefined, b: string): string => (a !== undefined && a > b ? a : b);

/** The one transition function: what an event does to a mailbox's health. */
export function applyHealthEvent(health: MailboxHealth, event: HealthEvent): MailboxHealth {
  switch (event.kind) {
    case "itemsProcessed": {
      const next = withFolder(health, event.folder, (folder) => {
        const skipped = { ...folder.skipped };
        for (const [reason, count] of Object.entries(event.skipped)) skipped[reason] = (skipped[reason] ?? 0) + count;
        return {
          ...folder,
          ...(event.via === "notification" ? { lastNotificationAt: event.at } : {}),
          tracked: folder.tracked + event.tracked,
          skipped,
          failed: folder.failed + event.failed,
        };
      });
      return event.tracked + Object.keys(event.skipped).length > 0 ? { ...next, lastSuccessfulSyncAt: event.at } : next;
    }
    case "gapOpened":
      return withFolder(health, event.folder, (folder) => ({ ...folder, gaps: { ...folder.gaps, [event.gap]: { at: event.at, detail: event.detail } } }));
    case "catchUpCompleted": {
      const { summary } = event;
      const next = withFolder(health, event.folder, (folder) => {
        // Gaps that opened before this catch-up started are closed by it; later ones stay open.
        const gaps: Partial<Record<GapKind, Gap>> = {};
        for (const kind of GAP_KINDS) {
          const gap = folder.gaps[kind];
          if (gap && gap.at > summary.startedAt) gaps[kind] = gap;
        }
        const { lastCatchUpError: _closed, ...rest } = folder;
        return { ...rest, lastCatchUp: summary, coveredUpTo: later(folder.coveredUpTo, summary.startedAt), gaps };
      });
      const resync = next.resync;
      const counts = resync && resync.folders.includes(event.folder) && !resync.completed[event.folder] && summary.startedAt >= resync.requestedAt;
      return {
        ...next,
        lastSuccessfulSyncAt: later(next.lastSuccessfulSyncAt, summary.completedAt),
        ...(counts ? { resync: { ...resync, completed: { ...resync.completed, [event.folder]: { completedAt: summary.completedAt, found: summary.found } } } } : {}),
      };
    }
    case "catchUpFailed":
      return withFolder(health, event.folder, (folder) => ({ ...folder, lastCatchUpError: { at: event.at, code: event.code, message: event.message } }));
    case "resyncRequested":
      return { ...health, resync: { requestedAt: event.at, folders: [...event.folders], completed: {} } };
  }
}

/**
 * The event as changes a store makes without reading (one patch), or undefined when the event
 * depends on what is stored (a completed catch-up closes only the gaps older than it).
 */
export function blindChanges(event: HealthEvent): HealthChange[] | undefined {
  switch (event.kind) {
    case "itemsProcessed": {
      const folder = ["folders", event.folder];
      const changes: HealthChange[] = [];
      if (event.tracked + Object.keys(event.skipped).length > 0) changes.push({ op: "set", path: ["lastSuccessfulSyncAt"], value: event.at });
      if (event.via === "notification") changes.push({ op: "set", path: [...folder, "lastNotificationAt"], value: event.at });
      if (event.tracked > 0) changes.push({ op: "incr", path: [...folder, "tracked"], by: event.tracked });
      if (event.failed > 0) changes.push({ op: "incr", path: [...folder, "failed"], by: event.failed });
      for (const [reason, count] of Object.entries(event.skipped)) changes.push({ op: "incr", path: [...folder, "skipped", reason], by: count });
      return changes;
    }
    case "gapOpened":
      return [{ op: "set", path: ["folders", event.folder, "gaps", event.gap], value: { at: event.at, detail: event.detail } }];
    case "catchUpFailed":
      return [{ op: "set", path: ["folders", event.folder, "lastCatchUpError"], value: { at: event.at, code: event.code, message: event.message } }];
    case "resyncRequested":
      return [{ op: "set", path: ["resync"], value: { requestedAt: event.at, folders: [...event.folders], completed: {} } }];
    case "catchUpCompleted":
      return undefined;
  }
}

/** Applies blind changes (what the in-memory store does; Cosmos DB does it as one patch). */
export function applyHealthChanges(health: MailboxHealth, changes: readonly HealthChange[]): MailboxHealth {
  const next = structuredClone(health) as unknown as Record<string, unknown>;
  for (const change of changes) {
    let parent = next;
    const path = change.path[0] === "folders" && change.path[1] !== undefined ? change.path : undefined;
    if (path) {
      const folders = next.folders as Record<string, FolderHealth>;
      folders[path[1] as string] ??= emptyFolderHealth();
    }
    for (const segment of change.path.slice(0, -1)) {
      parent[segment] ??= {};
      parent = parent[segment] as Record<string, unknown>;
    }
    const leaf = change.path[change.path.length - 1] as string;
    if (change.op === "set") parent[leaf] = structuredClone(change.value);
    else parent[leaf] = (typeof parent[leaf] === "number" ? (parent[leaf] as number) : 0) + change.by;
  }
  return next as unknown as MailboxHealth;
}

export interface FolderCoverage {
  folder: string;
  /** Everything received before this is known to be tracked; absent: never caught up. */
  coveredUpTo?: string;
  openGaps: Array<{ kind: GapKind } & Gap>;
  /** A catch-up would close a gap or establish coverage. */
  needsCatchUp: boolean;
  /** How far coverage is behind `now`, in ms (absent without coverage). */
  behindInMs?: number;
}

/** What is covered, and whether a catch-up is needed: the question issue 13's scheduler asks. */
export function coverageOf(health: MailboxHealth | undefined, folder: string, now: Date): FolderCoverage {
  const state = health?.folders[folder];
  const openGaps = GAP_KINDS.flatMap((kind) => {
    const gap = state?.gaps[kind];
    return gap ? [{ kind, ...gap }] : [];
  });
  const coveredUpTo = state?.coveredUpTo;
  return {
    folder,
    ...(coveredUpTo !== undefined ? { coveredUpTo, behindInMs: Math.max(0, now.getTime() - Date.parse(coveredUpTo)) } : {}),
    openGaps,
    needsCatchUp: openGaps.length > 0 || coveredUpTo === undefined,
  };
}

export type ResyncStatus = "none" | "queued" | "completed";

/** A resync is completed once every folder it asked for has had a catch-up since the request. */
export function resyncStatus(resync: ResyncState | undefined): ResyncStatus {
  if (!resync) return "none";
  return resync.folders.every((folder) => resync.completed[folder]) ? "completed" : "queued";
}

/** The mailbox's state in one word, for counts and overviews. */
export type MailboxState = "healthy" | "degraded" | "failing" | "disabled" | "notRun";

/**
 * healthy: enabled, no failures counted, every watched folder covered with no gap; degraded: a
 * gap is open or a folder was never caught up; failing: failures are being counted; disabled.
 */
export function mailboxState(input: { enabled: boolean; consecutiveFailures: number; coverage: FolderCoverage[] }): MailboxState {
  if (!input.enabled) return "disabled";
  if (input.consecutiveFailures > 0) return "failing";
  if (input.coverage.length > 0 && input.coverage.every((folder) => folder.coveredUpTo === undefined && folder.openGaps.length === 0)) return "notRun";
  if (input.coverage.some((folder) => folder.needsCatchUp)) return "degraded";
  return "healthy";
}
