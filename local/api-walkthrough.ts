// After the examples scenario, `npm start` walks through the admin API as an administrator would,
// over real HTTP with signed tokens: change a setting, import a CRM record from CSV, create,
// approve and Test & Enable a mailbox, send a tracked email from it, and receive the customer's
// reply, which must be linked to the sent email. Then it files mail by hand with `npm run mail`'s
// code (Graph's own routes): a message moved into a tracked folder, and one given the tracking
// category. Each step is checked.
import { trackingEvents, type TrackingDecisionEvent } from "../src/host/services.js";
import { connectionFor } from "./connection.js";
import { categorizeMessage, moveMessage } from "./mail-graph.js";
import type { LocalStack } from "./stack.js";

export interface WalkthroughStep {
  step: string;
  ok: boolean;
  detail: string;
}

const MAILBOX = "sales.demo@example.com";
const CUSTOMER = "wanda.walker@northwind.example.net";
const FOLDER = "Customers/Northwind";
const CATEGORY = "Tracked to Dynamics 365";

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
    // Category tracking too, before the mailbox is subscribed (its subscriptions then ask for `updated`).
    const patched = await call("PATCH", "/admin/settings/organization", { body: { defaultIncomingEmailFilter: "all", trackCategorizedItems: true }, headers: { "if-match": settings.etag } });
    const changed = patched.status === 200 && patched.body["defaultIncomingEmailFilter"] === "all" && patched.body["trackCategorizedItems"] === true;
    if (!note("change a setting", changed, `PATCH defaultIncomingEmailFilter=all, trackCategorizedItems=true → ${patched.status}`)) return steps;

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
    if (!linked) return steps;

    // 6. A tracked folder: the mailbox now tracks no Inbox mail by itself, only what its user files.
    const folderId = stack.graph.listFolders(MAILBOX).find((folder) => folder.displayName === "Northwind")?.id
      ?? stack.graph.createFolder(MAILBOX, { parent: stack.graph.createFolder(MAILBOX, { parent: "inbox", displayName: "Customers" }), displayName: "Northwind" });
    const current = await call("GET", `/admin/mailboxes/${encodeURIComponent(MAILBOX)}`);
    const regarding = { type: "contact", id: "wanda" };
    const configured = await call("PATCH", `/admin/mailboxes/${encodeURIComponent(MAILBOX)}`, {
      body: { incomingEmailFilter: "none", trackedFolders: [{ folder: FOLDER, regarding }] },
      headers: { "if-match": current.etag },
    });
    await stack.settle();
    const connection = connectionFor(stack);
    const filed = stack.graph.deliverExternal({ to: [MAILBOX], from: { address: CUSTOMER, name: "Wanda Walker" }, subject: "Northwind order 1001", body: "Please file this." });
    await stack.settle();
    const beforeMove = decisions.some((d) => d.result.created && bare(d.result.internetMessageId) === bare(filed.internetMessageId));
    const moved = await moveMessage(connection, { mailbox: MAILBOX, message: "Northwind order 1001", folder: FOLDER });
    await stack.settle();
    const byFolder = decisions.find((d) => d.result.created && bare(d.result.internetMessageId) === bare(filed.internetMessageId));
    note(
      "track mail moved into a tracked folder",
      configured.status === 200 && !beforeMove && byFolder?.result.reason === "trackedFolder" && byFolder.result.regarding?.type === regarding.type && byFolder.result.regarding.id === regarding.id,
      `PATCH trackedFolders=[${FOLDER} → contact wanda], incomingEmailFilter=none → ${configured.status}; "${moved.subject}" in the Inbox: ${beforeMove ? "tracked (unexpected)" : "not tracked"}; moved into ${moved.folder.path} (${folderId}): ${byFolder ? `${byFolder.result.reason}, regarding ${byFolder.result.regarding?.type ?? "?"} ${byFolder.result.regarding?.id ?? "?"}` : "not tracked"}`,
    );

    // 7. The tracking category, given to mail after it arrived.
    const later = stack.graph.deliverExternal({ to: [MAILBOX], from: { address: CUSTOMER, name: "Wanda Walker" }, subject: "Northwind question", body: "Categorise me." });
    await stack.settle();
    const beforeCategory = decisions.some((d) => d.result.created && bare(d.result.internetMessageId) === bare(later.internetMessageId));
    const categorized = await categorizeMessage(connection, { mailbox: MAILBOX, message: "Northwind question", add: CATEGORY });
    await stack.settle();
    const byCategory = decisions.filter((d) => d.result.created && bare(d.result.internetMessageId) === bare(later.internetMessageId));
    note(
      "track mail given the tracking category later",
      !beforeCategory && byCategory.length === 1,
      `"${categorized.subject}" arrived: ${beforeCategory ? "tracked (unexpected)" : "not tracked"}; categories ${categorized.categories.join(", ")}: ${byCategory.length === 1 ? `tracked once (${byCategory[0]?.result.reason})` : `tracked ${byCategory.length} times`}`,
    );
    return steps;
  } finally {
    trackingEvents.off("decision", onDecision);
  }
}
