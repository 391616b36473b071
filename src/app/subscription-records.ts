// Creating, renewing, replacing and removing one mailbox's Graph subscriptions (used by src/app/subscriptions.ts).
import { subscriptionTag } from "./client-state.js";
import { GraphFailure } from "./errors.js";
import { folderLabel, isTrackedFolderKey } from "./folder-keys.js";
import { changeTypeFor } from "./categories.js";
import { isFolderMissing, knownFolderId, reportTrackedFolder } from "./folder-subscriptions.js";
import { subscriptionsOutsideInbox } from "./folder-placement.js";
import type { MailFolderName, QueueItem, SubscriptionRecord } from "./ports.js";
import type { SubscriptionDeps, SubscriptionReport } from "./subscriptions.js";
import { defaultOrganizationSettings } from "../domain/settings.js";

/** How old a subscription must be before it counts as an orphan, or as vanished from Graph. */
export const GRACE_IN_MS = 10 * 60_000;

export function isGone(error: unknown): boolean {
  return error instanceof GraphFailure && (error.code === "subscriptionGone" || error.code === "notFound");
}

export function emptyReport(): SubscriptionReport {
  return { created: 0, renewed: 0, recreated: 0, deleted: 0, failed: 0 };
}

export function createSubscriptionRecords(deps: SubscriptionDeps) {
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

  return { expiry, event, create, renew, replace, refreshCertificate, needsReplacement, requestCatchUp, removeSubscription, deletedAtGraph };
}

export type SubscriptionRecords = ReturnType<typeof createSubscriptionRecords>;
