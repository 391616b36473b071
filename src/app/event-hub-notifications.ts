// Graph's change notifications delivered through Azure Event Hubs: each event's body is the same
// collection a webhook POST carries (`{ value: [...], validationTokens?: [...] }`), change and
// lifecycle items mixed when both URLs name the hub. They go through the same handler and gates
// as the webhook (src/app/notification-handler.ts); only the envelope differs. There is no
// validation handshake: Graph sends one validation event per new subscription, whose items name
// subscription "NA", and it is ignored (Graph's guidance).
import { isObject, type NotificationHandler, type NotificationOutcome } from "./notification-handler.js";

/** Largest event body read; Event Hubs (Standard) carries at most 1 MB per event. */
export const MAX_EVENT_BYTES = 1_048_576;

export interface EventHubOutcome extends NotificationOutcome {
  /** Events that were not a notification collection (unreadable, too large, the wrong shape). */
  malformedEvents: number;
  /** Graph's validation items (subscription "NA"), ignored. */
  validationItems: number;
}

export function createEventHubNotifications(handler: NotificationHandler) {
  /** One trigger invocation's events (cardinality "many"): bodies as the host hands them over. */
  async function handleEvents(events: readonly unknown[]): Promise<EventHubOutcome> {
    const total: EventHubOutcome = { enqueue: [], dropped: {}, resourceDataSkipped: {}, storeReads: 0, warnings: [], malformedEvents: 0, validationItems: 0 };
    for (const event of events) {
      const collection = collectionOf(event);
      if (!collection) {
        total.malformedEvents += 1;
        continue;
      }
      const value = collection.value.filter((item) => !(isObject(item) && item.subscriptionId === "NA"));
      total.validationItems += collection.value.length - value.length;
      if (value.length === 0) continue;
      const outcome = await handler.handleCollection({ ...collection, value }, "any");
      total.enqueue.push(...outcome.enqueue);
      total.storeReads += outcome.storeReads;
      total.warnings.push(...outcome.warnings);
      for (const [reason, count] of Object.entries(outcome.dropped)) total.dropped[reason as keyof typeof total.dropped] = (total.dropped[reason as keyof typeof total.dropped] ?? 0) + count;
      for (const [reason, count] of Object.entries(outcome.resourceDataSkipped)) {
        const key = reason as keyof typeof total.resourceDataSkipped;
        total.resourceDataSkipped[key] = (total.resourceDataSkipped[key] ?? 0) + count;
      }
    }
    return total;
  }

  return { handleEvents };
}

export type EventHubNotifications = ReturnType<typeof createEventHubNotifications>;

/** The host hands a JSON body over parsed, text as a string, anything else as bytes. */
function collectionOf(event: unknown): (Record<string, unknown> & { value: unknown[] }) | undefined {
  let parsed: unknown = event;
  if (event instanceof Uint8Array) parsed = event.byteLength > MAX_EVENT_BYTES ? undefined : Buffer.from(event).toString("utf8");
  if (typeof parsed === "string") {
    if (Buffer.byteLength(parsed, "utf8") > MAX_EVENT_BYTES) return undefined;
    try {
      parsed = JSON.parse(parsed.replace(/^\ufeff/, ""));
    } catch {
      return undefined;
    }
  }
  return isObject(parsed) && Array.isArray(parsed.value) ? (parsed as Record<string, unknown> & { value: unknown[] }) : undefined;
}
