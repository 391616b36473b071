import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import type { Client } from "@microsoft/microsoft-graph-client";
import {
  connectTestClient,
  startGraphSimulator,
  startNotificationReceiver,
} from "../../local/graph-simulator/index.js";
import type { GraphSimulator, NotificationReceiver } from "../../local/graph-simulator/index.js";

interface DeltaPage {
  value: Record<string, unknown>[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

let sim: GraphSimulator;
let client: Client;

beforeAll(async () => {
  sim = await startGraphSimulator({ notificationRetryBaseMs: 5, notificationDelayMs: 10 });
  client = connectTestClient(sim);
});

afterAll(async () => {
  await sim.close();
});

/** Follows nextLinks to the deltaLink, collecting every item. */
async function syncAll(firstUrl: string, prefer: string): Promise<{ items: Record<string, unknown>[]; pages: DeltaPage[]; deltaLink: string }> {
  const pages: DeltaPage[] = [];
  let url = firstUrl;
  for (;;) {
    const page = (await client.api(url).header("Prefer", prefer).get()) as DeltaPage;
    pages.push(page);
    if (page["@odata.nextLink"]) url = page["@odata.nextLink"];
    else return { items: pages.flatMap((p) => p.value), pages, deltaLink: page["@odata.deltaLink"] ?? "" };
  }
}

describe("delta query", () => {
  it("pages by odata.maxpagesize with absolute https links, then returns only changes", async () => {
    const mailbox = sim.addMailbox({ address: "delta1@contoso.test" });
    const ids = ["a", "b", "c", "d", "e"].map(
      (subject) => sim.deliverExternal({ to: ["delta1@contoso.test"], from: { address: "x@fabrikam.test" }, subject }).deliveries[0]?.messageId ?? "",
    );
    const prefer = 'odata.maxpagesize=2, IdType="ImmutableId"';
    const first = await syncAll(`/users/${mailbox}/mailFolders/inbox/messages/delta?$select=subject,internetMessageId`, prefer);

    expect(first.pages.map((page) => page.value.length)).toEqual([2, 2, 1]);
    expect(first.pages[0]?.["@odata.nextLink"]).toMatch(new RegExp(`^${sim.baseUrl}v1\\.0/.*\\$skiptoken=`));
    expect(first.deltaLink).toMatch(new RegExp(`^${sim.baseUrl}v1\\.0/.*\\$deltatoken=`));
    expect(first.items.map((item) => item.id)).toEqual(ids);
    expect(Object.keys(first.items[0] ?? {}).sort()).toEqual(["@odata.etag", "@odata.type", "id", "internetMessageId", "subject"]);

    const quiet = await syncAll(first.deltaLink, prefer);
    expect(quiet.items).toEqual([]);

    const added = sim.deliverExternal({ to: ["delta1@contoso.test"], from: { address: "x@fabrikam.test" }, subject: "f" }).deliveries[0]?.messageId ?? "";
    sim.updateMessage(mailbox, ids[0] ?? "", { categories: ["Tracked"] });
    sim.moveMessage(mailbox, ids[1] ?? "", "archive");
    sim.deleteMessage(mailbox, ids[2] ?? "");
    const changes = await syncAll(quiet.deltaLink, prefer);

    const removed = changes.items.filter((item) => "@removed" in item);
    const upserts = changes.items.filter((item) => !("@removed" in item));
    expect(upserts.map((item) => item.id).sort()).toEqual([ids[0], added].sort());
    expect(removed).toEqual([
      { "@odata.type": "#microsoft.graph.message", id: ids[1], "@removed": { reason: "deleted" } },
      { "@odata.type": "#microsoft.graph.message", id: ids[2], "@removed": { reason: "deleted" } },
    ]);
  });

  it("reports a moved-out message by the REST id it had in the folder when ids are not immutable", async () => {
    const mailbox = sim.addMailbox({ address: "delta2@contoso.test" });
    const delivered = sim.deliverExternal({ to: ["delta2@contoso.test"], from: { address: "x@fabrikam.test" }, subject: "move" }).deliveries[0];
    const first = await syncAll(`/users/${mailbox}/mailFolders/inbox/messages/delta`, "odata.maxpagesize=10");
    expect(first.items.map((item) => item.id)).toEqual([delivered?.restId]);
    sim.moveMessage(mailbox, delivered?.messageId ?? "", "deleteditems");
    const next = await syncAll(first.deltaLink, "odata.maxpagesize=10");
    expect(next.items).toEqual([{ "@odata.type": "#microsoft.graph.message", id: delivered?.restId, "@removed": { reason: "deleted" } }]);
  });

  it("filters the first round by receivedDateTime", async () => {
    const mailbox = sim.addMailbox({ address: "delta3@contoso.test" });
    for (const [subject, receivedDateTime] of [
      ["old", "2024-01-01T00:00:00Z"],
      ["edge", "2024-06-01T00:00:00Z"],
      ["new", "2024-09-01T00:00:00Z"],
    ] as const) {
      sim.deliverExternal({ to: ["delta3@contoso.test"], from: { address: "x@fabrikam.test" }, subject, receivedDateTime });
    }
    const result = await syncAll(
      `/users/${mailbox}/mailFolders/inbox/messages/delta?$select=subject&$filter=receivedDateTime ge 2024-06-01T00:00:00Z`,
      "odata.maxpagesize=10",
    );
    expect(result.items.map((item) => item.subject)).toEqual(["edge", "new"]);
  });

  it.each([
    { name: "an unknown delta token", query: "$deltatoken=never-issued" },
    { name: "an unknown skip token", query: "$skiptoken=never-issued" },
  ])("answers 410 SyncStateNotFound for $name", async ({ query }) => {
    const mailbox = sim.addMailbox({ address: `gone-${query.length}-${Math.random()}@contoso.test` });
    await expect(client.api(`/users/${mailbox}/mailFolders/inbox/messages/delta?${query}`).get()).rejects.toMatchObject({
      statusCode: 410,
      code: "SyncStateNotFound",
    });
  });

  it("answers 410 for a valid deltaLink while the deltaGone fault lasts", async () => {
    const mailbox = sim.addMailbox({ address: "delta4@contoso.test" });
    const first = await syncAll(`/users/${mailbox}/mailFolders/inbox/messages/delta`, "odata.maxpagesize=10");
    sim.faults.deltaGone({ mailbox, count: 1 });
    await expect(client.api(first.deltaLink).get()).rejects.toMatchObject({ statusCode: 410, code: "SyncStateNotFound" });
    const after = await syncAll(first.deltaLink, "odata.maxpagesize=10");
    expect(after.items).toEqual([]);
  });
});

describe("sending", () => {
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    receiver = await startNotificationReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  it("answers sendMail with 202 and no body, saves a Sent Items copy and delivers to known recipients", async () => {
    const sender = sim.addMailbox({ address: "sales@contoso.test", displayName: "Sales" });
    const recipient = sim.addMailbox({ address: "buyer@contoso.test" });
    await client.api("/subscriptions").post({
      changeType: "created",
      notificationUrl: receiver.url,
      resource: `users/${sender}/mailFolders('sentitems')/messages`,
      expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const response = (await client.api(`/users/${sender}/sendMail`).responseType("raw" as never).post({
      message: {
        subject: "Proposal CRM:0001001",
        body: { contentType: "Text", content: "See attached" },
        toRecipients: [{ emailAddress: { address: "buyer@contoso.test" } }, { emailAddress: { address: "outside@elsewhere.test" } }],
        internetMessageHeaders: [{ name: "x-tracking-token", value: "CRM:0001001" }],
        singleValueExtendedProperties: [
          { id: "String 0x1042", value: "<earlier@contoso.test>" },
          { id: "String 0x1039", value: "<root@contoso.test> <earlier@contoso.test>" },
        ],
      },
      saveToSentItems: true,
    })) as Response;
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");

    const [sent] = sim.listMessages(sender, "sentitems");
    const [received] = sim.listMessages(recipient, "inbox");
    const sentView = (await client
      .api(`/users/${sender}/messages/${sent?.id ?? ""}`)
      .header("Prefer", 'IdType="ImmutableId"')
      .select("internetMessageId,internetMessageHeaders")
      .expand("singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039' or id eq 'String 0x1035')")
      .get()) as Record<string, unknown>;
    const receivedView = (await client
      .api(`/users/${recipient}/messages/${received?.id ?? ""}`)
      .select("internetMessageHeaders,internetMessageId")
      .get()) as { internetMessageHeaders: { name: string; value: string }[]; internetMessageId: string };

    expect(sentView).not.toHaveProperty("internetMessageHeaders");
    expect(sentView.singleValueExtendedProperties).toEqual([
      { id: "String 0x1042", value: "<earlier@contoso.test>" },
      { id: "String 0x1039", value: "<root@contoso.test> <earlier@contoso.test>" },
      { id: "String 0x1035", value: sentView.internetMessageId },
    ]);
    expect(receivedView.internetMessageId).toBe(sentView.internetMessageId);
    const headers = new Map(receivedView.internetMessageHeaders.map((header) => [header.name, header.value]));
    expect(headers.get("x-tracking-token")).toBe("CRM:0001001");
    expect(headers.get("In-Reply-To")).toBe("<earlier@contoso.test>");
    expect(headers.get("References")).toBe("<root@contoso.test> <earlier@contoso.test>");
    expect(headers.get("Message-ID")).toBe(sentView.internetMessageId);
    const mime = (await client
      .api(`/users/${sender}/messages/${sent?.id ?? ""}/$value`)
      .responseType(ResponseType.TEXT)
      .get()) as string;
    expect(mime).toContain("In-Reply-To: <earlier@contoso.test>\r\n");
    expect(mime).toContain(`Message-ID: ${String(sentView.internetMessageId)}\r\n`);
    expect(mime).toContain("x-tracking-token: CRM:0001001\r\n");
    await receiver.waitFor(() => receiver.items().length === 1);
    expect(String(receiver.items()[0]?.resource)).toMatch(new RegExp(`^Users/${sender}/Messages/`));
  });

  it.each([
    { name: "a non x- header", message: { subject: "s", toRecipients: [{ emailAddress: { address: "a@b.test" } }], internetMessageHeaders: [{ name: "In-Reply-To", value: "<x@y>" }] }, code: "InvalidInternetMessageHeader" },
    { name: "no recipients", message: { subject: "s" }, code: "ErrorInvalidRecipients" },
  ])("rejects sendMail with $name", async ({ message, code }) => {
    const sender = sim.getMailbox("sales@contoso.test")?.id ?? "";
    await expect(client.api(`/users/${sender}/sendMail`).post({ message })).rejects.toMatchObject({ statusCode: 400, code });
  });

  it("creates a draft (201) and sends it (202): same immutable id in Sent Items, threaded delivery", async () => {
    const sender = sim.addMailbox({ address: "support@contoso.test" });
    const customer = sim.addMailbox({ address: "customer@contoso.test" });
    const original = sim.deliverExternal({ to: ["support@contoso.test"], from: { address: "customer@contoso.test" }, subject: "Help" });
    const draft = (await client
      .api(`/users/${sender}/messages`)
      .header("Prefer", 'IdType="ImmutableId"')
      .post({
        subject: "RE: Help",
        body: { contentType: "HTML", content: "<p>On it</p>" },
        toRecipients: [{ emailAddress: { address: "customer@contoso.test" } }],
        singleValueExtendedProperties: [{ id: "String 0x1042", value: original.internetMessageId }],
      })) as { id: string; internetMessageId: string; conversationId: string; conversationIndex: string; isDraft: boolean };

    expect(draft.isDraft).toBe(true);
    expect(draft.internetMessageId).toMatch(/^<.+@.+>$/);
    expect(draft.conversationId).toEqual(expect.any(String));
    expect(Buffer.from(draft.conversationIndex, "base64")).toHaveLength(27);

    await client.api(`/users/${sender}/messages/${draft.id}/send`).post({});
    const sent = (await client
      .api(`/users/${sender}/mailFolders/sentitems/messages/${draft.id}`)
      .header("Prefer", 'IdType="ImmutableId"')
      .select("id,isDraft,internetMessageId")
      .get()) as { id: string; isDraft: boolean; internetMessageId: string };
    expect(sent).toMatchObject({ id: draft.id, isDraft: false, internetMessageId: draft.internetMessageId });
    expect(sim.listMessages(sender, "drafts")).toEqual([]);
    const [delivered] = sim.listMessages(customer, "inbox");
    expect(delivered?.internetMessageId).toBe(draft.internetMessageId);
    expect(delivered?.inReplyTo).toBe(original.internetMessageId);
    expect(delivered?.conversationIndex).toBe(draft.conversationIndex);
  });
});
