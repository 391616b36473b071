// The daily audit of Graph's list of this app's subscriptions: orphans are deleted at Graph.
import { subscriptionTag } from "./client-state.js";
import type { SubscriptionDeps, SubscriptionReport } from "./subscriptions.js";
import { emptyReport, GRACE_IN_MS, type SubscriptionRecords } from "./subscription-records.js";

/** What Graph has now, by subscription id; undefined when the list could not be read. */
export type GraphView = ReadonlyMap<string, { expirationDateTime: string }> | undefined;

export function createOrphanAudit(deps: SubscriptionDeps, records: SubscriptionRecords) {
  const { live, gateway, policy } = deps;
  const log = deps.log ?? (() => {});
  const { expiry, deletedAtGraph } = records;

  /** Graph's own list of this app's subscriptions; undefined (decide from stored expiry) when unreadable. */
  async function graphView(report: SubscriptionReport): Promise<{ view: GraphView; ours: Array<{ id: string; resource: string; expirationDateTime: string }> }> {
    try {
      const all = await gateway.listSubscriptions();
      return {
        view: new Map(all.map((s) => [s.id, { expirationDateTime: s.expirationDateTime }])),
        ours: all.filter((s) => s.notificationUrl === policy.notificationUrl),
      };
    } catch (error) {
      report.failed += 1;
      log(`listing subscriptions at Graph failed, deciding from stored expiry: ${error instanceof Error ? error.message : String(error)}`);
      return { view: undefined, ours: [] };
    }
  }

  /**
   * The daily audit (src/app/scheduler.ts): Graph's list of this app's subscriptions, for orphans
   * only. Vanished ones are found per mailbox, by renewal and by the sweep (mailboxView).
   */
  async function auditOrphans(): Promise<SubscriptionReport> {
    const report = emptyReport();
    deletedAtGraph.clear();
    const { view, ours } = await graphView(report);
    if (view) await deleteOrphans(ours, report);
    return report;
  }

  /**
   * Subscriptions Graph has for our webhook but the store doesn't know (a worker died between
   * Graph's answer and the store write): their notifications would only be dropped as unknown,
   * while a replacement already exists or will be made. Delete them at Graph.
   */
  async function deleteOrphans(ours: Array<{ id: string; resource: string; expirationDateTime: string }>, report: SubscriptionReport): Promise<void> {
    try {
      const known = new Set((await live.subscriptions.listSubscriptions()).map((s) => s.id));
      for (const subscription of ours) {
        if (known.has(subscription.id) || deletedAtGraph.has(subscription.id)) continue;
        // One created in the last minutes may be on its way into the store: leave it to the next run.
        if (Date.parse(subscription.expirationDateTime) > Date.parse(expiry()) - GRACE_IN_MS) continue;
        await gateway.deleteSubscription(subscription.id);
        log(`orphaned ${subscriptionTag(subscription.id)} (${subscription.resource}) deleted at Graph`);
        report.deleted += 1;
      }
    } catch (error) {
      // Housekeeping only: the next run tries again.
      report.failed += 1;
      log(`orphaned subscription check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  return { auditOrphans };
}
