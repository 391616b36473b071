// /admin/records: the CRM records address resolution uses. Reads need Tracking.Read (or Admin),
// changes Tracking.Admin. A change applies to the next email (resolution reads the index on
// every email; nothing caches it).
import { z } from "zod";
import { MAX_RECORDS_PER_REQUEST, crmRecordSchema, recordRefSchema } from "../../app/records.js";
import { RECORD_TYPES } from "../../domain/types.js";
import { ApiProblem } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { ADMINS, READERS } from "../roles.js";
import { orProblem } from "./admin-errors.js";

const TAG = "Records";

export const recordRefOutputSchema = z.object({ type: z.enum(RECORD_TYPES), id: z.string() });

const recordSchema = z
  .object({
    type: z.enum(RECORD_TYPES),
    id: z.string(),
    name: z.string().optional(),
    emailAddresses: z.array(z.string()),
    active: z.boolean().optional().meta({ description: "Absent: active." }),
    createdOn: z.string().meta({ description: "Within a type the first-created record wins resolution." }),
    ownerId: z.string().optional(),
    entityName: z.string().optional().meta({ description: "custom records: the table's logical name." }),
  })
  .meta({ description: "A CRM record." });

const addressEntrySchema = z.object({
  type: z.enum(RECORD_TYPES),
  id: z.string(),
  address: z.string(),
  name: z.string().optional(),
  active: z.boolean(),
  createdOn: z.string(),
  ownerId: z.string().optional(),
});

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
const importReportSchema = z
  .object({
    total: z.number().int(),
    upserted: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    rows: z.array(
      z.object({
        row: z.number().int().meta({ description: "JSON: the record's position (1-based); CSV: its line (the header is line 1)." }),
        status: z.enum(["upserted", "failed", "skipped"]),
        record: recordRefOutputSchema.optional(),
        errors: z.array(fieldErrorSchema).optional(),
      }),
    ),
  })
  .meta({ description: "What happened to each row." });

const refParams = z.strictObject({ type: z.enum(RECORD_TYPES), id: z.string().min(1).max(200) });
const IMPORT_MAX_BYTES = 8 * 1024 * 1024;

export const recordRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "upsertRecords",
    method: "POST",
    path: "/admin/records/upsert",
    summary: "Create or replace CRM records (all or nothing)",
    description: `Up to ${MAX_RECORDS_PER_REQUEST} records, validated together: one invalid record is a 400 naming it (records[3].emailAddresses[0]) and nothing is stored. To store the good rows of a doubtful file, use the import.`,
    access: { roles: ADMINS },
    body: z.strictObject({ records: z.array(crmRecordSchema).min(1).max(MAX_RECORDS_PER_REQUEST) }),
    maxBodyBytes: IMPORT_MAX_BYTES,
    responses: { 200: { description: "The records stored.", body: z.object({ upserted: z.array(recordRefOutputSchema) }) } },
    async handle({ body }, services) {
      const upserted = await orProblem(() => services.records.upsertRecords(body.records));
      return { status: 200, body: { upserted } };
    },
  }),
  defineRoute(TAG, {
    operationId: "importRecords",
    method: "POST",
    path: "/admin/records/import",
    summary: "Import CRM records from CSV or JSON, with a report per row",
    description:
      "CSV (text/csv): a header row naming columns among type, id, name, emailAddresses (separated by ; or spaces), active (true/false, yes/no, 1/0), createdOn, ownerId, entityName, and Dynamics' emailaddress1–3. JSON (application/json): an array of records or { records: [...] }. A bad row is reported with its line (CSV) or position (JSON) and the fields at fault; the other rows are stored. A later row for the same record wins (the earlier is 'skipped').",
    access: { roles: ADMINS },
    textBody: { mediaTypes: ["text/csv", "application/json"], description: "CSV with a header row, or JSON." },
    maxBodyBytes: IMPORT_MAX_BYTES,
    responses: { 200: { description: "What happened to each row.", body: importReportSchema } },
    async handle({ body, text }, services) {
      const report = await orProblem(() => (text !== undefined ? services.records.importCsv(text) : services.records.importJsonValue(body)));
      return { status: 200, body: report };
    },
  }),
  defineRoute(TAG, {
    operationId: "deleteRecords",
    method: "POST",
    path: "/admin/records/delete",
    summary: "Delete CRM records and their address index rows",
    description: "Idempotent: records that do not exist are listed as missing.",
    access: { roles: ADMINS },
    body: z.strictObject({ records: z.array(recordRefSchema).min(1).max(MAX_RECORDS_PER_REQUEST) }),
    maxBodyBytes: IMPORT_MAX_BYTES,
    responses: { 200: { description: "Which records were deleted.", body: z.object({ deleted: z.array(recordRefOutputSchema), missing: z.array(recordRefOutputSchema) }) } },
    async handle({ body }, services) {
      return { status: 200, body: await orProblem(() => services.records.deleteRecords(body.records)) };
    },
  }),
  defineRoute(TAG, {
    operationId: "findRecordsByAddress",
    method: "GET",
    path: "/admin/records/by-address/{address}",
    summary: "Every record with an email address, in resolution precedence",
    description: "Inactive records included (resolution skips them). Case-insensitive.",
    access: { roles: READERS },
    params: z.strictObject({ address: z.string().min(3).max(320) }),
    responses: { 200: { description: "The records, system users first, then contacts, accounts, …", body: z.object({ items: z.array(addressEntrySchema) }) } },
    async handle({ params }, services) {
      return { status: 200, body: { items: await services.records.findByAddress(params.address) } };
    },
  }),
  defineRoute(TAG, {
    operationId: "getRecord",
    method: "GET",
    path: "/admin/records/{type}/{id}",
    summary: "Get a CRM record by type and id",
    access: { roles: READERS },
    params: refParams,
    responses: { 200: { description: "The record.", body: recordSchema } },
    async handle({ params }, services) {
      const record = await services.records.getRecord(params);
      if (!record) throw new ApiProblem(404, `no ${params.type} ${params.id}`, { errors: [{ field: "params.id", message: "no such record" }] });
      return { status: 200, body: record };
    },
  }),
  defineRoute(TAG, {
    operationId: "deleteRecord",
    method: "DELETE",
    path: "/admin/records/{type}/{id}",
    summary: "Delete one CRM record and its address index rows",
    access: { roles: ADMINS },
    params: refParams,
    responses: { 204: { description: "Deleted." } },
    async handle({ params }, services) {
      const { deleted } = await services.records.deleteRecords([params]);
      if (deleted.length === 0) throw new ApiProblem(404, `no ${params.type} ${params.id}`, { errors: [{ field: "params.id", message: "no such record" }] });
      return { status: 204 };
    },
  }),
];
