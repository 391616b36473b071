import { describe, it, expect } from "vitest";
import { parseEml, splitMbox, toSentItemsShape } from "../../src/adapters/mime/index.js";
import type { GraphMessage } from "../../src/domain/types.js";

const CRLF = "\r\n";

function eml(headers: string[], body = "Hello.", eol = CRLF): Buffer {
  return Buffer.from([...headers, "", body].join(eol), "latin1");
}

const base = [
  'From: "Ana Ortiz" <ana@example.org>',
  "To: sales@example.com",
  "Subject: Quote request",
  "Date: Mon, 3 Feb 2025 10:00:00 +0000",
  "Message-ID: <q1@example.org>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
];

async function parsed(source: Buffer): Promise<GraphMessage> {
  const result = await parseEml(source);
  if (!result.ok) throw new Error(`expected a message, got: ${result.reason}`);
  return result.message;
}

// A valid Outlook Thread-Index: 0x01 + 5 bytes of time + a 16-byte GUID, then 5 bytes per reply.
function threadIndex(replies: number): string {
  const bytes = Buffer.alloc(22 + 5 * replies, 7);
  bytes[0] = 1;
  return bytes.toString("base64");
}

describe("parseEml: header mapping", () => {
  it.each([
    ["internetMessageId keeps angle brackets", base, (m: GraphMessage) => m.internetMessageId, "<q1@example.org>"],
    ["subject", base, (m: GraphMessage) => m.subject, "Quote request"],
    ["from", base, (m: GraphMessage) => m.from, { emailAddress: { name: "Ana Ortiz", address: "ana@example.org" } }],
    ["sender defaults to from", base, (m: GraphMessage) => m.sender?.emailAddress.address, "ana@example.org"],
    [
      "sender from the Sender header",
      [...base, "Sender: assistant@example.org"],
      (m: GraphMessage) => m.sender?.emailAddress.address,
      "assistant@example.org",
    ],
    [
      "name defaults to the address",
      base,
      (m: GraphMessage) => m.toRecipients,
      [{ emailAddress: { name: "sales@example.com", address: "sales@example.com" } }],
    ],
    [
      "cc and bcc",
      [...base, "Cc: Bo <bo@example.net>, cy@example.net", "Bcc: dee@example.net"],
      (m: GraphMessage) => [m.ccRecipients?.map((r) => r.emailAddress.address), m.bccRecipients?.length],
      [["bo@example.net", "cy@example.net"], 1],
    ],
    [
      "reply-to",
      [...base, "Reply-To: replies@example.org"],
      (m: GraphMessage) => m.replyTo?.map((r) => r.emailAddress.address),
      ["replies@example.org"],
    ],
    ["sentDateTime from Date", base, (m: GraphMessage) => m.sentDateTime, "2025-02-03T10:00:00.000Z"],
    ["receivedDateTime falls back to Date", base, (m: GraphMessage) => m.receivedDateTime, "2025-02-03T10:00:00.000Z"],
    [
      "receivedDateTime from the topmost Received header",
      [
        "Received: from mx.example.com by mbx.example.com; Mon, 3 Feb 2025 10:05:00 +0000",
        "Received: from relay.example.org by mx.example.com; Mon, 3 Feb 2025 10:01:00 +0000",
        ...base,
      ],
      (m: GraphMessage) => m.receivedDateTime,
      "2025-02-03T10:05:00.000Z",
    ],
    ["categories default to none", base, (m: GraphMessage) => m.categories, []],
    [
      "categories from X-Categories",
      [...base, "X-Categories: Tracked to Dynamics 365, Red"],
      (m: GraphMessage) => m.categories,
      ["Tracked to Dynamics 365", "Red"],
    ],
    ["isDraft", base, (m: GraphMessage) => m.isDraft, false],
    ["no attachments", base, (m: GraphMessage) => m.hasAttachments, false],
    ["text body", base, (m: GraphMessage) => m.body, { contentType: "text", content: "Hello." }],
    ["no Thread-Index", base, (m: GraphMessage) => m.conversationIndex, null],
    [
      "Thread-Index kept as is",
      [...base, `Thread-Index: ${threadIndex(1)}`],
      (m: GraphMessage) => m.conversationIndex,
      threadIndex(1),
    ],
    [
      "an invalid Thread-Index is kept as is (the tracker decides)",
      [...base, "Thread-Index: not base64!"],
      (m: GraphMessage) => m.conversationIndex,
      "not base64!",
    ],
    ["missing Message-ID", base.filter((h) => !h.startsWith("Message-ID")), (m: GraphMessage) => m.internetMessageId, null],
    ["invalid Date", [...base.filter((h) => !h.startsWith("Date")), "Date: someday"], (m: GraphMessage) => m.sentDateTime, null],
    ["missing Date", base.filter((h) => !h.startsWith("Date")), (m: GraphMessage) => m.receivedDateTime, null],
    ["missing From", base.filter((h) => !h.startsWith("From")), (m: GraphMessage) => [m.from, m.sender], [null, null]],
  ])("%s", async (_name, headers, pick, expected) => {
    expect(pick(await parsed(eml(headers)))).toEqual(expected);
  });

  it("lists every header line in order, names as written, values raw and unfolded", async () => {
    const message = await parsed(
      eml([...base, "Subject-Note: =?ISO-8859-1?Q?Caf=E9?=", "References: <a@example.org>", " <b@example.org>"]),
    );
    expect(message.internetMessageHeaders).toEqual([
      { name: "From", value: '"Ana Ortiz" <ana@example.org>' },
      { name: "To", value: "sales@example.com" },
      { name: "Subject", value: "Quote request" },
      { name: "Date", value: "Mon, 3 Feb 2025 10:00:00 +0000" },
      { name: "Message-ID", value: "<q1@example.org>" },
      { name: "MIME-Version", value: "1.0" },
      { name: "Content-Type", value: "text/plain; charset=utf-8" },
      { name: "Subject-Note", value: "=?ISO-8859-1?Q?Caf=E9?=" },
      { name: "References", value: "<a@example.org> <b@example.org>" },
    ]);
  });

  it.each([
    ["LF line ends", "\n"],
    ["CRLF line ends", CRLF],
  ])("reads %s", async (_name, eol) => {
    const message = await parsed(eml(base, "Hi", eol));
    expect([message.subject, message.internetMessageId, message.body?.content.trim()]).toEqual([
      "Quote request",
      "<q1@example.org>",
      "Hi",
    ]);
  });

  it("derives a stable id from the Message-ID, else from the content", async () => {
    const a = await parsed(eml(base, "one"));
    const b = await parsed(eml(base, "two"));
    const noId = base.filter((h) => !h.startsWith("Message-ID"));
    const c = await parsed(eml(noId, "one"));
    const d = await parsed(eml(noId, "two"));
    const c2 = await parsed(eml(noId, "one"));
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(d.id);
    expect(c.id).toBe(c2.id);
    expect(a.id).not.toBe(c.id);
  });

  it("returns the Date header's date for ordering", async () => {
    const result = await parseEml(eml(base));
    expect(result.ok && result.date?.toISOString()).toBe("2025-02-03T10:00:00.000Z");
    const undated = await parseEml(eml(base.filter((h) => !h.startsWith("Date"))));
    expect(undated.ok && undated.date).toBeUndefined();
  });
});

