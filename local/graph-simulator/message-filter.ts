// The `$filter` forms the simulator understands on message lists. Graph accepts many; the app
// uses one: `internetMessageId eq '<…>'` (find a message by its Message-ID, e.g. to track it on
// request or to see whether a draft was already sent). Quotes inside are doubled, as in OData.

export type MessageListFilter =
  | { ok: true; matches: (message: { internetMessageId: string }) => boolean }
  | { ok: false; message: string };

const INTERNET_MESSAGE_ID_EQ = /^\s*internetMessageId\s+eq\s+'((?:[^']|'')*)'\s*$/i;

export function parseMessageListFilter(filter: string | null): MessageListFilter {
  if (filter === null || filter.trim() === "") return { ok: true, matches: () => true };
  const match = INTERNET_MESSAGE_ID_EQ.exec(filter);
  if (!match) return { ok: false, message: "The query filter contains one or more invalid nodes." };
  const wanted = (match[1] ?? "").replace(/''/g, "'");
  return { ok: true, matches: (message) => message.internetMessageId === wanted };
}

/** A Message-ID a draft payload asks for (Graph lets a draft's be set), when it is well-formed. */
export function requestedInternetMessageId(value: unknown): string | undefined {
  return typeof value === "string" && /^<[^<>\s]+@[^<>\s]+>$/.test(value) ? value : undefined;
}
