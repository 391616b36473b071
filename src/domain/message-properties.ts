// Which message properties tracking reads from Graph, and whether a message in hand (the resource
// data of a rich notification) has all of them. One list: the gateway's $select, the rich
// subscription's $select and this completeness check all use it.
import { parseConversationIndex } from "./conversation-index.js";
import type { GraphMessage } from "./types.js";

/** The message properties tracking needs (GraphMessage), for both folders. */
export const MESSAGE_PROPERTIES = [
  "id",
  "internetMessageId",
  "conversationId",
  "conversationIndex",
  "subject",
  "from",
  "sender",
  "toRecipients",
  "ccRecipients",
  "bccRecipients",
  "replyTo",
  "receivedDateTime",
  "sentDateTime",
  "parentFolderId",
  "categories",
  "isDraft",
  "hasAttachments",
  "body",
] as const;

/** Received mail (the Inbox and tracked folders) also needs its internet headers (threading, automated-mail evidence). */
export const RECEIVED_ONLY_PROPERTIES = ["internetMessageHeaders"] as const;

export type MessageProperty = (typeof MESSAGE_PROPERTIES)[number] | (typeof RECEIVED_ONLY_PROPERTIES)[number] | "singleValueExtendedProperties";

/**
 * The properties the rules need that `message` lacks (absent, not null: Graph renders a selected
 * property it has no value for as null or []). Empty: the message can be decided as it is.
 * Sent Items carry threading only in MAPI extended properties, which a rich notification cannot
 * select; a message that starts a thread (a 22-byte conversation index) has no In-Reply-To to
 * find, so only replies and forwards need them.
 */
export function missingProperties(message: GraphMessage | Record<string, unknown>, folder: string): MessageProperty[] {
  const has = (name: string) => Object.prototype.hasOwnProperty.call(message, name);
  const missing: MessageProperty[] = MESSAGE_PROPERTIES.filter((name) => !has(name));
  if (folder !== "sentitems") {
    for (const name of RECEIVED_ONLY_PROPERTIES) if (!has(name)) missing.push(name);
  } else if (!has("singleValueExtendedProperties") && !startsThread((message as GraphMessage).conversationIndex)) {
    missing.push("singleValueExtendedProperties");
  }
  return missing;
}

function startsThread(conversationIndex: unknown): boolean {
  if (typeof conversationIndex !== "string") return false;
  const parsed = parseConversationIndex(conversationIndex);
  return parsed.ok && parsed.index.childCount === 0;
}
