// After the examples scenario, `npm start` walks through the admin API as an administrator would,
// over real HTTP with signed tokens: change a setting, import a CRM record from CSV, create,
// approve and Test & Enable a mailbox, send a tracked email from it, and receive the customer's
// reply, which must be linked to the sent email. Each step is checked.
import { trackingEvents, type TrackingDecisionEvent } from "../src/host/services.js";
import type { LocalStack } from "./stack.js";

export interface WalkthroughStep {
  step: string;
  ok: boolean;
  detail: string;
}

const MAILBOX = "sales.demo@example.com";
const CUSTOMER = "wanda.walker@northwind.example.net";

const bare = (id: string | undefined) => (id ?? "").replace(/^<|>$/g, "");

export async function runApiWalkthrough(stack: LocalStack, options: { log?: (line: string) => void } = {}): Promise<WalkthroughStep[]> {
  const log = options.log ?? (() => {});
  const steps: WalkthroughStep[] = [];
  const note = (step: string, ok: boolean, detail: string) => {
    steps.push({ step, ok, detail });
    log(`  ${ok ? "✓" : "✗"} ${step}: ${detail}`);
    return ok;
  };
  const token = await stack.apiToken({ roles: ["Tracking.Admin", "Tracking.Read"], user: "admin@example.com" });
  const approver = await stack.apiToken({ roles: ["Tracking.Approve"], user: "approver@example.com" });
  const call = async (method: string, path: string, options: { body?: unknown; text?: string; contentType?: string; headers?: Record<string, string>; bearer?: string } = {}) => {
    const hasBody = options.body !== undefined || options.text !== undefined;
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.bearer ?? token}`,
        ...(hasBody ? { "content-type": options.contentType ?? "application/json" } : {}),
        ...options.headers,
      },
      ...(hasBody ? { body: options.text ?? JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get("etag") ?? "", body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const decisions: TrackingDecisionEvent[] = [];
  const onDecision = (decision: TrackingDecisionEvent) => decisions.push(decision);
  trackingEvents.on("decision", onDecision);
  try {
    // 1. A setting, through the API: new mailboxes track all incoming mail.
    const settings = await call("GET", "/admin/settings/organization");
    const patched = await call("PATCH", "/admin/settings/organization", { body: { defaultIncomingEmailFilter: "all" }, headers: { "if-match": settings.etag } });
    if (!note("change a setting", patched.status === 200 && patched.body["defaultIncomingEmailFilter"] === "all", `PATCH defaultIncomingEmailFilter=all → ${patched.status}`)) return steps;

    // 2. Records, imported from CSV.
    const csv = `type,id,name,emailAddresses\ncontact,wanda,Wanda Walker,${CUSTOMER}\nsystemuser,sales-demo,Sales Demo,${MAILBOX}\n`;
    const imported = await call("POST", "/admin/records/import", { text: csv, contentType: "text/csv" });
    if (!note("import records", imported.status === 200, `POST records/import (CSV, 2 rows) → ${imported.status} ${JSON.stringify(imported.body?.["summary"] ?? imported.body?.["counts"] ?? "")}`)) return steps;

    // 3. A mailbox: created with the defaults, approved, tested and enabled.
    if (!stack.graph.getMailbox(MAILBOX)) stack.graph.addMailbox({ address: MAILBOX, displayName: "Sales Demo" });
    const created = await call("POST", "/admin/mailboxes", { body: { address: MAILBOX } });
    const approved = await call("POST", `/admin/mailboxes/${encodeURIComponent(MAILBOX)}/approve`, { bearer: approver });
    const tested = await call("POST", `/admin/mailboxes/${encodeURIComponent(MAILBOX)}/test-and-enable`);
    const enabled = tested.status === 200 && tested.body["enabled"] === true;
    if (!note("create, approve, Test & Enable a mailbox", enabled, `${MAILBOX}: create ${created.status}, approve ${approved.status}, test-and-enable ${tested.status}${enabled ? " (enabled)" : ""}`)) return steps;
    await stack.settle();

    // 4. A tracked email, sent through the API.
    const sent = await call("POST", `/admin/outgoing/${encodeURIComponent(MAILBOX)}`, {
      body: { to: [{ record: { type: "contact", id: "wanda" } }], subject: "Your Northwind quote", body: { contentType: "text", content: "Hello Wanda, the quote is attached." } },
      headers: { "idempotency-key": `walkthrough-${Date.now()}` },
    });
    const id = String(sent.body?.["id"] ?? "");
    let email = sent.body;
    for (let attempt = 0; attempt < 100 && email?.["status"] !== "sent" && email?.["status"] !== "failed"; attempt++) {
      await stack.settle();
      email = (await call("GET", `/admin/outgoing/${encodeURIComponent(MAILBOX)}/${encodeURIComponent(id)}`)).body;
    }
    if (!note("send a tracked email", email?.["status"] === "sent", `POST outgoing → ${sent.status}; "${String(email?.["subject"] ?? "")}" is ${String(email?.["status"] ?? "?")}`)) return steps;

    // 5. The customer answers from outside; the reply must be linked to the sent email.
    const reply = stack.graph.deliverExternal({
      to: [MAILBOX],
      from: { address: CUSTOMER, name: "Wanda Walker" },
      subject: `RE: ${String(email?.["subject"] ?? "")}`,
      body: "Thanks, looks good.",
      headers: [
        { name: "In-Reply-To", value: `<${bare(String(email?.["internetMessageId"] ?? ""))}>` },
        { name: "References", value: `<${bare(String(email?.["internetMessageId"] ?? ""))}>` },
      ],
    });
    await stack.settle();
    const decision = decisions.find((d) => bare(d.result.internetMessageId) === bare(reply.internetMessageId));
    const linked = decision?.result.created === true && decision.result.correlation.correlatedActivityId === email?.["activityId"];
    note(
      "receive the reply, linked",
      linked,
      decision
        ? `reply ${decision.result.reason}, correlated by ${decision.result.correlation.method} to ${decision.result.correlation.correlatedActivityId ?? "nothing"}`
        : "the reply was not processed",
    );
    return steps;
  } finally {
    trackingEvents.off("decision", onDecision);
  }
}