describe("parseEml: groups", () => {
  it.each([
    ["a group is flattened to its members", "To: Team: x@example.com, Y <y@example.com>;, z@example.org", ["x@example.com", "y@example.com", "z@example.org"]],
    ["an empty group gives no recipient", "To: undisclosed-recipients:;", []],
    ["two To headers are merged", "To: a@example.com\r\nTo: b@example.com", ["a@example.com", "b@example.com"]],
  ])("%s", async (_name, to, expected) => {
    const headers = [...base.filter((h) => !h.startsWith("To:")), to];
    const message = await parsed(eml(headers));
    expect(message.toRecipients?.map((r) => r.emailAddress.address)).toEqual(expected);
  });
});

describe("parseEml: encodings", () => {
  it.each([
    ["ISO-8859-1 encoded-word subject", "Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème"],
    ["windows-1252 encoded-word subject", "Subject: =?windows-1252?Q?=93Quote=94_=80100?=", "\u201cQuote\u201d €100"],
    ["ISO-2022-JP encoded-word subject", "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"],
    ["UTF-8 base64 subject", "Subject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=", "Überweisung"],
  ])("%s", async (_name, subject, expected) => {
    const headers = [...base.filter((h) => !h.startsWith("Subject")), subject];
    expect((await parsed(eml(headers))).subject).toBe(expected);
  });

  it.each([
    ["ISO-8859-1", "ISO-8859-1", Buffer.from("Gr\xfc\xdfe, Ren\xe9e", "latin1"), "Grüße, Renée"],
    ["windows-1252", "windows-1252", Buffer.from([0x93, 0x68, 0x69, 0x94, 0x20, 0x80]), "\u201chi\u201d €"],
  ])("decodes an 8-bit %s body", async (_name, charset, bytes, expected) => {
    const head = Buffer.from(
      [...base.filter((h) => !h.startsWith("Content-Type")), `Content-Type: text/plain; charset=${charset}`, "Content-Transfer-Encoding: 8bit", "", ""].join(CRLF),
      "latin1",
    );
    const message = await parsed(Buffer.concat([head, bytes]));
    expect(message.body?.content.trim()).toBe(expected);
  });

  it("uses the HTML body only when there is no text part", async () => {
    const headers = [...base.filter((h) => !h.startsWith("Content-Type")), "Content-Type: text/html; charset=utf-8"];
    expect((await parsed(eml(headers, "<p>Hi</p>"))).body).toEqual({ contentType: "html", content: "<p>Hi</p>" });
  });

  it("prefers the text part of multipart/alternative and sees attachments", async () => {
    const headers = [...base.filter((h) => !h.startsWith("Content-Type")), 'Content-Type: multipart/mixed; boundary="b1"'];
    const body = [
      "--b1",
      'Content-Type: multipart/alternative; boundary="b2"',
      "",
      "--b2",
      "Content-Type: text/plain",
      "",
      "Plain",
      "--b2",
      "Content-Type: text/html",
      "",
      "<p>Rich</p>",
      "--b2--",
      "--b1",
      "Content-Type: application/pdf",
      'Content-Disposition: attachment; filename="quote.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      "JVBERi0xLjQK",
      "--b1--",
      "",
    ].join(CRLF);
    const message = await parsed(eml(headers, body));
    expect([message.body?.contentType, message.body?.content.trim(), message.hasAttachments]).toEqual(["text", "Plain", true]);
  });
});

