// What the administration API needs from every TrackingStore beyond the tracking pipeline:
// records by id and their deletion, activity listings (by mailbox, regarding, conversation, time)
// with continuation tokens, activity updates, and outgoing emails. Register once per implementation.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutgoingEmail } from "../../src/app/ports.js";
import type { ActivityFilter } from "../../src/domain/activity-index.js";
import type { CrmRecord, EmailActivity } from "../../src/domain/types.js";
import { buildActivity } from "../support/cosmos.js";
import type { ContractStore, OpenContractStore } from "./tracking-store-contract.js";

const unique = (prefix: string) => `${prefix}-${randomUUID()}`;
const minute = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString();

function record(overrides: Partial<CrmRecord> & Pick<CrmRecord, "type" | "id" | "emailAddresses">): CrmRecord {
  return { name: overrides.id, createdOn: "2024-01-01T00:00:00.000Z", ...overrides };
}

function outgoingEmail(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const id = overrides.id ?? unique("out");
  return {
    id,
    mailbox: "ann@contoso.com",
    status: "pendingSend",
    deliveryAttempts: 0,
    to: [{ address: "carol@fabrikam.com" }],
    cc: [],
    bcc: [],
    subject: "Your quote CRM:0001001",
    trackingToken: "CRM:0001001",
    body: { contentType: "text", content: "Attached." },
    internetMessageId: `<tracked.${id}@contoso.com>`,
    createdBy: { oid: "oid-1", name: "Ann" },
    createdOn: "2025-01-01T00:00:00.000Z",
    modifiedOn: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** Every page of a listing, following continuation tokens. */
async function listAll(store: ContractStore["store"], filter: ActivityFilter, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await store.activities.listActivities(filter, { limit, ...(token ? { continuationToken: token } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((activity) => activity.id));
    token = page.continuationToken;
    pages += 1;
  } while (token && pages < 50);
  return { ids, pages };
}

export function describeAdminStoreContract(name: string, open: OpenContractStore, options: { requestCosts?: boolean } = {}): void {
  describe(`TrackingStore administration contract: ${name}`, () => {
    let shared: ContractStore;
    beforeAll(async () => {
      shared = await open();
    });
    afterAll(async () => {
      await shared?.dispose();
    });

    describe("records", () => {
      it("gets a record by type and id, and nothing for another type or id", async () => {
        const id = unique("c");
        const stored = record({ type: "contact", id, emailAddresses: [`${id}@fabrikam.com`], ownerId: "u1" });
        await shared.store.records.upsertRecords([stored]);
        expect(await shared.store.records.getRecord({ type: "contact", id })).toEqual(stored);
        expect(await shared.store.records.getRecord({ type: "account", id })).toBeUndefined();
        expect(await shared.store.records.getRecord({ type: "contact", id: unique("c") })).toBeUndefined();
      });

      it("deletes records with their address rows, leaves other records of the address, and says which existed", async () => {
        const [shared1, own] = [`${unique("shared")}@contoso.com`, `${unique("own")}@contoso.com`];
        const [c1, a1] = [unique("c"), unique("a")];
        await shared.store.records.upsertRecords([
          record({ type: "contact", id: c1, emailAddresses: [shared1, own] }),
          record({ type: "account", id: a1, emailAddresses: [shared1] }),
        ]);
        const missing = { type: "lead" as const, id: unique("l") };
        expect(await shared.store.records.deleteRecords([{ type: "contact", id: c1 }, missing])).toEqual([{ type: "contact", id: c1 }]);
        expect(await shared.store.records.getRecord({ type: "contact", id: c1 })).toBeUndefined();
        expect((await shared.store.records.findByAddress(shared1)).map((entry) => `${entry.type}:${entry.id}`)).toEqual([`account:${a1}`]);
        expect(await shared.store.records.findByAddress(own)).toEqual([]);
        // Again: nothing left to delete.
        expect(await shared.store.records.deleteRecords([{ type: "contact", id: c1 }])).toEqual([]);
      });
    });

    describe("activities: conversation, listing and updates", () => {
      it("a correlated activity joins the conversation of the one it correlated with, down a chain", async () => {
        const root = buildActivity({ id: unique("root"), activityTime: minute(1) });
        const reply = buildActivity({ id: unique("reply"), activityTime: minute(2), correlation: { method: "inReplyTo", correlatedActivityId: root.id, parentActivityId: root.id } });
        const again = buildActivity({ id: unique("again"), activityTime: minute(3), correlation: { method: "trackingToken", correlatedActivityId: reply.id } });
        const alone = buildActivity({ id: unique("alone"), correlation: { method: "inReplyTo", correlatedActivityId: unique("gone") } });
        for (const activity of [root, reply, again, alone]) await shared.store.activities.createActivity(activity);
        expect((await shared.store.activities.getActivity(root.id))?.conversationId).toBeUndefined();
        expect((await shared.store.activities.getActivity(reply.id))?.conversationId).toBe(root.id);
        expect((await shared.store.activities.getActivity(again.id))?.conversationId).toBe(root.id);
        expect((await shared.store.activities.getActivity(alone.id))?.conversationId).toBeUndefined();
        expect((await listAll(shared.store, { conversationId: root.id }, 2)).ids).toEqual([again.id, reply.id, root.id]);
        expect((await listAll(shared.store, { conversationId: alone.id }, 2)).ids).toEqual([alone.id]);
      });

      // The first email of a conversation is listed in its time order wherever that falls: usually
      // last, but a reply's Date header may be earlier (a sender's clock), or later ones may be
      // outside the time range.
      it.each([1, 2, 3, 5])("lists a conversation newest first, its first email where its time puts it, each once, in pages of %i", async (limit) => {
        const root = buildActivity({ id: unique("root"), activityTime: minute(3) });
        const replies = [minute(5), minute(1), minute(4), minute(2)].map((activityTime, n) =>
          buildActivity({ id: unique(`reply${n}`), activityTime, correlation: { method: "inReplyTo", correlatedActivityId: root.id } }),
        );
        for (const activity of [root, ...replies]) await shared.store.activities.createActivity(activity);
        const [r5, r1, r4, r2] = replies.map((reply) => reply.id);
        expect((await listAll(shared.store, { conversationId: root.id }, limit)).ids).toEqual([r5, r4, root.id, r2, r1]);
        expect((await listAll(shared.store, { conversationId: root.id, from: minute(2), to: minute(5) }, limit)).ids).toEqual([r4, root.id, r2]);
        expect((await listAll(shared.store, { conversationId: root.id, from: minute(4) }, limit)).ids).toEqual([r5, r4]);
        expect((await listAll(shared.store, { conversationId: r5 as string }, limit)).ids).toEqual([]);
      });

      it.each([1, 2, 3, 7, 100])("lists a mailbox's activities newest first, each once, in pages of %i", async (limit) => {
        const mailbox = `${unique("mbx")}@contoso.com`;
        const activities = Array.from({ length: 7 }, (_, i) => buildActivity({ id: unique(`a${i}`), receivingMailbox: mailbox, activityTime: minute(i * 7 % 11) }));
        for (const activity of activities) await shared.store.activities.createActivity(activity);
        await shared.store.activities.createActivity(buildActivity({ receivingMailbox: `${unique("other")}@contoso.com` }));
        const expected = [...activities].sort((a, b) => b.activityTime.localeCompare(a.activityTime)).map((activity) => activity.id);
        const { ids, pages } = await listAll(shared.store, { mailbox }, limit);
        expect(ids).toEqual(expected);
        expect(pages).toBeGreaterThanOrEqual(Math.ceil(7 / limit));
      });

      it.each([
        { case: "from only (inclusive)", range: { from: minute(3) }, expected: [5, 4, 3] },
        { case: "to only (exclusive)", range: { to: minute(2) }, expected: [1, 0] },
        { case: "from and to", range: { from: minute(1), to: minute(4) }, expected: [3, 2, 1] },
        { case: "an empty range", range: { from: minute(4), to: minute(4) }, expected: [] },
      ])("lists a mailbox's activities in a time range: $case", async ({ range, expected }) => {
        const mailbox = `${unique("range")}@contoso.com`;
        const activities = Array.from({ length: 6 }, (_, i) => buildActivity({ id: unique(`r${i}`), receivingMailbox: mailbox, activityTime: minute(i) }));
        for (const activity of activities) await shared.store.activities.createActivity(activity);
        const { ids } = await listAll(shared.store, { mailbox, ...range }, 2);
        expect(ids).toEqual(expected.map((i) => activities[i]?.id));
      });

      it.each([
        { case: "one activity", mailboxes: 1, perMailbox: 1 },
        { case: "a queue item's 20 in one mailbox", mailboxes: 1, perMailbox: 20 },
        { case: "two mailboxes at once", mailboxes: 2, perMailbox: 3 },
        { case: "more than one batch takes (100)", mailboxes: 1, perMailbox: 130 },
      ])("an activity created with the mailbox index deferred is listed for its mailbox once putMailboxIndex wrote it, once however often ($case)", async ({ mailboxes, perMailbox }) => {
        const addresses = Array.from({ length: mailboxes }, () => `${unique("deferred")}@contoso.com`);
        const regarding = { type: "account" as const, id: unique("acc") };
        const activities = addresses.flatMap((mailbox) => Array.from({ length: perMailbox }, (_, i) => buildActivity({ id: unique(`d${i}`), receivingMailbox: mailbox, regarding, activityTime: minute(i % 60) })));
        await Promise.all(activities.map((activity) => shared.store.activities.createActivity(activity, { mailboxIndex: "deferred" })));
        // Found by id and by its regarding record at once; by its mailbox not yet.
        expect(await shared.store.activities.getActivity(activities[0]?.id as string)).toMatchObject({ id: activities[0]?.id });
        expect((await listAll(shared.store, { regarding }, 200)).ids.sort()).toEqual(activities.map((activity) => activity.id).sort());
        for (const mailbox of addresses) expect((await listAll(shared.store, { mailbox }, 200)).ids).toEqual([]);
        // Written twice (a redelivered item), with a duplicate in one call: each listed once.
        await shared.store.activities.putMailboxIndex([...activities, activities[0] as EmailActivity]);
        await shared.store.activities.putMailboxIndex(activities);
        for (const mailbox of addresses) {
          const mine = activities.filter((activity) => activity.receivingMailbox === mailbox);
          expect((await listAll(shared.store, { mailbox }, 200)).ids.sort()).toEqual(mine.map((activity) => activity.id).sort());
        }
      });

      it("lists every activity of a bare time range, across mailboxes", async () => {
        const year = 2000 + Math.floor(Math.random() * 50);
        const at = (day: number) => new Date(Date.UTC(year, 5, day)).toISOString();
        const activities = [1, 2, 3].map((day) => buildActivity({ id: unique(`t${day}`), receivingMailbox: `${unique("m")}@contoso.com`, activityTime: at(day) }));
        for (const activity of activities) await shared.store.activities.createActivity(activity);
        const { ids } = await listAll(shared.store, { from: at(1), to: at(3) }, 1);
        expect(ids).toEqual([activities[1]?.id, activities[0]?.id]);
      });

      it("lists by regarding record, following re-links", async () => {
        const [first, second] = [{ type: "account" as const, id: unique("acc") }, { type: "account" as const, id: unique("acc") }];
        const activity = buildActivity({ regarding: first });
        await shared.store.activities.createActivity(activity);
        expect((await listAll(shared.store, { regarding: first }, 10)).ids).toEqual([activity.id]);
        const updated = await shared.store.activities.updateActivity(activity.id, (current) => ({ ...current, regarding: second }));
        expect(updated?.regarding).toEqual(second);
        expect(await shared.store.activities.getActivity(activity.id)).toEqual(updated);
        expect((await listAll(shared.store, { regarding: first }, 10)).ids).toEqual([]);
        expect((await listAll(shared.store, { regarding: second }, 10)).ids).toEqual([activity.id]);
        const { regarding: _r, ...unlinked } = updated as EmailActivity;
        await shared.store.activities.updateActivity(activity.id, () => unlinked);
        expect((await listAll(shared.store, { regarding: second }, 10)).ids).toEqual([]);
      });

      it("updates keep the id and conversation, leave the activity when asked to, and miss a missing one", async () => {
        const root = buildActivity();
        const reply = buildActivity({ correlation: { method: "inReplyTo", correlatedActivityId: root.id } });
        await shared.store.activities.createActivity(root);
        await shared.store.activities.createActivity(reply);
        const updated = await shared.store.activities.updateActivity(reply.id, (current) => ({ ...current, id: "other", conversationId: "other", subject: "Changed" }));
        expect(updated).toMatchObject({ id: reply.id, conversationId: root.id, subject: "Changed" });
        const stored = await shared.store.activities.getActivity(reply.id);
        expect(await shared.store.activities.updateActivity(reply.id, () => undefined)).toEqual(stored);
        expect(await shared.store.activities.updateActivity(unique("missing"), (current) => current)).toBeUndefined();
      });

      it("keeps every change when 10 updates of one activity race", async () => {
        const activity = buildActivity({ regardingChanges: [] });
        await shared.store.activities.createActivity(activity);
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            shared.store.activities.updateActivity(activity.id, (current) => ({
              ...current,
              regardingChanges: [...(current.regardingChanges ?? []), { at: minute(i), by: { oid: `o${i}` }, action: "unlink", scope: "activity" }],
            })),
          ),
        );
        const stored = await shared.store.activities.getActivity(activity.id);
        expect(new Set(stored?.regardingChanges?.map((change) => change.by.oid))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `o${i}`)));
      });

      it("refuses a continuation token from another listing, or one it never gave", async () => {
        const mailbox = `${unique("tok")}@contoso.com`;
        for (let i = 0; i < 3; i++) await shared.store.activities.createActivity(buildActivity({ receivingMailbox: mailbox, activityTime: minute(i) }));
        const page = await shared.store.activities.listActivities({ mailbox }, { limit: 1 });
        expect(page.continuationToken).toBeTypeOf("string");
        const token = page.continuationToken as string;
        await expect(shared.store.activities.listActivities({ mailbox: `${unique("x")}@contoso.com` }, { limit: 1, continuationToken: token })).rejects.toThrow(RangeError);
        await expect(shared.store.activities.listActivities({ mailbox, from: minute(0) }, { limit: 1, continuationToken: token })).rejects.toThrow(RangeError);
        await expect(shared.store.activities.listActivities({ mailbox }, { limit: 1, continuationToken: "not-a-token" })).rejects.toThrow(RangeError);
        await expect(shared.store.activities.listActivities({ mailbox }, { limit: 0 })).rejects.toThrow(RangeError);
      });
    });

    // Registered for stores that count requests only (an in-memory store sends none).
    if (options.requestCosts) describe("request costs of listings", () => {
      it("a page of a mailbox, regarding or conversation costs a query (plan + page) and a point read per activity, however many activities elsewhere", async () => {
        const opened = await open();
        const count = () => opened.requestCount?.() ?? 0;
        try {
          const { store } = opened;
          const mailbox = "target@contoso.com";
          const regarding = { type: "account" as const, id: "target" };
          const root = buildActivity({ id: "root", receivingMailbox: mailbox, regarding, activityTime: minute(1) });
          await store.activities.createActivity(root);
          await store.activities.createActivity(buildActivity({ id: "reply", receivingMailbox: mailbox, regarding, activityTime: minute(2), correlation: { method: "inReplyTo", correlatedActivityId: "root" } }));
          const measure = async () => {
            const counts: number[] = [];
            for (const filter of [{ mailbox }, { regarding }, { conversationId: "root" }] as ActivityFilter[]) {
              await store.activities.listActivities(filter, { limit: 10 }); // warm the metadata caches
              opened.resetRequestCount?.();
              const page = await store.activities.listActivities(filter, { limit: 10 });
              expect(page.items.map((activity) => activity.id)).toEqual(["reply", "root"]);
              counts.push(count());
            }
            return counts;
          };
          const before = await measure();
          for (let start = 0; start < 300; start += 50) {
            await Promise.all(
              Array.from({ length: 50 }, (_, i) =>
                store.activities.createActivity(buildActivity({ id: `other-${start + i}`, receivingMailbox: `other-${(start + i) % 30}@contoso.com`, regarding: { type: "contact", id: `c${i}` } })),
              ),
            );
          }
          const after = await measure();
          expect(before).toEqual([4, 4, 4]);
          expect(after).toEqual(before);
        } finally {
          await opened.dispose();
        }
      });
    });

    // Registered for stores that count requests only (an in-memory store sends none).
    if (options.requestCosts) describe("request costs of the mailbox index", () => {
      it.each([
        { case: "one activity", count: 1, expected: 1 },
        { case: "a queue item's 20 (one transactional batch)", count: 20, expected: 1 },
        { case: "150 (two batches)", count: 150, expected: 2 },
      ])("putMailboxIndex of one mailbox's activities costs one request per 100 ($case)", async ({ count: activities, expected }) => {
        const opened = await open();
        try {
          const mailbox = `${unique("cost")}@contoso.com`;
          const created = Array.from({ length: activities }, (_, i) => buildActivity({ id: unique(`c${i}`), receivingMailbox: mailbox }));
          for (const activity of created) await opened.store.activities.createActivity(activity, { mailboxIndex: "deferred" });
          await opened.store.activities.putMailboxIndex([buildActivity({ id: unique("warm"), receivingMailbox: `${unique("warm")}@contoso.com` })]);
          opened.resetRequestCount?.();
          await opened.store.activities.putMailboxIndex(created);
          expect(opened.requestCount?.()).toBe(expected);
        } finally {
          await opened.dispose();
        }
      });
    });

    describe("outgoing emails", () => {
      it("creates once, reads back, and returns the stored one on a second create", async () => {
        const email = outgoingEmail();
        expect(await shared.store.outgoing.createOutgoing(email)).toEqual({ created: true, email });
        expect(await shared.store.outgoing.createOutgoing({ ...email, subject: "Other" })).toEqual({ created: false, email });
        expect(await shared.store.outgoing.getOutgoing(email.id)).toEqual(email);
        expect(await shared.store.outgoing.getOutgoing(unique("missing"))).toBeUndefined();
      });

      it("lets exactly one of 10 racing workers move an email from Pending Send to Sending", async () => {
        const email = outgoingEmail();
        await shared.store.outgoing.createOutgoing(email);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            shared.store.outgoing.updateOutgoing(email.id, (current) =>
              current.status === "pendingSend" ? { ...current, status: "sending", sendingSince: `worker-${i}`, deliveryAttempts: current.deliveryAttempts + 1 } : undefined,
            ),
          ),
        );
        const stored = await shared.store.outgoing.getOutgoing(email.id);
        expect(stored).toMatchObject({ status: "sending", deliveryAttempts: 1 });
        expect(results.filter((result) => result?.sendingSince === stored?.sendingSince)).toHaveLength(10);
        expect(await shared.store.outgoing.updateOutgoing(unique("missing"), (current) => current)).toBeUndefined();
      });
    });
  });
}
