// The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas (the
// ones the router validates with), so the description cannot drift from what is enforced.
import { z } from "zod";
import type { ApiRoute } from "./route.js";
import { ALL_APP_ROLES, APP_ROLE_DESCRIPTIONS } from "./roles.js";
import { problemSchema } from "./schemas.js";

type JsonObject = Record<string, unknown>;

/** The document's info.version: raise it when a route or schema changes incompatibly. */
export const OPENAPI_VERSION = "1.0.0";

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonObject {
  const converted = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "throw" }) as JsonObject;
  delete converted["$schema"];
  return converted;
}

const problemContent = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

function problem(description: string) {
  return { description, content: problemContent };
}

function parametersOf(route: ApiRoute): JsonObject[] {
  const parameters: JsonObject[] = [];
  for (const [location, object] of [["path", route.params], ["query", route.query]] as const) {
    if (!object) continue;
    for (const [name, field] of Object.entries(object.shape)) {
      const schema = jsonSchema(field as z.ZodType, "input");
      const description = schema["description"];
      delete schema["description"];
      parameters.push({
        name,
        in: location,
        required: location === "path" || !(field as z.ZodType).safeParse(undefined).success,
        ...(typeof description === "string" ? { description } : {}),
        schema,
      });
    }
  }
  for (const [name, header] of Object.entries(route.requestHeaders ?? {})) {
    parameters.push({ name, in: "header", required: header.required, description: header.description, schema: { type: "string" } });
  }
  return parameters;
}

function requestBodyOf(route: ApiRoute): JsonObject | undefined {
  const content: JsonObject = {};
  if (route.body) content["application/json"] = { schema: jsonSchema(route.body, "input") };
  for (const mediaType of route.textBody?.mediaTypes ?? []) {
    if (mediaType !== "application/json") content[mediaType] = { schema: { type: "string", description: route.textBody?.description } };
  }
  if (Object.keys(content).length === 0) return undefined;
  return { required: route.body ? !route.body.safeParse(undefined).success : true, content };
}

function responsesOf(route: ApiRoute): JsonObject {
  const responses: JsonObject = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.headers
        ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }])) }
        : {}),
      ...(spec.body ? { content: { "application/json": { schema: jsonSchema(spec.body, "output") } } } : {}),
    };
  }
  responses["400"] ??= problem("The request is not valid; errors name the fields.");
  responses["401"] = problem("No valid bearer token (WWW-Authenticate: Bearer).");
  responses["403"] = problem(`The caller lacks the app role (${accessText(route)}).`);
  if (route.body || route.textBody) {
    responses["413"] = problem("The body is too large.");
    responses["415"] = problem("The body has the wrong content type.");
  }
  if (route.requestHeaders?.["If-Match"]) {
    responses["412"] = problem("Someone saved a newer version since you read it.");
    responses["428"] = problem("If-Match is missing.");
  }
  responses["500"] = problem("The request failed on the server.");
  return responses;
}

function accessText(route: ApiRoute): string {
  const roles = route.access.roles.join(" or ");
  return route.access.mailboxOwner ? `${roles}, or the mailbox's owner` : roles;
}

export interface OpenApiOptions {
  routes: readonly ApiRoute[];
  version: string;
}

export function buildOpenApiDocument(options: OpenApiOptions): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of options.routes) {
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      description: [route.description, `Requires: ${accessText(route)}.`].filter(Boolean).join("\n\n"),
      tags: [route.tag],
      security: [{ entraId: [] }],
      "x-app-roles": [...route.access.roles],
      ...(route.access.mailboxOwner ? { "x-mailbox-owner": true } : {}),
      parameters: parametersOf(route),
      responses: responsesOf(route),
    };
    const body = requestBodyOf(route);
    if (body) operation["requestBody"] = body;
    const path = (paths[route.path] ??= {});
    const method = route.method.toLowerCase();
    if (path[method]) throw new Error(`two routes for ${route.method} ${route.path}`);
    path[method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Email activity tracker: admin API",
      version: options.version,
      description: [
        "Administration of the email activity tracker. Every route needs an Entra ID access token for the API (Authorization: Bearer …) carrying one of the app roles it names:",
        ...ALL_APP_ROLES.map((role) => `- ${role}: ${APP_ROLE_DESCRIPTIONS[role]}`),
        "Errors are application/problem+json (RFC 9457). Lists are paged with continuationToken.",
      ].join("\n"),
    },
    servers: [{ url: "/api" }],
    tags: [...new Set(options.routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, "output") },
      securitySchemes: {
        entraId: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An Entra ID access token whose audience is the API (API_AUDIENCE)." },
      },
    },
  };
}
