// Log lines about a mailbox: every one names it (Zammad #5564) and ends in a JSON object of
// structured fields, which Application Insights keeps in the trace message and its queries can
// parse (`parse_json(extract("({.*})$", 1, message))`). The level leads the line, so warnings and
// errors stand out even in plain console output.
export type LogLevel = "information" | "warning" | "error";

export function mailboxLogLine(level: LogLevel, mailbox: string, message: string, fields: Record<string, unknown> = {}): string {
  const prefix = level === "information" ? "" : `${level}: `;
  return `${prefix}mailbox ${mailbox}: ${message} ${JSON.stringify({ level, mailbox, ...fields })}`;
}
