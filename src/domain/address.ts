// Email addresses are compared case-insensitively and without surrounding white space or angle
// brackets everywhere in the app (lookups, mailbox keys, resolution). This is the one rule.

/** The form every stored and compared address takes: trimmed, `<…>` removed, lower case. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<(.*)>$/, "$1").trim().toLowerCase();
}
