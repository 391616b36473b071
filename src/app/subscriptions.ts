// Keeping every enabled mailbox subscribed: create what is missing, renew what expires soon,
// recreate what Graph removed (then catch up the gap), delete what a disabled mailbox left behind.
import type { ClientStates } from "./client-state.js";
import { GraphFailure } from "./errors.js";
import type { Alerts } from "./alerts.js";
import type { ErrorPolicy } from "./error-policy.js";
import { isTrackedFolderKey } from "./folder-keys.js";
import { changeTypeFor } from "./categories.js";
import { isFolderMissing, reportTrackedFolder, trackedFoldersToWatch } from "./folder-subscriptions.js";
import { subscriptionsOutsideInbox } from "./folder-placement.js";
import type { HealthRecorder } from "./health.js";
import { mailboxLogLine } from "./mailbox-log.js";
import type {
  EncryptionKeyStore,
  LiveTrackingStore,
  MailFolderName,
  MailGateway,
  QueueItem,
  SubscriptionRecord,
  TrackingStore,
  WorkQueue,
} from "./ports.js";
import { normalizeAddress } from "../domain/address.js";
import type { MailboxSettings, OrganizationSettings } from "../domain/types.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import { DEFAULT_SWEEP_PERIOD_IN_HOURS, nextSweepAfterUpkeep, renewalDueAt } from "../domain/schedule.js";
import { createOrphanAudit, type GraphView } from "./subscription-audit.js";
import { createLifecycleHandler } from "./subscription-lifecycle.js";
import { createSubscriptionRecords, emptyReport, GRACE_IN_MS, isGone } from "./subscription-records.js";
export interface SubscriptionPolicy {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  /** Makes each subscription's own clientState (src/app/client-state.ts). */
  clientStates: ClientStates;
  lifetimeInMinutes: number;
  renewBeforeInMinutes: number;
  /** Rich notifications: subscriptions ask for encrypted resource data with the current certificate. */
  resourceData?: { keys: EncryptionKeyStore };
  /** Every watched folder is swept (caught up) once per this period (src/app/scheduler.ts). Default 24. */
  sweepPeriodInHours?: number;
}

export interface SubscriptionDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  gateway: MailGateway;
  queue: WorkQueue;
  policy: SubscriptionPolicy;
  clock: () => Date;
  log?: (line: string) => void;
  /** Counts mailbox failures and disables a mailbox that keeps failing (src/app/error-policy.ts). */
  errorPolicy?: ErrorPolicy;
  /** Mailbox alerts (src/app/alerts.ts): a tracked folder that is gone, a subscription recreated, notifications missed. */
  alerts?: Pick<Alerts, "raise">;
  /** Opens a coverage gap when a subscription lapsed or notifications were missed (src/app/health.ts). */
  health?: HealthRecorder;
}

export interface SubscriptionReport {
  created: number;
  renewed: number;
  /** Vanished at Graph, expired, or made with a retired client-state secret: replaced. */
  recreated: number;
  deleted: number;
  failed: number;
}

/** The folders a mailbox needs subscriptions on: Inbox always, Sent Items when auto-tracked, its tracked folders. */
export function foldersToWatch(mailbox: MailboxSettings, organization: OrganizationSettings): MailFolderName[] {
  if (!mailbox.enabled || mailbox.incomingSyncMethod !== "serverSideSync") return [];
  const wellKnown: MailFolderName[] = organization.autoTrackSentFolderItems ? ["inbox", "sentitems"] : ["inbox"];
  return [...wellKnown, ...trackedFoldersToWatch(mailbox, organization)];
}

