// Category tracking's retries on the in-memory stores against the Graph simulator (real HTTPS, real
// SDK): a categorised email that cannot be tracked is queued again after the organization's
// `categoryRetryIntervalInMinutes`, read at the time of the failure, until the last attempt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryLiveTrackingStore, createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import { createCategoryTracking } from "../../src/app/categories.js";
import { createTracker } from "../../src/app/track-message.js";
import { MAX_CATEGORY_ATTEMPTS } from "../../src/domain/categories.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";
import { capturingQueue, mailbox, startSimulator } from "../support/admin-fixture.js";

const NOW = new Date("2025-06-01T10:00:00.000Z");
const CATEGORY = "Tracked to Dynamics 365";

let sim: GraphSimulator;
let gateway: GraphGateway;
beforeAll(async () => {
  ({ sim, gateway } = await startSimulator());
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

let mailboxNumber = 0;

/** A mailbox whose start date is after a categorised email it holds: the category cannot track it. */
async function untrackableEmail(organization: Record<string, unknown>) {
  const address = `cat${++mailboxNumber}@contoso.test`;
  sim.addMailbox({ address });
  const store = createMemoryTrackingStore();
  await store.settings.putOrganization(parseOrganizationSettings({ trackCategorizedItems: true, ...organization }));
  await store.settings.putMailbox(mailbox(address, { processEmailReceivedAfter: NOW.toISOString() }));
  const delivered = sim.deliverExternal({ to: [address], from: { address: "carol@fabrikam.example" }, subject: "Old news", receivedDateTime: new Date(NOW.getTime() - 86_400_000).toISOString() });
  const messageId = delivered.deliveries[0]?.messageId ?? "";
  sim.updateMessage(address, messageId, { categories: [CATEGORY] });
  const queue = capturingQueue();
  const live = createMemoryLiveTrackingStore({ clock: () => NOW });
  const categories = createCategoryTracking({ store, live, gateway, tracker: createTracker({ store, settingsTtlInMs: 0 }), queue, clock: () => NOW });
  return { address, messageId, store, queue, live, categories };
}

describe("retrying a categorised email that cannot be tracked", () => {
  it.each([
    ["the default (Dynamics' 15 minutes)", {}, 15 * 60],
    ["1 minute, the shortest", { categoryRetryIntervalInMinutes: 1 }, 60],
    ["an hour", { categoryRetryIntervalInMinutes: 60 }, 3600],
    ["a day, the longest", { categoryRetryIntervalInMinutes: 1440 }, 86_400],
  ])("%s: queued again that many seconds later, as the next attempt", async (_name, organization, delayInSeconds) => {
    const { address, messageId, queue, live, categories } = await untrackableEmail(organization);
    expect(await categories.retry({ kind: "category", mailbox: address, folder: "inbox", messageId, attempt: 1, requestedAt: NOW.toISOString() })).toEqual({ tracked: false });
    expect(queue.take()).toEqual([
      { item: { kind: "category", mailbox: address, folder: "inbox", messageId, attempt: 2, requestedAt: NOW.toISOString() }, delayInSeconds },
    ]);
    expect((await live.syncState.getSyncState(address))?.events[0]).toMatchObject({ code: "category.retry", message: expect.stringContaining(`attempt 1 of ${MAX_CATEGORY_ATTEMPTS}`) });
  });

  it("a changed interval applies to the next failure", async () => {
    const { address, messageId, store, queue, categories } = await untrackableEmail({ categoryRetryIntervalInMinutes: 5 });
    await categories.retry({ kind: "category", mailbox: address, folder: "inbox", messageId, attempt: 1, requestedAt: NOW.toISOString() });
    await store.settings.putOrganization(parseOrganizationSettings({ trackCategorizedItems: true, categoryRetryIntervalInMinutes: 30 }));
    await categories.retry({ kind: "category", mailbox: address, folder: "inbox", messageId, attempt: 2, requestedAt: NOW.toISOString() });
    expect(queue.take().map(({ item, delayInSeconds }) => [item.kind === "category" ? item.attempt : undefined, delayInSeconds])).toEqual([
      [2, 300],
      [3, 1800],
    ]);
  });

  it("the last attempt is not queued again: the email is marked Undeliverable in the mailbox", async () => {
    const { address, messageId, queue, categories } = await untrackableEmail({ categoryRetryIntervalInMinutes: 1 });
    await categories.retry({ kind: "category", mailbox: address, folder: "inbox", messageId, attempt: MAX_CATEGORY_ATTEMPTS, requestedAt: NOW.toISOString() });
    expect(queue.take()).toEqual([]);
    expect(sim.listMessages(address, "inbox").find((message) => message.id === messageId)?.categories).toEqual([`${CATEGORY} (Undeliverable)`]);
  });
});
