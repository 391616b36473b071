// A what-if run as the API shows it and as the run store keeps it (src/app/what-if.ts starts runs,
// src/app/what-if-worker.ts replays them from the queue). The state is one small document; the
// uploaded mail and the per-message results are texts of the run (WhatIfRunStore.putText), so no
// run is bounded by a document's size. Any instance can answer for any run.
import type { CrmRecord, MailboxSettings, OrganizationSettings } from "../domain/types.js";
import { comparedJsonLine, type ReplayLine, type ReplaySummary } from "./replay/lines.js";

/** Messages one run may replay (an mbox counts each of its messages). */
export const MAX_WHAT_IF_MESSAGES = 2000;
/** Runs replaying at the same time, across every instance; more are refused until one ends. */
export const MAX_RUNNING_WHAT_IFS = 2;
/** A run is kept this long after its last change (finished: after it finished). */
export const WHAT_IF_KEPT_MS = 60 * 60 * 1000;
/** A run holds its replay slot at most this long: one that never finishes (its work item given up) stops counting then. */
export const WHAT_IF_SLOT_MS = 30 * 60 * 1000;
/** The uploaded mail is kept this long after the POST, for the replay and any restart of it. */
export const WHAT_IF_INPUT_KEPT_MS = 2 * WHAT_IF_KEPT_MS;

/** The text names of a run: its input, and each attempt's results (an attempt never reads another's). */
export const INPUT_TEXT = "input";
export const resultText = (attempt: number) => `result-${attempt}`;

export type WhatIfSummary = Omit<ReplaySummary, "lines">;

/** One message's result: `compare` and `changed` with a comparison. */
export interface WhatIfMessage {
  file: string;
  base: ReplayLine;
  compare?: ReplayLine;
  changed?: boolean;
}

/** A run as the API answers it. */
export interface WhatIfRun {
  id: string;
  status: "running" | "done" | "failed";
  createdOn: string;
  finishedOn?: string;
  mailbox: string;
  /** Messages replayed so far of all (with a comparison, each message counts twice). */
  progress: { done: number; total: number };
  warnings: string[];
  error?: string;
  summary?: WhatIfSummary;
  comparison?: { summary: WhatIfSummary; changed: number };
  /** One per message, in replay order; `compare` and `changed` with a comparison. */
  messages?: WhatIfMessage[];
}

/** A run as stored: what the API shows but the messages, and what only the app reads. */
export interface WhatIfRunState extends Omit<WhatIfRun, "messages"> {
  /** The oid of the person who started it: only they see it. */
  owner: string;
  /** Gone after this (the store's TTL removes it; reads past it find nothing). */
  expiresOn: string;
  /** Replays started so far; a redelivered work item starts the next one from scratch. */
  attempt: number;
  /** The worker replaying it now, until `until` unless it renews (each progress write does). */
  lease?: { holder: string; until: string };
  /** The text holding the finished attempt's messages (resultText(attempt)). */
  results?: string;
}

/** The settings of one side as resolved when the run was started (the live ones with the changes). */
export interface WhatIfSide {
  organization: OrganizationSettings;
  mailbox: MailboxSettings;
}

/** The input text: everything the worker needs, fixed when the run was started. */
export interface WhatIfInput {
  files: Array<{ name: string; contentBase64: string }>;
  base: WhatIfSide;
  compare?: WhatIfSide;
  records: CrmRecord[];
  crmSent: boolean;
}

/** What the API shows of a stored run. */
export function publicRun(state: WhatIfRunState, messages?: WhatIfMessage[]): WhatIfRun {
  const { owner: _o, expiresOn: _e, attempt: _a, lease: _l, results: _r, ...run } = state;
  return structuredClone({ ...run, ...(messages ? { messages } : {}) });
}

/** The results text: one message per line. */
export function messagesText(messages: readonly WhatIfMessage[]): string {
  return messages.map((message) => `${JSON.stringify(message)}\n`).join("");
}

export function messagesOfText(text: string): WhatIfMessage[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as WhatIfMessage);
}

/** The run's JSON Lines, as `npm run replay -- --out` writes them. */
export function jsonLines(messages: readonly WhatIfMessage[]): string {
  return messages
    .map((m) => JSON.stringify(m.compare ? comparedJsonLine({ file: m.file, base: m.base, compare: m.compare, changed: m.changed ?? false }) : m.base))
    .map((line) => `${line}\n`)
    .join("");
}
