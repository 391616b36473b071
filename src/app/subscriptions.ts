// Keeping every enabled mailbox subscribed: create what is missing, renew what expires soon,
// recreate what Graph removed (then catch up the gap), delete what a disabled mailbox left behind.
import { GraphFailure } from "./errors.js";
import type {
  LiveTrackingStore,
  MailFolderName,
  MailGateway,
  QueueItem,
  SubscriptionRecord,
  TrackingStore,
  WorkQueue,
} from "./ports.js";
import type { MailboxSettings, OrganizationSettings } from "../domain/types.js";
import { defaultOrganizationSettings } from "../domain/settings.js";

/** How old a subscription must be before it counts as an orphan. */
const ORPHAN_GRACE_IN_MS = 10 * 60_000;

export interface SubscriptionPolicy {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  lifetimeInMinutes: number;
  renewBeforeInMinutes: number;
}

export interface SubscriptionDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  gateway: MailGateway;
  queue: WorkQueue;
  policy: SubscriptionPolicy;
  clock: () => Date;
  log?: (line: string) => void;
}

export interface SubscriptionReport {
  created: number;
  renewed: number;
  recreated: number;
  deleted: number;
  failed: number;
}

/** The folders a mailbox needs subscriptions on: Inbox always, Sent Items when auto-tracked. */
export function foldersToWatch(mailbox: MailboxSettings, organization: OrganizationSettings): MailFolderName[] {
  if (!mailbox.enabled || mailbox.incomingSyncMethod !== "serverSideSync") return [];
  return organization.autoTrackSentFolderItems ? ["inbox", "sentitems"] : ["inbox"];
}

