// Recovery through the whole stack: lost notifications, an expired delta link, a worker that fails
// between fetch and store, mail deleted before it is fetched, a poisoned item and a mailbox whose
// access was revoked. Each test uses its own mailbox and checks what Cosmos DB holds afterwards:
// every message tracked exactly once, and the mailbox's events saying what happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketOf } from "../../src/domain/schedule.js";
import {
  CUSTOMER,
  activityFor,
  bare,
  clientStateOf,
  deliver,
  eventsOf,
  makeDue,
  startE2eStack,
  storedSubscriptions,
  timesCreated,
  type E2eStack,
} from "./e2e-support.js";

const DROPPED = "dropped@contoso.example.com";
const EXPIRED = "expired@contoso.example.com";
const REDELIVERED = "redelivered@contoso.example.com";
const STORED = "stored@contoso.example.com";
const DELETED = "deleted@contoso.example.com";
const POISONED = "poisoned@contoso.example.com";
const DENIED = "denied@contoso.example.com";
const HELD = "held@contoso.example.com";
const UNINDEXED = "unindexed@contoso.example.com";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [DROPPED, EXPIRED, REDELIVERED, STORED, DELETED, POISONED, DENIED, HELD, UNINDEXED] });
});

afterAll(async () => {
  await e2e?.stack.close();
});

function decisionsFor(internetMessageId: string) {
  return e2e.decisions.filter((d) => bare(d.result.internetMessageId) === bare(internetMessageId));
}

/** Delivers mail while Graph's change notifications are lost. */
async function deliverUnnotified(mailbox: string, subjects: string[]) {
  const { stack } = e2e;
  stack.graph.faults.dropNotifications(true);
  try {
    const delivered = subjects.map((subject) => deliver(stack, mailbox, subject));
    await stack.settle();
    return delivered;
  } finally {
    stack.graph.faults.dropNotifications(false);
  }
}

