// The admin API from the page: every call carries the signed-in user's bearer token; answers
// that are not 2xx become an ApiError holding the problem details (RFC 9457) the API sends.
import type { Session } from "./auth.js";

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  /** The message for one field, matched by its last path segment (body.x, x, header.If-Match). */
  messageFor(field: string): string | undefined {
    return this.problem.errors.find((e) => e.field === field || e.field.split(".").slice(1).join(".") === field)?.message;
  }
}

export interface ApiResponse<T> {
  body: T;
  etag: string | undefined;
}

export interface RequestOptions {
  body?: unknown;
  ifMatch?: string;
  /** Default application/json; anything else answers the body as text. */
  accept?: string;
  /** Other request headers, e.g. Idempotency-Key. */
  headers?: Record<string, string>;
  /** Aborts the request (a newer load replaced it, or its page went away). */
  signal?: AbortSignal;
}

export interface Api {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
}

export function createApi(options: { apiBase: string; session: Session }): Api {
  return {
    async request<T>(method: string, path: string, requestOptions: RequestOptions = {}): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = {
        ...requestOptions.headers,
        accept: requestOptions.accept ?? "application/json",
        authorization: `Bearer ${await options.session.accessToken()}`,
      };
      if (requestOptions.body !== undefined) headers["content-type"] = "application/json";
      if (requestOptions.ifMatch !== undefined) headers["if-match"] = requestOptions.ifMatch;
      const response = await fetch(`${options.apiBase}${path}`, {
        method,
        headers,
        ...(requestOptions.body !== undefined && { body: JSON.stringify(requestOptions.body) }),
        ...(requestOptions.signal && { signal: requestOptions.signal }),
      });
      const text = await response.text();
      const parsed: unknown = text ? safeJson(text) : undefined;
      if (!response.ok) throw new ApiError(toProblem(response.status, parsed));
      const asText = requestOptions.accept !== undefined && !requestOptions.accept.includes("application/json");
      return { body: (asText ? text : parsed) as T, etag: response.headers.get("etag") ?? undefined };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toProblem(status: number, body: unknown): Problem {
  const object = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const errors = Array.isArray(object.errors)
    ? object.errors.filter((e): e is FieldError => typeof e === "object" && e !== null && typeof (e as FieldError).field === "string")
    : [];
  return {
    status,
    title: typeof object.title === "string" ? object.title : `HTTP ${status}`,
    detail: typeof object.detail === "string" ? object.detail : typeof body === "string" ? body : "",
    errors,
  };
}
