// Test-data builders with overrides, for Graph-shaped messages and CRM records.
import type { CrmRecord, GraphHeader, GraphMessage, GraphRecipient } from "../../src/domain/types.js";

let sequence = 0;

export function recipient(address: string, name?: string): GraphRecipient {
  return { emailAddress: { address, ...(name ? { name } : {}) } };
}

export interface MessageSpec {
  messageId?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  sent?: string;
  inReplyTo?: string;
  references?: string[];
  threadIndex?: string;
  headers?: GraphHeader[];
  categories?: string[];
  body?: string;
  isDraft?: boolean;
  /** Shape the message as Graph returns it from Sent Items: extended properties, no headers. */
  sentItems?: boolean;
}

/** A Graph message as the Inbox (headers) or Sent Items (extended properties) returns it. */
export function buildMessage(spec: MessageSpec = {}): GraphMessage {
  sequence += 1;
  const messageId = spec.messageId ?? `m${sequence}.${Date.now()}@mail.example.com`;
  const sent = spec.sent ?? new Date(Date.UTC(2026, 4, 1, 9, 0, sequence % 60)).toISOString();
  const headers: GraphHeader[] = [
    { name: "Message-ID", value: `<${messageId}>` },
    ...(spec.inReplyTo ? [{ name: "In-Reply-To", value: `<${spec.inReplyTo}>` }] : []),
    ...(spec.references?.length ? [{ name: "References", value: spec.references.map((r) => `<${r}>`).join(" ") }] : []),
    ...(spec.threadIndex ? [{ name: "Thread-Index", value: spec.threadIndex }] : []),
    ...(spec.headers ?? []),
  ];
  const base: GraphMessage = {
    id: `AAMk${sequence}`,
    internetMessageId: `<${messageId}>`,
    subject: spec.subject ?? "Hello",
    from: recipient(spec.from ?? "customer@example.org"),
    sender: recipient(spec.from ?? "customer@example.org"),
    toRecipients: (spec.to ?? ["ann@example.com"]).map((a) => recipient(a)),
    ccRecipients: (spec.cc ?? []).map((a) => recipient(a)),
    bccRecipients: (spec.bcc ?? []).map((a) => recipient(a)),
    sentDateTime: sent,
    receivedDateTime: sent,
    categories: spec.categories ?? [],
    isDraft: spec.isDraft ?? false,
    body: { contentType: "text", content: spec.body ?? "Hello there." },
    ...(spec.threadIndex ? { conversationIndex: spec.threadIndex } : {}),
  };
  if (!spec.sentItems) return { ...base, internetMessageHeaders: headers };
  return {
    ...base,
    singleValueExtendedProperties: [
      { id: "String 0x1035", value: `<${messageId}>` },
      ...(spec.inReplyTo ? [{ id: "String 0x1042", value: `<${spec.inReplyTo}>` }] : []),
      ...(spec.references?.length
        ? [{ id: "String 0x1039", value: spec.references.map((r) => `<${r}>`).join(" ") }]
        : []),
    ],
  };
}

export function buildRecord(overrides: Partial<CrmRecord> & Pick<CrmRecord, "type" | "id">): CrmRecord {
  return {
    name: `${overrides.type} ${overrides.id}`,
    emailAddresses: [],
    active: true,
    createdOn: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}
