// Keeping every enabled mailbox subscribed: create what is missing, renew what expires soon,
// recreate what Graph removed (then catch up the gap), delete what a disabled mailbox left behind.
import { subscriptionTag, type ClientStates } from "./client-state.js";
import { GraphFailure } from "./errors.js";
import type { Alerts } from "./alerts.js";
import type { ErrorPolicy } from "./error-policy.js";
import { folderLabel, isTrackedFolderKey } from "./folder-keys.js";
import { changeTypeFor } from "./categories.js";
import { isFolderMissing, knownFolderId, reportTrackedFolder, trackedFoldersToWatch } from "./folder-subscriptions.js";
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

/** How old a subscription must be before it counts as an orphan, or as vanished from Graph. */
const GRACE_IN_MS = 10 * 60_000;

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

/** What Graph has now, by subscription id; undefined when the list could not be read. */
type GraphView = ReadonlyMap<string, { expirationDateTime: string }> | undefined;

/** The folders a mailbox needs subscriptions on: Inbox always, Sent Items when auto-tracked, its tracked folders. */
export function foldersToWatch(mailbox: MailboxSettings, organization: OrganizationSettings): MailFolderName[] {
  if (!mailbox.enabled || mailbox.incomingSyncMethod !== "serverSideSync") return [];
  const wellKnown: MailFolderName[] = organization.autoTrackSentFolderItems ? ["inbox", "sentitems"] : ["inbox"];
  return [...wellKnown, ...trackedFoldersToWatch(mailbox, organization)];
}

function isGone(error: unknown): boolean {
  return error instanceof GraphFailure && (error.code === "subscriptionGone" || error.code === "notFound");
}

function emptyReport(): SubscriptionReport {
  return { created: 0, renewed: 0, recreated: 0, deleted: 0, failed: 0 };
}