export function createSubscriptionManager(deps: SubscriptionDeps) {
  const { live, gateway, policy, clock } = deps;
  const log = deps.log ?? (() => {});
  const records = createSubscriptionRecords(deps);
  const { event, create, renew, replace, refreshCertificate, needsReplacement, requestCatchUp, removeSubscription } = records;
  const { auditOrphans } = createOrphanAudit(deps, records);
  const { handleLifecycle } = createLifecycleHandler(deps, records);

  /** Whether Graph no longer has the subscription (or it expired): then it is recreated. */
  function vanished(record: SubscriptionRecord, view: GraphView): boolean {
    if (Date.parse(record.expirationDateTime) <= clock().getTime()) return true;
    if (!view) return false;
    // One created in the last minutes may be newer than the list.
    if (Date.parse(record.createdOn) > clock().getTime() - GRACE_IN_MS) return false;
    return !view.has(record.id);
  }

  /** Brings one mailbox's subscriptions in line with its settings and with what Graph has. */
  async function reconcileMailbox(
    mailbox: MailboxSettings,
    organization: OrganizationSettings,
    report: SubscriptionReport,
    view: GraphView,
    /** Tracked-folder subscriptions (by id) whose folder is no longer below the Inbox, with its path now. */
    outsideInbox: ReadonlyMap<string, string> = new Map(),
  ): Promise<void> {
    const wanted = new Set(foldersToWatch(mailbox, organization));
    const movedOut = new Set<MailFolderName>();
    // When a folder has two, the one to keep comes first: live at Graph, current secret, newest.
    const rank = (record: SubscriptionRecord) => (vanished(record, view) ? 2 : 0) + (needsReplacement(record) ? 1 : 0);
    const existing = (await live.subscriptions.listSubscriptions({ mailbox: mailbox.address })).sort(
      (a, b) => rank(a) - rank(b) || b.createdOn.localeCompare(a.createdOn),
    );
    const renewBy = clock().getTime() + policy.renewBeforeInMinutes * 60_000;
    const failedBefore = report.failed;
    const covered = new Set<MailFolderName>();
    for (const record of existing) {
      try {
        const where = outsideInbox.get(record.id);
        if (where !== undefined && wanted.has(record.folder)) {
          // Folder-level tracking is for folders under the Inbox: not subscribed until it is back.
          await removeSubscription(record);
          report.deleted += 1;
          movedOut.add(record.folder);
          await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: mailbox.address, folder: record.folder, reason: "movedOutOfInbox", where, at: clock().toISOString() });
          continue;
        }
        // A folder not watched, or a second subscription on a folder already covered: delete.
        if (!wanted.has(record.folder) || covered.has(record.folder)) {
          await removeSubscription(record);
          report.deleted += 1;
          if (isTrackedFolderKey(record.folder) && !wanted.has(record.folder) && mailbox.enabled) {
            await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: mailbox.address, folder: record.folder, reason: "removedFromSettings", at: clock().toISOString() });
          }
          continue;
        }
        covered.add(record.folder);
        if (vanished(record, view)) {
          await replace(record, { reason: "subscription gone at Graph", goneAtGraph: true });
          report.recreated += 1;
        } else if (needsReplacement(record)) {
          await replace(record, { reason: "made with a retired client-state secret or encryption certificate, or another notification mode", goneAtGraph: false });
          report.recreated += 1;
        } else if ((record.changeType ?? "created") !== changeTypeFor(record.folder, organization)) {
          // Category tracking turned on or off: `updated` notifications are wanted, or no longer.
          await replace(record, { reason: "change types follow category tracking", goneAtGraph: false });
          report.recreated += 1;
        } else if (Date.parse(record.expirationDateTime) <= renewBy) {
          try {
            await renew(record);
            report.renewed += 1;
          } catch (error) {
            if (!isGone(error)) throw error;
            await replace(record, { reason: "subscription gone at renewal", goneAtGraph: true });
            report.recreated += 1;
          }
        }
      } catch (error) {
        report.failed += 1;
        await recordFailure(mailbox, error);
      }
    }
    for (const folder of wanted) {
      if (covered.has(folder) || movedOut.has(folder)) continue;
      try {
        await create(mailbox.address, folder);
        report.created += 1;
        if (isTrackedFolderKey(folder)) await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: mailbox.address, folder, reason: "resumed", at: clock().toISOString() });
        // A tracked folder just added: this also tracks the mail already in it since the start date.
        await requestCatchUp(mailbox.address, folder, "subscription created");
      } catch (error) {
        if (isFolderMissing(folder, error)) {
          // The admin named a folder the mailbox does not have: said on the mailbox, not a failure.
          await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: mailbox.address, folder, reason: "notFound", at: clock().toISOString() });
          continue;
        }
        report.failed += 1;
        await recordFailure(mailbox, error);
      }
    }
    if (report.failed === failedBefore && wanted.size > 0) await deps.errorPolicy?.recordSuccess(mailbox.address);
    await scheduleNext(mailbox.address, { watched: wanted.size > 0 });
  }

  /**
   * Puts the mailbox in the bucket of its next renewal (its earliest expiry less the margin, spread
   * by mailbox over half the margin: src/domain/schedule.ts) and of its next sweep (its fixed place in the period). Both are idempotent; a mailbox watching nothing
   * gets neither, and an older entry left behind finds nothing due.
   */
  async function scheduleNext(address: string, options: { watched: boolean }): Promise<void> {
    if (!options.watched) return;
    const now = clock();
    const records = await live.subscriptions.listSubscriptions({ mailbox: address });
    // A folder that could not be subscribed is tried again with the next run of the timer.
    const expirations = records.map((record) => record.expirationDateTime);
    const due = renewalDueAt(expirations, { renewBeforeInMinutes: policy.renewBeforeInMinutes, spread: { mailbox: address, now } }) ?? now;
    await live.schedule.putEntry({ kind: "renew", mailbox: address, dueAt: due.toISOString() });
    const sweep = nextSweepAfterUpkeep(address, { now, periodInHours: policy.sweepPeriodInHours ?? DEFAULT_SWEEP_PERIOD_IN_HOURS });
    await live.schedule.putEntry({ kind: "sweep", mailbox: address, dueAt: sweep.toISOString() });
  }

  /**
   * What Graph has of one mailbox's stored subscriptions, asked one by one (GET /subscriptions/{id}):
   * finds a vanished one without listing every subscription the app has. Undefined when Graph
   * could not answer (then decide from stored expiry).
   */
  async function mailboxView(address: string, report: SubscriptionReport): Promise<GraphView> {
    try {
      const view = new Map<string, { expirationDateTime: string }>();
      for (const record of await live.subscriptions.listSubscriptions({ mailbox: address })) {
        const found = await gateway.getSubscription(record.id);
        if (found) view.set(found.id, { expirationDateTime: found.expirationDateTime });
      }
      return view;
    } catch (error) {
      report.failed += 1;
      log(`reading ${address}'s subscriptions at Graph failed, deciding from stored expiry: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** Placing tracked folders costs Graph requests (src/app/folder-placement.ts): the sweep and enabling only. */
  async function foldersOutsideInbox(mailbox: MailboxSettings, organization: OrganizationSettings): Promise<ReadonlyMap<string, string>> {
    if (!foldersToWatch(mailbox, organization).some((folder) => isTrackedFolderKey(folder))) return new Map();
    return subscriptionsOutsideInbox({ gateway, log }, mailbox.address, await live.subscriptions.listSubscriptions({ mailbox: mailbox.address }));
  }

  async function recordFailure(mailbox: MailboxSettings, error: unknown): Promise<void> {
    const code = error instanceof GraphFailure ? error.code : "unexpected";
    const message = error instanceof Error ? error.message : String(error);
    log(mailboxLogLine("error", mailbox.address, `subscription maintenance failed: ${code}: ${message}`, { code }));
    await event(mailbox.address, "error", `subscription.${code}`, message);
    // Only an enabled mailbox counts failures: a disabled one is only being cleaned up.
    if (mailbox.enabled) await deps.errorPolicy?.recordError(mailbox.address, error, "keeping subscriptions");
  }

  async function reconcile(address: string): Promise<SubscriptionReport> {
    const report = emptyReport();
    await refreshCertificate();
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const mailbox = await deps.store.settings.getMailbox(normalizeAddress(address));
    if (!mailbox) throw new Error(`mailbox ${address} is not configured`);
    // Enabling again checks the mailbox's subscriptions at Graph too: a vanished one is replaced,
    // a tracked folder moved out of the Inbox is let go.
    const view = await mailboxView(mailbox.address, report);
    await reconcileMailbox(mailbox, organization, report, view, await foldersOutsideInbox(mailbox, organization));
    return report;
  }

  /**
   * One mailbox's upkeep from the schedule: renew what is due (from stored expiry), create what is
   * missing, delete what is not wanted; with `verifyAtGraph` (the sweep) also ask Graph whether each
   * subscription still exists. Undefined when the mailbox is no longer configured.
   */
  async function maintainMailbox(address: string, options: { verifyAtGraph: boolean }): Promise<SubscriptionReport | undefined> {
    const report = emptyReport();
    const mailbox = await deps.store.settings.getMailbox(normalizeAddress(address));
    if (!mailbox) {
      // Deleted while scheduled: what it left at Graph goes too.
      for (const record of await live.subscriptions.listSubscriptions({ mailbox: address })) await removeSubscription(record);
      return undefined;
    }
    await refreshCertificate();
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const view = options.verifyAtGraph ? await mailboxView(mailbox.address, report) : undefined;
    const outsideInbox = options.verifyAtGraph ? await foldersOutsideInbox(mailbox, organization) : undefined;
    await reconcileMailbox(mailbox, organization, report, view, outsideInbox);
    return report;
  }
  /** One catch-up item per watched folder of the mailboxes given. */
  async function requestCatchUps(mailboxes: MailboxSettings[], reason: string): Promise<number> {
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const items: QueueItem[] = mailboxes.flatMap((mailbox) =>
      foldersToWatch(mailbox, organization).map(
        (folder): QueueItem => ({ kind: "catchUp", mailbox: mailbox.address, folder, reason, requestedAt: clock().toISOString() }),
      ),
    );
    if (items.length > 0) await deps.queue.enqueue(items);
    return items.length;
  }

  async function requestCatchUpForMailbox(address: string, reason: string): Promise<number> {
    const mailbox = await deps.store.settings.getMailbox(normalizeAddress(address));
    return mailbox ? requestCatchUps([mailbox], reason) : 0;
  }

  return { auditOrphans, maintainMailbox, reconcile, handleLifecycle, requestCatchUp, requestCatchUpForMailbox, requestCatchUps };
}

export type SubscriptionManager = ReturnType<typeof createSubscriptionManager>;
