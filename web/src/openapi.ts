// Reading the API's own OpenAPI document (GET /api/openapi.json): the settings page takes each
// setting's description, default and allowed values from it, so the page keeps no list of its own.
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  $ref?: string;
}

type Content = Record<string, { schema?: JsonSchema }>;

interface Parameter {
  name: string;
  in: string;
  schema?: JsonSchema;
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Content }; responses?: Record<string, { content?: Content }> }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export async function loadOpenApi(apiBase: string): Promise<OpenApiDocument> {
  const response = await fetch(`${apiBase}/openapi.json`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the API description (${apiBase}/openapi.json) answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

/** The JSON schema of an operation's 200 response body, with $refs resolved one level deep per property. */
export function responseSchema(document: OpenApiDocument, options: { path: string; method: string }): JsonSchema | undefined {
  const schema = document.paths?.[options.path]?.[options.method.toLowerCase()]?.responses?.["200"]?.content?.["application/json"]?.schema;
  const resolved = resolve(document, schema);
  if (!resolved?.properties) return resolved;
  return {
    ...resolved,
    properties: Object.fromEntries(Object.entries(resolved.properties).map(([key, value]) => [key, resolve(document, value) ?? {}])),
  };
}

function resolve(document: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref;
  if (!ref) return schema;
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  const target = name ? document.components?.schemas?.[decodeURIComponent(name)] : undefined;
  return target ? { ...target, ...(schema.description ? { description: schema.description } : {}) } : schema;
}

/** The property names an operation's JSON request body takes. */
export function requestSchemaProperties(document: OpenApiDocument, options: { path: string; method: string }): string[] {
  const schema = resolve(document, document.paths?.[options.path]?.[options.method.toLowerCase()]?.requestBody?.content?.["application/json"]?.schema);
  const object = schema?.anyOf?.map((s) => resolve(document, s)).find((s) => s?.properties) ?? schema;
  return Object.keys(object?.properties ?? {});
}

/** The values a query parameter allows (its enum), in the document's order; [] without one. */
export function queryParameterValues(document: OpenApiDocument, options: { path: string; method: string; name: string }): string[] {
  const parameter = document.paths?.[options.path]?.[options.method.toLowerCase()]?.parameters?.find((p) => p.in === "query" && p.name === options.name);
  return (parameter?.schema?.enum ?? parameter?.schema?.items?.enum ?? []).map(String);
}
