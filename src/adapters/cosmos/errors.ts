// Cosmos DB failures translated at the adapter boundary into the few cases a caller can act on
// (retry later, give up, fix permissions), decided by status code, never by message text.

export type StoreErrorCode = "conflict" | "notFound" | "throttled" | "temporary" | "tooLarge" | "permission";

export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;
  /** The HTTP status Cosmos DB answered, when there was one. */
  readonly statusCode: number | undefined;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown; statusCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.statusCode = options.statusCode;
  }

  /** Whether trying the same operation again later may succeed. */
  get retryable(): boolean {
    return this.code === "throttled" || this.code === "temporary";
  }
}

/** The HTTP status of a Cosmos SDK error (`code` is the status for HTTP failures). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === "number") return statusCode;
  if (typeof code === "number") return code;
  return undefined;
}

const NETWORK_ERROR_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND"]);

/**
 * The StoreError for a failure, or undefined when it is not one the store knows (a programming
 * error, a bad request): those are rethrown as they are.
 */
export function toStoreError(error: unknown, operation: string): StoreError | undefined {
  if (error instanceof StoreError) return error;
  const status = statusOf(error);
  const detail = `Cosmos DB ${operation} failed`;
  switch (status) {
    case 409:
    case 412:
      return new StoreError("conflict", `${detail}: the item already exists or changed (${status})`, { cause: error, statusCode: status });
    case 404:
      return new StoreError("notFound", `${detail}: not found (404)`, { cause: error, statusCode: status });
    case 429:
      // The SDK has already retried (9 times / 30 s by default, honouring x-ms-retry-after-ms).
      return new StoreError("throttled", `${detail}: throttled after the SDK's retries (429)`, { cause: error, statusCode: status });
    case 413:
      return new StoreError("tooLarge", `${detail}: item larger than Cosmos DB's 2 MB limit (413)`, { cause: error, statusCode: status });
    case 401:
    case 403:
      return new StoreError("permission", `${detail}: not authorised (${status}); check the key or the identity's data-plane role`, { cause: error, statusCode: status });
    case 408:
    case 410:
    case 449:
    case 500:
    case 502:
    case 503:
    case 504:
      return new StoreError("temporary", `${detail}: temporary failure (${status})`, { cause: error, statusCode: status });
    default: {
      const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
      const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
      if ((typeof code === "string" && NETWORK_ERROR_CODES.has(code)) || name === "TimeoutError") {
        return new StoreError("temporary", `${detail}: network failure (${String(code ?? name)})`, { cause: error });
      }
      return undefined;
    }
  }
}

/** Runs a store operation, translating known Cosmos DB failures into StoreError. */
export async function translateErrors<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toStoreError(error, operation) ?? error;
  }
}
