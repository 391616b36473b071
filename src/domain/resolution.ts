// Email address → CRM records, as Dynamics resolves the From and To/Cc/Bcc fields.

import { RECORD_TYPES, type AddressEntry, type RecordRef, type RecordType } from "./types.js";

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
  const wanted = address?.trim().toLowerCase();
  const records = new Map<string, AddressEntry>();
  for (const entry of entries) {
    if (entry.active !== true) continue;
    if (wanted !== undefined && entry.address.trim().toLowerCase() !== wanted) continue;
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

/**
 * The one record the From address resolves to, or none. Type precedence (systemuser, contact,
 * account, lead, …) outranks ownership: a contact owned by the mailbox owner does not beat a
 * system user. Within the best type the mailbox owner's record wins, then the first created.
 */
export function resolveSender(entries: readonly AddressEntry[], options: ResolveSenderOptions): RecordRef[] {
  const matches = activeMatches(entries, options.address);
  if (matches.length > MAX_RESOLVED_MATCHES) return [];
  if (options.unresolveIfMultipleMatch && matches.length > 1) return [];
  const best = matches.sort(byPrecedence(options.mailboxOwnerId))[0];
  return best ? [toRef(best)] : [];
}

/** Every active record a To/Cc/Bcc address resolves to, in precedence order, then first created. */
export function resolveRecipient(entries: readonly AddressEntry[], options: ResolveRecipientOptions): RecordRef[] {
  const matches = activeMatches(entries, options.address);
  if (matches.length > MAX_RESOLVED_MATCHES) return [];
  if (options.unresolveIfMultipleMatch && matches.length > 1) return [];
  return matches.sort(byPrecedence(undefined)).map(toRef);
}