/** Posts Graph's change notification for a message to the webhook, as the simulator would. */
async function notify(mailbox: string, messageId: string) {
  const { stack } = e2e;
  const inbox = (await storedSubscriptions(stack, mailbox)).find((s) => s.folder === "inbox");
  const mailboxId = stack.graph.getMailbox(mailbox)?.id;
  const response = await fetch(`${stack.host.baseUrl}/api/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      value: [
        {
          subscriptionId: inbox?.id,
          clientState: clientStateOf(stack, inbox?.id),
          tenantId: stack.graph.tenantId,
          changeType: "created",
          resource: `Users/${mailboxId}/Messages/${messageId}`,
          resourceData: { "@odata.type": "#Microsoft.Graph.Message", id: messageId },
        },
      ],
    }),
  });
  expect(response.status).toBe(202);
}

async function requestCatchUp(mailbox: string, reason: string) {
  const { subscriptions } = await e2e.stack.services();
  await subscriptions.requestCatchUp(mailbox, "inbox", reason);
}

describe("lost notifications", () => {
  it("mail is not tracked until the mailbox's sweep, then every message exactly once", async () => {
    const { stack, decisions } = e2e;
    const lost = await deliverUnnotified(DROPPED, ["Lost 1", "Lost 2", "Lost 3"]);
    for (const mail of lost) expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();

    // Notified and tracked now, and seen again by the catch-up's delta below.
    const notified = deliver(stack, DROPPED, "Notified");
    await stack.settle();
    expect(await activityFor(stack, notified.internetMessageId)).toBeDefined();

    await makeDue(stack, DROPPED, "sweep");
    await stack.host.triggerTimer("catchUp");
    await stack.settle();

    for (const mail of lost) {
      expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: DROPPED });
      expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
      expect(decisionsFor(mail.internetMessageId).map((d) => d.via)).toEqual(["catchUp"]);
    }
    expect(timesCreated(decisions, notified.internetMessageId)).toBe(1);
    expect(decisionsFor(notified.internetMessageId).map((d) => d.via)).toEqual(["notification"]);
  });
});

describe("expired delta link", () => {
  it("a 410 during catch-up restarts the delta from the mailbox's start date and records a warning", async () => {
    const { stack, decisions } = e2e;
    const { store } = await stack.services();
    const startDate = (await store.settings.getMailbox(EXPIRED))?.processEmailReceivedAfter;
    expect(startDate).toBeDefined();
    stack.graph.faults.dropNotifications(true);
    let beforeStart: string;
    let missed: ReturnType<typeof deliver>;
    try {
      beforeStart = bare(
        stack.graph.deliverExternal({
          to: [EXPIRED],
          from: { address: CUSTOMER },
          subject: "Before the start date",
          receivedDateTime: new Date(Date.parse(startDate ?? "") - 3_600_000).toISOString(),
        }).internetMessageId,
      );
      missed = deliver(stack, EXPIRED, "During the outage");
      await stack.settle();
    } finally {
      stack.graph.faults.dropNotifications(false);
    }

    stack.graph.faults.deltaGone({ mailbox: EXPIRED, count: 1 });
    await requestCatchUp(EXPIRED, "test: expired delta link");
    await stack.settle();

    expect(await activityFor(stack, missed.internetMessageId)).toMatchObject({ receivingMailbox: EXPIRED });
    expect(timesCreated(decisions, missed.internetMessageId)).toBe(1);
    // The fresh delta is bounded by the start date: the older message was never even fetched.
    expect(decisionsFor(beforeStart)).toEqual([]);
    expect(await activityFor(stack, beforeStart)).toBeUndefined();
    const warnings = (await eventsOf(stack, EXPIRED)).filter((e) => e.code === "delta.expired");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe("warning");
    expect(warnings[0]?.message).toContain(startDate);
  });
});

describe("a worker failing between fetch and store", () => {
  it("a fetch failing past the gateway's retries is redelivered by the queue and tracked once", async () => {
    const { stack, decisions } = e2e;
    const failuresBefore = stack.host.stats().failures.processNotification ?? 0;
    // Six throttled answers outlast the gateway's five retries; the short Retry-After keeps it quick.
    stack.graph.faults.throttle({ mailbox: REDELIVERED, count: 6, retryAfterSeconds: 0.01 });
    const mail = deliver(stack, REDELIVERED, "Redelivered");
    await stack.settle();

    expect(stack.host.stats().failures.processNotification ?? 0).toBe(failuresBefore + 1);
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: REDELIVERED });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("an activity stored by a worker that died before marking the message processed is not stored twice", async () => {
    const { stack, decisions } = e2e;
    const { gateway, tracker } = await stack.services();
    const [mail] = await deliverUnnotified(STORED, ["Stored, not marked"]);
    if (!mail) throw new Error("nothing delivered");
    // The dead worker's half: fetched and stored, never marked processed.
    const message = await gateway.getMessage(STORED, mail.messageId, { folder: "inbox" });
    const first = await tracker.track({ message, mailbox: STORED, folder: { kind: "inbox" } });
    expect(first.created).toBe(true);

    await notify(STORED, mail.messageId);
    await stack.settle();

    expect(decisionsFor(mail.internetMessageId).map((d) => ({ via: d.via, tracked: d.result.tracked, created: d.result.created }))).toEqual([
      { via: "notification", tracked: true, created: false },
    ]);
    expect((await activityFor(stack, mail.internetMessageId))?.id).toBe(first.activityId);
    // Marked now: the catch-up leaves it alone.
    await requestCatchUp(STORED, "test: after the redelivery");
    await stack.settle();
    expect(decisionsFor(mail.internetMessageId)).toHaveLength(1);
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(0);
  });
  it("an activity whose worker died before writing the queue item's mailbox index entries is listed for its mailbox once the message is processed again", async () => {
    const { stack, decisions } = e2e;
    const { gateway, tracker, store } = await stack.services();
    const [mail] = await deliverUnnotified(UNINDEXED, ["Stored, not indexed"]);
    if (!mail) throw new Error("nothing delivered");
    // The dead worker's half: stored with the mailbox entry left to the item's batch, which never came.
    const message = await gateway.getMessage(UNINDEXED, mail.messageId, { folder: "inbox" });
    const first = await tracker.track({ message, mailbox: UNINDEXED, folder: { kind: "inbox" }, mailboxIndex: "deferred" });
    expect(first.created).toBe(true);
    const listed = async () => (await store.activities.listActivities({ mailbox: UNINDEXED }, { limit: 10 })).items.map((activity) => activity.id);
    expect(await listed()).toEqual([]);

    await notify(UNINDEXED, mail.messageId);
    await stack.settle();

    expect(await listed()).toEqual([first.activityId]);
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(0);
  });
});

describe("a message another worker holds", () => {
  it("is put back on the queue, not failed, and found processed once the other worker is done", async () => {
    const { stack, decisions } = e2e;
    const { gateway, tracker, live } = await stack.services();
    const [mail] = await deliverUnnotified(HELD, ["Held by another worker"]);
    if (!mail) throw new Error("nothing delivered");
    const failuresBefore = stack.host.stats().failures.processNotification ?? 0;
    // Another worker claims the message first…
    expect(await live.processed.claim(HELD, mail.messageId, { leaseInMs: 300_000, now: new Date() })).toBe("claimed");
    await notify(HELD, mail.messageId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    // …and finishes while the duplicate waits on the queue.
    const message = await gateway.getMessage(HELD, mail.messageId, { folder: "inbox" });
    const result = await tracker.track({ message, mailbox: HELD, folder: { kind: "inbox" } });
    await live.processed.markProcessed(HELD, mail.messageId, { reason: result.reason });
    await stack.settle();

    expect(stack.host.stats().failures.processNotification ?? 0).toBe(failuresBefore);
    expect(decisionsFor(mail.internetMessageId)).toHaveLength(0);
    expect((await activityFor(stack, mail.internetMessageId))?.id).toBe(result.activityId);
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(0);
  });

  it("is tracked anyway when the holder never finishes (it died): after a few deferrals the work goes ahead", async () => {
    const { stack, decisions } = e2e;
    const { live } = await stack.services();
    const [mail] = await deliverUnnotified(HELD, ["Holder died"]);
    if (!mail) throw new Error("nothing delivered");
    expect(await live.processed.claim(HELD, mail.messageId, { leaseInMs: 300_000, now: new Date() })).toBe("claimed");
    await notify(HELD, mail.messageId);
    await stack.settle({ timeoutInMs: 30_000 });
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: HELD });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  }, 40_000);
});

describe("mail deleted before it is fetched", () => {
  it("is not tracked, is recorded as message.gone and is not retried", async () => {
    const { stack } = e2e;
    const before = stack.host.stats();
    const mail = deliver(stack, DELETED, "Deleted at once");
    // Synchronously, before the simulator's notification (buffered for 20 ms) goes out.
    stack.graph.deleteMessage(DELETED, mail.messageId);
    await stack.settle();

    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    const gone = (await eventsOf(stack, DELETED)).filter((e) => e.code === "message.gone");
    expect(gone).toEqual([expect.objectContaining({ level: "information", messageId: mail.messageId })]);
    const after = stack.host.stats();
    expect(after.invocations.processNotification ?? 0).toBe((before.invocations.processNotification ?? 0) + 1);
    expect(after.failures.processNotification ?? 0).toBe(before.failures.processNotification ?? 0);
    expect(after.poisoned).toBe(before.poisoned);
  });
});

describe("permanent failures", () => {
  it("a message failing every attempt goes to the poison queue with an error event, and a later catch-up tracks it", async () => {
    const { stack, decisions } = e2e;
    const poisonedBefore = stack.host.stats().poisoned;
    // Graph keeps rejecting this mailbox's requests (a 400 is not retried by the gateway).
    stack.graph.faults.serverError({ mailbox: POISONED, count: 1_000, status: 400 });
    let mail: ReturnType<typeof deliver>;
    try {
      mail = deliver(stack, POISONED, "Poison");
      await stack.settle();

      expect(stack.host.stats().poisoned).toBe(poisonedBefore + 1);
      const errors = (await eventsOf(stack, POISONED)).filter((e) => e.code.startsWith("poisoned."));
      expect(errors).toEqual([expect.objectContaining({ level: "error", messageId: mail.messageId })]);
      expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
      // The mailbox's sweep is brought forward (not to now: the cause is likely still there).
      const { live } = await stack.services();
      // (The poison was a moment ago: the bucket of 15 minutes from then, or from a minute before.)
      const soon = [60_000, 0].map((ago) => bucketOf("sweep", new Date(Date.now() - ago + 15 * 60_000)));
      const entries = (await Promise.all(soon.map((bucket) => live.schedule.listBucket(bucket, { limit: 100 })))).flat();
      expect(entries.map((entry) => entry.mailbox)).toContain(POISONED);
    } finally {
      stack.graph.faults.clear();
    }

    await requestCatchUp(POISONED, "test: after the poison");
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: POISONED });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });

  it("access denied records graph.permission and disables the mailbox; once access is back Test & Enable catches the mail up", async () => {
    const { stack, decisions } = e2e;
    stack.graph.faults.accessDenied(DENIED, true);
    let mail: ReturnType<typeof deliver>;
    try {
      mail = deliver(stack, DENIED, "Denied");
      await stack.settle();
      const denied = (await eventsOf(stack, DENIED)).filter((e) => e.code === "graph.permission");
      expect(denied).toEqual([expect.objectContaining({ level: "error", messageId: mail.messageId })]);
      expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    } finally {
      stack.graph.faults.accessDenied(DENIED, false);
    }

    // Access denied disables the mailbox (the error policy): a catch-up alone does nothing now.
    await requestCatchUp(DENIED, "test: access granted again");
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toBeUndefined();
    const { mailboxAdmin } = await stack.services();
    expect(await mailboxAdmin.testAndEnable(DENIED)).toMatchObject({ ok: true, value: { enabled: true } });
    await stack.settle();
    expect(await activityFor(stack, mail.internetMessageId)).toMatchObject({ receivingMailbox: DENIED });
    expect(timesCreated(decisions, mail.internetMessageId)).toBe(1);
  });
});
