// Reading mailbox health for admins and monitors, and Resync. A mailbox's health is composed from
// what processing keeps (its health document, failure count, Test & Enable statuses, subscriptions):
// point reads of that one mailbox, never a scan of its mail. The organization overview reads every
// mailbox's documents; the anonymous endpoint's answer is reused for a while, so monitors polling
// it cost a bounded number of requests whoever calls.
import { foldersToWatch, type SubscriptionManager } from "./subscriptions.js";
import type { ItemLogEntry, ItemLogFilter, LiveTrackingStore, MailboxTestResult, Page, QueueProbe, TrackingStore } from "./ports.js";
import { normalizeAddress } from "../domain/address.js";
import { coverageOf, mailboxState, resyncStatus, type FolderCoverage, type FolderHealth, type MailboxHealth, type MailboxState, type ResyncStatus } from "../domain/health.js";
import type { MailboxError } from "../domain/error-policy.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { MailboxSettings, OrganizationSettings } from "../domain/types.js";
import type { HealthRecorder } from "./health.js";

/** The anonymous health answer is reused this long. */
const PUBLIC_HEALTH_TTL_IN_MS = 30_000;
/** Reads of per-mailbox documents in flight at once for the overview. */
const OVERVIEW_CONCURRENCY = 8;
export const REDACTED_SUBJECT = "***";

export interface FolderHealthView extends FolderCoverage, Omit<FolderHealth, "gaps" | "coveredUpTo"> {
  watched: boolean;
}

export interface MailboxHealthView {
  mailbox: string;
  state: MailboxState;
  enabled: boolean;
  approvalStatus?: string;
  incoming: MailboxTestResult;
  outgoing: MailboxTestResult;
  lastSuccessfulSyncAt?: string;
  consecutiveFailures: number;
  lastError?: MailboxError;
  subscriptions: Array<{ id: string; folder: string; expirationDateTime: string; renewedOn?: string }>;
  folders: FolderHealthView[];
  resync?: { status: ResyncStatus; requestedAt: string; folders: string[]; completed: Record<string, { completedAt: string; found: number }> };
}

export interface OrganizationHealth {
  checkedAt: string;
  mailboxes: { total: number; byState: Record<MailboxState, number> };
  /** The folder covered least far (or never), among enabled mailboxes' watched folders. */
  oldestCoveredUpTo?: { mailbox: string; folder: string; coveredUpTo?: string };
  items: Array<{ mailbox: string; state: MailboxState; consecutiveFailures: number; lastSuccessfulSyncAt?: string; oldestCoveredUpTo?: string; openGaps: number }>;
}

export interface PublicHealth {
  status: "ok" | "degraded";
  checkedAt: string;
  host: "up";
  cosmos: { reachable: boolean };
  queue: { reachable: boolean; poisonCount?: number };
  mailboxes?: OrganizationHealth["mailboxes"];
  oldestCoveredUpTo?: string;
}

export interface HealthAdminDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  recorder: HealthRecorder;
  subscriptions: Pick<SubscriptionManager, "requestCatchUp">;
  queueProbe?: QueueProbe;
  clock: () => Date;
}

export type ResyncOutcome = { ok: true; mailboxes: number; folders: number } | { ok: false; status: 404 | 409; detail: string };

const EMPTY_COUNTS = (): Record<MailboxState, number> => ({ healthy: 0, degraded: 0, failing: 0, disabled: 0, notRun: 0 });

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += OVERVIEW_CONCURRENCY) results.push(...(await Promise.all(items.slice(start, start + OVERVIEW_CONCURRENCY).map(run))));
  return results;
}

