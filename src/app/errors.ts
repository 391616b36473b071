// Failures the use cases act on. Adapters translate their SDK's errors into these codes at the
// boundary, so retry and recovery decisions never depend on message strings.

export type { GraphFailureCode } from "../domain/error-policy.js";
import type { GraphFailureCode } from "../domain/error-policy.js";

export class GraphFailure extends Error {
  readonly code: GraphFailureCode;
  readonly status?: number;
  readonly retryAfterInMs?: number;
  readonly graphCode?: string;

  constructor(
    code: GraphFailureCode,
    message: string,
    options: { status?: number; retryAfterInMs?: number; graphCode?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GraphFailure";
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterInMs !== undefined) this.retryAfterInMs = options.retryAfterInMs;
    if (options.graphCode !== undefined) this.graphCode = options.graphCode;
  }

  /** Worth another try later: the same request may succeed. */
  get transient(): boolean {
    return this.code === "temporary" || this.code === "throttled";
  }
}
