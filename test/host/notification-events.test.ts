// The notificationEvents trigger (functions/notificationEvents.ts) as the Functions host runs it:
// the local stack loads every function file with NOTIFICATION_DELIVERY=eventHubs, so the module
// registers its Event Hubs trigger (the local host lists it without serving it: there is no Event
// Hubs here). The test calls the registered handler with a batch in Graph's Event Hubs shape
// (each event's body a notification collection, as parsed JSON and as text, with Graph's
// validation event), then puts what the trigger bound to its queue output on the real queue:
// the worker tracks the notified message.
import { InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStates } from "../../src/app/client-state.js";
import type { QueueItem } from "../../src/app/ports.js";
import { activityIdFor } from "../../src/domain/activity.js";
import { parseMailboxSettings } from "../../src/domain/settings.js";
import { registeredFunctions } from "../../src/host/registration.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { buildRecord } from "../support/builders.js";

const ANN = "ann@contoso.example.com";
const CAROL = "carol@fabrikam.example.org";
const SUBSCRIPTION_ID = "4c0e8a57-95b5-4f7f-8f0a-3cf7a1d3a0b1";
// A test value for the client-state key, not a secret of any deployment.
const CLIENT_STATE_KEY = "event-hubs-trigger-test-client-state-key-0123456789";
const HUB = "https://tracker-test.servicebus.windows.net/eventhubname/graph-notifications?tenantId=contoso.example.com";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    timers: "manual",
    visibilityTimeoutInSeconds: 1,
    queuePollIntervalInMs: 50,
    log: () => {},
    settings: {
      NOTIFICATION_DELIVERY: "eventHubs",
      EVENT_HUB_NAME: "graph-notifications",
      EventHubConnection__fullyQualifiedNamespace: "tracker-test.servicebus.windows.net",
      NOTIFICATION_URL: `EventHub:${HUB}`,
      LIFECYCLE_NOTIFICATION_URL: `EventHub:${HUB}`,
      NOTIFICATION_CLIENT_STATE: CLIENT_STATE_KEY,
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

function registeredTrigger() {
  const definition = registeredFunctions().find((candidate) => candidate.name === "notificationEvents");
  if (definition?.kind !== "eventHub") throw new Error("notificationEvents is not registered as an Event Hubs trigger");
  return definition.options;
}

describe("notificationEvents trigger (NOTIFICATION_DELIVERY=eventHubs)", () => {
  it("is registered for the hub in the settings, a batch at a time, with the notifications queue as its output", () => {
    const options = registeredTrigger();
    expect(options).toMatchObject({ eventHubName: "%EVENT_HUB_NAME%", connection: "EventHubConnection", cardinality: "many" });
    expect(options.extraOutputs?.map((output) => output.type)).toEqual(["queue"]);
  });

  it("a batch in Graph's hub shape: the validation event is ignored, forged items dropped, the change queued and tracked", async () => {
    const { store, live, queue } = await stack.services();
    const userId = stack.graph.addMailbox({ address: ANN, displayName: "Ann" });
    const inboxId = stack.graph.listFolders(ANN).find((folder) => folder.wellKnownName === "inbox")?.id;
    await store.settings.putMailbox(parseMailboxSettings({ address: ANN, incomingEmailFilter: "all" }));
    await store.records.upsertRecords([buildRecord({ type: "systemuser", id: "ann", emailAddresses: [ANN] }), buildRecord({ type: "contact", id: "carol", emailAddresses: [CAROL] })]);
    const state = createClientStates([CLIENT_STATE_KEY]).issue();
    await live.subscriptions.putSubscription({
      id: SUBSCRIPTION_ID,
      mailbox: ANN,
      folder: "inbox",
      resource: `users/${ANN}/mailFolders('inbox')/messages`,
      expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
      createdOn: new Date().toISOString(),
      clientStateNonce: state.nonce,
      clientStateKeyId: state.keyId,
      ...(inboxId ? { folderId: inboxId } : {}),
      userId,
    });
    const delivered = stack.graph.deliverExternal({ to: [ANN], from: { address: CAROL, name: "Carol" }, subject: "Order via the hub", body: "Hello" });
    const messageId = delivered.deliveries[0]?.messageId ?? "";
    const change = (overrides: Record<string, unknown> = {}) => ({
      subscriptionId: SUBSCRIPTION_ID,
      subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
      changeType: "created",
      clientState: state.clientState,
      tenantId: stack.graph.tenantId,
      resource: `Users/${userId}/Messages/${messageId}`,
      resourceData: { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": `Users/${userId}/Messages/${messageId}`, id: messageId },
      ...overrides,
    });
    // Graph's validation event when a subscription is created: every field "NA".
    const validation = {
      value: [{ subscriptionId: "NA", subscriptionExpirationDateTime: "NA", clientState: "NA", changeType: "Created", resource: "NA", resourceData: { "@odata.type": "NA", "@odata.id": "NA", id: "NA" }, tenantId: stack.graph.tenantId }],
    };
    const events = [validation, JSON.stringify({ value: [change(), change({ clientState: "forged" })] })];

    const logged: string[] = [];
    const context = new InvocationContext({ invocationId: "hub-batch-1", functionName: "notificationEvents", logHandler: (level, ...args) => logged.push(`${level} ${JSON.stringify(args)}`) });
    await registeredTrigger().handler(events, context);

    const output = registeredTrigger().extraOutputs?.[0];
    if (!output) throw new Error("the trigger has no queue output");
    const queued = context.extraOutputs.get(output) as QueueItem[] | undefined;
    expect(queued).toEqual([expect.objectContaining({ kind: "change", subscriptionId: SUBSCRIPTION_ID, mailbox: ANN, folder: "inbox", messageIds: [messageId] })]);

    // The forged item is counted, by reason only (no subscription id, no client state).
    expect(logged.filter((line) => line.includes("dropped notifications"))).toEqual([expect.stringContaining('"clientStateMismatch":1')]);
    expect(logged.join("\n")).not.toContain(SUBSCRIPTION_ID);

    // What the host would write to the queue output, on the stack's queue: the worker tracks it.
    await queue.enqueue(queued ?? []);
    await stack.settle();
    const activity = await store.activities.getActivity(activityIdFor({ internetMessageId: delivered.internetMessageId.replace(/^<|>$/g, "") }));
    expect(activity).toMatchObject({ subject: "Order via the hub", direction: "incoming", receivingMailbox: ANN });
  });
});
