// /api/admin/records through the local stack (real HTTP, real signed tokens, the embedded Cosmos
// DB server): upsert, get, by address, delete, CSV/JSON import with per-row reports, bad input as
// problem+json naming the field, and a change reaching the very next email.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ADMIN = { roles: ["Tracking.Admin"] };
const READER = { roles: ["Tracking.Read"] };
const SALES = "sales@contoso.example.com";

let api: ApiClient;
const decisions: TrackingDecisionEvent[] = [];
beforeAll(async () => {
  api = await startApiStack();
  trackingEvents.on("decision", (decision) => decisions.push(decision));
});
afterAll(async () => {
  await api?.stack.close();
});

const contact = (id: string, address: string) => ({ type: "contact", id, name: id, emailAddresses: [address] });

describe("upsert, get, find and delete", () => {
  it("stores records, gets one, finds them by address (any case), deletes one and then answers 404", async () => {
    const upsert = await api.call("POST", "/admin/records/upsert", { ...ADMIN, body: { records: [contact("c-ann", "Ann@Fabrikam.example"), { type: "account", id: "a-fab", emailAddresses: ["ann@fabrikam.example"] }] } });
    expect(upsert).toMatchObject({ status: 200, body: { upserted: [{ type: "contact", id: "c-ann" }, { type: "account", id: "a-fab" }] } });
    const got = await api.call("GET", "/admin/records/contact/c-ann", READER);
    expect(got).toMatchObject({ status: 200, body: { type: "contact", id: "c-ann", emailAddresses: ["ann@fabrikam.example"] } });
    const found = await api.call("GET", `/admin/records/by-address/${encodeURIComponent("ANN@fabrikam.example")}`, READER);
    expect((found.body as { items: Array<{ type: string }> }).items.map((entry) => entry.type)).toEqual(["contact", "account"]);
    expect((await api.call("DELETE", "/admin/records/contact/c-ann", ADMIN)).status).toBe(204);
    expect((await api.call("DELETE", "/admin/records/contact/c-ann", ADMIN)).status).toBe(404);
    expect((await api.call("GET", "/admin/records/contact/c-ann", READER)).status).toBe(404);
    const after = await api.call("GET", "/admin/records/by-address/ann%40fabrikam.example", READER);
    expect((after.body as { items: Array<{ id: string }> }).items.map((entry) => entry.id)).toEqual(["a-fab"]);
    const bulk = await api.call("POST", "/admin/records/delete", { ...ADMIN, body: { records: [{ type: "account", id: "a-fab" }, { type: "lead", id: "none" }] } });
    expect(bulk).toMatchObject({ status: 200, body: { deleted: [{ type: "account", id: "a-fab" }], missing: [{ type: "lead", id: "none" }] } });
  });

  it.each([
    { case: "an address without @", body: { records: [contact("c1", "ann")] }, field: "records.0.emailAddresses.0" },
    { case: "an unknown record type", body: { records: [{ type: "planet", id: "p", emailAddresses: [] }] }, field: "records.0.type" },
    { case: "an unknown field", body: { records: [{ ...contact("c1", "a@b.example"), colour: "red" }] }, field: "records.0.colour" },
    { case: "no records", body: { records: [] }, field: "records" },
    { case: "no body fields", body: {}, field: "records" },
  ])("refuses an upsert with $case (400, naming the field), storing nothing", async ({ body, field }) => {
    const answer = await api.call("POST", "/admin/records/upsert", { ...ADMIN, body });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
    expect((await api.call("GET", "/admin/records/contact/c1", READER)).status).toBe(404);
  });

  it("refuses a bad record reference in the path", async () => {
    const answer = await api.call("GET", "/admin/records/planet/p1", READER);
    expect(answer).toMatchObject({ status: 400, body: { errors: [{ field: "params.type" }] } });
  });
});

describe("import", () => {
  it("imports CSV, reporting each bad row by line while storing the others", async () => {
    const csv = "type,id,name,emailAddresses,active\ncontact,csv1,One,one@fabrikam.example,\nlead,csv2,Two,nope,\naccount,csv3,Three,three@fabrikam.example,maybe\nteam,csv4,Four,four@contoso.example,no\n";
    const answer = await api.call("POST", "/admin/records/import", { ...ADMIN, rawBody: csv, contentType: "text/csv" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ total: 4, upserted: 2, failed: 2 });
    const rows = (answer.body as { rows: Array<{ row: number; status: string; errors?: Array<{ field: string }> }> }).rows;
    expect(rows.map((row) => [row.row, row.status, row.errors?.map((error) => error.field)])).toEqual([
      [2, "upserted", undefined],
      [3, "failed", ["emailAddresses[0]"]],
      [4, "failed", ["active"]],
      [5, "upserted", undefined],
    ]);
    expect((await api.call("GET", "/admin/records/team/csv4", READER)).body).toMatchObject({ active: false });
  });

  it("imports JSON the same way", async () => {
    const answer = await api.call("POST", "/admin/records/import", { ...ADMIN, body: [contact("json1", "j1@fabrikam.example"), { type: "contact" }] });
    expect(answer).toMatchObject({ status: 200, body: { upserted: 1, failed: 1, rows: [{ row: 1, status: "upserted" }, { row: 2, status: "failed" }] } });
  });

  it.each([
    { case: "a CSV with an unknown column", rawBody: "type,id,colour\ncontact,c,red", contentType: "text/csv", status: 400, field: "header" },
    { case: "JSON that is not a list", rawBody: '{"rows":[]}', contentType: "application/json", status: 400, field: "records" },
    { case: "malformed JSON", rawBody: "[{", contentType: "application/json", status: 400, field: "body" },
    { case: "another media type", rawBody: "x", contentType: "text/plain", status: 415, field: undefined },
  ])("refuses $case as a whole", async ({ rawBody, contentType, status, field }) => {
    const answer = await api.call("POST", "/admin/records/import", { ...ADMIN, rawBody, contentType });
    expect(answer.status).toBe(status);
    if (field) expect((answer.body as { errors: Array<{ field: string }> }).errors[0]?.field).toBe(field);
  });
});

describe("changes take effect for the next email", () => {
  it("a contact added through the API resolves the next email's sender; once deleted, the next one is unresolved", async () => {
    const services = await api.stack.services();
    api.stack.graph.addMailbox({ address: SALES });
    await services.mailboxes.enableMailbox({ address: SALES, kind: "queue", incomingEmailFilter: "all", processEmailReceivedAfter: "2020-01-01T00:00:00Z" });
    await api.call("POST", "/admin/records/upsert", { ...ADMIN, body: { records: [contact("c-next", "next@fabrikam.example")] } });
    const first = api.stack.graph.deliverExternal({ to: [SALES], from: { address: "next@fabrikam.example" }, subject: "Order 1" });
    await api.stack.settle();
    const senderOf = (internetMessageId: string) =>
      decisions.find((decision) => decision.result.internetMessageId === internetMessageId.replace(/^<|>$/g, ""))?.result.sender?.records;
    expect(senderOf(first.internetMessageId)).toEqual([{ type: "contact", id: "c-next" }]);
    await api.call("DELETE", "/admin/records/contact/c-next", ADMIN);
    const second = api.stack.graph.deliverExternal({ to: [SALES], from: { address: "next@fabrikam.example" }, subject: "Order 2" });
    await api.stack.settle();
    expect(senderOf(second.internetMessageId)).toEqual([]);
  });
});
