// The ScheduleStore in memory, with the Cosmos adapter's rules (lower-cased mailboxes, one entry
// per mailbox and bucket, leases that expire), held to the same contract suite.
import type { ScheduleEntry, ScheduleStore } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import { bucketOf } from "../../domain/schedule.js";
import { jsonCopy, turn } from "./tracking-store.js";

export function createMemoryScheduleStore(): ScheduleStore {
  const buckets = new Map<string, Map<string, ScheduleEntry>>();
  const leases = new Map<string, { holder: string; at: number }>();
  const markers = new Map<string, Record<string, string>>();
  return {
    putEntry: async (entry) => {
      await turn();
      const bucket = bucketOf(entry.kind, new Date(entry.dueAt));
      const stored = buckets.get(bucket) ?? new Map<string, ScheduleEntry>();
      const mailbox = normalizeAddress(entry.mailbox);
      stored.set(mailbox, { kind: entry.kind, mailbox, dueAt: entry.dueAt });
      buckets.set(bucket, stored);
    },
    listBucket: async (bucket, options) => {
      await turn();
      return [...(buckets.get(bucket)?.values() ?? [])].slice(0, options.limit).map((entry) => jsonCopy(entry));
    },
    removeEntry: async (bucket, mailbox) => {
      await turn();
      const stored = buckets.get(bucket);
      stored?.delete(normalizeAddress(mailbox));
      if (stored?.size === 0) buckets.delete(bucket);
    },
    claimLease: async (mailbox, options) => {
      await turn();
      const key = normalizeAddress(mailbox);
      const lease = leases.get(key);
      const now = options.now.getTime();
      if (lease && lease.holder !== options.holder && !(now - lease.at > options.leaseInMs)) return false;
      leases.set(key, { holder: options.holder, at: now });
      return true;
    },
    releaseLease: async (mailbox, holder) => {
      await turn();
      const key = normalizeAddress(mailbox);
      if (leases.get(key)?.holder === holder) leases.delete(key);
    },
    getMarker: async (name) => {
      await turn();
      const found = markers.get(name);
      return found && jsonCopy(found);
    },
    putMarker: async (name, value) => {
      await turn();
      markers.set(name, jsonCopy(value));
    },
  };
}
