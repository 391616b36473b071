// Records from CSV (csv-parse, RFC 4180 quoting): one header row naming the columns, then one
// record per row. A row that cannot be parsed or has the wrong number of values is reported
// with its line number and the others go on.
import { parse } from "csv-parse/sync";
import type { FieldError } from "./records.js";

/** Column names (case-insensitive). `emailaddress1`…`emailaddress3` are Dynamics' export names. */
const COLUMNS = ["type", "id", "name", "emailaddresses", "active", "createdon", "ownerid", "entityname"] as const;
const DYNAMICS_EMAIL_COLUMN = /^emailaddress[1-3]$/;
const FIELD_OF: Record<string, string> = {
  type: "type",
  id: "id",
  name: "name",
  createdon: "createdOn",
  ownerid: "ownerId",
  entityname: "entityName",
};

export type CsvRows =
  | { ok: true; rows: Array<{ row: number; value: unknown; errors?: FieldError[] }> }
  | { ok: false; message: string; field: string };

const TRUE = new Set(["true", "yes", "1"]);
const FALSE = new Set(["false", "no", "0"]);

export function parseRecordsCsv(text: string, options: { maxRows: number }): CsvRows {
  const failures = new Map<number, string[]>();
  let header: string[] | undefined;
  let headerProblem: string | undefined;
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, {
      bom: true,
      skip_empty_lines: true,
      info: true,
      columns: (names: string[]) => {
        header = names.map((name) => name.trim().toLowerCase());
        const unknown = header.filter((name) => !(COLUMNS as readonly string[]).includes(name) && !DYNAMICS_EMAIL_COLUMN.test(name));
        const missing = ["type", "id"].filter((name) => !header?.includes(name));
        if (unknown.length > 0) headerProblem = `unknown column(s) ${unknown.map((n) => `"${n}"`).join(", ")}; expected ${COLUMNS.join(", ")} or emailaddress1-3`;
        else if (missing.length > 0) headerProblem = `missing column(s) ${missing.join(", ")}`;
        else if (new Set(header).size !== header.length) headerProblem = "a column is named twice";
        return header;
      },
      skip_records_with_error: true,
      on_skip: (error) => {
        const line = typeof error?.lines === "number" ? error.lines : 0;
        failures.set(line, [...(failures.get(line) ?? []), error?.message ?? "unreadable row"]);
        return undefined;
      },
    }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  } catch (error) {
    return { ok: false, message: `CSV could not be read: ${error instanceof Error ? error.message : String(error)}`, field: "body" };
  }
  if (headerProblem) return { ok: false, message: `CSV header: ${headerProblem}`, field: "header" };
  if (!header) return { ok: false, message: "CSV is empty: expected a header row (type,id,name,emailAddresses,…)", field: "header" };
  if (rows.length + failures.size > options.maxRows) {
    return { ok: false, message: `at most ${options.maxRows} records per request, got ${rows.length + failures.size}`, field: "records" };
  }
  const result: Array<{ row: number; value: unknown; errors?: FieldError[] }> = rows.map(({ record, info }) => ({ row: info.lines, ...toValue(record) }));
  for (const [line, messages] of failures) result.push({ row: line, value: undefined, errors: [{ field: "(row)", message: [...new Set(messages)].join("; ") }] });
  return { ok: true, rows: result.sort((a, b) => a.row - b.row) };
}

function toValue(record: Record<string, string>): { value: unknown; errors?: FieldError[] } {
  const value: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const addresses: string[] = [];
  for (const [column, raw] of Object.entries(record)) {
    const text = raw.trim();
    if (text === "") continue;
    if (column === "emailaddresses" || DYNAMICS_EMAIL_COLUMN.test(column)) {
      addresses.push(...text.split(/[;,\s]+/).filter((address) => address !== ""));
    } else if (column === "active") {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) value.active = true;
      else if (FALSE.has(lower)) value.active = false;
      else errors.push({ field: "active", message: `must be true or false (yes/no, 1/0), got "${text}"` });
    } else {
      value[FIELD_OF[column] ?? column] = text;
    }
  }
  value.emailAddresses = addresses;
  return { value, ...(errors.length > 0 && { errors }) };
}
