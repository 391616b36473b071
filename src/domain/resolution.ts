// Email address → CRM records, as Dynamics resolves the From and To/Cc/Bcc fields.

import { normalizeAddress } from "./address.js";
import type { MailboxOwnerStep, ResolutionRule, TracedRecord } from "./trace.js";
import { RECORD_TYPES, type AddressEntry, type MailboxSettings, type RecordRef, type RecordType } from "./types.js";

/** Beyond this many active matches an address stays unresolved (Dynamics' limit). */
export const MAX_RESOLVED_MATCHES = 100;

export interface ResolveSenderOptions {
  /** The system user who owns the tracking mailbox: within a type, their records win. */
  mailboxOwnerId?: string;
  /** UnresolveSenderInCaseOfMultipleMatch: any multiple match leaves the sender unresolved. */
  unresolveIfMultipleMatch: boolean;
  /** When given, only entries for this address count (compared case-insensitively). */
  address?: string;
}

export interface ResolveRecipientOptions {
  /** UnresolveEmailAddressIfMultipleMatch. */
  unresolveIfMultipleMatch: boolean;
  address?: string;
}

const typeRank = (type: RecordType): number => {
  const rank = RECORD_TYPES.indexOf(type);
  // An unknown type at runtime ranks with the other email-enabled tables, last.
  return rank === -1 ? RECORD_TYPES.length : rank;
};

const createdTime = (entry: AddressEntry): number => {
  const time = Date.parse(entry.createdOn);
  // Records without a readable creation time go after dated ones.
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
};

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Active records matching the address, each once (a record may list the same address twice). */
function activeMatches(entries: readonly AddressEntry[], address: string | undefined): AddressEntry[] {
  const wanted = address === undefined ? undefined : normalizeAddress(address);
  const records = new Map<string, AddressEntry>();
  for (const entry of entries) {
    if (entry.active !== true) continue;
    if (wanted !== undefined && normalizeAddress(entry.address) !== wanted) continue;
    const key = `${entry.type}:${entry.id}`;
    if (!records.has(key)) records.set(key, entry);
  }
  return [...records.values()];
}

function byPrecedence(ownerId: string | undefined) {
  const owner = ownerId?.toLowerCase();
  const ownedRank = (entry: AddressEntry): number =>
    owner !== undefined && entry.ownerId !== undefined && entry.ownerId.toLowerCase() === owner ? 0 : 1;
  return (a: AddressEntry, b: AddressEntry): number =>
    typeRank(a.type) - typeRank(b.type) ||
    ownedRank(a) - ownedRank(b) ||
    createdTime(a) - createdTime(b) ||
    compareText(a.createdOn, b.createdOn) ||
    compareText(a.id, b.id);
}

const toRef = (entry: AddressEntry): RecordRef => ({ type: entry.type, id: entry.id });
const toTraced = (entry: AddressEntry): TracedRecord => ({ type: entry.type, id: entry.id, ...(entry.name ? { name: entry.name } : {}) });

export interface TracedResolution {
  records: RecordRef[];
  /** Active matches in precedence order. */
  found: TracedRecord[];
  inactive: number;
  chosen: TracedRecord[];
  rule: ResolutionRule;
  passedOver?: TracedRecord;
}

function unresolved(matches: AddressEntry[], inactive: number, rule: ResolutionRule): TracedResolution {
  return { records: [], found: matches.map(toTraced), inactive, chosen: [], rule };
}

function inactiveCount(entries: readonly AddressEntry[], address: string | undefined, active: number): number {
  const wanted = address === undefined ? undefined : normalizeAddress(address);
  const all = new Set(entries.filter((entry) => wanted === undefined || normalizeAddress(entry.address) === wanted).map((entry) => `${entry.type}:${entry.id}`));
  return all.size - active;
}

/**
 * The one record the From address resolves to, or none, and the rule that chose. Type
 * precedence (systemuser, contact, account, lead, …) outranks ownership: a contact owned by the
 * mailbox owner does not beat a system user. Within the best type the mailbox owner's record
 * wins, then the first created.
 */
