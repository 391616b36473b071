// The behaviour every LiveTrackingStore implementation owes live tracking (subscriptions,
// catch-up, duplicate notifications). Register it once per implementation:
// describeLiveTrackingStoreContract("name", open).
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveTrackingStore, MailboxEvent, MailFolderName, SubscriptionRecord } from "../../src/app/ports.js";

export interface LiveContractStore {
  live: LiveTrackingStore;
  /** Requests sent to the database: only implementations that talk to one count them. */
  requestCount?(): number;
  resetRequestCount?(): void;
  dispose(): Promise<void>;
}

export interface LiveContractOptions {
  /** Also hold the implementation to Cosmos DB's request costs (an in-memory store sends none). */
  requestCosts?: boolean;
}

/** Each call must return an empty store of its own. */
export type OpenLiveContractStore = () => Promise<LiveContractStore>;

/** How many events a mailbox keeps. */
const EVENT_LIMIT = 50;

const unique = (prefix: string) => `${prefix}-${randomUUID()}`;
const mailboxAddress = () => `${unique("mbx")}@contoso.com`;

function subscription(overrides: Partial<SubscriptionRecord> & Pick<SubscriptionRecord, "mailbox">): SubscriptionRecord {
  const folder = overrides.folder ?? "inbox";
  return {
    id: randomUUID(),
    folder,
    resource: `/users/${overrides.mailbox}/mailFolders('${folder}')/messages`,
    expirationDateTime: "2025-03-04T10:00:00.000Z",
    createdOn: "2025-03-01T10:00:00.000Z",
    ...overrides,
  };
}

function event(n: number, overrides: Partial<MailboxEvent> = {}): MailboxEvent {
  const at = new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString();
  return { at, level: "warning", code: `code-${n}`, message: `event ${n}`, ...overrides };
}

/** What Graph message ids look like: ~150 characters of base64, with '/', '+' and '='. */
function graphMessageId(options: { bytes?: number; slashes?: number } = {}): string {
  const base = randomBytes(options.bytes ?? 111).toString("base64");
  const slashes = "/".repeat(options.slashes ?? 0);
  return `AAMkAD/+${slashes}${base}`;
}

