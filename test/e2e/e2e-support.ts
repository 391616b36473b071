// Shared steps of the end-to-end files: start one stack per file with a set of mailboxes, read
// what Cosmos DB holds afterwards, and count the tracking decisions the functions made.
import { activityIdFor } from "../../src/domain/activity.js";
import { parseOrganizationSettings } from "../../src/domain/settings.js";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "../../local/stack.js";
import { buildRecord } from "../support/builders.js";

/** The external sender of every test message: a known contact. */
export const CUSTOMER = "carol@fabrikam.example.org";

export interface E2eStack {
  stack: LocalStack;
  /** Every tracking decision made in this process since the stack started. */
  decisions: TrackingDecisionEvent[];
}

/** Starts the stack and enables each mailbox (Inbox and Sent Items, all incoming mail). */
export async function startE2eStack(options: { mailboxes: string[] } & Omit<LocalStackOptions, "log" | "port" | "timers">): Promise<E2eStack> {
  const { mailboxes: addresses, ...rest } = options;
  const decisions: TrackingDecisionEvent[] = [];
  trackingEvents.on("decision", (decision) => decisions.push(decision));
  const stack = await startLocalStack({
    port: 0,
    timers: "manual",
    visibilityTimeoutInSeconds: 1,
    queuePollIntervalInMs: 50,
    log: () => {},
    ...rest,
  });
  const { store, mailboxes } = await stack.services();
  await store.settings.putOrganization(parseOrganizationSettings({ autoTrackSentFolderItems: true }));
  await store.records.upsertRecords([
    ...addresses.map((address, index) => buildRecord({ type: "systemuser", id: `user${index}`, emailAddresses: [address] })),
    buildRecord({ type: "contact", id: "carol", emailAddresses: [CUSTOMER] }),
  ]);
  const since = new Date(Date.now() - 60_000).toISOString();
  for (const address of addresses) {
    stack.graph.addMailbox({ address });
    await mailboxes.enableMailbox({ address, incomingEmailFilter: "all", processEmailReceivedAfter: since });
  }
  await stack.settle();
  return { stack, decisions };
}

/** Mail from the customer to one mailbox; returns its Message-ID without angle brackets. */
export function deliver(stack: LocalStack, to: string, subject: string): { internetMessageId: string; messageId: string } {
  const delivered = stack.graph.deliverExternal({ to: [to], from: { address: CUSTOMER, name: "Carol" }, subject, body: subject });
  const messageId = delivered.deliveries[0]?.messageId;
  if (!messageId) throw new Error(`no delivery to ${to}`);
  return { internetMessageId: bare(delivered.internetMessageId), messageId };
}

export function bare(internetMessageId: string): string {
  return internetMessageId.replace(/^<|>$/g, "");
}

export async function activityFor(stack: LocalStack, internetMessageId: string) {
  const { store } = await stack.services();
  return store.activities.getActivity(activityIdFor({ internetMessageId: bare(internetMessageId) }));
}

/** How many times the message was stored (created) by the functions, by any path. */
export function timesCreated(decisions: TrackingDecisionEvent[], internetMessageId: string): number {
  const wanted = bare(internetMessageId);
  return decisions.filter((d) => d.result.created && bare(d.result.internetMessageId) === wanted).length;
}

export async function eventsOf(stack: LocalStack, mailbox: string) {
  const { live } = await stack.services();
  return (await live.syncState.getSyncState(mailbox))?.events ?? [];
}

export async function storedSubscriptions(stack: LocalStack, mailbox: string) {
  const { live } = await stack.services();
  return live.subscriptions.listSubscriptions({ mailbox });
}

/** The mailbox's stored Inbox subscription (throws when there is none). */
export async function inboxSubscription(stack: LocalStack, mailbox: string) {
  const inbox = (await storedSubscriptions(stack, mailbox)).find((s) => s.folder === "inbox");
  if (!inbox) throw new Error(`${mailbox} has no stored Inbox subscription`);
  return inbox;
}

/** The Graph simulator's subscriptions for a mailbox. */
export function graphSubscriptions(stack: LocalStack, mailbox: string) {
  const id = stack.graph.getMailbox(mailbox)?.id;
  if (!id) throw new Error(`no simulator mailbox ${mailbox}`);
  return stack.graph.listSubscriptions().filter((s) => s.mailboxId === id);
}

/** The clientState Graph holds for a subscription (each subscription has its own). */
export function clientStateOf(stack: LocalStack, subscriptionId: string | undefined): string {
  const found = stack.graph.listSubscriptions().find((s) => s.id === subscriptionId);
  if (!found?.clientState) throw new Error("the simulator has no such subscription");
  return found.clientState;
}

/**
 * Puts the mailbox in the schedule's current bucket, as if its upkeep (`renew`) or its sweep were
 * due now: the next run of that timer queues it. (Its real turn is hours away in a test.)
 */
export async function makeDue(stack: LocalStack, mailbox: string, kind: "renew" | "sweep"): Promise<void> {
  const { live } = await stack.services();
  await live.schedule.putEntry({ kind, mailbox, dueAt: new Date().toISOString() });
}

/** Makes the once-a-period orphan audit due at the next renew timer run. */
export async function makeOrphanAuditDue(stack: LocalStack): Promise<void> {
  const { live } = await stack.services();
  await live.schedule.putMarker("orphanAudit", {});
}