export function createSubscriptionManager(deps: SubscriptionDeps) {
  const { live, gateway, policy, clock } = deps;
  const log = deps.log ?? (() => {});

  function expiry(): string {
    return new Date(clock().getTime() + policy.lifetimeInMinutes * 60_000).toISOString();
  }

  async function create(mailbox: string, folder: MailFolderName): Promise<SubscriptionRecord> {
    const created = await gateway.createSubscription({
      mailbox,
      folder,
      notificationUrl: policy.notificationUrl,
      lifecycleNotificationUrl: policy.lifecycleNotificationUrl,
      clientState: policy.clientState,
      expirationDateTime: expiry(),
    });
    // Store what Graph returned: it may grant less time than asked.
    const record: SubscriptionRecord = {
      id: created.id,
      mailbox,
      folder,
      resource: created.resource,
      expirationDateTime: created.expirationDateTime,
      createdOn: clock().toISOString(),
    };
    await live.subscriptions.putSubscription(record);
    log(`subscription ${record.id} created for ${mailbox}/${folder}, expires ${record.expirationDateTime}`);
    return record;
  }

  async function renew(record: SubscriptionRecord): Promise<SubscriptionRecord> {
    const renewed = await gateway.renewSubscription(record.id, { expirationDateTime: expiry() });
    const updated = { ...record, expirationDateTime: renewed.expirationDateTime, renewedOn: clock().toISOString() };
    await live.subscriptions.putSubscription(updated);
    return updated;
  }

  /** Replaces a subscription Graph no longer has, and asks for a catch-up of the gap. */
  async function recreate(record: SubscriptionRecord, reason: string): Promise<SubscriptionRecord> {
    await live.subscriptions.deleteSubscription(record.id);
    const replacement = await create(record.mailbox, record.folder);
    await requestCatchUp(record.mailbox, record.folder, reason);
    return replacement;
  }

  async function requestCatchUp(mailbox: string, folder: MailFolderName, reason: string): Promise<void> {
    const item: QueueItem = { kind: "catchUp", mailbox, folder, reason, requestedAt: clock().toISOString() };
    await deps.queue.enqueue([item]);
  }

  async function removeSubscription(record: SubscriptionRecord): Promise<void> {
    try {
      await gateway.deleteSubscription(record.id);
    } catch (error) {
      // Already gone at Graph is as good as deleted.
      if (!(error instanceof GraphFailure && (error.code === "notFound" || error.code === "subscriptionGone"))) throw error;
    }
    await live.subscriptions.deleteSubscription(record.id);
  }

  /** Brings one mailbox's subscriptions in line with its settings. */
  async function reconcileMailbox(
    mailbox: MailboxSettings,
    organization: OrganizationSettings,
    report: SubscriptionReport,
  ): Promise<void> {
    const wanted = new Set(foldersToWatch(mailbox, organization));
    const existing = await live.subscriptions.listSubscriptions({ mailbox: mailbox.address });
    const renewBy = clock().getTime() + policy.renewBeforeInMinutes * 60_000;
    for (const record of existing) {
      try {
        if (!wanted.has(record.folder)) {
          await removeSubscription(record);
          report.deleted += 1;
          continue;
        }
        wanted.delete(record.folder);
        if (Date.parse(record.expirationDateTime) <= clock().getTime()) {
          await recreate(record, "subscription expired");
          report.recreated += 1;
        } else if (Date.parse(record.expirationDateTime) <= renewBy) {
          try {
            await renew(record);
            report.renewed += 1;
          } catch (error) {
            if (!(error instanceof GraphFailure && (error.code === "subscriptionGone" || error.code === "notFound"))) throw error;
            await recreate(record, "subscription gone at renewal");
            report.recreated += 1;
          }
        }
      } catch (error) {
        report.failed += 1;
        await recordFailure(mailbox.address, error);
      }
    }
    for (const folder of wanted) {
      try {
        await create(mailbox.address, folder);
        report.created += 1;
        await requestCatchUp(mailbox.address, folder, "subscription created");
      } catch (error) {
        report.failed += 1;
        await recordFailure(mailbox.address, error);
      }
    }
  }

  async function recordFailure(mailbox: string, error: unknown): Promise<void> {
    const code = error instanceof GraphFailure ? error.code : "unexpected";
    const message = error instanceof Error ? error.message : String(error);
    log(`subscription maintenance failed for ${mailbox}: ${code}: ${message}`);
    await live.syncState.recordEvent(mailbox, {
      at: clock().toISOString(),
      level: "error",
      code: `subscription.${code}`,
      message,
    });
  }

  /** The timer's job: every configured mailbox, enabled or not, then orphans at Graph. */
  async function renewAll(): Promise<SubscriptionReport> {
    const report: SubscriptionReport = { created: 0, renewed: 0, recreated: 0, deleted: 0, failed: 0 };
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const mailboxes = await deps.store.settings.listMailboxes();
    for (const mailbox of mailboxes) await reconcileMailbox(mailbox, organization, report);
    await deleteOrphans(report);
    return report;
  }

  /**
   * Subscriptions Graph has for our webhook but the store doesn't know (a worker died between
   * Graph's answer and the store write): their notifications would only be dropped as unknown,
   * while a replacement already exists or will be made. Delete them at Graph.
   */
  async function deleteOrphans(report: SubscriptionReport): Promise<void> {
    try {
      const known = new Set((await live.subscriptions.listSubscriptions()).map((s) => s.id));
      const atGraph = await gateway.listSubscriptions();
      for (const subscription of atGraph) {
        if (subscription.notificationUrl !== policy.notificationUrl || known.has(subscription.id)) continue;
        // One created in the last minutes may be on its way into the store: leave it to the next run.
        if (Date.parse(subscription.expirationDateTime) > Date.parse(expiry()) - ORPHAN_GRACE_IN_MS) continue;
        await gateway.deleteSubscription(subscription.id);
        log(`orphaned subscription ${subscription.id} (${subscription.resource}) deleted at Graph`);
        report.deleted += 1;
      }
    } catch (error) {
      // Housekeeping only: the next run tries again.
      report.failed += 1;
      log(`orphaned subscription check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function reconcile(address: string): Promise<SubscriptionReport> {
    const report: SubscriptionReport = { created: 0, renewed: 0, recreated: 0, deleted: 0, failed: 0 };
    const organization = (await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const mailbox = await deps.store.settings.getMailbox(address.toLowerCase());
    if (!mailbox) throw new Error(`mailbox ${address} is not configured`);
    await reconcileMailbox(mailbox, organization, report);
    return report;
  }

  /** Lifecycle events, handled from the queue. */
  async function handleLifecycle(item: Extract<QueueItem, { kind: "lifecycle" }>): Promise<void> {
    const record = await live.subscriptions.getSubscription(item.subscriptionId);
    switch (item.lifecycleEvent) {
      case "reauthorizationRequired": {
        if (!record) return;
        try {
          await gateway.reauthorizeSubscription(record.id);
        } catch (error) {
          if (!(error instanceof GraphFailure)) throw error;
          if (error.code === "subscriptionGone" || error.code === "notFound") {
            await recreate(record, "subscription gone at reauthorization");
          } else if (!error.transient) {
            // Reauthorizing is not possible; renewing also re-authorizes delivery.
            await renew(record);
          } else {
            throw error;
          }
        }
        return;
      }
      case "subscriptionRemoved": {
        if (record) {
          await recreate(record, "subscription removed by Graph");
        } else {
          // Already replaced (a redelivered event): make sure the gap is caught up anyway.
          await requestCatchUp(item.mailbox, item.folder, "subscription removed by Graph");
        }
        return;
      }
      case "missed":
        await requestCatchUp(item.mailbox, item.folder, "notifications missed");
        return;
    }
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

  /** The catch-up timer's job. */
  async function requestCatchUpForAll(reason: string): Promise<number> {
    return requestCatchUps(await deps.store.settings.listMailboxes(), reason);
  }

  async function requestCatchUpForMailbox(address: string, reason: string): Promise<number> {
    const mailbox = await deps.store.settings.getMailbox(address.toLowerCase());
    return mailbox ? requestCatchUps([mailbox], reason) : 0;
  }

  return { renewAll, reconcile, handleLifecycle, requestCatchUp, requestCatchUpForAll, requestCatchUpForMailbox };
}

export type SubscriptionManager = ReturnType<typeof createSubscriptionManager>;
