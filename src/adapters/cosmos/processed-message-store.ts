import { createHash } from "node:crypto";
import type { Container } from "@azure/cosmos";
import type { ClaimResult, ProcessedMessageStore } from "../../app/ports.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";

/** One marker per (mailbox, Graph message). They expire by the container's defaultTtl (14 days). */
interface ProcessedDocument {
  id: string;
  mailbox: string;
  graphMessageId: string;
  /** Absent on markers written before claims existed: those mean processed. */
  state?: "claimed" | "processed";
  claimedAt?: string;
  reason?: string;
  activityId?: string;
  processedAt?: string;
}

/**
 * The marker's id (also its partition key): the escaped `${mailbox}:${graphMessageId}`, or, when
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

/** Processed-message markers: one point read to check, one upsert to mark. */
export function createCosmosProcessedMessageStore(container: Container): ProcessedMessageStore {
  return {
    wasProcessed: (mailbox, graphMessageId) =>
      translateErrors("wasProcessed", async () => {
        const id = processedMarkerId(mailbox, graphMessageId);
        const resource = await readItem<ProcessedDocument>(container, id, id);
        return resource !== undefined && resource.state !== "claimed";
      }),
    claim: (mailbox, graphMessageId, options) =>
      translateErrors("claim", async (): Promise<ClaimResult> => {
        const id = processedMarkerId(mailbox, graphMessageId);
        const claimedAt = options.now.toISOString();
        const claimed: ProcessedDocument = { id, mailbox: normalizeAddress(mailbox), graphMessageId, state: "claimed", claimedAt };
        try {
          await container.items.create(claimed);
          return "claimed";
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
        const resource = await readItem<ProcessedDocument>(container, id, id);
        if (!resource) return "busy"; // deleted between the two calls: let the caller retry later
        if (resource.state !== "claimed") return "processed";
        const age = options.now.getTime() - Date.parse(resource.claimedAt ?? "");
        if (!(age > options.leaseInMs)) return "busy";
        try {
          // The claim's worker died: take it over, unless another worker just did.
          await container.item(id, id).replace(claimed, { accessCondition: { type: "IfMatch", condition: resource._etag } });
          return "claimed";
        } catch (error) {
          if (statusOf(error) === 412) return "busy";
          throw error;
        }
      }),
    markProcessed: (mailbox, graphMessageId, outcome) =>
      translateErrors("markProcessed", async () => {
        const document: ProcessedDocument = {
          id: processedMarkerId(mailbox, graphMessageId),
          mailbox: normalizeAddress(mailbox),
          graphMessageId,
          state: "processed",
          reason: outcome.reason,
          ...(outcome.activityId !== undefined && { activityId: outcome.activityId }),
          processedAt: new Date().toISOString(),
        };
        // An upsert: marking twice (redelivery, catch-up after a notification) is harmless.
        await container.items.upsert(document);
      }),
  };
}
