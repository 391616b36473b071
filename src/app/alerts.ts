// Raising, listing and deleting mailbox alerts. An alert is recorded when the organization records
// its level (recordErrorAlerts / recordWarningAlerts / recordInformationAlerts) and is flagged for
// the mailbox's owner when notifyMailboxOwnerOfAlerts is on: the owner then sees it on their own
// API view (GET /api/admin/mailboxes/{address}/alerts, which owners may call for their mailboxes).
// Every alert is also the newest of the mailbox's recent events (the sync-state document), which
// `npm run mailbox -- status` shows. Raising never throws: an alert that cannot be stored is
// logged, and the work that raised it goes on.
import { randomUUID } from "node:crypto";
import { mailboxLogLine } from "./mailbox-log.js";
import type { LiveTrackingStore, Page, TrackingStore } from "./ports.js";
import { buildAlert, isRecorded, type Alert, type AlertFilter, type AlertInput } from "../domain/alerts.js";
import { normalizeAddress } from "../domain/address.js";
import { defaultOrganizationSettings } from "../domain/settings.js";

export interface AlertsDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  clock: () => Date;
  log?: (line: string) => void;
}

export interface RaiseResult {
  recorded: boolean;
  alert?: Alert;
}

export function createAlerts(deps: AlertsDeps) {
  const { store, live, clock } = deps;
  const log = deps.log ?? (() => {});

  /** Records the alert (if its level is recorded) and logs it either way, at its level. */
  async function raise(mailbox: string, input: AlertInput): Promise<RaiseResult> {
    const address = normalizeAddress(mailbox);
    log(mailboxLogLine(input.level, address, `alert ${input.code}: ${input.message}`, { alert: input.code, ...(input.folder ? { folder: input.folder } : {}) }));
    try {
      const settings = (await store.settings.getOrganization()) ?? defaultOrganizationSettings();
      if (!isRecorded(input.level, settings)) return { recorded: false };
      const alert = buildAlert(address, input, { at: clock().toISOString(), settings, randomId: randomUUID });
      await live.alerts.putAlert(alert);
      await live.syncState.recordEvent(address, {
        at: alert.at,
        level: alert.level,
        code: alert.code,
        message: alert.message,
        ...(alert.messageId !== undefined ? { messageId: alert.messageId } : {}),
        ...(alert.whatToDo !== undefined ? { whatToDo: alert.whatToDo } : {}),
      });
      return { recorded: true, alert };
    } catch (error) {
      log(mailboxLogLine("error", address, `alert ${input.code} could not be recorded: ${error instanceof Error ? error.message : String(error)}`, { alert: input.code }));
      return { recorded: false };
    }
  }

  function list(filter: AlertFilter, page: { limit: number; continuationToken?: string }): Promise<Page<Alert>> {
    return live.alerts.listAlerts(normalized(filter), page);
  }

  function remove(filter: AlertFilter): Promise<number> {
    return live.alerts.deleteAlerts(normalized(filter));
  }

  return { raise, list, delete: remove };
}

function normalized(filter: AlertFilter): AlertFilter {
  return filter.mailbox === undefined ? filter : { ...filter, mailbox: normalizeAddress(filter.mailbox) };
}

export type Alerts = ReturnType<typeof createAlerts>;
