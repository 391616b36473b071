import { describe, expect, it } from "vitest";
import {
  detectAutomatedEmail,
  normalizeMessageId,
  parseMessageIdList,
  parseThreadingIds,
  toEnvelope,
  truncateUtf8,
} from "../../src/domain/message.js";
import type { GraphHeader, GraphMessage } from "../../src/domain/types.js";

const options = { maxBodyBytes: 1_000_000 };

/** An Inbox message as Graph returns it with $select=…,internetMessageHeaders. */
const inboxMessage: GraphMessage = {
  id: "AAMkADNlNYjSAAA=",
  internetMessageId: "<CY4PR1301MB2033.reply@CY4PR1301MB.namprd13.prod.outlook.com>",
  conversationId: "AAQkADNlNFdXGBnqtY=",
  conversationIndex: "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ==",
  internetMessageHeaders: [
    { name: "Received", value: "from CY4PR1301MB.namprd13.prod.outlook.com" },
    { name: "MIME-Version", value: "1.0" },
    { name: "In-Reply-To", value: "<first@contoso.com>" },
    { name: "References", value: "<root@contoso.com>\r\n <first@contoso.com>" },
    { name: "Thread-Index", value: "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ==" },
    { name: "X-MS-Exchange-Organization-AuthAs", value: "Anonymous" },
  ],
  subject: "RE: Quote for 40 chairs CRM:0001001",
  from: { emailAddress: { name: "Adele Vance", address: "AdeleV@Fabrikam.com" } },
  sender: { emailAddress: { name: "Adele Vance", address: "AdeleV@Fabrikam.com" } },
  toRecipients: [
    { emailAddress: { name: "Sales", address: "sales@contoso.com" } },
    { emailAddress: { name: "Megan Bowen", address: "MeganB@contoso.com" } },
  ],
  ccRecipients: [{ emailAddress: { name: "Zoë Ångström", address: "zoe@contoso.com" } }],
  bccRecipients: [],
  receivedDateTime: "2024-03-01T10:00:05Z",
  sentDateTime: "2024-03-01T10:00:00Z",
  categories: [],
  isDraft: false,
  body: { contentType: "html", content: "<html><body>Yes, 40 chairs.</body></html>" },
};

/** A Sent Items message: no internetMessageHeaders, threading from MAPI extended properties. */
const sentMessage: GraphMessage = {
  id: "AAMkAGSentItem=",
  internetMessageId: null,
  conversationIndex: "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQAAAAAAAA==",
  singleValueExtendedProperties: [
    { id: "String 0x1042", value: "<reply@fabrikam.com>" },
    { id: "String 0x1039", value: "<root@contoso.com> <first@contoso.com> <reply@fabrikam.com>" },
    { id: "String 0x1035", value: "<sent.1@contoso.com>" },
  ],
  subject: "RE: Quote",
  from: { emailAddress: { name: "Megan Bowen", address: "meganb@contoso.com" } },
  toRecipients: [{ emailAddress: { name: "Adele Vance", address: "adelev@fabrikam.com" } }],
  ccRecipients: [],
  bccRecipients: [{ emailAddress: { name: "Archive", address: "archive@contoso.com" } }],
  receivedDateTime: "2024-03-01T11:00:00Z",
  sentDateTime: "2024-03-01T11:00:00Z",
  categories: ["Tracked to Dynamics 365"],
  isDraft: false,
  body: { contentType: "text", content: "Sent." },
};

describe("toEnvelope: Inbox message with headers", () => {
  const { envelope, warnings } = toEnvelope(inboxMessage, options);

  it.each([
    ["graphMessageId", "AAMkADNlNYjSAAA="],
    ["internetMessageId", "CY4PR1301MB2033.reply@CY4PR1301MB.namprd13.prod.outlook.com"],
    ["internetMessageIdSynthetic", false],
    ["inReplyTo", "first@contoso.com"],
    ["references", ["root@contoso.com", "first@contoso.com"]],
    ["conversationIndex", "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQ=="],
    ["subject", "RE: Quote for 40 chairs CRM:0001001"],
    ["from", { address: "adelev@fabrikam.com", name: "Adele Vance" }],
    ["toRecipients", [{ address: "sales@contoso.com", name: "Sales" }, { address: "meganb@contoso.com", name: "Megan Bowen" }]],
    ["ccRecipients", [{ address: "zoe@contoso.com", name: "Zoë Ångström" }]],
    ["bccRecipients", []],
    ["sentOn", "2024-03-01T10:00:00Z"],
    ["receivedOn", "2024-03-01T10:00:05Z"],
    ["categories", []],
    ["isDraft", false],
    ["automated", { autoReply: false, bulk: false, evidence: [] }],
    ["body", { contentType: "html", content: "<html><body>Yes, 40 chairs.</body></html>" }],
    ["bodyTruncated", false],
  ])("%s", (field, expected) => {
    expect(envelope[field as keyof typeof envelope]).toEqual(expected);
  });

  it("has no warnings", () => {
    expect(warnings).toEqual([]);
  });
});