export function createSubscriptionManager(deps: SubscriptionDeps) {
  const { live, gateway, policy, clock } = deps;
  const log = deps.log ?? (() => {});

  function expiry(): string {
    return new Date(clock().getTime() + policy.lifetimeInMinutes * 60_000).toISOString();
  }

  async function event(mailbox: string, level: "error" | "warning" | "information", code: string, message: string): Promise<void> {
    await live.syncState.recordEvent(mailbox, { at: clock().toISOString(), level, code, message });
  }

  /** `folderId`: a tracked folder's id from its previous subscription (it may have been renamed since). */
  async function create(mailbox: string, folder: MailFolderName, options: { folderId?: string } = {}): Promise<SubscriptionRecord> {
    // Asked once per subscription: what a notification's resource and a fetched message must match.
    const described = await gateway.describeFolder(mailbox, folder, options);
    const changeType = changeTypeFor(folder, (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings());
    const state = policy.clientStates.issue();
    const certificate = policy.resourceData ? await policy.resourceData.keys.current() : undefined;
    if (certificate) currentCertificateId = certificate.id;
    const created = await gateway.createSubscription({
      mailbox,
      folder,
      changeType,
      ...(isTrackedFolderKey(folder) ? { folderId: described.folderId } : {}),
      notificationUrl: policy.notificationUrl,
      lifecycleNotificationUrl: policy.lifecycleNotificationUrl,
      clientState: state.clientState,
      expirationDateTime: expiry(),
      ...(certificate ? { resourceData: certificate } : {}),
    });
    // Store what Graph returned: it may grant less time than asked.
    const record: SubscriptionRecord = {
      id: created.id,
      mailbox,
      folder,
      resource: created.resource,
      expirationDateTime: created.expirationDateTime,
      createdOn: clock().toISOString(),
      clientStateNonce: state.nonce,
      clientStateKeyId: state.keyId,
      folderId: described.folderId,
      ...(described.userId !== undefined ? { userId: described.userId.toLowerCase() } : {}),
      ...(certificate ? { encryptionCertificateId: certificate.id } : {}),
      changeType,
    };
    await live.subscriptions.putSubscription(record);
    log(`${subscriptionTag(record.id)} created for ${mailbox}/${folder}, expires ${record.expirationDateTime}`);
    return record;
  }

  async function renew(record: SubscriptionRecord): Promise<SubscriptionRecord> {
    const renewed = await gateway.renewSubscription(record.id, { expirationDateTime: expiry() });
    const updated = { ...record, expirationDateTime: renewed.expirationDateTime, renewedOn: clock().toISOString() };
    await live.subscriptions.putSubscription(updated);
    return updated;
  }

  /**
   * Replaces a subscription, then asks for a catch-up of the gap and records why. One that Graph
   * still has (a retired client-state secret) is deleted at Graph after its replacement exists,
   * so no mail falls between them; a duplicate notification in that moment is harmless.
   */
  async function replace(record: SubscriptionRecord, options: { reason: string; goneAtGraph: boolean }): Promise<void> {
    if (options.goneAtGraph) await live.subscriptions.deleteSubscription(record.id);
    // Another path (the timer, a lifecycle event, enable) may have replaced it already.
    const others = (await live.subscriptions.listSubscriptions({ mailbox: record.mailbox })).filter(
      (other) => other.folder === record.folder && other.id !== record.id && !needsReplacement(other),
    );
    if (others.length === 0) {
      // A tracked folder is recreated by its id: not if it was moved out of the Inbox meanwhile.
      const where = (await subscriptionsOutsideInbox({ gateway, log }, record.mailbox, [record])).get(record.id);
      if (where !== undefined) {
        if (!options.goneAtGraph) await removeSubscription(record);
        await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: record.mailbox, folder: record.folder, reason: "movedOutOfInbox", where, at: clock().toISOString() });
        return;
      }
      try {
        await create(record.mailbox, record.folder, knownFolderId(record));
      } catch (error) {
        if (!isFolderMissing(record.folder, error)) throw error;
        // The tracked folder itself is gone: nothing to recreate, nothing to catch up.
        if (!options.goneAtGraph) await removeSubscription(record);
        await reportTrackedFolder({ live, alerts: deps.alerts }, { mailbox: record.mailbox, folder: record.folder, reason: "deleted", at: clock().toISOString() });
        log(`${subscriptionTag(record.id)} of ${record.mailbox}/${folderLabel(record.folder)} dropped: the folder is gone`);
        return;
      }
    }
    if (!options.goneAtGraph) await removeSubscription(record);
    // The gap opens before the catch-up is asked for, so that catch-up (started later) closes it.
    if (options.goneAtGraph) await deps.health?.gapOpened(record.mailbox, record.folder, "subscriptionLapsed", options.reason);
    await requestCatchUp(record.mailbox, record.folder, options.reason);
    const message = `${record.folder} subscription replaced: ${options.reason}`;
    if (deps.alerts) {
      await deps.alerts.raise(record.mailbox, {
        level: "warning",
        code: "subscription.recreated",
        message,
        folder: record.folder,
        whatToDo: "Nothing: a catch-up of the folder is queued and tracks what arrived meanwhile.",
      });
    } else {
      await event(record.mailbox, "warning", "subscription.recreated", message);
    }
    log(`${subscriptionTag(record.id)} of ${record.mailbox}/${record.folder} replaced: ${options.reason}`);
  }

  /**
   * The current encryption certificate's id (rich notifications), read at the start of each run:
   * a subscription made with an older one is replaced, as one made with a retired client-state
   * secret is (the older key stays accepted until then).
   */
  let currentCertificateId: string | undefined;
  async function refreshCertificate(): Promise<void> {
    if (policy.resourceData) currentCertificateId = (await policy.resourceData.keys.current()).id;
  }

  /**
   * Made before per-subscription client states, or with a secret that is no longer current; or,
   * for rich notifications, switched on or off since, or made with an older certificate.
   */
  function needsReplacement(record: SubscriptionRecord): boolean {
    if (record.clientStateNonce === undefined || record.clientStateKeyId !== policy.clientStates.currentKeyId || record.folderId === undefined) return true;
    if ((policy.resourceData !== undefined) !== (record.encryptionCertificateId !== undefined)) return true;
    return currentCertificateId !== undefined && record.encryptionCertificateId !== undefined && record.encryptionCertificateId !== currentCertificateId;
  }

  async function requestCatchUp(mailbox: string, folder: MailFolderName, reason: string): Promise<void> {
    const item: QueueItem = { kind: "catchUp", mailbox, folder, reason, requestedAt: clock().toISOString() };
    await deps.queue.enqueue([item]);
  }

  /** Ids deleted at Graph during this renewal run, so its orphan check does not count them again. */
  const deletedAtGraph = new Set<string>();

  async function removeSubscription(record: SubscriptionRecord): Promise<void> {
    deletedAtGraph.add(record.id);
    try {
      await gateway.deleteSubscription(record.id);
    } catch (error) {
      // Already gone at Graph is as good as deleted.
      if (!isGone(error)) throw error;
    }
    await live.subscriptions.deleteSubscription(record.id);
  }

  /** Graph's own list of this app's subscriptions; undefined (decide from stored expiry) when unreadable. */
  async function graphView(report: SubscriptionReport): Promise<{ view: GraphView; ours: Array<{ id: string; resource: string; expirationDateTime: string }> }> {
    try {
      const all = await gateway.listSubscriptions();
      return {
        view: new Map(all.map((s) => [s.id, { expirationDateTime: s.expirationDateTime }])),
        ours: all.filter((s) => s.notificationUrl === policy.notificationUrl),
      };
    } catch (error) {
      report.failed += 1;
      log(`listing subscriptions at Graph failed, deciding from stored expiry: ${error instanceof Error ? error.message : String(error)}`);
      return { view: undefined, ours: [] };
    }
  }

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

  /**
   * The daily audit (src/app/scheduler.ts): Graph's list of this app's subscriptions, for orphans
   * only. Vanished ones are found per mailbox, by renewal and by the sweep (mailboxView).
   */
  async function auditOrphans(): Promise<SubscriptionReport> {
    const report = emptyReport();
    deletedAtGraph.clear();
    const { view, ours } = await graphView(report);
    if (view) await deleteOrphans(ours, report);
    return report;
  }

  /**
   * Subscriptions Graph has for our webhook but the store doesn't know (a worker died between
   * Graph's answer and the store write): their notifications would only be dropped as unknown,
   * while a replacement already exists or will be made. Delete them at Graph.
   */
  async function deleteOrphans(ours: Array<{ id: string; resource: string; expirationDateTime: string }>, report: SubscriptionReport): Promise<void> {
    try {
      const known = new Set((await live.subscriptions.listSubscriptions()).map((s) => s.id));
      for (const subscription of ours) {
        if (known.has(subscription.id) || deletedAtGraph.has(subscription.id)) continue;
        // One created in the last minutes may be on its way into the store: leave it to the next run.
        if (Date.parse(subscription.expirationDateTime) > Date.parse(expiry()) - GRACE_IN_MS) continue;
        await gateway.deleteSubscription(subscription.id);
        log(`orphaned ${subscriptionTag(subscription.id)} (${subscription.resource}) deleted at Graph`);
        report.deleted += 1;
      }
    } catch (error) {
      // Housekeeping only: the next run tries again.
      report.failed += 1;
      log(`orphaned subscription check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
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
