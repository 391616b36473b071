// What-if from the admin API: recorded mail (.eml files, mbox) replayed under candidate settings,
// or two, to compare, by the replay engine (src/app/replay/) the CLI uses too. Starting a run
// checks the request, resolves each side's settings, stores the run and its input in the what-if
// run store and puts a work item on the queue; a queue worker replays it (src/app/what-if-worker.ts)
// into stores of its own, so a what-if never writes the live settings, records or activities; it
// only reads the live organization and mailbox settings that the candidates change. Any instance
// answers for any run (nothing is kept in memory), and only the run's creator sees it.
import { randomUUID } from "node:crypto";
import { normalizeAddress } from "../domain/address.js";
import { parseSettingsFile, SettingsError } from "../domain/settings.js";
import type { CrmRecord, MailboxSettings } from "../domain/types.js";
import type { Actor } from "./activities.js";
import { AdminError } from "./admin-errors.js";
import type { MailCodec, SettingsStore, WhatIfRunStore, WorkQueue } from "./ports.js";
import { configurationWarnings } from "./replay/configuration.js";
import { messagesOfFile } from "./replay/mail.js";
import {
  INPUT_TEXT,
  MAX_RUNNING_WHAT_IFS,
  MAX_WHAT_IF_MESSAGES,
  WHAT_IF_INPUT_KEPT_MS,
  WHAT_IF_KEPT_MS,
  WHAT_IF_SLOT_MS,
  jsonLines,
  messagesOfText,
  publicRun,
  type WhatIfInput,
  type WhatIfRun,
  type WhatIfRunState,
  type WhatIfSide,
} from "./what-if-state.js";

export { MAX_RUNNING_WHAT_IFS, MAX_WHAT_IF_MESSAGES, WHAT_IF_KEPT_MS, type WhatIfRun, type WhatIfSummary } from "./what-if-state.js";

/** The candidate settings of one side: changes to the live organization and mailbox settings. */
export interface CandidateSettings {
  organization?: Record<string, unknown>;
  mailbox?: Record<string, unknown>;
}

export interface WhatIfRequest {
  /** The receiving mailbox the mail was recorded in. */
  mailbox: string;
  files: Array<{ name: string; content: Buffer }>;
  settings: CandidateSettings;
  /** A second set of changes, applied on top of `settings`'s result. */
  compare?: CandidateSettings;
  records: CrmRecord[];
  /** Sent Items mail with a tracking token is tracked as sent by the CRM (sentByApp). */
  crmSent: boolean;
  by: Actor;
}

export interface WhatIfDeps {
  /** Read only: the live settings the candidates change. */
  settings: Pick<SettingsStore, "getOrganization" | "getMailbox">;
  /** Where runs are kept (never the live containers). */
  runs: WhatIfRunStore;
  /** Where the replay is sent (a work item of kind "whatIf"). */
  queue: WorkQueue;
  codec: Pick<MailCodec, "splitMbox">;
  clock?: () => Date;
}

export type WhatIf = ReturnType<typeof createWhatIf>;

const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

