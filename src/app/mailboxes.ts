// Enabling and disabling mailboxes: the settings change and the subscriptions follow at once.
import type { TrackingStore } from "./ports.js";
import type { SubscriptionManager, SubscriptionReport } from "./subscriptions.js";
import { normalizeAddress } from "../domain/address.js";
import { parseMailboxSettings } from "../domain/settings.js";
import type { MailboxSettings } from "../domain/types.js";

export function createMailboxAdmin(deps: {
  store: TrackingStore;
  subscriptions: SubscriptionManager;
  clock?: () => Date;
  /** Enabling is an admin's re-enable: the error policy's count starts afresh (src/app/error-policy.ts). */
  onEnable?: (address: string) => Promise<void>;
}) {
  const clock = deps.clock ?? (() => new Date());

  /**
   * Validates and stores the mailbox, then subscribes it. Like Dynamics' "Test & Enable", mail
   * received before the moment of enabling is not processed unless a start date says otherwise.
   */
  async function enableMailbox(input: unknown): Promise<{ mailbox: MailboxSettings; subscriptions: SubscriptionReport }> {
    const parsed = parseMailboxSettings(input);
    const existing = await deps.store.settings.getMailbox(parsed.address);
    const mailbox: MailboxSettings = {
      ...parsed,
      enabled: true,
      processEmailReceivedAfter: parsed.processEmailReceivedAfter ?? existing?.processEmailReceivedAfter ?? clock().toISOString(),
    };
    await deps.store.settings.putMailbox(mailbox);
    await deps.onEnable?.(mailbox.address);
    const subscriptions = await deps.subscriptions.reconcile(mailbox.address);
    // Enabling again is how an admin asks for a catch-up now; a redundant one costs one delta call.
    await deps.subscriptions.requestCatchUpForMailbox(mailbox.address, "mailbox enabled");
    return { mailbox, subscriptions };
  }

  async function disableMailbox(address: string): Promise<{ subscriptions: SubscriptionReport }> {
    const existing = await deps.store.settings.getMailbox(normalizeAddress(address));
    if (!existing) throw new Error(`mailbox ${address} is not configured`);
    await deps.store.settings.putMailbox({ ...existing, enabled: false });
    return { subscriptions: await deps.subscriptions.reconcile(existing.address) };
  }

  return { enableMailbox, disableMailbox };
}
