// Timer: queues the slow sweep of the mailboxes whose turn it is (each once per
// CATCH_UP_SWEEP_PERIOD_HOURS): their subscriptions checked at Graph, then a delta catch-up of each
// watched folder. Other catch-ups are queued when there is a reason (src/app/subscriptions.ts).
import type { InvocationContext, Timer } from "@azure/functions";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function catchUp(_timer: Timer, context: InvocationContext): Promise<void> {
  const { scheduler } = await getServices();
  const report = await scheduler.queueDue("sweep");
  context.log(`sweep queued for ${report.queued} mailbox(es) from ${report.buckets} bucket(s)${report.complete ? "" : "; the rest next run"}`);
}

registerFunction({
  kind: "timer",
  name: "catchUp",
  options: { schedule: "%CATCH_UP_SCHEDULE%", runOnStartup: false, handler: catchUp },
});
