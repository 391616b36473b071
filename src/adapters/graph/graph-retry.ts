// Retries for throttled and temporary Graph failures: Retry-After when Graph sends one, else
// exponential backoff with full jitter. The SDK's own RetryHandler is left out of the middleware
// chain, so every attempt is counted once and this is the only place that waits.
import { GraphFailure } from "../../app/errors.js";

export const DEFAULT_MAX_RETRIES = 5;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

export interface RetryOptions {
  maxRetries: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable so backoff is testable. Default Math.random. */
  random?: () => number;
  log?: (line: string) => void;
  /** Named in log lines. */
  what: string;
}

/** Delay before retry number `retry` (1-based): full jitter over min(cap, base·2^(retry-1)). */
export function backoffDelay(retry: number, options: { random?: () => number; baseMs?: number; capMs?: number } = {}): number {
  const base = options.baseMs ?? BACKOFF_BASE_MS;
  const cap = options.capMs ?? BACKOFF_CAP_MS;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, retry - 1));
  // Never zero: a thundering herd of immediate retries is what throttling asks us to avoid.
  return Math.max(1, Math.floor((options.random ?? Math.random)() * ceiling));
}

/** How long to wait before retrying `failure`, or undefined when it is not worth retrying. */
export function retryDelayFor(failure: GraphFailure, retry: number, options: { random?: () => number } = {}): number | undefined {
  if (!failure.transient) return undefined;
  if (failure.retryAfterInMs !== undefined) return Math.min(failure.retryAfterInMs, BACKOFF_CAP_MS * 10);
  return backoffDelay(retry, options);
}

/**
 * Run `attempt` until it succeeds, fails with a non-transient GraphFailure, or has been retried
 * `maxRetries` times. `attempt` must throw GraphFailure (anything else is rethrown as is).
 */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof GraphFailure)) throw error;
      const retry = attemptNumber;
      if (retry > options.maxRetries) throw error;
      const delay = retryDelayFor(error, retry, options.random === undefined ? {} : { random: options.random });
      if (delay === undefined) throw error;
      options.log?.(`graph: ${options.what}: ${error.code} (HTTP ${error.status ?? "-"}), retry ${retry}/${options.maxRetries} in ${delay} ms`);
      await options.sleep(delay);
    }
  }
}