export function traceSender(entries: readonly AddressEntry[], options: ResolveSenderOptions): TracedResolution {
  const matches = activeMatches(entries, options.address);
  const inactive = inactiveCount(entries, options.address, matches.length);
  if (matches.length === 0) return unresolved(matches, inactive, inactive > 0 ? "onlyInactive" : "noRecords");
  if (matches.length > MAX_RESOLVED_MATCHES) return unresolved(matches, inactive, "tooManyMatches");
  if (options.unresolveIfMultipleMatch && matches.length > 1) return unresolved(matches.sort(byPrecedence(undefined)), inactive, "ambiguousUnresolved");
  const sorted = matches.sort(byPrecedence(options.mailboxOwnerId));
  const best = sorted[0] as AddressEntry;
  const runnerUp = sorted[1];
  const base = { records: [toRef(best)], found: sorted.map(toTraced), inactive, chosen: [toTraced(best)] };
  if (!runnerUp) return { ...base, rule: "single" };
  const passedOver = toTraced(runnerUp);
  if (typeRank(best.type) !== typeRank(runnerUp.type)) return { ...base, rule: "typePrecedence", passedOver };
  const owner = options.mailboxOwnerId?.toLowerCase();
  const owned = (entry: AddressEntry) => owner !== undefined && entry.ownerId?.toLowerCase() === owner;
  if (owned(best) && !owned(runnerUp)) return { ...base, rule: "mailboxOwner", passedOver };
  return { ...base, rule: "firstCreated", passedOver };
}

/** Every active record a To/Cc/Bcc address resolves to, in precedence order, and the rule. */
export function traceRecipient(entries: readonly AddressEntry[], options: ResolveRecipientOptions): TracedResolution {
  const matches = activeMatches(entries, options.address);
  const inactive = inactiveCount(entries, options.address, matches.length);
  if (matches.length === 0) return unresolved(matches, inactive, inactive > 0 ? "onlyInactive" : "noRecords");
  if (matches.length > MAX_RESOLVED_MATCHES) return unresolved(matches, inactive, "tooManyMatches");
  const sorted = matches.sort(byPrecedence(undefined));
  if (options.unresolveIfMultipleMatch && matches.length > 1) return unresolved(sorted, inactive, "ambiguousUnresolved");
  const found = sorted.map(toTraced);
  return { records: sorted.map(toRef), found, inactive, chosen: found, rule: sorted.length === 1 ? "single" : "allMatches" };
}

/** The one record the From address resolves to, or none. */
export function resolveSender(entries: readonly AddressEntry[], options: ResolveSenderOptions): RecordRef[] {
  return traceSender(entries, options).records;
}

/** Every active record a To/Cc/Bcc address resolves to, in precedence order, then first created. */
export function resolveRecipient(entries: readonly AddressEntry[], options: ResolveRecipientOptions): RecordRef[] {
  return traceRecipient(entries, options).records;
}

/**
 * The system user (user mailbox) or queue (queue mailbox) that owns the receiving mailbox: the
 * active record of that type with the mailbox's address, the first created when there are several
 * (the same creation-date rule as sender resolution).
 */
export function resolveMailboxOwner(
  mailbox: Pick<MailboxSettings, "address" | "kind">,
  entries: readonly AddressEntry[],
): { owner?: TracedRecord; rule: MailboxOwnerStep["rule"]; candidates: number } {
  const type: RecordType = mailbox.kind === "queue" ? "queue" : "systemuser";
  const candidates = activeMatches(entries, mailbox.address)
    .filter((entry) => entry.type === type)
    .sort(byPrecedence(undefined));
  const first = candidates[0];
  if (!first) return { rule: "noRecord", candidates: 0 };
  return { owner: toTraced(first), rule: candidates.length === 1 ? "single" : "firstCreated", candidates: candidates.length };
}
