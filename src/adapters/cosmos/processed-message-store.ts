import { createHash } from "node:crypto";
import type { Container } from "@azure/cosmos";
import type { ClaimResult, ProcessedMark, ProcessedMessageStore } from "../../app/ports.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";

// Processed markers live in the `itemLog` container, in the mailbox's partition beside its health
// document and item-log entries, so a batch's markers, entries and counts are one transactional
// batch (mailbox-batch-store.ts). Each carries its own `ttl`.

/** How long a marker keeps duplicates from Graph and the tracker: 14 days. */
export const PROCESSED_MARKER_TTL_IN_SECONDS = 14 * 86_400;

/** One marker per (mailbox, Graph message). */
interface ProcessedDocument {
  id: string;
  /** The partition key: the lower-cased mailbox. */
  mailbox: string;
  ttl: number;
  graphMessageId: string;
  /** Absent on markers written before claims existed: those mean processed. */
  state?: "claimed" | "processed";
  claimedAt?: string;
  reason?: string;
  activityId?: string;
  processedAt?: string;
}

/**
 * The marker's id: the escaped `${mailbox}:${graphMessageId}`, or, when
 * that exceeds Cosmos DB's 255 characters (Graph ids are ~150 characters and every '/' escapes to
 * three), a SHA-256 of both under the prefix `~h:`, which escaping never produces ('h' is not hex).
 */
export function processedMarkerId(mailbox: string, graphMessageId: string): string {
  if (graphMessageId === "") throw new RangeError("graphMessageId must not be empty");
  const normalised = normalizeAddress(mailbox);
  if (normalised === "") throw new RangeError("mailbox must not be empty");
  const escaped = escapedOrUndefined(`${normalised}:${graphMessageId}`);
  return escaped ?? `~h:${createHash("sha256").update(`${normalised}\n${graphMessageId}`).digest("hex")}`;
}

function escapedOrUndefined(value: string): string | undefined {
  try {
    return toDocumentId(value);
  } catch (error) {
    if (error instanceof RangeError) return undefined; // longer than MAX_ID_LENGTH once escaped
    throw error;
  }
}

/** The marker of a message done with (upserted alone or in a mailbox's batch). */
export function processedDocument(mailbox: string, mark: ProcessedMark, now: Date): ProcessedDocument {
  return {
    id: processedMarkerId(mailbox, mark.graphMessageId),
    mailbox: normalizeAddress(mailbox),
    ttl: PROCESSED_MARKER_TTL_IN_SECONDS,
    graphMessageId: mark.graphMessageId,
    state: "processed",
    reason: mark.reason,
    ...(mark.activityId !== undefined && { activityId: mark.activityId }),
    processedAt: now.toISOString(),
  };
}

/** Processed-message markers: one point read to check, one create to claim, one upsert to mark. */
export function createCosmosProcessedMessageStore(container: Container): ProcessedMessageStore {
  return {
    wasProcessed: (mailbox, graphMessageId) =>
      translateErrors("wasProcessed", async () => {
        const id = processedMarkerId(mailbox, graphMessageId);
        const resource = await readItem<ProcessedDocument>(container, id, normalizeAddress(mailbox));
        return resource !== undefined && resource.state !== "claimed";
      }),
    claim: (mailbox, graphMessageId, options) =>
      translateErrors("claim", async (): Promise<ClaimResult> => {
        const id = processedMarkerId(mailbox, graphMessageId);
        const key = normalizeAddress(mailbox);
        const claimedAt = options.now.toISOString();
        const claimed: ProcessedDocument = { id, mailbox: key, ttl: PROCESSED_MARKER_TTL_IN_SECONDS, graphMessageId, state: "claimed", claimedAt };
        try {
          await container.items.create(claimed);
          return "claimed";
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
        const resource = await readItem<ProcessedDocument>(container, id, key);
        if (!resource) return "busy"; // deleted between the two calls: let the caller retry later
        if (resource.state !== "claimed") return "processed";
        const age = options.now.getTime() - Date.parse(resource.claimedAt ?? "");
        if (!(age > options.leaseInMs)) return "busy";
        try {
          // The claim's worker died: take it over, unless another worker just did.
          await container.item(id, key).replace(claimed, { accessCondition: { type: "IfMatch", condition: resource._etag } });
          return "claimed";
        } catch (error) {
          if (statusOf(error) === 412) return "busy";
          throw error;
        }
      }),
    markProcessed: (mailbox, graphMessageId, outcome) =>
      translateErrors("markProcessed", async () => {
        // An upsert: marking twice (redelivery, catch-up after a notification) is harmless.
        await container.items.upsert(processedDocument(mailbox, { graphMessageId, ...outcome }, new Date()));
      }),
  };
}
