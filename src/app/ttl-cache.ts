// The one read-through TTL cache. One policy for every use: found values and misses are both
// remembered for `ttlInMs` (so a flood of made-up keys costs one load per key, not one per
// request), the size is bounded with least-recently-used eviction (so a flood cannot push the
// process out of memory, and evicts only what is not in use), concurrent loads of one key share
// one load, and a failed load is not remembered.

export interface TtlCache<T> {
  /** The cached value (or cached miss), else one load. */
  get(key: string): Promise<T | undefined>;
  /** Whether the key is cached (hit or miss) and fresh; never loads. */
  has(key: string): boolean;
  /** Forgets one key, e.g. after this process changed what it stands for. */
  delete(key: string): void;
  /** Forgets everything (loads in flight still finish and are remembered). */
  clear(): void;
  readonly size: number;
}

export interface TtlCacheOptions<T> {
  ttlInMs: number;
  maxEntries: number;
  load: (key: string) => Promise<T | undefined>;
  clock: () => Date;
}

interface Entry<T> {
  value: T | undefined;
  expires: number;
}

export function createTtlCache<T>(options: TtlCacheOptions<T>): TtlCache<T> {
  const { ttlInMs, maxEntries, load, clock } = options;
  if (!(ttlInMs >= 0)) throw new RangeError(`ttlInMs must be >= 0, got ${ttlInMs}`);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry<T>>();
  const loading = new Map<string, Promise<T | undefined>>();

  function fresh(key: string, now: number): Entry<T> | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function remember(key: string, value: T | undefined): void {
    entries.delete(key);
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
    entries.set(key, { value, expires: clock().getTime() + ttlInMs });
  }

  return {
    async get(key) {
      const hit = fresh(key, clock().getTime());
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.value;
      }
      const pending = loading.get(key);
      if (pending) return pending;
      const started = load(key).then(
        (value) => {
          loading.delete(key);
          if (ttlInMs > 0) remember(key, value);
          return value;
        },
        (error: unknown) => {
          loading.delete(key);
          throw error;
        },
      );
      loading.set(key, started);
      return started;
    },
    has: (key) => fresh(key, clock().getTime()) !== undefined,
    delete: (key) => {
      entries.delete(key);
    },
    clear: () => {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
