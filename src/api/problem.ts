// Errors of the admin API as application/problem+json (RFC 9457). Every problem names the field it
// is about when there is one (`errors: [{ field, message }]`), so a client can show it next to the
// input; `field` is a dotted path into the request (a body property, `query.state`, `header.If-Match`).
import type { ZodError } from "zod";
import { SettingsError } from "../domain/settings.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  428: "Precondition Required",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** A problem a handler throws; the router turns it into the response. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly errors: FieldError[];
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = "ApiProblem";
    this.status = status;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }

  toBody(): ProblemBody {
    return {
      type: "about:blank",
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(this.errors.length > 0 ? { errors: this.errors } : {}),
    };
  }
}

/** One field's problem: `invalid("trackingTokenPrefix", "must not end in a digit")`. */
export function invalid(field: string, message: string, status = 400): ApiProblem {
  return new ApiProblem(status, `${field}: ${message}`, { errors: [{ field, message }] });
}

/** Zod issues as field errors; `prefix` names the request part ("" for the body, "query", "params"). */
export function fieldErrorsOf(error: ZodError, prefix: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter((part) => part !== "");
    // Unknown keys are reported once per key, under the key's own name.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [...base, key].join("."), message: `${key} is not a known field` }));
    }
    return [{ field: base.join(".") || (prefix === "" ? "body" : prefix), message: issue.message }];
  });
}

/**
 * The domain's settings problems as field errors: "organization.trackingTokenPrefix must be …"
 * becomes { field: "trackingTokenPrefix", message: "organization.trackingTokenPrefix must be …" }.
 */
export function settingsProblem(error: SettingsError, options: { scope: string; prefix?: string }): ApiProblem {
  const errors = error.problems.map((message, index) => {
    const setting = error.settings[index] ?? "";
    const unscoped = setting.startsWith(`${options.scope}.`) ? setting.slice(options.scope.length + 1) : setting;
    return { field: [options.prefix, unscoped].filter(Boolean).join("."), message };
  });
  return new ApiProblem(400, error.message, { errors });
}