describe("toEnvelope: Sent Items message with extended properties", () => {
  const { envelope, warnings } = toEnvelope(sentMessage, options);

  it.each([
    ["internetMessageId", "sent.1@contoso.com"],
    ["internetMessageIdSynthetic", false],
    ["inReplyTo", "reply@fabrikam.com"],
    ["references", ["root@contoso.com", "first@contoso.com", "reply@fabrikam.com"]],
    ["conversationIndex", "AQHTe7/VAniOJVgCxEmtF1z6ZY1rFQAAAAAAAA=="],
    ["from", { address: "meganb@contoso.com", name: "Megan Bowen" }],
    ["bccRecipients", [{ address: "archive@contoso.com", name: "Archive" }]],
    ["categories", ["Tracked to Dynamics 365"]],
    ["automated", { autoReply: false, bulk: false, evidence: [] }],
    ["body", { contentType: "text", content: "Sent." }],
  ])("%s", (field, expected) => {
    expect(envelope[field as keyof typeof envelope]).toEqual(expected);
  });

  it("has no warnings", () => {
    expect(warnings).toEqual([]);
  });

  it.each([["string 0x1042"], ["  String   0x1042 "], ["STRING 0X1042"]])("matches property id %j loosely", (id) => {
    const message = { ...sentMessage, singleValueExtendedProperties: [{ id, value: "<x@y>" }] };
    expect(toEnvelope(message, options).envelope.inReplyTo).toBe("x@y");
  });

  it("prefers a header to the extended property", () => {
    const message: GraphMessage = {
      ...sentMessage,
      internetMessageHeaders: [{ name: "in-reply-to", value: "<header@x>" }],
    };
    expect(toEnvelope(message, options).envelope.inReplyTo).toBe("header@x");
  });

  it("prefers the internetMessageId property to header and extended property", () => {
    const message: GraphMessage = {
      ...sentMessage,
      internetMessageId: "<prop@x>",
      internetMessageHeaders: [{ name: "Message-ID", value: "<header@x>" }],
    };
    expect(toEnvelope(message, options).envelope.internetMessageId).toBe("prop@x");
  });

  it("falls back to the Message-ID header before the extended property", () => {
    const message: GraphMessage = { ...sentMessage, internetMessageHeaders: [{ name: "MESSAGE-ID", value: " <header@x> " }] };
    expect(toEnvelope(message, options).envelope.internetMessageId).toBe("header@x");
  });
});

describe("normalizeMessageId", () => {
  it.each([
    ["<abc@contoso.com>", "abc@contoso.com"],
    ["  <abc@contoso.com>  ", "abc@contoso.com"],
    ["abc@contoso.com", "abc@contoso.com"],
    ["<abc@\r\n contoso.com>", "abc@contoso.com"], // folded inside the brackets
    ["<first@x> <second@x>", "first@x"],
    ["(comment) <abc@x>", "abc@x"],
    ["<> <abc@x>", "abc@x"],
    ["<abc@x", "abc@x"],
    ["abc@x trailing", "abc@x"],
    ["<CaseKept@X.com>", "CaseKept@X.com"],
    ["", undefined],
    ["   ", undefined],
    ["<>", undefined],
    [null, undefined],
    [42, undefined],
  ])("%j → %j", (raw, expected) => {
    expect(normalizeMessageId(raw)).toBe(expected);
  });
});

describe("parseMessageIdList", () => {
  it.each([
    ["<a@x> <b@x> <c@x>", ["a@x", "b@x", "c@x"]],
    ["<a@x>\r\n\t<b@x>", ["a@x", "b@x"]],
    ["<a@x><b@x>", ["a@x", "b@x"]],
    ["<a@x> <b@x> <a@x>", ["a@x", "b@x"]],
    ["<a@x>, <b@x>", ["a@x", "b@x"]],
    ["a@x b@x", ["a@x", "b@x"]],
    ["a@x,b@x", ["a@x", "b@x"]],
    ["<> <a@x>", ["a@x"]],
    ["", []],
    [undefined, []],
    [{}, []],
  ])("%j → %j", (raw, expected) => {
    expect(parseMessageIdList(raw)).toEqual(expected);
  });
});

