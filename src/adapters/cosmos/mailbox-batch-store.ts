// What processing writes after a batch of one mailbox's items, as one transactional batch in the
// mailbox's partition of the `itemLog` container: the health document (replaced If-Match, or
// created), the processed markers and the item-log entries (upserts). One request per batch of
// items; the markers and the counts commit together, so a redelivered batch is never counted
// twice. The health document's version is kept per mailbox in this process, so the replace needs
// no read; when someone else changed it (another instance, a gap, a catch-up) the batch fails
// whole on 412 and is redone on a fresh read. The health operation comes first: a server that
// does not roll a failed batch back (the embedded one) then applies none of it either.
import type { Container, JSONObject, OperationInput } from "@azure/cosmos";
import type { MailboxBatchStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { emptyHealth, type MailboxHealth } from "../../domain/health.js";
import { statusOf, translateErrors } from "./errors.js";
import { fromDocument, HEALTH_ID, healthDocument, type HealthDocument } from "./health-store.js";
import { itemLogDocument, MAX_BATCH_OPERATIONS } from "./item-log-store.js";
import { processedDocument } from "./processed-message-store.js";
import { readItem } from "./read-item.js";

const MAX_ATTEMPTS = 10;
/** Mailboxes whose health version is remembered; the oldest is forgotten first (a read brings it back). */
const MAX_CACHED_MAILBOXES = 10_000;

interface Known {
  /** Absent: the document does not exist yet (the batch creates it). */
  etag?: string;
  health: MailboxHealth;
}

const failure = (status: number) => Object.assign(new Error(`mailbox batch failed with ${status}`), { code: status });

export function createCosmosMailboxBatchStore(container: Container): MailboxBatchStore {
  const known = new Map<string, Known>();
  /** Each mailbox's batches with a health change run one after another in this process (one version at a time). */
  const tails = new Map<string, Promise<void>>();

  function serialized(key: string, run: () => Promise<void>): Promise<void> {
    const next = (tails.get(key) ?? Promise.resolve()).then(run);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  }

  function remember(key: string, value: Known): void {
    known.delete(key);
    known.set(key, value);
    if (known.size > MAX_CACHED_MAILBOXES) known.delete(known.keys().next().value as string);
  }

  async function current(key: string): Promise<Known> {
    const cached = known.get(key);
    if (cached) return cached;
    const stored = await readItem<HealthDocument>(container, HEALTH_ID, key);
    return stored ? { etag: stored._etag ?? "", health: fromDocument(stored) } : { health: emptyHealth(key) };
  }

  /**
   * One request per chunk of 100 operations. The first operation's status and version are
   * returned (a failure of it is the caller's to handle); any other failure is thrown.
   */
  async function send(key: string, operations: OperationInput[]): Promise<{ status: number; etag?: string }> {
    let first: { status: number; etag?: string } = { status: 200 };
    for (let start = 0; start < operations.length; start += MAX_BATCH_OPERATIONS) {
      const response = await container.items.batch(operations.slice(start, start + MAX_BATCH_OPERATIONS), key);
      const results = response.result ?? [];
      if (start === 0) {
        const result = results[0];
        first = { status: result?.statusCode ?? response.code ?? 500, ...(result?.eTag !== undefined ? { etag: result.eTag } : {}) };
        if (first.status >= 400) return first;
      }
      const failed = results.find((result) => result.statusCode >= 400);
      if (failed) throw failure(failed.statusCode);
    }
    return first;
  }

  return {
    commit: (mailbox, batch) =>
      translateErrors("commitMailboxBatch", async () => {
        const key = normalizeAddress(mailbox);
        const now = new Date();
        // Each operation names its partition key too: the embedded server reads it from there.
        const writes: OperationInput[] = [
          ...batch.markers.map((mark): OperationInput => ({ operationType: "Upsert", partitionKey: key, resourceBody: { ...processedDocument(key, mark, now) } })),
          ...(batch.itemLog?.entries ?? []).map(
            (entry): OperationInput => ({ operationType: "Upsert", partitionKey: key, resourceBody: { ...itemLogDocument(key, entry, { retentionInDays: batch.itemLog?.retentionInDays ?? 0 }) } }),
          ),
        ];
        const update = batch.health;
        if (!update) {
          if (writes.length === 0) return;
          const { status } = await send(key, writes);
          if (status >= 400) throw failure(status);
          return;
        }
        await serialized(key, async () => {
          for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            const before = await current(key);
            const next = update(before.health);
            const document = healthDocument(key, next) as JSONObject;
            const healthWrite: OperationInput =
              before.etag === undefined
                ? { operationType: "Create", partitionKey: key, resourceBody: document }
                : { operationType: "Replace", partitionKey: key, id: HEALTH_ID, ifMatch: before.etag, resourceBody: document };
            known.delete(key);
            const { status, etag } = await send(key, [healthWrite, ...writes]).catch((error: unknown) => {
              // A client may throw a refused batch instead of answering it: the same 412 or 409.
              const thrown = statusOf(error);
              if (thrown === 412 || thrown === 409) return { status: thrown, etag: undefined };
              throw error;
            });
            if (status < 400) {
              if (etag !== undefined) remember(key, { etag, health: next });
              return;
            }
            // Changed (412) or created (409) by someone else meanwhile: read again and redo on theirs.
            if (status !== 412 && status !== 409) throw failure(status);
          }
          throw new Error(`the health of ${key} kept changing during ${MAX_ATTEMPTS} attempts to write a batch of items`);
        });
      }),
  };
}