describe("parseEml: unreadable and broken input", () => {
  it.each([
    ["an empty file", Buffer.alloc(0), "empty file"],
    ["only whitespace", Buffer.from("\r\n \n\t\n"), "empty file"],
    ["binary garbage", Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x10, 0x00, 0x9c, 0x0a, 0x00, 0x80]), "no message headers"],
    ["text without a header section", Buffer.from("just some words\nand more\n"), "no message headers"],
  ])("%s → ok:false", async (_name, source, reason) => {
    const result = await parseEml(source, { fileName: "bad.eml" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
    expect(!result.ok && result.reason).toContain("bad.eml");
  });

  it.each([
    ["an unterminated multipart", [...base.filter((h) => !h.startsWith("Content-Type")), "Content-Type: multipart/mixed; boundary=zz"], "--zz\r\nContent-Type: text/plain\r\n\r\nunterminated"],
    ["a multipart without boundary", [...base.filter((h) => !h.startsWith("Content-Type")), "Content-Type: multipart/mixed"], "body"],
    ["an unknown charset", [...base.filter((h) => !h.startsWith("Content-Type")), "Content-Type: text/plain; charset=x-unknown-42"], "body"],
    ["a bad transfer encoding", [...base, "Content-Transfer-Encoding: base64"], "%%% not base64 %%%"],
    ["headers only", base, ""],
  ])("%s still gives a message", async (_name, headers, body) => {
    const message = await parsed(eml(headers, body));
    expect(message.internetMessageId).toBe("<q1@example.org>");
  });

  it("reads a 10 MB body", async () => {
    const big = "All work and no play makes a long quote.\r\n".repeat(Math.ceil((10 * 1024 * 1024) / 42));
    const message = await parsed(eml(base, big));
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    // mailparser normalises line ends to LF
    expect(message.body?.content).toBe(big.replace(/\r\n/g, "\n"));
  });
});