export function createHealthAdmin(deps: HealthAdminDeps) {
  const { store, live, clock } = deps;

  function folderViews(settings: MailboxSettings, organization: OrganizationSettings, health: MailboxHealth | undefined): FolderHealthView[] {
    const watched = new Set<string>(foldersToWatch(settings, organization));
    const names = [...new Set([...watched, ...Object.keys(health?.folders ?? {})])].sort();
    return names.map((folder) => {
      const { gaps: _gaps, coveredUpTo: _covered, ...state } = health?.folders[folder] ?? { gaps: {}, tracked: 0, skipped: {}, failed: 0 };
      return { ...coverageOf(health, folder, clock()), ...state, watched: watched.has(folder) };
    });
  }

  function stateOf(settings: MailboxSettings, failures: number, folders: FolderHealthView[]): MailboxState {
    return mailboxState({ enabled: settings.enabled, consecutiveFailures: failures, coverage: folders.filter((folder) => folder.watched) });
  }

  async function mailboxHealth(address: string): Promise<MailboxHealthView | undefined> {
    const mailbox = normalizeAddress(address);
    const settings = await store.settings.getMailbox(mailbox);
    if (!settings) return undefined;
    const [organization, status, syncState, health, subscriptions] = await Promise.all([
      store.settings.getOrganization(),
      store.settings.getMailboxStatus(mailbox),
      live.syncState.getSyncState(mailbox),
      live.health.getHealth(mailbox),
      live.subscriptions.listSubscriptions({ mailbox }),
    ]);
    const folders = folderViews(settings, organization ?? defaultOrganizationSettings(), health);
    const failures = syncState?.failures?.consecutiveFailures ?? 0;
    return {
      mailbox,
      state: stateOf(settings, failures, folders),
      enabled: settings.enabled,
      ...(settings.approvalStatus !== undefined ? { approvalStatus: settings.approvalStatus } : {}),
      incoming: status?.incoming ?? { status: "notRun" },
      outgoing: status?.outgoing ?? { status: "notRun" },
      ...(health?.lastSuccessfulSyncAt !== undefined ? { lastSuccessfulSyncAt: health.lastSuccessfulSyncAt } : {}),
      consecutiveFailures: failures,
      ...(syncState?.failures ? { lastError: syncState.failures.lastError } : {}),
      subscriptions: subscriptions.map((s) => ({ id: s.id, folder: s.folder, expirationDateTime: s.expirationDateTime, ...(s.renewedOn ? { renewedOn: s.renewedOn } : {}) })),
      folders,
      ...(health?.resync ? { resync: { status: resyncStatus(health.resync), ...health.resync } } : {}),
    };
  }

  async function overview(): Promise<OrganizationHealth> {
    const [mailboxes, organization, healths] = await Promise.all([store.settings.listMailboxes(), store.settings.getOrganization(), live.health.listHealth()]);
    const byMailbox = new Map(healths.map((health) => [health.mailbox, health]));
    const failures = await inBatches(mailboxes, async (settings) => (await live.syncState.getSyncState(settings.address))?.failures?.consecutiveFailures ?? 0);
    const byState = EMPTY_COUNTS();
    let oldest: OrganizationHealth["oldestCoveredUpTo"];
    const items = mailboxes.map((settings, index) => {
      const folders = folderViews(settings, organization ?? defaultOrganizationSettings(), byMailbox.get(settings.address)).filter((folder) => folder.watched);
      const state = stateOf(settings, failures[index] ?? 0, folders);
      byState[state] += 1;
      let mailboxOldest: string | undefined;
      for (const folder of folders) {
        if (!settings.enabled) continue;
        // Never covered counts as the oldest of all.
        const older = !oldest || (oldest.coveredUpTo !== undefined && (folder.coveredUpTo === undefined || folder.coveredUpTo < oldest.coveredUpTo));
        if (older) oldest = { mailbox: settings.address, folder: folder.folder, ...(folder.coveredUpTo !== undefined ? { coveredUpTo: folder.coveredUpTo } : {}) };
        if (folder.coveredUpTo !== undefined && (mailboxOldest === undefined || folder.coveredUpTo < mailboxOldest)) mailboxOldest = folder.coveredUpTo;
      }
      const health = byMailbox.get(settings.address);
      return {
        mailbox: settings.address,
        state,
        consecutiveFailures: failures[index] ?? 0,
        ...(health?.lastSuccessfulSyncAt !== undefined ? { lastSuccessfulSyncAt: health.lastSuccessfulSyncAt } : {}),
        ...(mailboxOldest !== undefined ? { oldestCoveredUpTo: mailboxOldest } : {}),
        openGaps: folders.reduce((sum, folder) => sum + folder.openGaps.length, 0),
      };
    });
    return { checkedAt: clock().toISOString(), mailboxes: { total: mailboxes.length, byState }, ...(oldest ? { oldestCoveredUpTo: oldest } : {}), items };
  }

  let cached: { at: number; value: Promise<PublicHealth> } | undefined;

  /** No secrets and no personal data: reachability, counts, one time stamp. */
  async function measurePublicHealth(): Promise<PublicHealth> {
    const checkedAt = clock().toISOString();
    const queue = deps.queueProbe ? await deps.queueProbe.probe().catch(() => ({ reachable: false })) : { reachable: false };
    let organization: OrganizationHealth | undefined;
    try {
      organization = await overview();
    } catch {
      organization = undefined;
    }
    const cosmos = { reachable: organization !== undefined };
    return {
      status: cosmos.reachable && queue.reachable ? "ok" : "degraded",
      checkedAt,
      host: "up",
      cosmos,
      queue,
      ...(organization ? { mailboxes: organization.mailboxes } : {}),
      ...(organization?.oldestCoveredUpTo?.coveredUpTo !== undefined ? { oldestCoveredUpTo: organization.oldestCoveredUpTo.coveredUpTo } : {}),
    };
  }

  function publicHealth(): Promise<PublicHealth> {
    const now = clock().getTime();
    if (!cached || now - cached.at >= PUBLIC_HEALTH_TTL_IN_MS) cached = { at: now, value: measurePublicHealth() };
    return cached.value;
  }

  /**
   * Queues a catch-up of every watched folder of one mailbox (or of every enabled one) and records
   * the request, so its progress shows in the mailbox's health. Answers without waiting for it.
   */
  async function resync(address?: string): Promise<ResyncOutcome> {
    const organization = (await store.settings.getOrganization()) ?? defaultOrganizationSettings();
    let mailboxes: MailboxSettings[];
    if (address !== undefined) {
      const settings = await store.settings.getMailbox(normalizeAddress(address));
      if (!settings) return { ok: false, status: 404, detail: `no mailbox ${address}` };
      if (foldersToWatch(settings, organization).length === 0) return { ok: false, status: 409, detail: `mailbox ${settings.address} is not enabled for server-side synchronization: run Test & Enable first` };
      mailboxes = [settings];
    } else {
      mailboxes = (await store.settings.listMailboxes()).filter((settings) => foldersToWatch(settings, organization).length > 0);
    }
    let folders = 0;
    for (const settings of mailboxes) {
      const watched = foldersToWatch(settings, organization);
      // Recorded first: a catch-up that completes at once already counts for it.
      await deps.recorder.resyncRequested(settings.address, watched);
      for (const folder of watched) await deps.subscriptions.requestCatchUp(settings.address, folder, "resync requested by an admin");
      folders += watched.length;
    }
    return { ok: true, mailboxes: mailboxes.length, folders };
  }

  /**
   * The item-level log. Subjects of mailboxes the viewer does not own are `***` unless `ownAll`
   * (the owner's own view passes its mailbox and sees its subjects).
   */
  async function itemLog(filter: ItemLogFilter, page: { limit: number; continuationToken?: string }, viewer: { objectId: string }): Promise<Page<ItemLogEntry>> {
    const result = await live.itemLog.listEntries(filter, page);
    const owners = new Map<string, string | undefined>();
    for (const mailbox of new Set(result.items.map((entry) => entry.mailbox))) owners.set(mailbox, (await store.settings.getMailbox(mailbox))?.ownerObjectId);
    return {
      ...result,
      items: result.items.map((entry) =>
        entry.subject !== undefined && owners.get(entry.mailbox)?.toLowerCase() !== viewer.objectId.toLowerCase() ? { ...entry, subject: REDACTED_SUBJECT } : entry,
      ),
    };
  }

  return { mailboxHealth, overview, publicHealth, resync, itemLog };
}

export type HealthAdmin = ReturnType<typeof createHealthAdmin>;
