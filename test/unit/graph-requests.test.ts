import { describe, expect, it } from "vitest";
import { MAX_MESSAGES_PER_BATCH } from "../../src/app/ports.js";
import {
  DELTA_PROPERTIES,
  MESSAGE_PROPERTIES,
  chunk,
  draftBody,
  folderResource,
  initialDeltaUrl,
  messageBatchBody,
  messageQuery,
  messageUrl,
  preferHeader,
  subscriptionBody,
  subscriptionPath,
} from "../../src/adapters/graph/graph-requests.js";

function queryOf(url: string): URLSearchParams {
  return new URL(url, "https://graph.test/v1.0/").searchParams;
}

describe("chunk", () => {
  it.each([
    [0, []],
    [1, [1]],
    [20, [20]],
    [21, [20, 1]],
    [45, [20, 20, 5]],
    [60, [20, 20, 20]],
  ])("%i ids → batches of %j", (count, sizes) => {
    const ids = Array.from({ length: count }, (_, index) => `m${index}`);
    const chunks = chunk(ids);
    expect(chunks.map((part) => part.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(ids);
  });

  it.each([0, -1, 1.5])("rejects size %s", (size) => {
    expect(() => chunk(["a"], size)).toThrow(/chunk size must be a positive integer/);
  });
});

describe("message reads", () => {
  it("selects the tracking properties and headers for the Inbox, without $expand", () => {
    const query = queryOf(messageUrl("user@contoso.com", "AAMk=", "inbox"));
    expect(query.get("$select")?.split(",")).toEqual([...MESSAGE_PROPERTIES, "internetMessageHeaders"]);
    expect(query.has("$expand")).toBe(false);
  });

  it("expands the threading extended properties for Sent Items, without headers", () => {
    const query = queryOf(messageUrl("user@contoso.com", "AAMk=", "sentitems"));
    expect(query.get("$select")?.split(",")).toEqual([...MESSAGE_PROPERTIES]);
    expect(query.get("$expand")).toBe(
      "singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039' or id eq 'String 0x1035')",
    );
  });

  it("encodes the mailbox and message id as path segments", () => {
    expect(messageUrl("user@contoso.com", "AA/Mk+=", "inbox")).toMatch(/^\/users\/user%40contoso\.com\/messages\/AA%2FMk%2B%3D\?/);
  });

  it("asks for immutable ids in every Prefer header, with any other preferences after", () => {
    expect(preferHeader()).toBe('IdType="ImmutableId"');
    expect(preferHeader('outlook.body-content-type="text"', "odata.maxpagesize=5")).toBe(
      'IdType="ImmutableId", outlook.body-content-type="text", odata.maxpagesize=5',
    );
  });

  it("builds a $batch of relative GETs with ids by position", () => {
    const body = messageBatchBody("u@contoso.com", ["m1", "m2"], "sentitems");
    expect(body.requests).toEqual([
      { id: "0", method: "GET", url: messageUrl("u@contoso.com", "m1", "sentitems"), headers: { Prefer: 'IdType="ImmutableId", outlook.body-content-type="text"' } },
      { id: "1", method: "GET", url: messageUrl("u@contoso.com", "m2", "sentitems"), headers: { Prefer: 'IdType="ImmutableId", outlook.body-content-type="text"' } },
    ]);
    expect(messageQuery("sentitems")).toBe(messageUrl("u@contoso.com", "m1", "sentitems").split("?")[1]);
  });

  it("refuses a $batch over 20 requests", () => {
    const ids = Array.from({ length: MAX_MESSAGES_PER_BATCH + 1 }, (_, index) => `m${index}`);
    expect(() => messageBatchBody("u", ids, "inbox")).toThrow(/at most 20 requests, got 21/);
  });
});

describe("subscriptions", () => {
  it.each([
    ["inbox", "users/u@contoso.com/mailFolders('inbox')/messages"],
    ["sentitems", "users/u@contoso.com/mailFolders('sentitems')/messages"],
  ] as const)("subscribes to created messages in %s", (folder, resource) => {
    expect(folderResource("u@contoso.com", folder)).toBe(resource);
    const body = subscriptionBody({
      mailbox: "u@contoso.com",
      folder,
      notificationUrl: "https://app.test/api/notifications?code=k",
      lifecycleNotificationUrl: "https://app.test/api/lifecycle",
      clientState: "state",
      expirationDateTime: "2030-01-01T00:00:00.000Z",
    });
    expect(body).toEqual({
      changeType: "created",
      notificationUrl: "https://app.test/api/notifications?code=k",
      lifecycleNotificationUrl: "https://app.test/api/lifecycle",
      resource,
      expirationDateTime: "2030-01-01T00:00:00.000Z",
      clientState: "state",
      latestSupportedTlsVersion: "v1_2",
    });
  });

  it("addresses a subscription by its encoded id", () => {
    expect(subscriptionPath("7f105c7d-2dc5")).toBe("/subscriptions/7f105c7d-2dc5");
  });
});

describe("delta", () => {
  it("starts with a minimal $select and no filter", () => {
    const url = initialDeltaUrl("u@contoso.com", "inbox");
    expect(url.startsWith("/users/u%40contoso.com/mailFolders/inbox/messages/delta?")).toBe(true);
    const query = queryOf(url);
    expect(query.get("$select")?.split(",")).toEqual([...DELTA_PROPERTIES]);
    expect(query.has("$filter")).toBe(false);
  });

  it("bounds a fresh delta by receivedDateTime when asked", () => {
    const query = queryOf(initialDeltaUrl("u@contoso.com", "sentitems", { receivedAfter: "2024-05-01T00:00:00Z" }));
    expect(query.get("$filter")).toBe("receivedDateTime ge 2024-05-01T00:00:00Z");
  });
});

describe("draftBody", () => {
  const message = { subject: "Quote CRM:0001001", body: { contentType: "text" as const, content: "Hello" }, toRecipients: ["a@fabrikam.com"] };

  it("builds recipients and body, with no extended properties for a new message", () => {
    expect(draftBody(message)).toEqual({
      subject: "Quote CRM:0001001",
      body: { contentType: "text", content: "Hello" },
      toRecipients: [{ emailAddress: { address: "a@fabrikam.com" } }],
      ccRecipients: [],
    });
  });

  it("sets In-Reply-To and References through MAPI properties for a reply", () => {
    const draft = draftBody({ ...message, ccRecipients: ["c@fabrikam.com"], inReplyTo: "<parent@fabrikam.com>" });
    expect(draft.ccRecipients).toEqual([{ emailAddress: { address: "c@fabrikam.com" } }]);
    expect(draft.singleValueExtendedProperties).toEqual([
      { id: "String 0x1042", value: "<parent@fabrikam.com>" },
      { id: "String 0x1039", value: "<parent@fabrikam.com>" },
    ]);
  });
});
