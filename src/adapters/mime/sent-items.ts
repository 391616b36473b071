// Graph does not return internetMessageHeaders for Sent Items messages; the threading headers come
// back as MAPI extended properties instead. This reshapes a parsed message the same way, so the
// replay feeds the tracker what it would get from a live Sent Items folder.
import { EXTENDED_PROPERTY_IDS } from "../../domain/message.js";
import type { GraphExtendedProperty, GraphMessage } from "../../domain/types.js";

/** The MAPI properties Graph exposes for threading on Sent Items, keyed by the MIME header they mirror. */
export const SENT_ITEMS_PROPERTIES = [
  { header: "In-Reply-To", id: EXTENDED_PROPERTY_IDS.inReplyTo }, // PidTagInReplyToId
  { header: "References", id: EXTENDED_PROPERTY_IDS.references }, // PidTagInternetReferences
  { header: "Message-ID", id: EXTENDED_PROPERTY_IDS.messageId }, // PidTagInternetMessageId
] as const;

/** The same message as Graph returns it from Sent Items: no headers, threading in extended properties. */
export function toSentItemsShape(message: GraphMessage): GraphMessage {
  const headers = message.internetMessageHeaders ?? [];
  const properties: GraphExtendedProperty[] = [];
  for (const { header, id } of SENT_ITEMS_PROPERTIES) {
    const found = headers.find((h) => h.name.toLowerCase() === header.toLowerCase());
    if (found && found.value !== "") properties.push({ id, value: found.value });
  }
  const { internetMessageHeaders: _dropped, ...rest } = message;
  return { ...rest, singleValueExtendedProperties: properties };
}
