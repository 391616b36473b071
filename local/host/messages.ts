// Queue message text as the Functions host writes and reads it with the default
// `messageEncoding: base64`: objects as JSON, strings as they are, bytes as bytes, then base64.

/** One queue output value → the message texts to send (an array means one message per element). */
export function encodeQueueOutput(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item) => item !== undefined && item !== null).map(encodeQueueMessage);
}

export function encodeQueueMessage(item: unknown): string {
  let bytes: Buffer;
  if (typeof item === "string") bytes = Buffer.from(item, "utf8");
  else if (item instanceof Uint8Array) bytes = Buffer.from(item);
  else if (item instanceof ArrayBuffer) bytes = Buffer.from(new Uint8Array(item));
  else bytes = Buffer.from(JSON.stringify(item), "utf8");
  return bytes.toString("base64");
}

/**
 * Message text → the trigger input a handler receives: base64-decoded (raw text when the text is
 * not base64), then parsed as JSON when it is JSON, else the string.
 */
export function decodeQueueMessage(messageText: string): unknown {
  return parseJsonOrString(decodeBase64OrRaw(messageText));
}

export function parseJsonOrString(text: string): unknown {
  const trimmed = text.trim();
  // Only objects and arrays: the host hands a bare "42" or "true" message over as a string too.
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

function decodeBase64OrRaw(messageText: string): string {
  const compact = messageText.trim();
  if (compact === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return messageText;
  return Buffer.from(compact, "base64").toString("utf8");
}
