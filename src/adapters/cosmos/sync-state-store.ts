import type { Container, PatchOperation } from "@azure/cosmos";
import type { FailureCounter } from "../../domain/error-policy.js";
import type { MailboxEvent, MailboxSyncState, MailFolderName, SyncStateStore } from "../../app/ports.js";
import { statusOf, translateErrors } from "./errors.js";
import { isMailFolderName } from "../../app/folder-keys.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";

/** Events kept per mailbox (newest first); older ones are dropped. */
export const MAX_MAILBOX_EVENTS = 50;

/** The folder becomes part of a patch path: only a folder name the app makes may get there (src/app/folder-keys.ts). */
export function assertMailFolder(folder: MailFolderName): void {
  if (!isMailFolderName(folder)) throw new RangeError(`Unknown mail folder "${String(folder)}": expected inbox, sentitems or tracked:<name>`);
}

/** Partition key /mailbox, one document per mailbox under a fixed id. */
const STATE_ID = "syncState";

/** A cleared delta link is stored as null: a patch `set` never fails, a `remove` of a missing path does. */
interface SyncStateDocument {
  id: string;
  mailbox: string;
  deltaLinks: Partial<Record<MailFolderName, string | null>>;
  caughtUpAt: Partial<Record<MailFolderName, string>>;
  events: MailboxEvent[];
  /** null once cleared (a patch `set` never fails). */
  failures?: FailureCounter | null;
}

/**
 * Delta links, catch-up times and the bounded event list of each mailbox, in one document per
 * mailbox. Every change is a server-side patch (set one folder's fields, insert one event), so
 * concurrent writers never overwrite each other: no read-modify-write, one request per change.
 */
export function createCosmosSyncStateStore(container: Container): SyncStateStore {
  /** Applies the patch; on first use creates the document instead (409: someone else did, patch it). */
  const change = async (mailbox: string, operations: PatchOperation[], initial: () => SyncStateDocument): Promise<SyncStateDocument | undefined> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const { resource } = await container.item(STATE_ID, mailbox).patch<SyncStateDocument>(operations);
        return resource;
      } catch (error) {
        if (statusOf(error) !== 404 || attempt > 0) throw error;
      }
      try {
        await container.items.create(initial());
        return undefined;
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
    }
  };

  return {
    getSyncState: (mailbox) =>
      translateErrors("getSyncState", async () => {
        const resource = await readItem<SyncStateDocument>(container, STATE_ID, normalizeAddress(mailbox));
        return resource ? toSyncState(resource) : undefined;
      }),
    putDeltaLink: (mailbox, folder, deltaLink, options) =>
      translateErrors("putDeltaLink", async () => {
        assertMailFolder(folder);
        const key = normalizeAddress(mailbox);
        await change(
          key,
          [
            { op: "set", path: `/deltaLinks/${folder}`, value: deltaLink ?? null },
            { op: "set", path: `/caughtUpAt/${folder}`, value: options.caughtUpAt },
          ],
          () => ({
            ...emptyDocument(key),
            deltaLinks: deltaLink === undefined ? {} : { [folder]: deltaLink },
            caughtUpAt: { [folder]: options.caughtUpAt },
          }),
        );
      }),
    recordEvent: (mailbox, event) =>
      translateErrors("recordEvent", async () => {
        const key = normalizeAddress(mailbox);
        const stored = await change(key, [{ op: "add", path: "/events/0", value: event }], () => ({ ...emptyDocument(key), events: [event] }));
        if (!stored || stored.events.length <= MAX_MAILBOX_EVENTS) return;
        // Trim only the version we just saw (If-Match): if another writer changed it meanwhile,
        // a later event trims. Readers never see more than the bound either way.
        try {
          await container.item(STATE_ID, key).replace<SyncStateDocument>(
            { ...stored, events: newestEvents(stored.events) },
            { accessCondition: { type: "IfMatch", condition: (stored as { _etag?: string })._etag ?? "" } },
          );
        } catch (error) {
          if (statusOf(error) !== 412) throw error;
        }
      }),
    putFailureCounter: (mailbox, counter) =>
      translateErrors("putFailureCounter", async () => {
        const key = normalizeAddress(mailbox);
        await change(key, [{ op: "set", path: "/failures", value: counter ?? null }], () => ({
          ...emptyDocument(key),
          ...(counter ? { failures: counter } : {}),
        }));
      }),
  };
}

function emptyDocument(mailbox: string): SyncStateDocument {
  return { id: STATE_ID, mailbox, deltaLinks: {}, caughtUpAt: {}, events: [] };
}

/** The bounded list, newest first by `at`; events recorded at the same instant keep their insertion order. */
export function newestEvents(events: MailboxEvent[]): MailboxEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => b.event.at.localeCompare(a.event.at) || a.index - b.index)
    .slice(0, MAX_MAILBOX_EVENTS)
    .map(({ event }) => event);
}

function toSyncState(document: SyncStateDocument): MailboxSyncState {
  const deltaLinks: MailboxSyncState["deltaLinks"] = {};
  for (const [folder, link] of Object.entries(document.deltaLinks)) {
    if (isMailFolderName(folder) && typeof link === "string") deltaLinks[folder] = link;
  }
  return {
    mailbox: document.mailbox,
    deltaLinks,
    caughtUpAt: { ...document.caughtUpAt },
    events: newestEvents(document.events),
    ...(document.failures ? { failures: document.failures } : {}),
  };
}
