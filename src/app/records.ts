// CRM records used for address resolution (system users, contacts, accounts, leads, equipment,
// teams, business units, queues, custom email-enabled tables): upsert, delete, get, and import
// from JSON or CSV with a report per row. A bad row is reported and never stops the others.
// Resolution reads the address index on every email (no cache), so a change applies to the next one.
import { z } from "zod";
import { normalizeAddress } from "../domain/address.js";
import { RECORD_TYPES, type AddressEntry, type CrmRecord, type RecordRef } from "../domain/types.js";
import { parseRecordsCsv } from "./records-csv.js";
import type { TrackingStore } from "./ports.js";

/** At most this many rows per import or upsert request. */
export const MAX_RECORDS_PER_REQUEST = 5_000;
/** Rows written at once during an import. */
const WRITE_CONCURRENCY = 8;

/** An address as resolution compares it; whitespace, angle brackets or a missing @ are refused. */
export const emailAddressSchema = z
  .string()
  .transform((value) => normalizeAddress(value))
  .pipe(z.string().max(320).regex(/^[^\s@<>]+@[^\s@<>]+$/, "must be an email address (local@domain)"));

/** Ids become part of a Cosmos DB item id: no '/', '\', '?', '#' or white space. */
const recordIdSchema = z.string().regex(/^[^/\\?#\s]{1,200}$/, "must be 1 to 200 characters without / \\ ? # or white space");

export const recordRefSchema = z.object({ type: z.enum(RECORD_TYPES), id: recordIdSchema }).strict();

export const crmRecordSchema = z
  .object({
    type: z.enum(RECORD_TYPES),
    id: recordIdSchema,
    name: z.string().max(400).optional(),
    emailAddresses: z.array(emailAddressSchema).max(50),
    active: z.boolean().optional(),
    /** Within a type the first-created record wins; default: when it is stored. */
    createdOn: z.iso.datetime({ offset: true }).optional(),
    ownerId: z.string().min(1).max(200).optional(),
    entityName: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,99}$/, "must be a table's logical name (lower case, digits, _)")
      .optional(),
  })
  .strict()
  .refine((record) => record.entityName === undefined || record.type === "custom", {
    message: "only custom records name an entityName",
    path: ["entityName"],
  });

export type CrmRecordInput = z.infer<typeof crmRecordSchema>;

export interface FieldError {
  /** The field, as a JSON path within the row: "emailAddresses[1]". */
  field: string;
  message: string;
}

export interface ImportRowResult {
  /** JSON: the record's position (1-based); CSV: the line the row starts on (the header is line 1). */
  row: number;
  status: "upserted" | "failed" | "skipped";
  record?: RecordRef;
  errors?: FieldError[];
}

export interface ImportReport {
  total: number;
  upserted: number;
  failed: number;
  skipped: number;
  rows: ImportRowResult[];
}

/** The input as a whole cannot be read (not JSON, no header, too many rows): nothing was written. */
export class RecordImportError extends Error {
  override readonly name = "RecordImportError";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function fieldErrors(error: z.ZodError, prefix = ""): FieldError[] {
  return error.issues.map((issue) => ({ field: fieldPath(prefix, issue.path), message: issue.message }));
}

function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const part of path) text += typeof part === "number" ? `[${part}]` : text === "" ? String(part) : `.${String(part)}`;
  return text === "" ? "(row)" : text;
}

export function toCrmRecord(input: CrmRecordInput, options: { now: string }): CrmRecord {
  return {
    type: input.type,
    id: input.id,
    ...(input.name !== undefined && { name: input.name }),
    emailAddresses: [...new Set(input.emailAddresses)],
    ...(input.active !== undefined && { active: input.active }),
    createdOn: input.createdOn ?? options.now,
    ...(input.ownerId !== undefined && { ownerId: input.ownerId }),
    ...(input.entityName !== undefined && { entityName: input.entityName }),
  };
}

