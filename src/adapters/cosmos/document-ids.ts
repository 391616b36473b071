// Cosmos DB item ids cannot contain '/', '\', '?' or '#' and are at most 255 characters. Ids
// built from outside data (addresses, Message-IDs) are escaped reversibly with '~' (a character
// URLs leave alone), so any value round-trips.

const ESCAPED = /[~/\\?#]/g;
const ESCAPE_SEQUENCE = /~([0-9A-F]{2})/g;

export const MAX_ID_LENGTH = 255;

export function toDocumentId(value: string): string {
  if (value.length === 0) throw new RangeError("A Cosmos DB item id cannot be empty");
  const id = value.replace(ESCAPED, (char) => `~${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  if (id.length > MAX_ID_LENGTH) {
    throw new RangeError(`Cosmos DB item id longer than ${MAX_ID_LENGTH} characters (after escaping): "${id.slice(0, 40)}…"`);
  }
  return id;
}

/** Whether `value` can be an item id at all (a lookup of anything else finds nothing). */
export function canBeDocumentId(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ID_LENGTH) return false;
  try {
    // The SDK puts the id in a URL: a lone surrogate would throw there.
    encodeURIComponent(value);
  } catch {
    return false;
  }
  return value.replace(ESCAPED, "~XX").length <= MAX_ID_LENGTH;
}

export function fromDocumentId(id: string): string {
  return id.replace(ESCAPE_SEQUENCE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Cosmos DB's system properties, dropped from what the store returns. */
const SYSTEM_PROPERTIES = ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"] as const;

export function withoutSystemProperties<T extends object>(resource: T): T {
  const copy = { ...resource } as Record<string, unknown>;
  for (const name of SYSTEM_PROPERTIES) delete copy[name];
  return copy as unknown as T;
}

/** Runs `run` over the items with at most `limit` in flight, so a large batch does not open hundreds of sockets. */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
