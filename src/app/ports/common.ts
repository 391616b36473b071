// Shapes shared by the stores: versioned values (ETag / If-Match), save results, pages.

/** A stored value with its version, for optimistic concurrency (ETag / If-Match). */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** `ifMatch` undefined: save only if nothing is stored yet. `saved: false`: someone saved first. */
export type SaveResult = { saved: true; etag: string } | { saved: false };

/** One page of a list; `continuationToken` is present when there are more. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}