describe("toSentItemsShape", () => {
  const reply = [
    ...base,
    "In-Reply-To: <q0@example.com>",
    "References: <p0@example.com>",
    " <q0@example.com>",
  ];

  it("drops the headers and carries the threading headers as extended properties", async () => {
    const sent = toSentItemsShape(await parsed(eml(reply)));
    expect("internetMessageHeaders" in sent).toBe(false);
    expect(sent.singleValueExtendedProperties).toEqual([
      { id: "String 0x1042", value: "<q0@example.com>" },
      { id: "String 0x1039", value: "<p0@example.com> <q0@example.com>" },
      { id: "String 0x1035", value: "<q1@example.org>" },
    ]);
  });

  it.each([
    ["a first message has only the Message-ID property", base, ["String 0x1035"]],
    ["no Message-ID, no properties", base.filter((h) => !h.startsWith("Message-ID")), []],
  ])("%s", async (_name, headers, ids) => {
    const sent = toSentItemsShape(await parsed(eml(headers)));
    expect(sent.singleValueExtendedProperties?.map((p) => p.id)).toEqual(ids);
  });

  it("keeps everything else unchanged", async () => {
    const message = await parsed(eml(reply));
    const { internetMessageHeaders: _h, ...rest } = message;
    const { singleValueExtendedProperties: _p, ...sentRest } = toSentItemsShape(message);
    expect(sentRest).toEqual(rest);
  });
});

describe("splitMbox", () => {
  const msg = (n: number, eol: string) => [`Subject: m${n}`, "", `body ${n}`].join(eol);

  it.each([
    ["LF", "\n"],
    ["CRLF", CRLF],
  ])("splits on From_ lines (%s)", (_name, eol) => {
    const mbox = [
      "From ana@example.org Mon Feb  3 10:00:00 2025",
      msg(1, eol),
      "",
      "From bo@example.net Mon Feb  3 11:00:00 2025",
      msg(2, eol),
      "",
    ].join(eol);
    expect(splitMbox(Buffer.from(mbox)).map((b) => b.toString())).toEqual([msg(1, eol) + eol, msg(2, eol) + eol]);
  });

  it.each([
    [">From unescaped", ">From the archive", "From the archive"],
    [">>From loses one >", ">>From deep", ">From deep"],
    ["From inside a line untouched", "Mail From me", "Mail From me"],
    ["> From with a space untouched", "> From quoted", "> From quoted"],
  ])("%s", (_name, line, expected) => {
    const mbox = `From x@example.org Mon Feb  3 10:00:00 2025\nSubject: s\n\n${line}\n`;
    expect(splitMbox(Buffer.from(mbox)).map((b) => b.toString())).toEqual([`Subject: s\n\n${expected}\n`]);
  });

  it.each([
    ["an empty file", "", 0],
    ["a file without separators is one message", "Subject: lone\n\nbody\n", 1],
    ["blank lines before the first separator are ignored", "\n\nFrom x Mon Feb  3 10:00:00 2025\nSubject: a\n\nb\n", 1],
    ["an empty entry is dropped", "From x Mon\n\nFrom y Mon\nSubject: a\n\nb\n", 1],
  ])("%s", (_name, mbox, count) => {
    expect(splitMbox(Buffer.from(mbox))).toHaveLength(count);
  });

  it("preserves 8-bit bytes", () => {
    const bytes = Buffer.concat([Buffer.from("From x Mon\nSubject: a\n\n"), Buffer.from([0xe9, 0x80, 0x0a])]);
    const [first] = splitMbox(bytes);
    expect(first?.subarray(-3)).toEqual(Buffer.from([0xe9, 0x80, 0x0a]));
  });
});
