// Rich notifications end to end: subscriptions ask the Graph simulator for encrypted resource data
// (its own certificate handling and validation tokens), the webhook checks the tokens with jose
// against the simulator's JWKS, the worker decrypts with the local key pairs and tracks the mail
// without reading it from Graph. Only what the payload cannot carry (a sent reply's threading) is
// fetched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityIdFor } from "../../src/domain/activity.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { buildRecord } from "../support/builders.js";
import { makeDue } from "./e2e-support.js";

const ANN = "ann@contoso.example.com";
const CAROL = "carol@fabrikam.example.org";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    timers: "manual",
    visibilityTimeoutInSeconds: 1,
    queuePollIntervalInMs: 50,
    log: () => {},
    settings: { NOTIFICATION_RESOURCE_DATA: "true" },
  });
  const { store, mailboxes } = await stack.services();
  stack.graph.addMailbox({ address: ANN, displayName: "Ann" });
  await store.settings.putOrganization(parseOrganizationSettings({ autoTrackSentFolderItems: true }));
  await store.records.upsertRecords([
    buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }),
    buildRecord({ type: "contact", id: "carol", emailAddresses: [CAROL] }),
  ]);
  await mailboxes.enableMailbox({ address: ANN, incomingEmailFilter: "all", processEmailReceivedAfter: new Date(Date.now() - 60_000).toISOString() });
  await stack.settle();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Message reads from Graph: single GETs and each item of a $batch (the simulator counts both). */
function messageReads(): number {
  return Object.entries(stack.graph.stats.requests.byEndpoint)
    .filter(([endpoint]) => /^GET \/users\/\{id\}\/messages\/\{id\}$/.test(endpoint))
    .reduce((sum, [, count]) => sum + count, 0);
}

async function activityFor(internetMessageId: string) {
  const { store } = await stack.services();
  return store.activities.getActivity(activityIdFor({ internetMessageId: internetMessageId.replace(/^<|>$/g, "") }));
}

describe("rich notifications", () => {
  it("subscribes with resource data: the local certificate, a $select, at most a day", async () => {
    const current = stack.encryptionKeys?.ids()[0];
    expect(current).toBeDefined();
    const atGraph = stack.graph.listSubscriptions().filter((s) => s.mailboxId === stack.graph.getMailbox(ANN)?.id);
    expect(atGraph.map((s) => /mailFolders\('(\w+)'\)/.exec(s.resource)?.[1]).sort()).toEqual(["inbox", "sentitems"]);
    for (const subscription of atGraph) {
      expect(subscription.includeResourceData).toBe(true);
      expect(subscription.encryptionCertificateId).toBe(current);
      expect(subscription.resource).toMatch(/\?\$select=.*\bbody\b/);
      expect(Date.parse(subscription.expirationDateTime) - Date.now()).toBeLessThanOrEqual(1_440 * 60_000);
    }
    const { live } = await stack.services();
    for (const record of await live.subscriptions.listSubscriptions({ mailbox: ANN })) expect(record.encryptionCertificateId).toBe(current);
  });

  it("tracks Inbox mail from the notification alone: zero message reads", async () => {
    const before = messageReads();
    const deliveries = [1, 2, 3].map((n) =>
      stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL, name: "Carol" }, subject: `Rich order ${n}`, body: `Line ${n}` }),
    );
    await stack.settle();
    for (const [n, delivered] of deliveries.entries()) {
      const activity = await activityFor(delivered.internetMessageId);
      expect(activity).toMatchObject({ subject: `Rich order ${n + 1}`, direction: "incoming", receivingMailbox: ANN });
      expect(activity?.sender?.records).toEqual([{ type: "contact", id: "carol" }]);
    }
    expect(messageReads() - before).toBe(0);
  });

  it("a new sent email needs no read; a sent reply is fetched for its threading (the one fallback)", async () => {
    const { outgoing } = await stack.services();
    const before = messageReads();
    const first = await outgoing.sendTrackedEmail({ mailbox: ANN, to: [CAROL], subject: "Rich quote", body: { contentType: "text", content: "Attached" } });
    await stack.settle();
    expect(await activityFor(first.internetMessageId)).toMatchObject({ direction: "outgoing" });
    const afterNew = messageReads();
    const inbound = stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: "Question", body: "?" });
    await stack.settle();
    const reply = await outgoing.sendTrackedEmail({
      mailbox: ANN,
      to: [CAROL],
      subject: "RE: Question",
      body: { contentType: "text", content: "!" },
      inReplyTo: inbound.internetMessageId,
    });
    await stack.settle();
    expect(await activityFor(reply.internetMessageId)).toMatchObject({ direction: "outgoing" });
    // The outgoing path reads the sent copy's conversation index itself; the tracking read is the
    // reply's only: at most one per sent reply, none for the new email or the Inbox mail.
    expect(afterNew - before).toBe(0);
    expect(messageReads() - afterNew).toBeLessThanOrEqual(1);
  });

  it("rotating the certificate: new subscriptions use the new key, mail keeps flowing, the old key can go", async () => {
    const keys = stack.encryptionKeys;
    if (!keys) throw new Error("the stack has no local encryption keys");
    const old = keys.ids()[0] as string;
    const rotated = await keys.rotate();
    // Each mailbox moves to the new key at its next upkeep (with resource data, at least twice a day).
    await makeDue(stack, ANN, "renew");
    await stack.host.triggerTimer("renewSubscriptions");
    await stack.settle();
    const { live } = await stack.services();
    const records = await live.subscriptions.listSubscriptions({ mailbox: ANN });
    expect(records.map((r) => r.encryptionCertificateId)).toEqual([rotated, rotated]);
    keys.retire(old);
    const before = messageReads();
    const delivered = stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL }, subject: "After rotation", body: "x" });
    await stack.settle();
    expect(await activityFor(delivered.internetMessageId)).toMatchObject({ subject: "After rotation" });
    expect(messageReads() - before).toBe(0);
  });
});
