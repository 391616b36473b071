// How an admin API route is declared: method, path, who may call it, the zod schemas its input and
// output follow, and the handler. The router validates with these schemas and the OpenAPI document
// is generated from the same ones (openapi.ts); there is no second description of any route.
import type { z } from "zod";
import type { Caller } from "./auth.js";
import type { ApiServices } from "./services.js";
import type { AppRole } from "./roles.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route. A caller with any of `roles` may. With `mailboxOwner`, a caller without
 * them may too when they own the mailbox the route acts on (its `ownerObjectId` is their oid);
 * the router checks that before the handler runs.
 */
export interface Access {
  roles: readonly AppRole[];
  mailboxOwner?: boolean;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The raw body of a route with a textBody (e.g. CSV); undefined otherwise. */
  text: string | undefined;
  caller: Caller;
  /** Request headers by lower-case name. */
  header(name: string): string | undefined;
}

export interface ApiResult {
  status: number;
  /** JSON, unless `text` is given. */
  body?: unknown;
  text?: { contentType: string; content: string };
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  body?: z.ZodType;
  /** Response headers the client can rely on, e.g. ETag. */
  headers?: Record<string, string>;
}

/** A plain-text request body (e.g. CSV import) instead of JSON. */
export interface TextBodySpec {
  mediaTypes: readonly string[];
  description: string;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  /** Unique, camelCase: the OpenAPI operationId. */
  operationId: string;
  method: HttpMethod;
  /** Below /api, with {name} parameters: "/admin/mailboxes/{address}". */
  path: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  /** A JSON body; absent: the route takes none. */
  body?: B;
  textBody?: TextBodySpec;
  /** Default: the API's limit (API_MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Request headers this route reads, for the document: { "If-Match": "…" }. */
  requestHeaders?: Record<string, { description: string; required: boolean }>;
  responses: Record<number, ResponseSpec>;
  /**
   * With access.mailboxOwner: the address of the mailbox the request acts on (it may read the
   * store: it runs after authentication). It runs before the body is read, so it takes the mailbox
   * from the path or query (`body` is undefined). Undefined: there is none, and only the roles grant access.
   */
  mailboxOf?(input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>, services: ApiServices): Promise<string | undefined>;
  handle(input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>, services: ApiServices): Promise<ApiResult>;
}

/** A route with its types erased, as the router and the document generator see it. */
export interface ApiRoute {
  operationId: string;
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  textBody?: TextBodySpec;
  maxBodyBytes?: number;
  requestHeaders?: Record<string, { description: string; required: boolean }>;
  responses: Record<number, ResponseSpec>;
  mailboxOf?(input: RouteInput<unknown, unknown, unknown>, services: ApiServices): Promise<string | undefined>;
  handle(input: RouteInput<unknown, unknown, unknown>, services: ApiServices): Promise<ApiResult>;
}

/** Declares a route; the handler's input is typed from the schemas. */
export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType = z.ZodNever>(
  tag: string,
  spec: RouteSpec<P, Q, B>,
): ApiRoute {
  return { ...(spec as unknown as Omit<ApiRoute, "tag">), tag };
}
