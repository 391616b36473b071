// CRM record administration on the in-memory store: upsert, delete, get, and JSON/CSV imports
// whose bad rows are reported one by one while the good rows are stored.
import { describe, expect, it } from "vitest";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { RecordImportError, createRecordAdmin, MAX_RECORDS_PER_REQUEST } from "../../src/app/records.js";

const NOW = new Date("2025-06-01T12:00:00.000Z");

function setup() {
  const store = createMemoryTrackingStore();
  return { store, records: createRecordAdmin({ store, clock: () => NOW }) };
}

describe("CSV import", () => {
  it("stores every good row and reports each bad one by line, with the field", async () => {
    const { store, records } = setup();
    const csv = [
      "type,id,name,emailAddresses,active,createdOn",
      "contact,c1,Ann,Ann@Fabrikam.com,,2024-01-01T00:00:00Z",
      "lead,l1,Bob,not-an-address,,",
      "account,a1,Contoso,sales@contoso.com;info@contoso.com,yes,",
      "contact,c2,Carol,carol@fabrikam.com,maybe,",
      "planet,p1,Mars,mars@space.example,,",
      "contact,c3,Dan", // too few values
      "equipment,e1,Projector,projector@contoso.com,no,",
    ].join("\n");
    const report = await records.importCsv(csv);
    expect(report).toMatchObject({ total: 7, upserted: 3, failed: 4, skipped: 0 });
    expect(report.rows.map(({ row, status }) => [row, status])).toEqual([
      [2, "upserted"],
      [3, "failed"],
      [4, "upserted"],
      [5, "failed"],
      [6, "failed"],
      [7, "failed"],
      [8, "upserted"],
    ]);
    const errorsOf = (row: number) => report.rows.find((result) => result.row === row)?.errors?.map((error) => error.field);
    expect(errorsOf(3)).toEqual(["emailAddresses[0]"]);
    expect(errorsOf(5)).toEqual(["active"]);
    expect(errorsOf(6)).toEqual(["type"]);
    expect(errorsOf(7)).toEqual(["(row)"]);

    expect(await store.records.getRecord({ type: "contact", id: "c1" })).toEqual({
      type: "contact", id: "c1", name: "Ann", emailAddresses: ["ann@fabrikam.com"], createdOn: "2024-01-01T00:00:00Z",
    });
    expect(await store.records.getRecord({ type: "account", id: "a1" })).toMatchObject({ emailAddresses: ["sales@contoso.com", "info@contoso.com"], active: true, createdOn: NOW.toISOString() });
    expect(await store.records.getRecord({ type: "equipment", id: "e1" })).toMatchObject({ active: false });
    expect(await store.records.getRecord({ type: "lead", id: "l1" })).toBeUndefined();
    expect((await records.findByAddress("INFO@contoso.com")).map((entry) => entry.id)).toEqual(["a1"]);
  });

  it("takes Dynamics' emailaddress1-3 columns, quoted values and a BOM; a later row for the same record wins", async () => {
    const { store, records } = setup();
    const csv = '\uFEFFType,ID,Name,EmailAddress1,EmailAddress2,EntityName\r\ncustom,p1,"Project, big",p1@contoso.com,,new_project\r\ncustom,p1,Project,p1@contoso.com,p1b@contoso.com,new_project\r\n';
    const report = await records.importCsv(csv);
    expect(report.rows.map(({ row, status }) => [row, status])).toEqual([[2, "skipped"], [3, "upserted"]]);
    expect(await store.records.getRecord({ type: "custom", id: "p1" })).toMatchObject({ name: "Project", emailAddresses: ["p1@contoso.com", "p1b@contoso.com"], entityName: "new_project" });
  });

  it.each([
    { case: "an unknown column", csv: "type,id,colour\ncontact,c1,red", field: "header" },
    { case: "no id column", csv: "type,name\ncontact,Ann", field: "header" },
    { case: "a column named twice", csv: "type,id,id\ncontact,c1,c2", field: "header" },
    { case: "nothing at all", csv: "", field: "header" },
  ])("refuses the whole file for $case, storing nothing", async ({ csv, field }) => {
    const { records } = setup();
    const failure = await records.importCsv(csv).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RecordImportError);
    expect(failure).toMatchObject({ field });
  });

  it("refuses more rows than one request may carry", async () => {
    const { records } = setup();
    const rows = Array.from({ length: MAX_RECORDS_PER_REQUEST + 1 }, (_, i) => `contact,c${i},,c${i}@x.example`);
    await expect(records.importCsv(["type,id,name,emailAddresses", ...rows].join("\n"))).rejects.toMatchObject({ field: "records" });
  });
});