export function createRecordAdmin(deps: {
  store: TrackingStore;
  clock?: () => Date;
  /** Told after records were written or deleted (the tracker drops what it cached). */
  onChange?: () => void;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { records } = deps.store;

  /** Validates and writes each row on its own; later rows for the same record win. */
  async function importRows(rows: Array<{ row: number; value: unknown; errors?: FieldError[] }>): Promise<ImportReport> {
    if (rows.length > MAX_RECORDS_PER_REQUEST) {
      throw new RecordImportError(`at most ${MAX_RECORDS_PER_REQUEST} records per request, got ${rows.length}`, "records");
    }
    const now = clock().toISOString();
    const results: ImportRowResult[] = [];
    const valid: Array<{ result: ImportRowResult; record: CrmRecord }> = [];
    const lastRowOf = new Map<string, number>();
    for (const { row, value, errors = [] } of rows) {
      // A row the reader already refused has no value; otherwise report every problem at once.
      const parsed = value === undefined ? undefined : crmRecordSchema.safeParse(value);
      if (!parsed?.success || errors.length > 0) {
        const schemaErrors = parsed && !parsed.success ? fieldErrors(parsed.error) : [];
        results.push({ row, status: "failed", errors: [...errors, ...schemaErrors.filter((e) => !errors.some((p) => p.field === e.field))] });
        continue;
      }
      const record = toCrmRecord(parsed.data, { now });
      const result: ImportRowResult = { row, status: "upserted", record: { type: record.type, id: record.id } };
      results.push(result);
      valid.push({ result, record });
      lastRowOf.set(`${record.type}:${record.id}`, row);
    }
    const toWrite = valid.filter(({ result, record }) => {
      const last = lastRowOf.get(`${record.type}:${record.id}`);
      if (last === result.row) return true;
      result.status = "skipped";
      result.errors = [{ field: "id", message: `superseded by row ${last} for the same record` }];
      return false;
    });
    let next = 0;
    const worker = async () => {
      while (next < toWrite.length) {
        const item = toWrite[next++] as (typeof toWrite)[number];
        try {
          await records.upsertRecords([item.record]);
        } catch (error) {
          item.result.status = "failed";
          item.result.errors = [{ field: "(row)", message: `not stored: ${error instanceof Error ? error.message : String(error)}` }];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, toWrite.length) }, worker));
    if (toWrite.length > 0) deps.onChange?.();
    results.sort((a, b) => a.row - b.row);
    return {
      total: results.length,
      upserted: results.filter((r) => r.status === "upserted").length,
      failed: results.filter((r) => r.status === "failed").length,
      skipped: results.filter((r) => r.status === "skipped").length,
      rows: results,
    };
  }

  async function importParsed(parsed: unknown): Promise<ImportReport> {
    const list = Array.isArray(parsed) ? parsed : (parsed as { records?: unknown } | null)?.records;
    if (!Array.isArray(list)) throw new RecordImportError('expected an array of records or { "records": [...] }', "records");
    return importRows(list.map((value, index) => ({ row: index + 1, value })));
  }

  return {
    /** Records already validated (a request body): written together, all or nothing per request. */
    async upsertRecords(input: CrmRecordInput[]): Promise<RecordRef[]> {
      if (input.length > MAX_RECORDS_PER_REQUEST) throw new RecordImportError(`at most ${MAX_RECORDS_PER_REQUEST} records per request`, "records");
      const now = clock().toISOString();
      const list = input.map((record) => toCrmRecord(record, { now }));
      await records.upsertRecords(list);
      deps.onChange?.();
      return list.map(({ type, id }) => ({ type, id }));
    },

    /** A JSON array of records, or `{ "records": [...] }`. */
    async importJson(text: string): Promise<ImportReport> {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new RecordImportError(`not JSON: ${error instanceof Error ? error.message : String(error)}`, "body");
      }
      return importParsed(parsed);
    },

    /** importJson for a body already parsed. */
    importJsonValue: (value: unknown): Promise<ImportReport> => importParsed(value),

    async importCsv(text: string): Promise<ImportReport> {
      const parsed = parseRecordsCsv(text, { maxRows: MAX_RECORDS_PER_REQUEST });
      if (!parsed.ok) throw new RecordImportError(parsed.message, parsed.field);
      return importRows(parsed.rows);
    },

    async deleteRecords(refs: RecordRef[]): Promise<{ deleted: RecordRef[]; missing: RecordRef[] }> {
      const deleted = await records.deleteRecords(refs);
      deps.onChange?.();
      const gone = new Set(deleted.map((ref) => `${ref.type}:${ref.id}`));
      return { deleted, missing: refs.filter((ref) => !gone.has(`${ref.type}:${ref.id}`)) };
    },

    getRecord: (ref: RecordRef): Promise<CrmRecord | undefined> => records.getRecord(ref),

    /** Every record with the address, in resolution precedence, inactive ones included. */
    findByAddress: (address: string): Promise<AddressEntry[]> => records.findByAddress(address),
  };
}

export type RecordAdmin = ReturnType<typeof createRecordAdmin>;
