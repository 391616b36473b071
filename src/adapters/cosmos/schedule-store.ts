import type { Container } from "@azure/cosmos";
import type { ScheduleEntry, ScheduleStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { bucketOf } from "../../domain/schedule.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

interface EntryDocument extends ScheduleEntry {
  id: string;
  bucket: string;
}

interface LeaseDocument {
  id: string;
  bucket: string;
  holder: string;
  at: string;
}

interface MarkerDocument {
  id: string;
  bucket: string;
  value: Record<string, string>;
}

const LEASE_ID = "lease";
const MARKER_PARTITION = "marker";
const leasePartition = (mailbox: string) => `lease:${normalizeAddress(mailbox)}`;

/**
 * The schedule in one container, partition key /bucket: a time bucket's entries are one
 * partition (a timer reads a due bucket with one single-partition query), and each mailbox's
 * lease and each timer marker are a point read in partitions of their own.
 */
export function createCosmosScheduleStore(container: Container): ScheduleStore {
  const ifMatch = (etag: string | undefined) => ({ accessCondition: { type: "IfMatch", condition: etag ?? "" } });
  return {
    putEntry: (entry) =>
      translateErrors("putScheduleEntry", async () => {
        const mailbox = normalizeAddress(entry.mailbox);
        const document: EntryDocument = { id: toDocumentId(mailbox), bucket: bucketOf(entry.kind, new Date(entry.dueAt)), kind: entry.kind, mailbox, dueAt: entry.dueAt };
        await container.items.upsert(document);
      }),
    listBucket: (bucket, options) =>
      translateErrors("listScheduleBucket", async () => {
        const { resources } = await container.items
          // The filter repeats the partition key: servers that ignore the option still answer one bucket.
          .query<EntryDocument>(
            { query: "SELECT c.kind, c.mailbox, c.dueAt FROM c WHERE c.bucket = @bucket", parameters: [{ name: "@bucket", value: bucket }] },
            { partitionKey: bucket, maxItemCount: options.limit },
          )
          .fetchNext();
        return resources.slice(0, options.limit).map(({ kind, mailbox, dueAt }) => ({ kind, mailbox, dueAt }));
      }),
    removeEntry: (bucket, mailbox) =>
      translateErrors("removeScheduleEntry", async () => {
        try {
          await container.item(toDocumentId(normalizeAddress(mailbox)), bucket).delete();
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }),
    claimLease: (mailbox, options) =>
      translateErrors("claimLease", async () => {
        const partition = leasePartition(mailbox);
        const lease: LeaseDocument = { id: LEASE_ID, bucket: partition, holder: options.holder, at: options.now.toISOString() };
        const current = await readItem<LeaseDocument>(container, LEASE_ID, partition);
        try {
          if (!current) {
            await container.items.create(lease);
            return true;
          }
          const age = options.now.getTime() - Date.parse(current.at);
          if (current.holder !== options.holder && !(age > options.leaseInMs)) return false;
          await container.item(LEASE_ID, partition).replace(lease, ifMatch(current._etag));
          return true;
        } catch (error) {
          // Another worker created or took it between our read and write.
          if (statusOf(error) === 409 || statusOf(error) === 412) return false;
          throw error;
        }
      }),
    releaseLease: (mailbox, holder) =>
      translateErrors("releaseLease", async () => {
        const partition = leasePartition(mailbox);
        const current = await readItem<LeaseDocument>(container, LEASE_ID, partition);
        if (!current || current.holder !== holder) return;
        try {
          await container.item(LEASE_ID, partition).delete(ifMatch(current._etag));
        } catch (error) {
          // Taken over meanwhile (412) or gone (404): not ours to delete.
          if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
        }
      }),
    getMarker: (name) =>
      translateErrors("getMarker", async () => {
        const found = await readItem<MarkerDocument>(container, toDocumentId(name), MARKER_PARTITION);
        return found ? { ...found.value } : undefined;
      }),
    putMarker: (name, value) =>
      translateErrors("putMarker", async () => {
        const document: MarkerDocument = { id: toDocumentId(name), bucket: MARKER_PARTITION, value };
        await container.items.upsert(document);
      }),
  };
}
