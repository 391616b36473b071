// What one tracked email costs in Cosmos DB requests on the live path (process-work.ts): the claim,
// the tracker's reads and writes, and the one batch that writes the processed marker, the
// item-log entry and the mailbox's health counts (src/app/health.ts). Counted at the HTTP level by the store's
// request counter (retries included) on the embedded server. The live benchmark reports the same
// figure end to end ("Cosmos requests per tracked email", bench/live.bench.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthRecorder, type HealthRecorder } from "../../src/app/health.js";
import { createTracker, type Tracker } from "../../src/app/track-message.js";
import { activityIdFor } from "../../src/domain/activity.js";
import { appendChildBlock, createConversationIndex } from "../../src/domain/conversation-index.js";
import { parseMailboxSettings, parseOrganizationSettings } from "../../src/domain/settings.js";
import { openEmbeddedTrackingStore, type EmbeddedTrackingStore } from "../../local/embedded-cosmos.js";
import { buildMessage, buildRecord, type MessageSpec } from "../support/builders.js";
import { testDatabaseName } from "../support/cosmos.js";

const ANN = "ann@contoso.example.com";
const CUSTOMER = "customer@fabrikam.example.org";
const INBOX = { kind: "inbox" } as const;

let opened: EmbeddedTrackingStore;
let tracker: Tracker;
let health: HealthRecorder;
let sequence = 0;

/** Claim, fetch (Graph: not Cosmos), track, then marker, log entry and counts: what fetchAndTrack does for one message. */
async function processOne(spec: MessageSpec): Promise<{ requests: number; created: boolean; where: Map<string, number>; graphId: string }> {
  const graphId = `AAMk-cost-${++sequence}`;
  const message = { ...buildMessage({ from: CUSTOMER, to: [ANN], ...spec }), id: graphId };
  opened.resetRequestCount();
  const claim = await opened.live.processed.claim(ANN, graphId, { leaseInMs: 300_000, now: new Date() });
  expect(claim).toBe("claimed");
  const result = await tracker.track({ message, mailbox: ANN, folder: INBOX });
  const activity = result.activityId ? { activityId: result.activityId } : {};
  await health.recordItems(ANN, "inbox", "notification", [{ messageId: graphId, outcome: result.tracked ? "tracked" : "skipped", reason: result.reason, internetMessageId: result.internetMessageId, ...activity }], {
    markers: [{ graphMessageId: graphId, reason: result.reason, ...activity }],
  });
  return { requests: opened.requestCount(), created: result.created, where: opened.requestCountByOperation(), graphId };
}

beforeAll(async () => {
  opened = await openEmbeddedTrackingStore({ databaseName: testDatabaseName() });
  const { store } = opened;
  await store.settings.putOrganization(parseOrganizationSettings({}));
  await store.settings.putMailbox(parseMailboxSettings({ address: ANN, incomingEmailFilter: "all" }));
  await store.records.upsertRecords([
    buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }),
    buildRecord({ type: "contact", id: "customer", emailAddresses: [CUSTOMER] }),
  ]);
  tracker = createTracker({ store });
  health = createHealthRecorder({ store, live: opened.live, clock: () => new Date(), log: (line) => expect.fail(line) });
  // Warm the SDK's metadata caches, the tracker's settings and the mailbox's health version (as a running host has them).
  await processOne({ subject: "Warm-up", threadIndex: createConversationIndex({ time: new Date() }) });
});

afterAll(async () => {
  await opened?.dispose();
});

describe("Cosmos DB requests per tracked email (live path)", () => {
  it("a new conversation (Outlook's Thread-Index) costs 7: claim, sender's address, thread probe, activity, mailbox index entry, one bulk creating both lookups (Message-ID, thread), one batch (marker, item log, health)", async () => {
    const trackedBefore = (await opened.live.health.getHealth(ANN))?.folders.inbox?.tracked ?? 0;
    const { requests, created, where, graphId } = await processOne({ subject: "New conversation", threadIndex: createConversationIndex({ time: new Date() }) });
    expect(created).toBe(true);
    // What the one batch wrote: the count, the log entry and the marker.
    expect((await opened.live.health.getHealth(ANN))?.folders.inbox?.tracked).toBe(trackedBefore + 1);
    const log = await opened.live.itemLog.listEntries({ mailbox: ANN }, { limit: 100 });
    expect(log.items).toContainEqual(expect.objectContaining({ messageId: graphId, outcome: "tracked", folder: "inbox" }));
    expect(await opened.live.processed.wasProcessed(ANN, graphId)).toBe(true);
    expect(Object.fromEntries(where)).toEqual({
      "create itemLog": 1,
      "read addresses": 1,
      "read lookups": 1,
      "create activities": 1,
      "upsert activityIndex": 1,
      "batch lookups": 1,
      "batch itemLog": 1,
    });
    expect(requests).toBe(7);
  });

  it("a new email without Thread-Index costs 6 (no thread probe, no thread lookup)", async () => {
    const { requests, created } = await processOne({ subject: "No thread index" });
    expect(created).toBe(true);
    expect(requests).toBe(6);
  });

  it("a reply costs 10: it also reads the email it answers (its conversation) and writes a conversation index entry", async () => {
    const threadIndex = createConversationIndex({ time: new Date() });
    const parentId = `parent-${Date.now()}@fabrikam.example.org`;
    const parent = await processOne({ subject: "Question", messageId: parentId, threadIndex });
    expect(parent.created).toBe(true);
    const reply = await processOne({
      subject: "RE: Question",
      inReplyTo: parentId,
      threadIndex: appendChildBlock(threadIndex, { time: new Date() }),
    });
    expect(reply.created).toBe(true);
    expect(Object.fromEntries(reply.where)).toEqual({
      "create itemLog": 1,
      "read addresses": 1,
      "read lookups": 1,
      "read activities": 1,
      "create activities": 1,
      "upsert activityIndex": 2,
      "create lookups": 1,
      "patch lookups": 1,
      "batch itemLog": 1,
    });
    expect(reply.requests).toBe(10);
    const listed = await opened.store.activities.listActivities({ conversationId: activityIdFor({ internetMessageId: parentId }) }, { limit: 10 });
    expect(listed.items).toHaveLength(2);
  });
});