describe("toEnvelope: headers", () => {
  const withHeaders = (headers: GraphHeader[]): GraphMessage => ({ ...inboxMessage, internetMessageHeaders: headers });

  it.each([
    ["In-Reply-To with two ids takes the first", [{ name: "In-Reply-To", value: "<one@x> <two@x>" }], "one@x"],
    ["lower-case header name", [{ name: "in-reply-to", value: "<one@x>" }], "one@x"],
    ["bare id", [{ name: "In-Reply-To", value: "one@x" }], "one@x"],
    ["empty first header, later one used", [{ name: "In-Reply-To", value: "" }, { name: "In-Reply-To", value: "<two@x>" }], "two@x"],
    ["no header", [], undefined],
  ] as Array<[string, GraphHeader[], string | undefined]>)("In-Reply-To: %s", (_case, headers, expected) => {
    expect(toEnvelope(withHeaders(headers), options).envelope.inReplyTo).toBe(expected);
  });

  it("warns about an In-Reply-To without an id", () => {
    const { envelope, warnings } = toEnvelope(withHeaders([{ name: "In-Reply-To", value: "<>" }]), options);
    expect(envelope.inReplyTo).toBeUndefined();
    expect(warnings).toEqual(['In-Reply-To "<>" holds no Message-ID']);
  });

  it("reads the Thread-Index header when conversationIndex is missing", () => {
    const message = { ...inboxMessage, conversationIndex: null, internetMessageHeaders: [{ name: "thread-index", value: "AQHTe7/V" }] };
    expect(toEnvelope(message, options).envelope.conversationIndex).toBe("AQHTe7/V");
  });

  it.each([
    ["headers not a list", { internetMessageHeaders: "In-Reply-To: <a@x>" }, undefined, 1],
    ["header entries of the wrong shape", { internetMessageHeaders: [null, 5, { name: 1, value: "x" }, { name: "In-Reply-To" }] }, undefined, 0],
    ["extended properties of the wrong shape", { singleValueExtendedProperties: [null, { id: 5 }, "x", { id: "String 0x1042", value: 7 }] }, "first@contoso.com", 0],
    ["extended properties not a list", { singleValueExtendedProperties: { id: "String 0x1042", value: "<p@x>" } }, "first@contoso.com", 0],
  ])("tolerates %s", (_case, overrides, inReplyTo, warningCount) => {
    const message = { ...inboxMessage, ...overrides } as unknown as GraphMessage;
    const { envelope, warnings } = toEnvelope(message, options);
    expect(envelope.internetMessageId).toBe("CY4PR1301MB2033.reply@CY4PR1301MB.namprd13.prod.outlook.com");
    expect(envelope.inReplyTo).toBe(inReplyTo);
    expect(warnings).toHaveLength(warningCount);
  });
});

describe("toEnvelope: missing Message-ID", () => {
  const noId = (overrides: Partial<GraphMessage> = {}): GraphMessage => ({
    ...inboxMessage,
    internetMessageId: undefined,
    internetMessageHeaders: [],
    ...overrides,
  });

  it("makes a synthetic id and says so", () => {
    const { envelope, warnings } = toEnvelope(noId(), options);
    expect(envelope.internetMessageId).toMatch(/^synthetic\.[0-9a-f]{32}@email-activity-tracker\.invalid$/);
    expect(envelope.internetMessageIdSynthetic).toBe(true);
    expect(warnings).toEqual([`message has no Message-ID; using synthetic id ${envelope.internetMessageId}`]);
  });

  it("is stable for the same mail, whatever the Graph id, Bcc or received time", () => {
    const first = toEnvelope(noId(), options).envelope.internetMessageId;
    const again = toEnvelope(
      noId({
        id: "other-mailbox-copy",
        receivedDateTime: "2024-03-02T00:00:00Z",
        bccRecipients: [{ emailAddress: { address: "hidden@contoso.com" } }],
      }),
      options,
    ).envelope.internetMessageId;
    expect(again).toBe(first);
  });

  it.each([
    ["sender", { from: { emailAddress: { address: "other@fabrikam.com" } } }],
    ["sent date", { sentDateTime: "2024-03-01T10:00:01Z" }],
    ["subject", { subject: "RE: Quote for 41 chairs" }],
    ["To", { toRecipients: [{ emailAddress: { address: "sales@contoso.com" } }] }],
    ["Cc", { ccRecipients: [] }],
    ["body", { body: { contentType: "html" as const, content: "<html><body>No.</body></html>" } }],
  ] as Array<[string, Partial<GraphMessage>]>)("differs when the %s differs", (_field, overrides) => {
    const base = toEnvelope(noId(), options).envelope.internetMessageId;
    expect(toEnvelope(noId(overrides), options).envelope.internetMessageId).not.toBe(base);
  });

  it.each([[""], ["   "], ["<>"]])("treats internetMessageId %j as missing", (value) => {
    expect(toEnvelope(noId({ internetMessageId: value }), options).envelope.internetMessageIdSynthetic).toBe(true);
  });
});

