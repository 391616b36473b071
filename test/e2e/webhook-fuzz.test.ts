// The hostile-request table (test/support/webhook-fuzz-cases.ts) through the real local host over
// HTTP, on Cosmos DB, Azurite and the Graph simulator: each case gets its status (never a 5xx),
// costs no more Cosmos requests than the table allows, the host keeps serving, and nothing is
// queued (no processNotification runs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, type FuzzContext } from "../support/webhook-fuzz-cases.js";
import { clientStateOf, inboxSubscription, startE2eStack, type E2eStack } from "./e2e-support.js";

const MAILBOX = "fuzzed@contoso.example.com";
const cases = fuzzCases();
let e2e: E2eStack;
let context: FuzzContext;

beforeAll(async () => {
  e2e = await startE2eStack({ mailboxes: [MAILBOX] });
  const { settings } = await e2e.stack.services();
  const inbox = await inboxSubscription(e2e.stack, MAILBOX);
  context = {
    subscriptionId: inbox.id,
    clientState: clientStateOf(e2e.stack, inbox.id),
    tenantId: e2e.stack.graph.tenantId,
    userId: e2e.stack.graph.getMailbox(MAILBOX)?.id ?? "",
    maxBodyBytes: settings.notifications.maxBodyBytes,
  };
});

afterAll(async () => {
  await e2e?.stack.close();
});

describe("webhook fuzz over HTTP", () => {
  it.each(cases)("$name → $status", async (fuzz) => {
    const { stack } = e2e;
    const services = await stack.services();
    const processedBefore = stack.host.stats().invocations.processNotification ?? 0;
    const cosmosBefore = services.cosmosRequestCount();

    const response = await fetch(`${stack.host.baseUrl}/api/${fuzz.endpoint}`, {
      method: "POST",
      headers: fuzz.contentType ? { "content-type": fuzz.contentType } : {},
      body: fuzz.body(context),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(fuzz.status);
    expect(services.cosmosRequestCount() - cosmosBefore).toBe(fuzz.reads);

    // Still serving: Graph's validation handshake answers at once.
    const handshake = await fetch(`${stack.host.baseUrl}/api/${fuzz.endpoint}?validationToken=still%20here`, { method: "POST" });
    expect([handshake.status, await handshake.text()]).toEqual([200, "still here"]);
    await stack.settle();
    expect(stack.host.stats().invocations.processNotification ?? 0).toBe(processedBefore);
  });
});
