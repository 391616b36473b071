// Hostile requests for both webhooks, generated from tables: malformed bodies, wrong types in
// every field, ids outside their alphabet, bad %-escapes, lone surrogates, huge and deeply nested
// bodies. Each case says the status it must get and how many store reads it may cost (0 unless
// it carries a real client state and a well-formed id that the store does not know). The same
// cases run against the pure webhook (test/unit) and the local host over HTTP (test/e2e).

export type Endpoint = "notifications" | "lifecycle";

/** What a case may use of the system under test: one real subscription and its mailbox. */
export interface FuzzContext {
  subscriptionId: string;
  clientState: string;
  tenantId: string;
  /** How resources name the mailbox user (Graph: its object id). */
  userId: string;
  maxBodyBytes: number;
}

export interface FuzzCase {
  name: string;
  endpoint: Endpoint;
  contentType: string;
  body: (context: FuzzContext) => string;
  status: number;
  /** Store reads this request may cost. */
  reads: number;
}

const JSON_TYPE = "application/json";
/** Two, so that the second webhook's case is not answered from the first one's cached miss. */
const UNKNOWN_GUID = "6b1d9a1e-0c4f-4f8e-9a51-7d0c5c3e2b10";
const OTHER_UNKNOWN_GUID = "7c2e0b2f-1d50-4a9f-8b62-8e1d6d4f3c21";
const WRONG_TYPES: Array<[string, unknown]> = [
  ["a number", 42],
  ["null", null],
  ["true", true],
  ["an array", ["x"]],
  ["an object", { a: 1 }],
];

/** Lone surrogates and other non-text survive JSON.stringify as \u escapes, as an attacker would send them. */
function body(value: unknown): string {
  return JSON.stringify(value);
}

function validChange(context: FuzzContext, overrides: Record<string, unknown>): Record<string, unknown> {
  const resource = `Users/${context.userId}/Messages/AAMkFUZZ`;
  return {
    subscriptionId: context.subscriptionId,
    clientState: context.clientState,
    tenantId: context.tenantId,
    changeType: "created",
    resource,
    resourceData: { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": resource, id: "AAMkFUZZ" },
    ...overrides,
  };
}

function validLifecycle(context: FuzzContext, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    lifecycleEvent: "missed",
    subscriptionId: context.subscriptionId,
    clientState: context.clientState,
    tenantId: context.tenantId,
    ...overrides,
  };
}

/** Request-level cases: each runs against both endpoints. */
const requestCases: Array<Omit<FuzzCase, "endpoint">> = [
  { name: "an empty body", contentType: JSON_TYPE, body: () => "", status: 400, reads: 0 },
  { name: "the JSON null", contentType: JSON_TYPE, body: () => "null", status: 400, reads: 0 },
  { name: "a JSON array", contentType: JSON_TYPE, body: () => "[]", status: 400, reads: 0 },
  { name: "an object without value", contentType: JSON_TYPE, body: () => "{}", status: 400, reads: 0 },
  { name: "value null", contentType: JSON_TYPE, body: () => '{"value":null}', status: 400, reads: 0 },
  { name: "value an object", contentType: JSON_TYPE, body: () => '{"value":{"subscriptionId":"x"}}', status: 400, reads: 0 },
  { name: "value a string", contentType: JSON_TYPE, body: () => '{"value":"x"}', status: 400, reads: 0 },
  { name: "truncated JSON", contentType: JSON_TYPE, body: () => '{"value":[{"subscriptionId":', status: 400, reads: 0 },
  { name: "a byte-order mark before the JSON", contentType: JSON_TYPE, body: () => '\ufeff{"value":[]}', status: 202, reads: 0 },
  { name: "text/plain", contentType: "text/plain", body: () => '{"value":[]}', status: 415, reads: 0 },
  { name: "no media type", contentType: "", body: () => '{"value":[]}', status: 415, reads: 0 },
  { name: "a body over the limit", contentType: JSON_TYPE, body: (c) => `{"value":[],"pad":"${"x".repeat(c.maxBodyBytes)}"}`, status: 413, reads: 0 },
  { name: "arrays nested 400,000 deep", contentType: JSON_TYPE, body: () => `{"value":[${"[".repeat(400_000)}${"]".repeat(400_000)}]}`, status: 202, reads: 0 },
  { name: "objects nested 50,000 deep in an item", contentType: JSON_TYPE, body: () => `{"value":[${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}]}`, status: 202, reads: 0 },
  {
    name: "1 MiB of forged items with made-up subscription ids",
    contentType: JSON_TYPE,
    body: (c) => forgedItems(c.maxBodyBytes),
    status: 202,
    reads: 0,
  },
  { name: "an empty value", contentType: JSON_TYPE, body: () => '{"value":[]}', status: 202, reads: 0 },
  { name: "items of every wrong type", contentType: JSON_TYPE, body: () => body({ value: [1, "x", null, true, [], [[]]] }), status: 202, reads: 0 },
  { name: "a lone surrogate as an item", contentType: JSON_TYPE, body: () => '{"value":["\\ud800"]}', status: 202, reads: 0 },
];