export function createWhatIf(deps: WhatIfDeps) {
  const clock = deps.clock ?? (() => new Date());

  /** The two sides' settings: the live settings with each side's changes. */
  async function sides(request: WhatIfRequest): Promise<{ base: WhatIfSide; compare?: WhatIfSide }> {
    const address = normalizeAddress(request.mailbox);
    const [organization, mailbox] = await Promise.all([deps.settings.getOrganization(), deps.settings.getMailbox(address)]);
    // The replayed mailbox is enabled and carries no approval status: the what-if asks what the
    // settings decide, not whether the mailbox is running today.
    const { enabled: _e, approvalStatus: _a, ...liveMailbox } = mailbox ?? ({} as Partial<MailboxSettings>);
    const side = (changes: CandidateSettings, on: { organization: Record<string, unknown>; mailbox: Record<string, unknown> }, field: string): WhatIfSide => {
      const input = {
        organization: { ...on.organization, ...changes.organization },
        mailbox: { ...on.mailbox, ...changes.mailbox, address, enabled: true },
      };
      try {
        const parsed = parseSettingsFile(input);
        return { organization: parsed.organization, mailbox: parsed.mailbox as MailboxSettings };
      } catch (error) {
        if (error instanceof SettingsError) {
          throw new AdminError("invalid", error.problems.map((p) => `${field}: ${p}`).join("; "), { field: `${field}.${error.settings[0] || "organization"}` });
        }
        throw error;
      }
    };
    const live = { organization: { ...(organization ?? {}) } as Record<string, unknown>, mailbox: liveMailbox as Record<string, unknown> };
    const base = side(request.settings, live, "settings");
    if (!request.compare) return { base };
    const compare = side(request.compare, { organization: { ...base.organization }, mailbox: { ...base.mailbox } }, "compare");
    return { base, compare };
  }

  /** Takes a replay slot for the run, or refuses: the limit holds across instances (one shared document). */
  async function takeSlot(runId: string, now: Date): Promise<void> {
    await deps.runs.updateSlots((slots) => {
      const held = slots.filter((slot) => Date.parse(slot.until) > now.getTime() && slot.runId !== runId);
      if (held.length >= MAX_RUNNING_WHAT_IFS) {
        throw new AdminError("refused", `${MAX_RUNNING_WHAT_IFS} what-if runs are replaying already; start this one when one of them has finished`);
      }
      return [...held, { runId, until: later(now, WHAT_IF_SLOT_MS) }];
    });
  }

  /** Checks the request, stores the run and its input, queues the replay and answers at once. */
  async function start(request: WhatIfRequest): Promise<WhatIfRun> {
    let count = 0;
    for (const file of request.files) count += messagesOfFile(file.name, file.content, deps.codec).length;
    if (count > MAX_WHAT_IF_MESSAGES) {
      throw new AdminError("invalid", `the files hold ${count} messages; a what-if replays at most ${MAX_WHAT_IF_MESSAGES} (use npm run replay for more)`, { field: "files" });
    }
    const resolved = await sides(request);
    const now = clock();
    const id = randomUUID();
    const recordsGiven = request.records.length > 0 ? { recordsFile: "the records given" } : {};
    const state: WhatIfRunState = {
      id,
      status: "running",
      createdOn: now.toISOString(),
      mailbox: resolved.base.mailbox.address,
      progress: { done: 0, total: count * (resolved.compare ? 2 : 1) },
      warnings: configurationWarnings({ ...resolved.base, records: request.records }, recordsGiven).map((w) => w.replace("(no --records file was given)", "(no records were given)")),
      owner: request.by.oid,
      expiresOn: later(now, WHAT_IF_KEPT_MS),
      attempt: 0,
    };
    const input: WhatIfInput = {
      files: request.files.map((file) => ({ name: file.name, contentBase64: file.content.toString("base64") })),
      ...resolved,
      records: request.records,
      crmSent: request.crmSent,
    };
    await takeSlot(id, now);
    try {
      // The input first: a run the worker can see always has its mail.
      await deps.runs.putText(id, INPUT_TEXT, JSON.stringify(input), { expiresOn: later(now, WHAT_IF_INPUT_KEPT_MS) });
      const created = await deps.runs.createRun(state);
      if (!created.saved) throw new Error(`what-if run ${id} exists already`);
      await deps.queue.enqueue([{ kind: "whatIf", runId: id, mailbox: state.mailbox, requestedAt: now.toISOString() }]);
    } catch (error) {
      // Not started after all: the slot is given back (a run stored without its work item is
      // never replayed; it shows as running until it expires).
      await releaseSlot(deps.runs, id).catch(() => undefined);
      throw error;
    }
    return publicRun(state);
  }

  async function find(id: string, by: Actor): Promise<WhatIfRunState> {
    const found = await deps.runs.getRun(id, { now: clock() });
    // Another person's run is not theirs to see (it holds their uploaded mail): as if absent.
    if (!found || found.value.owner !== by.oid) throw new AdminError("notFound", `no what-if run ${id} (runs are kept ${WHAT_IF_KEPT_MS / 60000} minutes)`, { field: "id" });
    return found.value;
  }

  async function messages(state: WhatIfRunState) {
    const text = state.results ? await deps.runs.getText(state.id, state.results, { now: clock() }) : undefined;
    if (text === undefined) throw new AdminError("notFound", `the results of what-if run ${state.id} have expired`, { field: "id" });
    return messagesOfText(text);
  }

  return {
    start,
    async get(id: string, by: Actor): Promise<WhatIfRun> {
      const state = await find(id, by);
      return publicRun(state, state.status === "done" ? await messages(state) : undefined);
    },
    /** The run's JSON Lines, as `npm run replay -- --out` writes them. */
    async jsonl(id: string, by: Actor): Promise<string> {
      const state = await find(id, by);
      if (state.status !== "done") throw new AdminError("conflict", `the what-if run ${id} is ${state.status}; its JSON Lines are there once it is done`, { field: "id" });
      return jsonLines(await messages(state));
    },
  };
}

/** Gives the run's replay slot back (the worker, when the run ends; start, when it could not start). */
export async function releaseSlot(runs: WhatIfRunStore, runId: string): Promise<void> {
  await runs.updateSlots((slots) => slots.filter((slot) => slot.runId !== runId));
}
