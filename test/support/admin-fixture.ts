// The administration use cases on the in-memory store, against the Graph simulator (real HTTPS,
// real SDK), with a queue that keeps what is enqueued and a clock the test moves.
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { createGraphCredential, createGraphGateway, type GraphGateway } from "../../src/adapters/graph/index.js";
import { createActivityAdmin } from "../../src/app/activities.js";
import { createOutgoingEmail } from "../../src/app/outgoing-email.js";
import type { MailGateway, QueueItem, TrackingStore, WorkQueue } from "../../src/app/ports.js";
import { createTracker } from "../../src/app/track-message.js";
import type { MailboxSettings } from "../../src/domain/types.js";
import { startGraphSimulator, type GraphSimulator } from "../../local/graph-simulator/index.js";

export const CLIENT = { clientId: "11111111-1111-1111-1111-111111111111", clientSecret: "local-only-secret" };

export interface QueuedItem {
  item: QueueItem;
  delayInSeconds: number;
}

export function capturingQueue(): WorkQueue & { items: QueuedItem[]; take(): QueuedItem[] } {
  const items: QueuedItem[] = [];
  return {
    items,
    enqueue: async (list, options) => {
      for (const item of list) items.push({ item, delayInSeconds: options?.delayInSeconds ?? 0 });
    },
    take: () => items.splice(0, items.length),
  };
}

export function mailbox(address: string, overrides: Partial<MailboxSettings> = {}): MailboxSettings {
  return {
    address,
    kind: "user",
    enabled: true,
    incomingSyncMethod: "serverSideSync",
    outgoingSyncMethod: "serverSideSync",
    incomingEmailFilter: "all",
    trackedFolders: [],
    ...overrides,
  };
}

export async function startSimulator(): Promise<{ sim: GraphSimulator; gateway: GraphGateway }> {
  const sim = await startGraphSimulator({ clients: [CLIENT], notificationRetryBaseMs: 5 });
  const credential = createGraphCredential({ kind: "clientSecret", tenantId: sim.tenantId, ...CLIENT, authorityHost: sim.authorityHost, ca: sim.ca });
  // No gateway retries: the outgoing email's own retry policy is what is under test.
  const gateway = createGraphGateway({ credential, baseUrl: sim.baseUrl, ca: sim.ca, maxRetries: 0, sleep: async () => {} });
  return { sim, gateway };
}

export function adminServices(options: { gateway: MailGateway; store?: TrackingStore; now: () => Date }) {
  const store = options.store ?? createMemoryTrackingStore();
  const queue = capturingQueue();
  const tracker = createTracker({ store, settingsTtlInMs: 0 });
  const outgoing = createOutgoingEmail({ store, gateway: options.gateway, tracker, queue, clock: options.now });
  const activities = createActivityAdmin({ store, gateway: options.gateway, tracker, clock: options.now });
  return { store, queue, tracker, outgoing, activities };
}
