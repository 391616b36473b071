// The mailboxes email may be sent from through the app, each with the reason when it may not: the
// domain's one rule (mayMailboxSend) over the stored mailboxes and organization settings, so a
// page can offer only those and say why the others are missing.
import { normalizeAddress } from "../domain/address.js";
import { mayMailboxSend } from "../domain/sending.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { MailboxSettings } from "../domain/types.js";
import type { SettingsStore } from "./ports.js";

export interface Sender {
  address: string;
  kind: MailboxSettings["kind"];
  maySend: boolean;
  /** Why it may not send. */
  reason?: string;
}

/** Every configured mailbox (by address), those that may send first. */
export async function listSenders(settings: Pick<SettingsStore, "getOrganization" | "listMailboxes">): Promise<Sender[]> {
  const [organization, mailboxes] = await Promise.all([settings.getOrganization(), settings.listMailboxes()]);
  const rules = organization ?? defaultOrganizationSettings();
  return mailboxes
    .map((mailbox) => {
      const permission = mayMailboxSend(mailbox, rules);
      return { address: normalizeAddress(mailbox.address), kind: mailbox.kind, maySend: permission.ok, ...(permission.ok ? {} : { reason: permission.reason }) };
    })
    .sort((a, b) => Number(b.maySend) - Number(a.maySend) || a.address.localeCompare(b.address));
}
