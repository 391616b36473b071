import { createHash, randomUUID } from "node:crypto";
import type { Container, OperationInput } from "@azure/cosmos";
import type { ClaimResult, ProcessedMark, ProcessedMessageStore } from "../../app/ports.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { MAX_BATCH_OPERATIONS } from "./item-log-store.js";
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
  /**
   * Who claimed it: a claim made by one claimMany call. A server that does not roll a failed batch
   * back (the embedded one) keeps the batch's earlier creates; the holder tells the retry they are its own.
   */
  holder?: string;
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

/** Processed-message markers: one point read to check, one create (or one batch) to claim, one upsert to mark. */
export function createCosmosProcessedMessageStore(container: Container): ProcessedMessageStore {
  const claimedDocument = (key: string, graphMessageId: string, claim: { claimedAt: string; holder: string }): ProcessedDocument => ({
    id: processedMarkerId(key, graphMessageId),
    mailbox: key,
    ttl: PROCESSED_MARKER_TTL_IN_SECONDS,
    graphMessageId,
    state: "claimed",
    ...claim,
  });

  /** One message: create the claim; if a marker is there, judge it (processed, held, or expired and taken over). */
  async function claimOne(key: string, graphMessageId: string, claim: { claimedAt: string; holder: string }, options: { leaseInMs: number; now: Date }): Promise<ClaimResult> {
    const claimed = claimedDocument(key, graphMessageId, claim);
    try {
      await container.items.create(claimed);
      return "claimed";
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const resource = await readItem<ProcessedDocument>(container, claimed.id, key);
    if (!resource) return "busy"; // deleted between the two calls: let the caller retry later
    if (resource.state !== "claimed") return "processed";
    if (resource.holder === claim.holder && resource.claimedAt === claim.claimedAt) return "claimed"; // this call's own, from a batch not rolled back
    const age = options.now.getTime() - Date.parse(resource.claimedAt ?? "");
    if (!(age > options.leaseInMs)) return "busy";
    try {
      // The claim's worker died: take it over, unless another worker just did.
      await container.item(claimed.id, key).replace(claimed, { accessCondition: { type: "IfMatch", condition: resource._etag } });
      return "claimed";
    } catch (error) {
      if (statusOf(error) === 412) return "busy";
      throw error;
    }
  }

  /**
   * Several messages: one transactional batch of creates, which claims all when none has a marker
   * yet (a queue item of new mail). If any has one, the batch fails whole and each message is
   * claimed on its own, as claim does.
   */
  async function claimMany(mailbox: string, graphMessageIds: readonly string[], options: { leaseInMs: number; now: Date }): Promise<ClaimResult[]> {
    const key = normalizeAddress(mailbox);
    const claim = { claimedAt: options.now.toISOString(), holder: randomUUID() };
    const results: ClaimResult[] = [];
    for (let start = 0; start < graphMessageIds.length; start += MAX_BATCH_OPERATIONS) {
      const chunk = graphMessageIds.slice(start, start + MAX_BATCH_OPERATIONS);
      // Two copies of one id would fail every batch: claimed once, the second copy is busy (as a concurrent duplicate is).
      const distinct = new Set(chunk).size === chunk.length;
      if (chunk.length > 1 && distinct) {
        const operations = chunk.map((graphMessageId): OperationInput => ({ operationType: "Create", partitionKey: key, resourceBody: { ...claimedDocument(key, graphMessageId, claim) } }));
        const response = await container.items.batch(operations, key).catch((error: unknown) => {
          // A client may throw a refused batch instead of answering it: a marker already there.
          if (statusOf(error) === 409) return undefined;
          throw error;
        });
        const answered = response?.result ?? [];
        if (answered.length === chunk.length && answered.every((result) => result.statusCode === 201)) {
          results.push(...chunk.map((): ClaimResult => "claimed"));
          continue;
        }
      }
      const seen = new Set<string>();
      results.push(
        ...(await Promise.all(
          chunk.map((graphMessageId): Promise<ClaimResult> => {
            if (seen.has(graphMessageId)) return Promise.resolve("busy");
            seen.add(graphMessageId);
            return claimOne(key, graphMessageId, claim, options);
          }),
        )),
      );
    }
    return results;
  }

  return {
    wasProcessed: (mailbox, graphMessageId) =>
      translateErrors("wasProcessed", async () => {
        const id = processedMarkerId(mailbox, graphMessageId);
        const resource = await readItem<ProcessedDocument>(container, id, normalizeAddress(mailbox));
        return resource !== undefined && resource.state !== "claimed";
      }),
    claim: (mailbox, graphMessageId, options) =>
      translateErrors("claim", () => claimOne(normalizeAddress(mailbox), graphMessageId, { claimedAt: options.now.toISOString(), holder: randomUUID() }, options)),
    claimMany: (mailbox, graphMessageIds, options) => translateErrors("claimMany", () => claimMany(mailbox, graphMessageIds, options)),
    markProcessed: (mailbox, graphMessageId, outcome) =>
      translateErrors("markProcessed", async () => {
        // An upsert: marking twice (redelivery, catch-up after a notification) is harmless.
        await container.items.upsert(processedDocument(mailbox, { graphMessageId, ...outcome }, new Date()));
      }),
  };
}
