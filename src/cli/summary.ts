// The end-of-run report of the replay as text tables: what was decided, how messages correlated,
// and how much Cosmos DB work each message cost (the counts: src/app/replay/lines.ts).
import Table from "cli-table3";
import type { ReplaySummary } from "../app/replay/lines.js";

export { summarize, type ReplayLine, type ReplaySummary } from "../app/replay/lines.js";

/** The summary as text tables for a terminal (no colours: the output is often piped or logged). */
export function formatSummary(summary: ReplaySummary): string {
  const style = { head: [], border: [] };
  const decisions = new Table({ head: ["decision", "messages"], style });
  for (const [reason, count] of sortedEntries(summary.byReason)) decisions.push([reason, count]);
  decisions.push(["total", summary.messages]);

  const methods = new Table({ head: ["correlation", "messages"], style });
  for (const [method, count] of sortedEntries(summary.byMethod)) methods.push([method, count]);

  const totals = new Table({ style });
  totals.push(
    { tracked: `${summary.tracked} (${summary.created} created by this run)` },
    ...(summary.activitiesLoaded !== undefined ? [{ "activities loaded (--activities)": summary.activitiesLoaded }] : []),
    { "messages/s": summary.messagesPerSecond.toFixed(1) },
    // Only a Cosmos DB store counts requests; the in-memory store has none to count.
    ...(summary.requestsPerMessage !== undefined
      ? [{ "Cosmos DB requests/message": `${summary.requestsPerMessage.toFixed(1)} (${summary.requests} requests)` }]
      : []),
  );

  const parts = [decisions.toString(), methods.toString(), totals.toString()];
  for (const [title, items] of [
    ["Unreadable input", summary.unreadable],
    ["Failed (store errors)", summary.failed],
  ] as const) {
    if (items.length > 0) parts.push(`${title}:\n${items.map((u) => `  ${u.file}: ${u.reason}`).join("\n")}`);
  }
  return parts.join("\n");
}

export function sortedEntries(record: Record<string, number | undefined>): Array<[string, number]> {
  return Object.entries(record)
    .flatMap(([key, value]) => (value === undefined ? [] : [[key, value] as [string, number]]))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