describe("JSON import", () => {
  it.each([
    { case: "missing id", row: { type: "contact", emailAddresses: [] }, fields: ["id"] },
    { case: "id with a slash", row: { type: "contact", id: "a/b", emailAddresses: [] }, fields: ["id"] },
    { case: "address without @", row: { type: "contact", id: "c1", emailAddresses: ["ann"] }, fields: ["emailAddresses[0]"] },
    { case: "unknown field", row: { type: "contact", id: "c1", emailAddresses: [], colour: "red" }, fields: ["(row)"] },
    { case: "entityName on a contact", row: { type: "contact", id: "c1", emailAddresses: [], entityName: "new_x" }, fields: ["entityName"] },
    { case: "createdOn not a date-time", row: { type: "contact", id: "c1", emailAddresses: [], createdOn: "yesterday" }, fields: ["createdOn"] },
    { case: "active as text", row: { type: "contact", id: "c1", emailAddresses: [], active: "yes" }, fields: ["active"] },
    { case: "not an object", row: 42, fields: ["(row)"] },
  ])("reports a bad row ($case) and stores the good one after it", async ({ row, fields }) => {
    const { store, records } = setup();
    const good = { type: "contact", id: "good", emailAddresses: ["good@fabrikam.com"] };
    const report = await records.importJson(JSON.stringify({ records: [row, good] }));
    expect(report.rows[0]).toMatchObject({ row: 1, status: "failed" });
    expect(report.rows[0]?.errors?.map((error) => error.field)).toEqual(fields);
    expect(report.rows[1]).toEqual({ row: 2, status: "upserted", record: { type: "contact", id: "good" } });
    expect(await store.records.getRecord({ type: "contact", id: "good" })).toBeDefined();
  });

  it.each([
    { case: "not JSON", text: "{records:", field: "body" },
    { case: "an object without records", text: '{"rows":[]}', field: "records" },
    { case: "a string", text: '"contact"', field: "records" },
  ])("refuses $case as a whole", async ({ text, field }) => {
    const { records } = setup();
    await expect(records.importJson(text)).rejects.toMatchObject({ name: "RecordImportError", field });
  });
});

describe("upsert, get and delete", () => {
  it("a change applies to the next lookup: new address found, old one gone; delete removes the index rows", async () => {
    const { records } = setup();
    await records.upsertRecords([{ type: "contact", id: "c1", emailAddresses: ["old@fabrikam.com"] }]);
    expect((await records.findByAddress("old@fabrikam.com")).map((entry) => entry.id)).toEqual(["c1"]);
    await records.upsertRecords([{ type: "contact", id: "c1", emailAddresses: ["new@fabrikam.com"] }]);
    expect(await records.findByAddress("old@fabrikam.com")).toEqual([]);
    expect((await records.findByAddress("new@fabrikam.com")).map((entry) => entry.id)).toEqual(["c1"]);
    expect(await records.deleteRecords([{ type: "contact", id: "c1" }, { type: "contact", id: "nobody" }])).toEqual({
      deleted: [{ type: "contact", id: "c1" }],
      missing: [{ type: "contact", id: "nobody" }],
    });
    expect(await records.findByAddress("new@fabrikam.com")).toEqual([]);
    expect(await records.getRecord({ type: "contact", id: "c1" })).toBeUndefined();
  });
});
