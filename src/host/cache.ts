// A small read-through cache for values that change rarely.

/**
 * Remembers found values for a while: the webhook checks the subscription of every notification,
 * and subscriptions change rarely. Misses are not remembered, so a subscription created a moment
 * ago is found at once; a deleted one may be accepted for up to `ttlInMs`, and the tracker then
 * finds its mailbox disabled.
 */
export function cachedFor<T>(ttlInMs: number, load: (key: string) => Promise<T | undefined>, clock: () => Date) {
  const MAX_ENTRIES = 10_000;
  const cache = new Map<string, { value: T; expires: number }>();
  return async (key: string): Promise<T | undefined> => {
    const now = clock().getTime();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = await load(key);
    if (value === undefined) {
      cache.delete(key);
      return undefined;
    }
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(key, { value, expires: now + ttlInMs });
    return value;
  };
}
