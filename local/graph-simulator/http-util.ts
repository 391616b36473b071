// Request/response shapes shared by the simulator's router, $batch and the HTTP layer.
import { randomUUID } from "node:crypto";

export interface SimRequest {
  method: string;
  /** Path below /v1.0, starting with "/". */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  requestId: string;
  /** The API version the path was under (rich notifications for Outlook are beta only). */
  version?: "v1.0" | "beta";
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON value; undefined for empty bodies (202, 204). */
  body?: unknown;
  /** A non-JSON body (MIME for `$value`); wins over `body`. */
  text?: string;
}

export const JSON_CONTENT_TYPE =
  "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

export function newRequestId(): string {
  return randomUUID();
}

function graphDate(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** Graph's error shape: {"error":{"code","message","innerError":{"request-id","date"}}}. */
export function graphError(
  request: { requestId: string },
  status: number,
  code: string,
  message: string,
  options: { headers?: Record<string, string>; innerError?: Record<string, string> } = {},
): SimResponse {
  const date = graphDate(new Date());
  return {
    status,
    headers: { "content-type": JSON_CONTENT_TYPE, ...options.headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date,
          "request-id": request.requestId,
          "client-request-id": request.requestId,
          ...options.innerError,
        },
      },
    },
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { "content-type": JSON_CONTENT_TYPE, ...headers }, body };
}

export function emptyResponse(status: number): SimResponse {
  return { status, headers: {} };
}

/** Reads a `Prefer` header: `IdType="ImmutableId", odata.maxpagesize=10, outlook.body-content-type="text"`. */
export function parsePrefer(header: string | undefined): Map<string, string> {
  const preferences = new Map<string, string>();
  if (!header) return preferences;
  for (const part of header.split(",")) {
    const [rawName, ...rest] = part.split("=");
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    preferences.set(name, rest.join("=").trim().replace(/^"|"$/g, ""));
  }
  return preferences;
}
