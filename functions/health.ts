// HTTP GET /api/health: for monitors. Anonymous, with no secrets and no personal data: the host is
// up, whether Cosmos DB and the queue answer, mailbox counts by state, the oldest "covered up to"
// and the poison count. It takes no input, and its answer is reused for 30 s (src/app/health-admin.ts),
// so however often it is called it costs a bounded number of requests. 503 when a dependency fails.
import type { HttpResponseInit } from "@azure/functions";
import { registerFunction } from "../src/host/registration.js";
import { getServices } from "../src/host/services.js";

export async function health(): Promise<HttpResponseInit> {
  const headers = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
  try {
    const answer = await (await getServices()).healthAdmin.publicHealth();
    return { status: answer.status === "ok" ? 200 : 503, headers, body: JSON.stringify(answer) };
  } catch {
    // The services could not be built (Cosmos DB unreachable at start, a bad setting): still an answer.
    return { status: 503, headers, body: JSON.stringify({ status: "degraded", host: "up", cosmos: { reachable: false }, queue: { reachable: false } }) };
  }
}

registerFunction({
  kind: "http",
  name: "health",
  options: { methods: ["GET"], route: "health", authLevel: "anonymous", handler: health },
});
