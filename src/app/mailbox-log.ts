// Log lines about a mailbox: every one names it (Zammad #5564) and ends in a JSON object of
// structured fields, which Application Insights keeps in the trace message and its queries can
// parse (`parse_json(extract("({.*})$", 1, message))`). For a plain line logger the level leads
// the line ("warning: …", "error: …"; the host's console logger sends those at that severity).
export type LogLevel = "information" | "warning" | "error";

/** The message without a level prefix, for loggers that carry the level (context.warn, context.error). */
export function mailboxLogMessage(level: LogLevel, mailbox: string, message: string, fields: Record<string, unknown> = {}): string {
  return `mailbox ${mailbox}: ${message} ${JSON.stringify({ level, mailbox, ...fields })}`;
}

export function mailboxLogLine(level: LogLevel, mailbox: string, message: string, fields: Record<string, unknown> = {}): string {
  return `${level === "information" ? "" : `${level}: `}${mailboxLogMessage(level, mailbox, message, fields)}`;
}
