// Timer: queues the upkeep of the mailboxes whose subscriptions are due (their schedule bucket),
// for queue workers to do in parallel; once a sweep period it also deletes orphans at Graph.
import type { InvocationContext, Timer } from "@azure/functions";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function renewSubscriptions(_timer: Timer, context: InvocationContext): Promise<void> {
  const { scheduler } = await getServices();
  const report = await scheduler.queueDue("renew");
  // Failing mailboxes are logged by name by their own upkeep items; the audit's are counted here.
  if ((report.audit?.failed ?? 0) > 0) context.warn(`orphan audit had ${report.audit?.failed} failure(s) ${JSON.stringify(report)}`);
  else context.log("subscriptions", report);
}

registerFunction({
  kind: "timer",
  name: "renewSubscriptions",
  options: { schedule: "%RENEW_SUBSCRIPTIONS_SCHEDULE%", runOnStartup: false, handler: renewSubscriptions },
});
