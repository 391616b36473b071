// Timer: asks for a delta catch-up of every watched folder, through the queue, so each runs (and
// retries) on its own. Mail whose notification was lost is tracked here; nothing is tracked twice.
import type { InvocationContext, Timer } from "@azure/functions";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function catchUp(_timer: Timer, context: InvocationContext): Promise<void> {
  const { subscriptions } = await getServices();
  const requested = await subscriptions.requestCatchUpForAll("scheduled catch-up");
  context.log(`catch-up requested for ${requested} folder(s)`);
}

registerFunction({
  kind: "timer",
  name: "catchUp",
  options: { schedule: "%CATCH_UP_SCHEDULE%", runOnStartup: false, handler: catchUp },
});
