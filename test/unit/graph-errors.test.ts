import { describe, expect, it } from "vitest";
import { GraphError } from "@microsoft/microsoft-graph-client";
import { GraphFailure } from "../../src/app/errors.js";
import {
  classifyGraphError,
  errorCodesOfBody,
  factsOfBatchItem,
  factsOfThrown,
  failureFromFacts,
  parseRetryAfter,
  toGraphFailure,
} from "../../src/adapters/graph/graph-errors.js";
import type { GraphOperation } from "../../src/adapters/graph/graph-errors.js";

// Error bodies as Graph sends them (graph-mail-notifications.md §8, §9 and Graph's error docs).
const bodies = {
  tooManyRequests: {
    error: {
      code: "TooManyRequests",
      message: "Please retry again later.",
      innerError: { code: "429", date: "2020-08-18T12:51:51", message: "Please retry after", "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", status: "429" },
    },
  },
  mailboxConcurrency: { error: { code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit.", innerError: { code: "MailboxConcurrency" } } },
  itemNotFound: { error: { code: "ErrorItemNotFound", message: "The specified object was not found in the store.", innerError: { "request-id": "r1", date: "2024-01-01T00:00:00" } } },
  resourceNotFound: { error: { code: "ResourceNotFound", message: "The object was not found.", innerError: { "request-id": "r2", date: "2024-01-01T00:00:00" } } },
  accessDenied: { error: { code: "ErrorAccessDenied", message: "Access is denied. Check credentials and try again.", innerError: { "request-id": "r3", date: "2024-01-01T00:00:00" } } },
  requestDenied: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } },
  invalidToken: { error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." } },
  syncStateNotFound: { error: { code: "SyncStateNotFound", message: "The sync state generation is not found." } },
  syncStateInvalid: { error: { code: "SyncStateInvalid", message: "The sync state is invalid." } },
  serviceUnavailable: { error: { code: "ServiceUnavailable", message: "Service Unavailable" } },
  serverBusy: { error: { code: "ErrorServerBusy", message: "The server cannot service this request right now." } },
  generalException: { error: { code: "generalException", message: "General exception while processing." } },
  invalidRequest: { error: { code: "InvalidRequest", message: "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request." } },
  malformedId: { error: { code: "ErrorInvalidIdMalformed", message: "Id is malformed." } },
  conflict: { error: { code: "Conflict", message: "A subscription with the same resource already exists." } },
} as const;

function codesOf(body: { error: { code: string; innerError?: unknown } }) {
  return errorCodesOfBody(body);
}

describe("classifyGraphError", () => {
  it.each<[string, number | undefined, { code?: string; innerCode?: string }, GraphOperation, string]>([
    ["429 TooManyRequests", 429, codesOf(bodies.tooManyRequests), "read", "throttled"],
    ["429 MailboxConcurrency (inner code)", 429, codesOf(bodies.mailboxConcurrency), "batch", "throttled"],
    ["MailboxConcurrency code without 429", 503, { code: "MailboxConcurrency" }, "read", "throttled"],
    ["503 ServiceUnavailable", 503, codesOf(bodies.serviceUnavailable), "read", "temporary"],
    ["504 gateway timeout, no body", 504, {}, "read", "temporary"],
    ["500 generalException", 500, codesOf(bodies.generalException), "delta", "temporary"],
    ["502 bad gateway", 502, { code: "BadGateway" }, "send", "temporary"],
    ["ErrorServerBusy", 503, codesOf(bodies.serverBusy), "read", "temporary"],
    ["408 request timeout", 408, {}, "read", "temporary"],
    ["network error (SDK status -1)", -1, { code: "TypeError" }, "read", "temporary"],
    ["no status at all", undefined, {}, "read", "temporary"],
    ["404 ErrorItemNotFound on a read", 404, codesOf(bodies.itemNotFound), "read", "notFound"],
    ["ErrorItemNotFound in a batch item", 404, codesOf(bodies.itemNotFound), "batch", "notFound"],
    ["404 on creating a subscription", 404, codesOf(bodies.resourceNotFound), "createSubscription", "notFound"],
    ["404 ResourceNotFound on a subscription", 404, codesOf(bodies.resourceNotFound), "subscription", "subscriptionGone"],
    ["404 without code on a subscription", 404, {}, "subscription", "subscriptionGone"],
    ["ErrorItemNotFound code with a 400", 400, codesOf(bodies.itemNotFound), "read", "notFound"],
    ["403 ErrorAccessDenied", 403, codesOf(bodies.accessDenied), "read", "permission"],
    ["403 Authorization_RequestDenied", 403, codesOf(bodies.requestDenied), "createSubscription", "permission"],
    ["401 InvalidAuthenticationToken", 401, codesOf(bodies.invalidToken), "delta", "unauthenticated"],
    ["ErrorAccessDenied with an odd status", 400, codesOf(bodies.accessDenied), "read", "permission"],
    ["credential failure (SDK status -1)", -1, { code: "AuthenticationError" }, "read", "unauthenticated"],
    ["CredentialUnavailableError", -1, { code: "CredentialUnavailableError" }, "send", "unauthenticated"],
    ["410 SyncStateNotFound", 410, codesOf(bodies.syncStateNotFound), "delta", "cursorExpired"],
    ["410 without code", 410, {}, "delta", "cursorExpired"],
    ["400 SyncStateInvalid", 400, codesOf(bodies.syncStateInvalid), "delta", "cursorExpired"],
    ["400 InvalidRequest (validation failed)", 400, codesOf(bodies.invalidRequest), "createSubscription", "invalidRequest"],
    ["400 ErrorInvalidIdMalformed", 400, codesOf(bodies.malformedId), "read", "invalidRequest"],
    ["409 Conflict", 409, codesOf(bodies.conflict), "createSubscription", "invalidRequest"],
    ["413 too large", 413, {}, "send", "invalidRequest"],
  ])("%s → %s", (_name, status, codes, operation, expected) => {
    expect(classifyGraphError({ ...(status === undefined ? {} : { status }), ...codes }, { operation })).toBe(expected);
  });

  it("never reads the message text", () => {
    const facts = { status: 400, code: "BadRequest" };
    expect(classifyGraphError(facts, { operation: "read" })).toBe("invalidRequest");
    // Same structured facts, a message that says "throttled": still invalidRequest.
    const failure = failureFromFacts(facts, { operation: "read", what: "throttled item not found access denied" });
    expect(failure.code).toBe("invalidRequest");
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2024-05-01T10:00:00Z");
  it.each<[string | null | undefined, number | undefined]>([
    ["2", 2000],
    ["2.128", 2128],
    ["0.05", 50],
    ["0", 0],
    [" 3 ", 3000],
    ["Wed, 01 May 2024 10:00:05 GMT", 5000],
    ["Wed, 01 May 2024 09:59:00 GMT", 0],
    ["soon", undefined],
    ["-1", undefined],
    ["1e3", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%j → %j ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("failureFromFacts", () => {
  it("keeps status, Graph code and Retry-After for a throttled failure", () => {
    const failure = failureFromFacts({ status: 429, code: "TooManyRequests", retryAfter: "2.128" }, { operation: "read", what: "read m1" });
    expect(failure).toBeInstanceOf(GraphFailure);
    expect(failure).toMatchObject({ code: "throttled", status: 429, graphCode: "TooManyRequests", retryAfterInMs: 2128, transient: true });
  });

  it("drops Retry-After for a failure that is not retried", () => {
    const failure = failureFromFacts({ status: 404, code: "ErrorItemNotFound", retryAfter: "5" }, { operation: "read", what: "read m1" });
    expect(failure.retryAfterInMs).toBeUndefined();
    expect(failure.transient).toBe(false);
  });

  it("leaves out a status when no response arrived", () => {
    const failure = failureFromFacts({ status: -1, code: "TypeError" }, { operation: "read", what: "read m1" });
    expect(failure.status).toBeUndefined();
    expect(failure.code).toBe("temporary");
  });
});

describe("facts from SDK errors and batch items", () => {
  it("reads an SDK GraphError built from a response (code, inner code, Retry-After header)", () => {
    const error = new GraphError(429, "Please retry again later.");
    error.code = "TooManyRequests";
    error.body = JSON.stringify(bodies.mailboxConcurrency.error);
    error.headers = new Headers({ "Retry-After": "0.05" });
    expect(factsOfThrown(error)).toEqual({ status: 429, code: "TooManyRequests", innerCode: "MailboxConcurrency", retryAfter: "0.05" });
    expect(toGraphFailure(error, { operation: "read", what: "read m1" })).toMatchObject({ code: "throttled", retryAfterInMs: 50 });
  });

  it("treats a network failure (SDK status -1, no headers) as temporary", () => {
    const error = new GraphError(-1, "fetch failed");
    error.code = "TypeError";
    expect(toGraphFailure(error, { operation: "delta", what: "delta" }).code).toBe("temporary");
  });

  it("treats a plain Error as temporary and keeps it as the cause", () => {
    const cause = new Error("socket hang up");
    const failure = toGraphFailure(cause, { operation: "read", what: "read m1" });
    expect(failure.code).toBe("temporary");
    expect(failure.cause).toBe(cause);
  });

  it("returns a GraphFailure unchanged", () => {
    const failure = new GraphFailure("notFound", "gone");
    expect(toGraphFailure(failure, { operation: "read", what: "x" })).toBe(failure);
  });

  it.each<[string, { status: number; headers?: unknown; body?: unknown }, Record<string, unknown>]>([
    ["429 with lower-case retry-after", { status: 429, headers: { "retry-after": "2" }, body: bodies.tooManyRequests }, { status: 429, code: "TooManyRequests", innerCode: "429", retryAfter: "2" }],
    ["429 with Retry-After", { status: 429, headers: { "Retry-After": "1.5" }, body: bodies.tooManyRequests }, { status: 429, code: "TooManyRequests", innerCode: "429", retryAfter: "1.5" }],
    ["404 item", { status: 404, headers: {}, body: bodies.itemNotFound }, { status: 404, code: "ErrorItemNotFound" }],
    ["body as a JSON string", { status: 403, body: JSON.stringify(bodies.accessDenied) }, { status: 403, code: "ErrorAccessDenied" }],
    ["body not JSON", { status: 500, body: "oops" }, { status: 500 }],
    ["no headers, no body", { status: 503 }, { status: 503 }],
  ])("batch item: %s", (_name, item, expected) => {
    expect(factsOfBatchItem(item)).toEqual(expected);
  });
});
