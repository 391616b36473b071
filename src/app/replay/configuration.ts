// The replay's configuration, checked before a what-if means anything: CRM records (every problem
// named by record index and field) and the warnings an admin needs (does the mailbox address belong
// to a user or a queue?). Shared by the CLI and the admin API's what-if.
import { normalizeAddress } from "../../domain/address.js";
import { isIsoDateTime, looksLikeEmailAddress } from "../../domain/settings.js";
import { RECORD_TYPES, type CrmRecord, type MailboxSettings, type OrganizationSettings } from "../../domain/types.js";

/** Bad command-line input or configuration: the message names the problem; exit code 2. */
export class ReplayUsageError extends Error {
  override name = "ReplayUsageError";
}

export interface ReplayConfiguration {
  organization: OrganizationSettings;
  mailbox: MailboxSettings;
  records: CrmRecord[];
}

const RECORD_KEYS = new Set(["type", "id", "name", "emailAddresses", "active", "createdOn", "ownerId"]);

/**
 * Validates a records file: a JSON array of CrmRecord. Throws ReplayUsageError listing every
 * problem of every record, one per line, each naming the record index and the field.
 */
export function parseRecords(input: unknown, fileName = "records"): CrmRecord[] {
  if (!Array.isArray(input)) throw new ReplayUsageError(`${fileName}: must be a JSON array of records`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const records: CrmRecord[] = [];
  input.forEach((item: unknown, index) => {
    const at = `record [${index}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const own = recordProblems(item as Record<string, unknown>);
    if (own.length > 0) {
      problems.push(...own.map((problem) => `${at}: ${problem}`));
      return;
    }
    const record = toRecord(item as Record<string, unknown>);
    const key = `${record.type}/${record.id}`;
    if (seen.has(key)) problems.push(`${at}: duplicate record ${key}`);
    seen.add(key);
    records.push(record);
  });
  if (problems.length > 0) throw new ReplayUsageError(problems.map((p) => `${fileName}: ${p}`).join("\n"));
  return records;
}

function recordProblems(record: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!RECORD_KEYS.has(key)) problems.push(`${key} is not a record field (known: ${[...RECORD_KEYS].join(", ")})`);
  }
  const { type, id, name, emailAddresses, active, createdOn, ownerId } = record;
  if (typeof type !== "string" || !(RECORD_TYPES as readonly string[]).includes(type)) {
    problems.push(`type must be one of ${RECORD_TYPES.join(", ")} (got ${JSON.stringify(type)})`);
  }
  if (typeof id !== "string" || id.trim() === "") problems.push("id must be a non-empty string");
  if (!Array.isArray(emailAddresses)) problems.push("emailAddresses is required (a list of addresses)");
  else {
    emailAddresses.forEach((address: unknown, i) => {
      if (typeof address !== "string" || !looksLikeEmailAddress(address.trim())) {
        problems.push(`emailAddresses[${i}] must be an email address (got ${JSON.stringify(address)})`);
      }
    });
  }
  if (typeof createdOn !== "string" || !isIsoDateTime(createdOn)) {
    problems.push(`createdOn is required, an ISO 8601 date-time with a zone (got ${JSON.stringify(createdOn)})`);
  }
  if (name !== undefined && typeof name !== "string") problems.push("name must be a string");
  if (active !== undefined && typeof active !== "boolean") problems.push("active must be true or false");
  if (ownerId !== undefined && typeof ownerId !== "string") problems.push("ownerId must be a string");
  return problems;
}

/** Only called for a record without problems. */
function toRecord(record: Record<string, unknown>): CrmRecord {
  const { type, id, name, emailAddresses, active, createdOn, ownerId } = record;
  return {
    type: type as CrmRecord["type"],
    id: id as string,
    ...(name !== undefined ? { name: name as string } : {}),
    emailAddresses: (emailAddresses as string[]).map((a) => a.trim()),
    ...(active !== undefined ? { active: active as boolean } : {}),
    createdOn: createdOn as string,
    ...(ownerId !== undefined ? { ownerId: ownerId as string } : {}),
  };
}

/**
 * What makes a what-if misleading without being an error: a mailbox whose address belongs to no
 * active user (user mailbox) or queue (queue mailbox) has no owner, so its activities get no
 * accepting entity and mail between users is not recognised as such.
 */
export function configurationWarnings(configuration: ReplayConfiguration, options: { recordsFile?: string }): string[] {
  const { mailbox, records } = configuration;
  const ownerType = mailbox.kind === "queue" ? "queue" : "systemuser";
  const owners = records.filter(
    (record) =>
      record.type === ownerType &&
      record.active !== false &&
      record.emailAddresses.some((address) => normalizeAddress(address) === mailbox.address),
  );
  if (owners.length > 0) return [];
  const where = options.recordsFile ? `in ${options.recordsFile}` : "(no --records file was given)";
  return [
    `the mailbox ${mailbox.address} resolves to no active ${ownerType} record ${where}: tracked activities get no accepting entity, and mail between users is not recognised as such`,
  ];
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
