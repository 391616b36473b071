// The LiveTrackingStore in memory, with the Cosmos adapter's rules (lower-cased mailboxes, the
// event bound, claim leases, marker ids) so the shared contract suite holds both to one behaviour.
import type { ClaimResult, LiveTrackingStore, MailboxSyncState, ProcessedMessageStore, SubscriptionRecord, SubscriptionStore, SyncStateStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { processedMarkerId } from "../cosmos/processed-message-store.js";
import { ownFields } from "../cosmos/subscription-store.js";
import { assertMailFolder, MAX_MAILBOX_EVENTS, newestEvents } from "../cosmos/sync-state-store.js";
import { createMemoryAlertStore } from "./alert-store.js";
import { createMemoryHealthStore, createMemoryItemLogStore } from "./monitoring-stores.js";
import { createMemoryScheduleStore } from "./schedule-store.js";
import { jsonCopy, turn } from "./tracking-store.js";

function createSubscriptions(): SubscriptionStore {
  const stored = new Map<string, SubscriptionRecord>();
  return {
    getSubscription: async (id) => {
      await turn();
      const found = stored.get(id);
      return found && jsonCopy(found);
    },
    putSubscription: async (subscription) => {
      await turn();
      stored.set(subscription.id, jsonCopy(ownFields({ ...subscription, mailbox: normalizeAddress(subscription.mailbox) })));
    },
    deleteSubscription: async (id) => {
      await turn();
      stored.delete(id);
    },
    listSubscriptions: async (options = {}) => {
      await turn();
      const mailbox = options.mailbox === undefined ? undefined : normalizeAddress(options.mailbox);
      return [...stored.values()]
        .filter((subscription) => mailbox === undefined || subscription.mailbox === mailbox)
        .map((subscription) => jsonCopy(subscription))
        .sort((a, b) => a.mailbox.localeCompare(b.mailbox) || a.folder.localeCompare(b.folder) || a.id.localeCompare(b.id));
    },
  };
}

function createSyncState(): SyncStateStore {
  const states = new Map<string, MailboxSyncState>();
  const stateOf = (mailbox: string): MailboxSyncState => {
    const key = normalizeAddress(mailbox);
    const state = states.get(key) ?? { mailbox: key, deltaLinks: {}, caughtUpAt: {}, events: [] };
    states.set(key, state);
    return state;
  };
  return {
    getSyncState: async (mailbox) => {
      await turn();
      const state = states.get(normalizeAddress(mailbox));
      return state && jsonCopy({ ...state, events: newestEvents(state.events) });
    },
    putDeltaLink: async (mailbox, folder, deltaLink, options) => {
      assertMailFolder(folder);
      await turn();
      const state = stateOf(mailbox);
      if (deltaLink === undefined) delete state.deltaLinks[folder];
      else state.deltaLinks[folder] = deltaLink;
      state.caughtUpAt[folder] = options.caughtUpAt;
    },
    recordEvent: async (mailbox, event) => {
      await turn();
      const state = stateOf(mailbox);
      state.events.unshift(jsonCopy(event));
      if (state.events.length > MAX_MAILBOX_EVENTS) state.events = newestEvents(state.events);
    },
    putFailureCounter: async (mailbox, counter) => {
      await turn();
      const state = stateOf(mailbox);
      if (counter) state.failures = jsonCopy(counter);
      else delete state.failures;
    },
  };
}

interface Marker {
  state: "claimed" | "processed";
  claimedAt?: string;
}

function createProcessed(): ProcessedMessageStore {
  const markers = new Map<string, Marker>();
  const store: ProcessedMessageStore = {
    wasProcessed: async (mailbox, graphMessageId) => {
      const id = processedMarkerId(mailbox, graphMessageId);
      await turn();
      return markers.get(id)?.state === "processed";
    },
    claim: async (mailbox, graphMessageId, options): Promise<ClaimResult> => {
      const id = processedMarkerId(mailbox, graphMessageId);
      await turn();
      const marker = markers.get(id);
      const claimed: Marker = { state: "claimed", claimedAt: options.now.toISOString() };
      if (!marker) {
        markers.set(id, claimed);
        return "claimed";
      }
      if (marker.state !== "claimed") return "processed";
      const age = options.now.getTime() - Date.parse(marker.claimedAt ?? "");
      if (!(age > options.leaseInMs)) return "busy";
      // The claim's worker died: take it over.
      markers.set(id, claimed);
      return "claimed";
    },
    claimMany: (mailbox, graphMessageIds, options) => Promise.all(graphMessageIds.map((graphMessageId) => store.claim(mailbox, graphMessageId, options))),
    markProcessed: async (mailbox, graphMessageId) => {
      const id = processedMarkerId(mailbox, graphMessageId);
      await turn();
      markers.set(id, { state: "processed" });
    },
  };
  return store;
}

/** An empty in-memory LiveTrackingStore of its own; `clock` decides what has expired (TTL). */
export function createMemoryLiveTrackingStore(options: { clock?: () => Date } = {}): LiveTrackingStore {
  const clock = options.clock ?? (() => new Date());
  const processed = createProcessed();
  const health = createMemoryHealthStore();
  const itemLog = createMemoryItemLogStore({ clock });
  return {
    subscriptions: createSubscriptions(),
    syncState: createSyncState(),
    processed,
    alerts: createMemoryAlertStore({ clock }),
    health,
    itemLog,
    // One process, no crash between the parts: the three writes in turn.
    batches: {
      commit: async (mailbox, batch) => {
        for (const mark of batch.markers) await processed.markProcessed(mailbox, mark.graphMessageId, mark);
        if (batch.itemLog) await itemLog.putEntries(mailbox, batch.itemLog.entries, { retentionInDays: batch.itemLog.retentionInDays });
        if (batch.health) await health.updateHealth(mailbox, batch.health);
      },
    },
    schedule: createMemoryScheduleStore(),
  };
}