/** Item-level cases for change notifications, each carrying the real client state unless it is the field under test. */
function changeCases(): Array<Omit<FuzzCase, "endpoint" | "contentType" | "status">> {
  const cases: Array<Omit<FuzzCase, "endpoint" | "contentType" | "status">> = [];
  const item = (name: string, overrides: Record<string, unknown> | ((c: FuzzContext) => Record<string, unknown>), reads = 0) =>
    cases.push({ name, reads, body: (c) => body({ value: [validChange(c, typeof overrides === "function" ? overrides(c) : overrides)] }) });
  item("subscriptionId empty", { subscriptionId: "" });
  item("subscriptionId of 300 characters", { subscriptionId: "a".repeat(300) });
  item("subscriptionId a lone surrogate", { subscriptionId: "\ud800" });
  item("subscriptionId with a path", { subscriptionId: "../subscriptions" });
  item("subscriptionId missing", { subscriptionId: undefined });
  for (const [what, value] of WRONG_TYPES) item(`subscriptionId ${what}`, { subscriptionId: value });
  item("a well-formed, unknown subscriptionId", { subscriptionId: UNKNOWN_GUID }, 1);
  item("tenantId missing", { tenantId: undefined });
  item("tenantId of another tenant", { tenantId: "00000000-0000-0000-0000-000000000000" });
  for (const [what, value] of WRONG_TYPES) item(`tenantId ${what}`, { tenantId: value });
  item("clientState missing", { clientState: undefined });
  item("clientState of 100,000 characters", { clientState: "x".repeat(100_000) });
  item("clientState a lone surrogate", { clientState: "\ud800" });
  for (const [what, value] of WRONG_TYPES) item(`clientState ${what}`, { clientState: value });
  for (const [what, value] of WRONG_TYPES) item(`changeType ${what}`, { changeType: value });
  item("changeType deleted", { changeType: "deleted" });
  item("resource with a bad %-escape", (c) => ({ resource: `Users/${c.userId}/Messages/AAMk%E0%A4%A`, resourceData: undefined }));
  item("resource with a lone % ", (c) => ({ resource: `Users/${c.userId}/Messages/%`, resourceData: undefined }));
  item("resource user with a bad %-escape", { resource: "Users/%zz/Messages/AAMkFUZZ" });
  item("message id ..", (c) => ({ resource: `Users/${c.userId}/Messages/..`, resourceData: undefined }));
  item("message id .", (c) => ({ resource: `Users/${c.userId}/Messages/.`, resourceData: undefined }));
  item("message id %2E%2E", (c) => ({ resource: `Users/${c.userId}/Messages/%2E%2E`, resourceData: undefined }));
  item("message id empty", (c) => ({ resource: `Users/${c.userId}/Messages/`, resourceData: undefined }));
  item("message id .. in resourceData", { resourceData: { id: ".." } });
  item("message id a lone surrogate", (c) => ({ resource: `Users/${c.userId}/Messages/\ud800`, resourceData: undefined }));
  item("a folder resource", (c) => ({ resource: `Users/${c.userId}/mailFolders('inbox')/messages`, resourceData: undefined }));
  item("the user object itself as resource", (c) => ({ resource: `Users/${c.userId}`, resourceData: undefined }));
  item("resource of 100,000 characters", (c) => ({ resource: `Users/${c.userId}/Messages/${"A".repeat(100_000)}` }));
  for (const [what, value] of WRONG_TYPES) item(`resource ${what}`, { resource: value });
  for (const [what, value] of WRONG_TYPES) item(`resourceData.id ${what}`, { resourceData: { id: value } });
  item("resourceData a string", { resourceData: "AAMkFUZZ" });
  return cases;
}

function lifecycleCases(): Array<Omit<FuzzCase, "endpoint" | "contentType" | "status">> {
  const cases: Array<Omit<FuzzCase, "endpoint" | "contentType" | "status">> = [];
  const item = (name: string, overrides: Record<string, unknown>, reads = 0) =>
    cases.push({ name, reads, body: (c) => body({ value: [validLifecycle(c, overrides)] }) });
  item("lifecycleEvent unknown", { lifecycleEvent: "deleteEverything" });
  item("lifecycleEvent missing", { lifecycleEvent: undefined });
  for (const [what, value] of WRONG_TYPES) item(`lifecycleEvent ${what}`, { lifecycleEvent: value });
  item("subscriptionId empty", { subscriptionId: "" });
  item("subscriptionId of 300 characters", { subscriptionId: "b".repeat(300) });
  item("subscriptionId a lone surrogate", { subscriptionId: "\udfff" });
  for (const [what, value] of WRONG_TYPES) item(`subscriptionId ${what}`, { subscriptionId: value });
  item("tenantId missing", { tenantId: undefined });
  for (const [what, value] of WRONG_TYPES) item(`tenantId ${what}`, { tenantId: value });
  item("clientState forged", { clientState: "a-guessed-client-state-value" });
  for (const [what, value] of WRONG_TYPES) item(`clientState ${what}`, { clientState: value });
  item("a well-formed, unknown subscriptionId", { subscriptionId: OTHER_UNKNOWN_GUID }, 1);
  return cases;
}

/** A body of up to `maxBytes` of items with made-up subscription ids (no client state anyone holds). */
export function forgedItems(maxBytes: number): string {
  const items: string[] = [];
  let size = '{"value":[]}'.length;
  for (let n = 0; ; n++) {
    const item = `{"subscriptionId":"${n.toString(16).padStart(8, "0")}"}`;
    if (size + item.length + 1 > maxBytes) break;
    items.push(item);
    size += item.length + 1;
  }
  return `{"value":[${items.join(",")}]}`;
}

export function fuzzCases(): FuzzCase[] {
  const endpoints: Endpoint[] = ["notifications", "lifecycle"];
  return [
    ...endpoints.flatMap((endpoint) => requestCases.map((c) => ({ ...c, endpoint, name: `${endpoint}: ${c.name}` }))),
    ...changeCases().map((c) => ({ ...c, endpoint: "notifications" as const, contentType: JSON_TYPE, status: 202, name: `notifications: ${c.name}` })),
    ...lifecycleCases().map((c) => ({ ...c, endpoint: "lifecycle" as const, contentType: JSON_TYPE, status: 202, name: `lifecycle: ${c.name}` })),
  ];
}
