// Timer: every enabled mailbox has live Inbox (and, with Sent Items auto-tracking, Sent Items)
// subscriptions with time left; disabled mailboxes have none.
import type { InvocationContext, Timer } from "@azure/functions";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function renewSubscriptions(_timer: Timer, context: InvocationContext): Promise<void> {
  const { subscriptions } = await getServices();
  const report = await subscriptions.renewAll();
  // Each failing mailbox is logged by name where it failed; this says how many there were.
  if (report.failed > 0) context.warn(`subscription renewal had ${report.failed} failure(s) ${JSON.stringify(report)}`);
  else context.log("subscriptions", report);
}

registerFunction({
  kind: "timer",
  name: "renewSubscriptions",
  options: { schedule: "%RENEW_SUBSCRIPTIONS_SCHEDULE%", runOnStartup: false, handler: renewSubscriptions },
});
