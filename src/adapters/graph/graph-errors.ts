// Translates Microsoft Graph errors into GraphFailure codes. Pure: classification reads the HTTP
// status and Graph's structured error codes only, never message text.
import { GraphFailure } from "../../app/errors.js";
import type { GraphFailureCode } from "../../app/errors.js";

/**
 * What the request was doing: a 404 on an existing subscription (renew, reauthorize, delete)
 * means the subscription is gone; anywhere else it means the mailbox or message is not there.
 */
export type GraphOperation = "read" | "batch" | "delta" | "send" | "createSubscription" | "subscription";

/** The fields of an error that classification looks at. */
export interface GraphErrorFacts {
  /** HTTP status; undefined or <= 0 when no response arrived (network error). */
  status?: number;
  /** `error.code` of Graph's error body. */
  code?: string | null;
  /** `error.innerError.code`, when present. */
  innerCode?: string | null;
  /** The raw Retry-After header value. */
  retryAfter?: string | null;
}

const THROTTLE_CODES = new Set(["toomanyrequests", "mailboxconcurrency", "applicationthrottled", "activitylimitreached"]);
const CURSOR_CODES = new Set(["syncstatenotfound", "syncstateinvalid", "resyncrequired"]);
const NOT_FOUND_CODES = new Set(["erroritemnotfound", "itemnotfound", "resourcenotfound", "request_resourcenotfound", "errorinvaliduser"]);
const PERMISSION_CODES = new Set(["erroraccessdenied", "accessdenied", "authorization_requestdenied"]);
/** The app's credentials, not its permissions: a bad secret is fixed differently from a missing grant. */
const CREDENTIAL_CODES = new Set([
  "invalidauthenticationtoken",
  "unauthenticated",
  "authenticationerror",
  "credentialunavailableerror",
  "authenticationrequirederror",
]);
const TEMPORARY_CODES = new Set(["serviceunavailable", "errorserverbusy", "generalexception", "errorinternalservererror", "timeout"]);

/** Retry-After in milliseconds: delta-seconds (fractional allowed, e.g. "2.128") or an HTTP-date. */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date always names a weekday or month, so a bare number never reaches Date.parse.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

function codeIn(set: Set<string>, ...codes: Array<string | null | undefined>): boolean {
  return codes.some((code) => typeof code === "string" && set.has(code.toLowerCase()));
}

/** The failure code for an error, by status and Graph error code. */
export function classifyGraphError(facts: GraphErrorFacts, options: { operation: GraphOperation }): GraphFailureCode {
  const { status, code, innerCode } = facts;
  if (status === 429 || codeIn(THROTTLE_CODES, code, innerCode)) return "throttled";
  if (status === 410 || codeIn(CURSOR_CODES, code, innerCode)) return "cursorExpired";
  if (codeIn(PERMISSION_CODES, code, innerCode)) return "permission";
  if (status === 401 || codeIn(CREDENTIAL_CODES, code, innerCode)) return "unauthenticated";
  if (status === 403) return "permission";
  if (status === 404 || codeIn(NOT_FOUND_CODES, code, innerCode)) {
    return options.operation === "subscription" ? "subscriptionGone" : "notFound";
  }
  if (status === undefined || status <= 0 || status >= 500 || status === 408 || codeIn(TEMPORARY_CODES, code, innerCode)) {
    return "temporary";
  }
  return "invalidRequest";
}

/** Build the GraphFailure for the facts, with Retry-After when the failure is worth retrying. */
export function failureFromFacts(
  facts: GraphErrorFacts,
  options: { operation: GraphOperation; what: string; cause?: unknown; now?: Date },
): GraphFailure {
  const code = classifyGraphError(facts, options);
  const retryAfterInMs = code === "throttled" || code === "temporary" ? parseRetryAfter(facts.retryAfter, options.now) : undefined;
  const status = facts.status !== undefined && facts.status > 0 ? facts.status : undefined;
  const graphCode = facts.code ?? undefined;
  const described = [status === undefined ? "no response" : `HTTP ${status}`, graphCode].filter(Boolean).join(" ");
  return new GraphFailure(code, `${options.what} failed: ${described} (${code})`, {
    ...(status === undefined ? {} : { status }),
    ...(retryAfterInMs === undefined ? {} : { retryAfterInMs }),
    ...(graphCode === undefined ? {} : { graphCode }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

interface HeaderSource {
  get(name: string): string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  if (typeof (headers as Partial<HeaderSource>).get === "function") {
    return (headers as unknown as HeaderSource).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === "string") return value;
  }
  return undefined;
}

/** Graph's `{"error":{"code","innerError":{"code"}}}` body, given as an object or a JSON string. */
export function errorCodesOfBody(body: unknown): { code?: string; innerCode?: string } {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (!isRecord(parsed)) return {};
  // The SDK stores `JSON.stringify(body.error)`, so the error object may be the top level.
  const error = isRecord(parsed.error) ? parsed.error : parsed;
  const inner = isRecord(error.innerError) ? error.innerError : isRecord(error.innererror) ? error.innererror : undefined;
  return {
    ...(typeof error.code === "string" ? { code: error.code } : {}),
    ...(inner && typeof inner.code === "string" ? { innerCode: inner.code } : {}),
  };
}

/** Facts from a thrown SDK GraphError (statusCode, code, body, headers) or any other error. */
export function factsOfThrown(error: unknown): GraphErrorFacts {
  if (!isRecord(error)) return {};
  const status = typeof error.statusCode === "number" ? error.statusCode : undefined;
  const fromBody = errorCodesOfBody(error.body);
  const code = typeof error.code === "string" ? error.code : fromBody.code;
  const retryAfter = headerOf(error.headers, "retry-after");
  return {
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    ...(fromBody.innerCode === undefined ? {} : { innerCode: fromBody.innerCode }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
}

/** Facts from one `$batch` response item: `{ id, status, headers, body }`. */
export function factsOfBatchItem(item: { status: number; headers?: unknown; body?: unknown }): GraphErrorFacts {
  const { code, innerCode } = errorCodesOfBody(item.body);
  const retryAfter = headerOf(item.headers, "retry-after");
  return {
    status: item.status,
    ...(code === undefined ? {} : { code }),
    ...(innerCode === undefined ? {} : { innerCode }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
}

/** Translate anything thrown by the Graph SDK (or the network under it) into a GraphFailure. */
export function toGraphFailure(error: unknown, options: { operation: GraphOperation; what: string; now?: Date }): GraphFailure {
  if (error instanceof GraphFailure) return error;
  return failureFromFacts(factsOfThrown(error), { ...options, cause: error });
}