export function describeLiveTrackingStoreContract(name: string, open: OpenLiveContractStore, options: LiveContractOptions = {}): void {
  describe(`LiveTrackingStore contract: ${name}`, () => {
    let shared: LiveContractStore;
    beforeAll(async () => {
      shared = await open();
    });
    afterAll(async () => {
      await shared?.dispose();
    });
    const withFreshStore = async (run: (opened: LiveContractStore) => Promise<void>) => {
      const opened = await open();
      try {
        await run(opened);
      } finally {
        await opened.dispose();
      }
    };

    describe("subscriptions", () => {
      it.each([
        { case: "without renewedOn", extra: {} },
        { case: "with renewedOn", extra: { renewedOn: "2025-03-02T10:00:00.000Z" } },
        { case: "with an id needing escapes", extra: { id: `${unique("sub")}/a?b#c~2F` } },
        {
          case: "with its client-state nonce, key id, folder id and user id",
          extra: { clientStateNonce: "n0nce-n0nce-n0nce-n0nc", clientStateKeyId: "keyid-123456", folderId: "AAMkFOLDER=", userId: randomUUID() },
        },
      ])("round-trips a subscription ($case)", async ({ extra }) => {
        const stored = subscription({ mailbox: mailboxAddress(), ...extra });
        await shared.live.subscriptions.putSubscription(stored);
        expect(await shared.live.subscriptions.getSubscription(stored.id)).toEqual(stored);
      });

      it("returns undefined for a subscription that does not exist", async () => {
        expect(await shared.live.subscriptions.getSubscription(randomUUID())).toBeUndefined();
      });

      it.each([
        { case: "empty", id: "" },
        { case: "300 characters", id: "a".repeat(300) },
        { case: "a lone surrogate", id: "\ud800" },
        { case: "200 characters that need escapes", id: "/".repeat(200) },
      ])("finds nothing, and throws nothing, for an id that cannot be stored ($case)", async ({ id }) => {
        expect(await shared.live.subscriptions.getSubscription(id)).toBeUndefined();
      });

      it("replaces a subscription put again (a renewal)", async () => {
        const created = subscription({ mailbox: mailboxAddress() });
        await shared.live.subscriptions.putSubscription(created);
        const renewed = { ...created, expirationDateTime: "2025-03-07T10:00:00.000Z", renewedOn: "2025-03-04T09:00:00.000Z" };
        await shared.live.subscriptions.putSubscription(renewed);
        expect(await shared.live.subscriptions.getSubscription(created.id)).toEqual(renewed);
      });

      it("deletes a subscription, and deleting it again is not an error", async () => {
        const stored = subscription({ mailbox: mailboxAddress() });
        await shared.live.subscriptions.putSubscription(stored);
        await shared.live.subscriptions.deleteSubscription(stored.id);
        expect(await shared.live.subscriptions.getSubscription(stored.id)).toBeUndefined();
        await expect(shared.live.subscriptions.deleteSubscription(stored.id)).resolves.toBeUndefined();
      });

      it("lists every subscription, or a mailbox's (case-insensitively), by mailbox then folder", async () => {
        await withFreshStore(async ({ live }) => {
          expect(await live.subscriptions.listSubscriptions()).toEqual([]);
          const zedInbox = subscription({ mailbox: "zed@contoso.com", folder: "inbox" });
          const amySent = subscription({ mailbox: "amy@contoso.com", folder: "sentitems" });
          const amyInbox = subscription({ mailbox: "amy@contoso.com", folder: "inbox" });
          const deleted = subscription({ mailbox: "amy@contoso.com" });
          for (const stored of [zedInbox, amySent, amyInbox, deleted]) await live.subscriptions.putSubscription(stored);
          await live.subscriptions.deleteSubscription(deleted.id);

          expect(await live.subscriptions.listSubscriptions()).toEqual([amyInbox, amySent, zedInbox]);
          expect(await live.subscriptions.listSubscriptions({ mailbox: "amy@contoso.com" })).toEqual([amyInbox, amySent]);
          expect(await live.subscriptions.listSubscriptions({ mailbox: "  ZED@Contoso.com " })).toEqual([zedInbox]);
          expect(await live.subscriptions.listSubscriptions({ mailbox: "nobody@contoso.com" })).toEqual([]);
        });
      });

      it("stores the mailbox lower-cased", async () => {
        const stored = subscription({ mailbox: `${unique("Ann")}@Contoso.com` });
        await shared.live.subscriptions.putSubscription(stored);
        expect(await shared.live.subscriptions.getSubscription(stored.id)).toEqual({ ...stored, mailbox: stored.mailbox.toLowerCase() });
      });
    });

    describe("sync state", () => {
      it("has no state for a mailbox never written", async () => {
        expect(await shared.live.syncState.getSyncState(mailboxAddress())).toBeUndefined();
      });

      it("keeps a delta link and catch-up time per folder", async () => {
        const mailbox = mailboxAddress();
        await shared.live.syncState.putDeltaLink(mailbox, "inbox", "https://graph/inbox?$deltatoken=1", { caughtUpAt: "2025-03-01T10:00:00.000Z" });
        await shared.live.syncState.putDeltaLink(mailbox, "sentitems", "https://graph/sent?$deltatoken=1", { caughtUpAt: "2025-03-01T11:00:00.000Z" });
        await shared.live.syncState.putDeltaLink(mailbox, "inbox", "https://graph/inbox?$deltatoken=2", { caughtUpAt: "2025-03-01T12:00:00.000Z" });
        expect(await shared.live.syncState.getSyncState(mailbox)).toEqual({
          mailbox,
          deltaLinks: { inbox: "https://graph/inbox?$deltatoken=2", sentitems: "https://graph/sent?$deltatoken=1" },
          caughtUpAt: { inbox: "2025-03-01T12:00:00.000Z", sentitems: "2025-03-01T11:00:00.000Z" },
          events: [],
        });
      });

      it.each<{ case: string; before: MailFolderName[]; expectedLinks: Partial<Record<MailFolderName, string>> }>([
        { case: "the folder had a link, the other folder too", before: ["inbox", "sentitems"], expectedLinks: { sentitems: "link-sentitems" } },
        { case: "only this folder had a link", before: ["inbox"], expectedLinks: {} },
        { case: "nothing was stored yet", before: [], expectedLinks: {} },
      ])("putDeltaLink(undefined) clears the folder's link and records caughtUpAt ($case)", async ({ before, expectedLinks }) => {
        const mailbox = mailboxAddress();
        for (const folder of before) await shared.live.syncState.putDeltaLink(mailbox, folder, `link-${folder}`, { caughtUpAt: "2025-03-01T10:00:00.000Z" });
        await shared.live.syncState.putDeltaLink(mailbox, "inbox", undefined, { caughtUpAt: "2025-03-02T10:00:00.000Z" });
        const state = await shared.live.syncState.getSyncState(mailbox);
        expect(state?.deltaLinks).toEqual(expectedLinks);
        expect(state?.caughtUpAt.inbox).toBe("2025-03-02T10:00:00.000Z");
        expect(state?.caughtUpAt.sentitems).toBe(before.includes("sentitems") ? "2025-03-01T10:00:00.000Z" : undefined);
      });

      it("reads and writes a mailbox case-insensitively, and keeps mailboxes apart", async () => {
        const mailbox = mailboxAddress();
        const other = mailboxAddress();
        await shared.live.syncState.putDeltaLink(mailbox.toUpperCase(), "inbox", "mine", { caughtUpAt: "2025-03-01T10:00:00.000Z" });
        await shared.live.syncState.recordEvent(other, event(1));
        expect(await shared.live.syncState.getSyncState(mailbox)).toEqual({ mailbox, deltaLinks: { inbox: "mine" }, caughtUpAt: { inbox: "2025-03-01T10:00:00.000Z" }, events: [] });
        expect(await shared.live.syncState.getSyncState(other)).toEqual({ mailbox: other, deltaLinks: {}, caughtUpAt: {}, events: [event(1)] });
      });

      it.each([
        { case: "fewer than the limit", count: 3 },
        { case: "exactly the limit", count: EVENT_LIMIT },
        { case: "more than the limit", count: EVENT_LIMIT + 12 },
      ])("keeps the newest $count events up to the limit, newest first ($case)", async ({ count }) => {
        const mailbox = mailboxAddress();
        for (let n = 0; n < count; n++) await shared.live.syncState.recordEvent(mailbox, event(n));
        const { events = [] } = (await shared.live.syncState.getSyncState(mailbox)) ?? {};
        const expected = Array.from({ length: count }, (_, n) => event(n)).reverse().slice(0, EVENT_LIMIT);
        expect(events).toEqual(expected);
      });

      it("orders events by time, whatever order they were recorded in", async () => {
        const mailbox = mailboxAddress();
        for (const n of [2, 0, 3, 1]) await shared.live.syncState.recordEvent(mailbox, event(n, { level: "error", messageId: `m${n}` }));
        const state = await shared.live.syncState.getSyncState(mailbox);
        expect(state?.events.map((found) => found.code)).toEqual(["code-3", "code-2", "code-1", "code-0"]);
        expect(state?.events[0]).toEqual(event(3, { level: "error", messageId: "m3" }));
      });

      it("keeps all of 20 events recorded concurrently, and the delta links written meanwhile", async () => {
        const mailbox = mailboxAddress();
        await Promise.all([
          ...Array.from({ length: 20 }, (_, n) => shared.live.syncState.recordEvent(mailbox, event(n))),
          shared.live.syncState.putDeltaLink(mailbox, "inbox", "link-inbox", { caughtUpAt: "2025-03-01T10:00:00.000Z" }),
          shared.live.syncState.putDeltaLink(mailbox, "sentitems", "link-sentitems", { caughtUpAt: "2025-03-01T11:00:00.000Z" }),
        ]);
        const state = await shared.live.syncState.getSyncState(mailbox);
        expect(state?.events).toEqual(Array.from({ length: 20 }, (_, n) => event(n)).reverse());
        expect(state?.deltaLinks).toEqual({ inbox: "link-inbox", sentitems: "link-sentitems" });
      });

      it("keeps the newest events when more than the limit are recorded concurrently", async () => {
        const mailbox = mailboxAddress();
        const count = EVENT_LIMIT + 10;
        await Promise.all(Array.from({ length: count }, (_, n) => shared.live.syncState.recordEvent(mailbox, event(n))));
        const state = await shared.live.syncState.getSyncState(mailbox);
        expect(state?.events).toEqual(Array.from({ length: count }, (_, n) => event(n)).reverse().slice(0, EVENT_LIMIT));
      });

      it("keeps the error policy's failure counter beside the delta links and events, and clears it", async () => {
        const mailbox = mailboxAddress();
        const counter = {
          consecutiveFailures: 3,
          lastCountedAt: "2025-03-01T10:10:00.000Z",
          lastError: { code: "throttled" as const, message: "429", at: "2025-03-01T10:11:00.000Z" },
        };
        await shared.live.syncState.putFailureCounter(mailbox.toUpperCase(), counter);
        await shared.live.syncState.putDeltaLink(mailbox, "inbox", "link", { caughtUpAt: "2025-03-01T10:00:00.000Z" });
        await shared.live.syncState.recordEvent(mailbox, event(1));
        expect(await shared.live.syncState.getSyncState(mailbox)).toEqual({
          mailbox,
          deltaLinks: { inbox: "link" },
          caughtUpAt: { inbox: "2025-03-01T10:00:00.000Z" },
          events: [event(1)],
          failures: counter,
        });
        await shared.live.syncState.putFailureCounter(mailbox, undefined);
        const cleared = await shared.live.syncState.getSyncState(mailbox);
        expect(cleared).toEqual({ mailbox, deltaLinks: { inbox: "link" }, caughtUpAt: { inbox: "2025-03-01T10:00:00.000Z" }, events: [event(1)] });
        // Clearing a mailbox never written leaves a state without a counter.
        const fresh = mailboxAddress();
        await shared.live.syncState.putFailureCounter(fresh, undefined);
        expect((await shared.live.syncState.getSyncState(fresh))?.failures).toBeUndefined();
      });

      it("refuses a folder it does not know", async () => {
        const folder = "drafts" as MailFolderName;
        await expect(shared.live.syncState.putDeltaLink(mailboxAddress(), folder, "link", { caughtUpAt: "2025-03-01T10:00:00.000Z" })).rejects.toThrow(/drafts/);
      });
    });

    describe("processed messages", () => {
      it.each([
        { case: "a short id", id: () => "AAMkAGI2" },
        { case: "a Graph-sized id (~150 base64 characters with / + =)", id: () => graphMessageId() },
        { case: "a Graph id full of '/' (over 255 characters once escaped)", id: () => graphMessageId({ slashes: 60 }) },
        { case: "a 400-character id", id: () => graphMessageId({ bytes: 300 }) },
      ])("is not processed until marked, then is ($case)", async ({ id }) => {
        const mailbox = mailboxAddress();
        const messageId = id();
        expect(await shared.live.processed.wasProcessed(mailbox, messageId)).toBe(false);
        await shared.live.processed.markProcessed(mailbox, messageId, { reason: "tracked", activityId: "a1" });
        expect(await shared.live.processed.wasProcessed(mailbox, messageId)).toBe(true);
      });

      it("claims once: concurrent claims get one 'claimed', the rest 'busy'; marked means 'processed'", async () => {
        const mailbox = mailboxAddress();
        const messageId = graphMessageId();
        const now = new Date("2026-05-01T10:00:00Z");
        const results = await Promise.all(
          Array.from({ length: 10 }, () => shared.live.processed.claim(mailbox, messageId, { leaseInMs: 60_000, now })),
        );
        expect(results.filter((r) => r === "claimed")).toHaveLength(1);
        expect(results.filter((r) => r === "busy")).toHaveLength(9);
        expect(await shared.live.processed.wasProcessed(mailbox, messageId)).toBe(false);
        await shared.live.processed.markProcessed(mailbox, messageId, { reason: "tracked" });
        expect(await shared.live.processed.claim(mailbox, messageId, { leaseInMs: 60_000, now })).toBe("processed");
      });

      it("takes over a claim older than the lease (its worker died), once", async () => {
        const mailbox = mailboxAddress();
        const messageId = graphMessageId();
        const start = new Date("2026-05-01T10:00:00Z");
        expect(await shared.live.processed.claim(mailbox, messageId, { leaseInMs: 60_000, now: start })).toBe("claimed");
        const within = new Date(start.getTime() + 59_000);
        expect(await shared.live.processed.claim(mailbox, messageId, { leaseInMs: 60_000, now: within })).toBe("busy");
        const later = new Date(start.getTime() + 61_000);
        const takeovers = await Promise.all(
          Array.from({ length: 5 }, () => shared.live.processed.claim(mailbox, messageId, { leaseInMs: 60_000, now: later })),
        );
        expect(takeovers.filter((r) => r === "claimed")).toHaveLength(1);
      });

      it.each([
        { case: "new messages only", prepared: {}, expected: ["claimed", "claimed", "claimed", "claimed"] },
        { case: "one already processed", prepared: { 1: "processed" }, expected: ["claimed", "processed", "claimed", "claimed"] },
        { case: "one held by another worker", prepared: { 2: "held" }, expected: ["claimed", "claimed", "busy", "claimed"] },
        { case: "one whose worker died (lease over)", prepared: { 0: "expired" }, expected: ["claimed", "claimed", "claimed", "claimed"] },
        { case: "one of each", prepared: { 0: "processed", 1: "held", 2: "expired" }, expected: ["processed", "busy", "claimed", "claimed"] },
        { case: "the last one held", prepared: { 3: "held" }, expected: ["claimed", "claimed", "claimed", "busy"] },
      ] as const)("claims several messages at once, each as claim would ($case)", async ({ prepared, expected }) => {
        const mailbox = mailboxAddress();
        const ids = Array.from({ length: 4 }, () => graphMessageId());
        const start = new Date("2026-05-01T10:00:00Z");
        const now = new Date(start.getTime() + 30_000);
        for (const [index, state] of Object.entries(prepared) as Array<[string, "processed" | "held" | "expired"]>) {
          const id = ids[Number(index)] as string;
          if (state === "processed") await shared.live.processed.markProcessed(mailbox, id, { reason: "tracked" });
          else await shared.live.processed.claim(mailbox, id, { leaseInMs: 60_000, now: state === "held" ? now : new Date(start.getTime() - 60_000) });
        }
        expect(await shared.live.processed.claimMany(mailbox, ids, { leaseInMs: 60_000, now })).toEqual(expected);
        // What this call claimed is its own: claiming again now finds each held.
        const again = await shared.live.processed.claimMany(mailbox, ids, { leaseInMs: 60_000, now });
        expect(again).toEqual(expected.map((result) => (result === "processed" ? "processed" : "busy")));
      });

      it("claims several at once exactly once under concurrency, and a repeated id once", async () => {
        const mailbox = mailboxAddress();
        const ids = Array.from({ length: 6 }, () => graphMessageId());
        const now = new Date("2026-05-01T10:00:00Z");
        // Overlapping sets from five workers, one of them naming an id twice.
        const sets = [ids.slice(0, 4), ids.slice(2, 6), ids, [ids[5] as string, ids[5] as string, ids[0] as string], ids.slice(1, 3)];
        const results = await Promise.all(sets.map((set) => shared.live.processed.claimMany(mailbox, set, { leaseInMs: 60_000, now })));
        for (const id of ids) {
          const claimedBy = sets.flatMap((set, worker) => set.flatMap((each, index) => (each === id && results[worker]?.[index] === "claimed" ? [worker] : [])));
          expect([id, claimedBy.length]).toEqual([id, 1]);
        }
        expect(results.flat().filter((result) => result !== "claimed" && result !== "busy")).toEqual([]);
      });

      it("claims nothing for no ids", async () => {
        expect(await shared.live.processed.claimMany(mailboxAddress(), [], { leaseInMs: 60_000, now: new Date() })).toEqual([]);
      });

      it("marks idempotently", async () => {
        const mailbox = mailboxAddress();
        const messageId = graphMessageId();
        await shared.live.processed.markProcessed(mailbox, messageId, { reason: "tracked", activityId: "a1" });
        await shared.live.processed.markProcessed(mailbox, messageId, { reason: "tracked", activityId: "a1" });
        await shared.live.processed.markProcessed(mailbox, messageId, { reason: "alreadyTracked" });
        expect(await shared.live.processed.wasProcessed(mailbox, messageId)).toBe(true);
      });

      it("keeps mailboxes and message ids apart (ids are case-sensitive, mailboxes are not)", async () => {
        const [mailbox, other] = [mailboxAddress(), mailboxAddress()];
        const messageId = graphMessageId({ slashes: 60 });
        const sibling = `${messageId.slice(0, -1)}${messageId.endsWith("A") ? "B" : "A"}`;
        await shared.live.processed.markProcessed(mailbox.toUpperCase(), messageId, { reason: "notTracked" });
        expect(await shared.live.processed.wasProcessed(mailbox, messageId)).toBe(true);
        expect(await shared.live.processed.wasProcessed(other, messageId)).toBe(false);
        expect(await shared.live.processed.wasProcessed(mailbox, sibling)).toBe(false);
        expect(await shared.live.processed.wasProcessed(mailbox, messageId.toLowerCase())).toBe(false);
      });

      it.each([
        { case: "an empty message id", mailbox: "ann@contoso.com", messageId: "" },
        { case: "an empty mailbox", mailbox: " ", messageId: "AAMk" },
      ])("refuses $case", async ({ mailbox, messageId }) => {
        await expect(shared.live.processed.wasProcessed(mailbox, messageId)).rejects.toThrow(RangeError);
        await expect(shared.live.processed.markProcessed(mailbox, messageId, { reason: "x" })).rejects.toThrow(RangeError);
      });
    });

    if (options.requestCosts) describe("request counts", () => {
      // Point operations and single patches: one request each, so notification handling and
      // catch-up cost the same however many mailboxes, subscriptions and markers exist.
      it.each<{ operation: string; prepare?: (live: LiveTrackingStore, mailbox: string, id: string) => Promise<void>; run: (live: LiveTrackingStore, mailbox: string, id: string) => Promise<unknown>; expected: number }>([
        { operation: "getSubscription (missing)", run: (live, _m, id) => live.subscriptions.getSubscription(id), expected: 1 },
        { operation: "putSubscription", run: (live, mailbox, id) => live.subscriptions.putSubscription(subscription({ id, mailbox })), expected: 1 },
        {
          operation: "getSubscription (found)",
          prepare: (live, mailbox, id) => live.subscriptions.putSubscription(subscription({ id, mailbox })),
          run: (live, _m, id) => live.subscriptions.getSubscription(id),
          expected: 1,
        },
        {
          operation: "deleteSubscription",
          prepare: (live, mailbox, id) => live.subscriptions.putSubscription(subscription({ id, mailbox })),
          run: (live, _m, id) => live.subscriptions.deleteSubscription(id),
          expected: 1,
        },
        { operation: "wasProcessed (no)", run: (live, mailbox, id) => live.processed.wasProcessed(mailbox, id), expected: 1 },
        { operation: "claim (new)", run: (live, mailbox, id) => live.processed.claim(mailbox, id, { leaseInMs: 60_000, now: new Date() }), expected: 1 },
        {
          operation: "claimMany of 20 new messages (one batch)",
          run: (live, mailbox, id) => live.processed.claimMany(mailbox, Array.from({ length: 20 }, (_, n) => `${id}-${n}`), { leaseInMs: 60_000, now: new Date() }),
          expected: 1,
        },
        { operation: "markProcessed", run: (live, mailbox, id) => live.processed.markProcessed(mailbox, id, { reason: "tracked" }), expected: 1 },
        {
          operation: "wasProcessed (yes)",
          prepare: (live, mailbox, id) => live.processed.markProcessed(mailbox, id, { reason: "tracked" }),
          run: (live, mailbox, id) => live.processed.wasProcessed(mailbox, id),
          expected: 1,
        },
        { operation: "getSyncState (missing)", run: (live, mailbox) => live.syncState.getSyncState(mailbox), expected: 1 },
        { operation: "putDeltaLink (first for the mailbox)", run: (live, mailbox) => live.syncState.putDeltaLink(mailbox, "inbox", "l", { caughtUpAt: "2025-03-01T10:00:00.000Z" }), expected: 2 },
        {
          operation: "putDeltaLink",
          prepare: (live, mailbox) => live.syncState.recordEvent(mailbox, event(0)),
          run: (live, mailbox) => live.syncState.putDeltaLink(mailbox, "inbox", "l", { caughtUpAt: "2025-03-01T10:00:00.000Z" }),
          expected: 1,
        },
        {
          operation: "recordEvent",
          prepare: (live, mailbox) => live.syncState.recordEvent(mailbox, event(0)),
          run: (live, mailbox) => live.syncState.recordEvent(mailbox, event(1)),
          expected: 1,
        },
        {
          operation: "getSyncState (found)",
          prepare: (live, mailbox) => live.syncState.recordEvent(mailbox, event(0)),
          run: (live, mailbox) => live.syncState.getSyncState(mailbox),
          expected: 1,
        },
      ])("$operation sends $expected request(s)", async ({ prepare, run, expected }) => {
        // Warm the client's metadata caches on an unrelated mailbox first.
        await run(shared.live, mailboxAddress(), graphMessageId());
        const [mailbox, id] = [mailboxAddress(), graphMessageId()];
        await prepare?.(shared.live, mailbox, id);
        shared.resetRequestCount?.();
        await run(shared.live, mailbox, id);
        expect(shared.requestCount?.()).toBe(expected);
      });
    });
  });
}