describe("toEnvelope: addresses", () => {
  it.each([
    ["trims and lower-cases", [{ emailAddress: { address: "  Bob@Contoso.COM " } }], [{ address: "bob@contoso.com" }], 0],
    ["keeps a non-ASCII name", [{ emailAddress: { name: " 山田 太郎 ", address: "taro@contoso.jp" } }], [{ address: "taro@contoso.jp", name: "山田 太郎" }], 0],
    ["drops an empty name", [{ emailAddress: { name: "  ", address: "a@x.com" } }], [{ address: "a@x.com" }], 0],
    ["de-duplicates case-insensitively, keeping the first", [
      { emailAddress: { name: "A", address: "a@x.com" } },
      { emailAddress: { name: "B", address: "A@X.COM" } },
    ], [{ address: "a@x.com", name: "A" }], 0],
    ["fills a missing name from a duplicate", [
      { emailAddress: { address: "a@x.com" } },
      { emailAddress: { name: "Later", address: "a@x.com" } },
    ], [{ address: "a@x.com", name: "Later" }], 0],
    ["strips angle brackets", [{ emailAddress: { address: "<a@x.com>" } }], [{ address: "a@x.com" }], 0],
    ["drops a non-address", [{ emailAddress: { name: "Sales DL", address: "Sales DL" } }], [], 1],
    ["drops an empty address", [{ emailAddress: { address: "" } }], [], 1],
    ["drops a null address", [{ emailAddress: { address: null } }], [], 1],
    ["drops an entry without emailAddress", [{}, null, "a@x.com"], [], 3],
  ] as Array<[string, unknown[], unknown[], number]>)("%s", (_case, toRecipients, expected, warningCount) => {
    const message = { ...inboxMessage, toRecipients } as GraphMessage;
    const { envelope, warnings } = toEnvelope(message, options);
    expect(envelope.toRecipients).toEqual(expected);
    expect(warnings).toHaveLength(warningCount);
    for (const warning of warnings) expect(warning).toMatch(/^toRecipients: dropped /);
  });

  it("names the dropped address in the warning", () => {
    const message = { ...inboxMessage, ccRecipients: [{ emailAddress: { address: "undisclosed-recipients:;" } }] };
    expect(toEnvelope(message, options).warnings).toEqual([
      'ccRecipients: dropped "undisclosed-recipients:;", which is not an email address (local@domain)',
    ]);
  });

  it("falls back to sender when from is missing", () => {
    const message = { ...inboxMessage, from: null, sender: { emailAddress: { address: "Delegate@x.com" } } };
    expect(toEnvelope(message, options).envelope.from).toEqual({ address: "delegate@x.com" });
  });

  it("leaves from unset when neither is present", () => {
    const { envelope, warnings } = toEnvelope({ ...inboxMessage, from: undefined, sender: undefined }, options);
    expect(envelope.from).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe("toEnvelope: body", () => {
  const withBody = (content: string, contentType: "text" | "html" = "text") => ({ ...inboxMessage, body: { contentType, content } });

  it("truncates a 10 MB body to maxBodyBytes and flags it", () => {
    const tenMegabytes = "x".repeat(10 * 1024 * 1024);
    const { envelope, warnings } = toEnvelope(withBody(tenMegabytes), { maxBodyBytes: 1_000_000 });
    expect(envelope.body?.content.length).toBe(1_000_000);
    expect(envelope.bodyTruncated).toBe(true);
    expect(warnings).toEqual(["body truncated from 10485760 to 1000000 bytes (maxBodyBytes 1000000)"]);
  });

  it("never splits a multi-byte character", () => {
    const content = "€".repeat(1000); // 3 bytes each
    const { envelope } = toEnvelope(withBody(content), { maxBodyBytes: 1000 });
    expect(envelope.body?.content).toBe("€".repeat(333));
    expect(Buffer.byteLength(envelope.body?.content ?? "", "utf8")).toBe(999);
  });

  it.each([
    ["ASCII at the limit", "abcd", 4, "abcd", false],
    ["ASCII over the limit", "abcde", 4, "abcd", true],
    ["2-byte characters", "ééé", 5, "éé", true],
    ["4-byte emoji", "😀😀", 7, "😀", true],
    ["4-byte emoji cut at 3 bytes", "😀", 3, "", true],
    ["mixed fits exactly", "a€😀", 8, "a€😀", false],
    ["zero bytes", "abc", 0, "", true],
  ])("truncateUtf8: %s", (_case, text, max, expected, truncated) => {
    expect(truncateUtf8(text, max)).toEqual({ text: expected, truncated });
  });

  it("keeps the content type", () => {
    expect(toEnvelope(withBody("<p>x</p>", "html"), options).envelope.body).toEqual({ contentType: "html", content: "<p>x</p>" });
  });

  it.each([
    ["no body", null, undefined, 0],
    ["content not text", { contentType: "text", content: 5 }, undefined, 1],
    ["unknown content type", { contentType: "rtf", content: "x" }, { contentType: "text", content: "x" }, 1],
    ["upper-case HTML", { contentType: "HTML", content: "x" }, { contentType: "html", content: "x" }, 0],
  ])("%s", (_case, body, expected, warningCount) => {
    const { envelope, warnings } = toEnvelope({ ...inboxMessage, body } as unknown as GraphMessage, options);
    expect(envelope.body).toEqual(expected);
    expect(warnings).toHaveLength(warningCount);
  });

  it.each([[Number.NaN], [-1], [undefined]])("uses the default limit for a bad maxBodyBytes %j", (maxBodyBytes) => {
    const { envelope } = toEnvelope(withBody("x".repeat(1_000_001)), { maxBodyBytes } as { maxBodyBytes: number });
    expect(envelope.body?.content.length).toBe(1_000_000);
  });
});

describe("toEnvelope: other fields", () => {
  it.each([
    ["isDraft true", { isDraft: true }, "isDraft", true],
    ["isDraft null", { isDraft: null }, "isDraft", false],
    ["isDraft garbage", { isDraft: "yes" }, "isDraft", false],
    ["categories trimmed, empty and duplicates dropped", { categories: [" Blue ", "", "Blue", 7, null] }, "categories", ["Blue"]],
    ["categories null", { categories: null }, "categories", []],
    ["subject null", { subject: null }, "subject", ""],
    ["subject with non-ASCII", { subject: "Ré: Angebot für Müller — 見積" }, "subject", "Ré: Angebot für Müller — 見積"],
    ["received date garbage", { receivedDateTime: "not a date" }, "receivedOn", undefined],
    ["sent date missing", { sentDateTime: undefined }, "sentOn", undefined],
  ])("%s", (_case, overrides, field, expected) => {
    const message = { ...inboxMessage, ...overrides } as unknown as GraphMessage;
    expect(toEnvelope(message, options).envelope[field as "isDraft"]).toEqual(expected);
  });

  it.each([
    ["null", null],
    ["a string", "message"],
    ["an empty object", {}],
    ["an array", []],
    ["garbage everywhere", {
      id: 5, internetMessageId: {}, subject: 3, from: "x", toRecipients: "a@x.com", ccRecipients: 5,
      categories: "x", body: "text", receivedDateTime: 7, conversationIndex: 9, internetMessageHeaders: {},
    }],
  ])("never throws for %s", (_case, message) => {
    const { envelope, warnings } = toEnvelope(message as unknown as GraphMessage, options);
    expect(envelope.internetMessageIdSynthetic).toBe(true);
    expect(envelope.toRecipients).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe("detectAutomatedEmail", () => {
  it.each([
    ["Auto-Submitted: auto-replied", [{ name: "Auto-Submitted", value: "auto-replied" }], true, false],
    ["Auto-Submitted: auto-generated", [{ name: "Auto-Submitted", value: "auto-generated" }], true, false],
    ["Auto-Submitted with parameters", [{ name: "auto-submitted", value: "Auto-Replied; owner-email=a@x" }], true, false],
    ["Auto-Submitted: no", [{ name: "Auto-Submitted", value: "no" }], false, false],
    ["Auto-Submitted: NO (comment)", [{ name: "AUTO-SUBMITTED", value: "NO (human)" }], false, false],
    ["X-Autoreply", [{ name: "X-Autoreply", value: "yes" }], true, false],
    ["X-Autorespond", [{ name: "x-autorespond", value: "" }], true, false],
    ["Precedence: auto_reply", [{ name: "Precedence", value: "Auto_Reply" }], true, false],
    ["Precedence: bulk", [{ name: "Precedence", value: "bulk" }], false, true],
    ["Precedence: list", [{ name: "precedence", value: "LIST" }], false, true],
    ["Precedence: junk", [{ name: "Precedence", value: " junk " }], false, true],
    ["Precedence: first-class", [{ name: "Precedence", value: "first-class" }], false, false],
    ["List-Id", [{ name: "List-Id", value: "<news.contoso.com>" }], false, true],
    ["List-Unsubscribe", [{ name: "List-Unsubscribe", value: "<mailto:unsub@contoso.com>" }], false, true],
    ["X-Auto-Response-Suppress is ignored", [{ name: "X-Auto-Response-Suppress", value: "All" }], false, false],
    ["ordinary headers", [{ name: "Subject", value: "Hi" }, { name: "MIME-Version", value: "1.0" }], false, false],
    ["both", [{ name: "Auto-Submitted", value: "auto-replied" }, { name: "List-Id", value: "x" }], true, true],
    ["none", [], false, false],
  ] as Array<[string, GraphHeader[], boolean, boolean]>)("%s", (_case, headers, autoReply, bulk) => {
    const result = detectAutomatedEmail(headers);
    expect(result.autoReply).toBe(autoReply);
    expect(result.bulk).toBe(bulk);
    expect(result.evidence.length > 0).toBe(autoReply || bulk);
  });

  it("lists the evidence as Header: value", () => {
    expect(
      detectAutomatedEmail([
        { name: "Auto-Submitted", value: "auto-replied" },
        { name: "Received", value: "x" },
        { name: "List-Unsubscribe", value: "<mailto:u@x>" },
      ]).evidence,
    ).toEqual(["Auto-Submitted: auto-replied", "List-Unsubscribe: <mailto:u@x>"]);
  });

  it("tolerates malformed header entries", () => {
    const headers = [null, { name: 5 }, { name: "Precedence" }, "List-Id: x"] as unknown as GraphHeader[];
    expect(detectAutomatedEmail(headers)).toEqual({ autoReply: false, bulk: false, evidence: [] });
    expect(detectAutomatedEmail(null as unknown as GraphHeader[])).toEqual({ autoReply: false, bulk: false, evidence: [] });
  });

  it("is applied to the envelope from the Inbox headers", () => {
    const message = { ...inboxMessage, internetMessageHeaders: [{ name: "Auto-Submitted", value: "auto-replied" }] };
    expect(toEnvelope(message, options).envelope.automated).toEqual({
      autoReply: true,
      bulk: false,
      evidence: ["Auto-Submitted: auto-replied"],
    });
  });
});

describe("parseThreadingIds: real-world In-Reply-To and References shapes", () => {
  const known = new Set(["ana@contoso.com", "joe@example.com"]);
  it.each<{ shape: string; raw: string; ids: string[]; ignored?: Array<{ value: string; reason: string }>; knownAddresses?: Set<string> }>([
    { shape: "one msg-id (RFC 5322)", raw: "<a@x.example>", ids: ["a@x.example"] },
    { shape: "several msg-ids (RFC 5322 §3.6.4)", raw: "<a@x.example> <b@y.example>", ids: ["a@x.example", "b@y.example"] },
    { shape: "several, folded", raw: "<a@x.example>\r\n <b@y.example>", ids: ["a@x.example", "b@y.example"] },
    { shape: "an id folded inside its brackets", raw: "<1234.5678@\r\n\tmail.example.com>", ids: ["1234.5678@mail.example.com"] },
    { shape: "an id broken by a space", raw: "<CAF=abc 123@mail.gmail.com>", ids: ["CAF=abc123@mail.gmail.com"] },
    {
      shape: "nmh replcomps: Your message of \"date.\" <id>",
      raw: 'Your message of "Mon, 03 May 2021 10:00:00 +0200."\r\n\t<123@host.example>',
      ids: ["123@host.example"],
    },
    {
      shape: "MH/exmh: Message from Name <address> of \"date.\" <id>",
      raw: 'Message from Joe User <joe@elsewhere.example> of "Mon, 03 May 2021 10:00:00 +0200." <123@host.example>',
      ids: ["123@host.example"],
      ignored: [{ value: "joe@elsewhere.example", reason: "addressContext" }],
      knownAddresses: new Set(),
    },
    {
      shape: "MH: <address>'s message of \"date\" <id>",
      raw: '<joe@elsewhere.example>\'s message of "Mon, 3 May 2021" <123@host.example>',
      ids: ["123@host.example"],
      ignored: [{ value: "joe@elsewhere.example", reason: "addressContext" }],
      knownAddresses: new Set(),
    },
    {
      shape: "the author's address, bare wording: <address> <id>",
      raw: "<ana@contoso.com> <msg-1@contoso.com>",
      ids: ["msg-1@contoso.com"],
      ignored: [{ value: "ana@contoso.com", reason: "knownAddress" }],
    },
    { shape: "the author's address in another case", raw: "<Ana@Contoso.COM> <msg-1@contoso.com>", ids: ["msg-1@contoso.com"], ignored: [{ value: "Ana@Contoso.COM", reason: "knownAddress" }] },
    { shape: "Gnus: <id> (Name's message of \"date\")", raw: '<87abc.fsf@example.org> (Joe User\'s message of "Mon, 03 May 2021 10:00:00 +0200")', ids: ["87abc.fsf@example.org"] },
    { shape: "a comment holding the address: (from Joe <address>) <id>", raw: "(from Joe <joe@elsewhere.example>) <id@x.example>", ids: ["id@x.example"], knownAddresses: new Set() },
    { shape: "a quoted phrase holding brackets", raw: '"Joe <joe@elsewhere.example>" <id@x.example>', ids: ["id@x.example"], knownAddresses: new Set() },
    { shape: "the id only inside a comment", raw: "(message <id@x.example> from Joe)", ids: ["id@x.example"] },
    { shape: "old Mutt: <id>; from address on date", raw: "<20210503100000.GA123@host.example>; from joe@example.com on Mon, May 03, 2021 at 10:00:00AM +0200", ids: ["20210503100000.GA123@host.example"] },
    { shape: "a bare id", raw: "123@host.example", ids: ["123@host.example"] },
    { shape: "bare, in words", raw: "Your message of Mon, 3 May 2021 123@host.example", ids: ["123@host.example"] },
    { shape: "bare, the author's address among them", raw: "joe@example.com 123@host.example", ids: ["123@host.example"], ignored: [{ value: "joe@example.com", reason: "knownAddress" }] },
    { shape: "the same id twice", raw: "<a@x.example> <a@x.example>", ids: ["a@x.example"] },
    { shape: "an empty entry", raw: "<> <a@x.example>", ids: ["a@x.example"] },
    { shape: "an unclosed bracket", raw: "<a@x.example", ids: ["a@x.example"] },
    { shape: "nothing but words", raw: "Your message of yesterday", ids: [] },
  ])("$shape", ({ raw, ids, ignored = [], knownAddresses = known }) => {
    expect(parseThreadingIds(raw, { knownAddresses })).toEqual({ ids, ignored });
  });

  it("toEnvelope tries every In-Reply-To id and names the address it ignored", () => {
    const message: GraphMessage = {
      ...inboxMessage,
      from: { emailAddress: { address: "ana@contoso.com" } },
      internetMessageHeaders: [{ name: "In-Reply-To", value: "<ana@contoso.com> <first@contoso.com> <second@contoso.com>" }],
    };
    const { envelope, warnings } = toEnvelope(message, options);
    expect(envelope).toMatchObject({ inReplyTo: "first@contoso.com", inReplyToIds: ["first@contoso.com", "second@contoso.com"] });
    expect(envelope.threadingIgnored).toEqual([{ header: "In-Reply-To", value: "ana@contoso.com", reason: "knownAddress" }]);
    expect(warnings).toContain("In-Reply-To: <ana@contoso.com> is an address (one of the email's own), not a Message-ID; ignored");
  });
});
