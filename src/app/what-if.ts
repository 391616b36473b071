// What-if from the admin API: recorded mail (.eml files, mbox) replayed under candidate settings,
// or two, to compare, by the replay engine (src/app/replay/) the CLI uses too. Each run replays
// into stores of its own that the caller supplies (the composition root gives a fresh in-memory
// store per side), so a what-if never writes the live settings, records or activities; it only
// reads the live organization and mailbox settings that the candidates change. Runs are kept in
// this process's memory, a bounded number for a bounded time, and only their creator sees them.
import { randomUUID } from "node:crypto";
import { normalizeAddress } from "../domain/address.js";
import { parseSettingsFile, SettingsError } from "../domain/settings.js";
import type { CrmRecord, MailboxSettings } from "../domain/types.js";
import type { Actor } from "./activities.js";
import { AdminError } from "./admin-errors.js";
import type { MailCodec, SettingsStore, TrackingStore } from "./ports.js";
import { configurationWarnings, errorMessage, type ReplayConfiguration } from "./replay/configuration.js";
import { compareLines, comparedJsonLine, type ComparedMessage, type ReplayLine, type ReplaySummary } from "./replay/lines.js";
import { messagesOfFile, parseMail, type MailInput } from "./replay/mail.js";
import { replayMail } from "./replay/run.js";

/** Messages one run may replay (an mbox counts each of its messages). */
export const MAX_WHAT_IF_MESSAGES = 2000;
/** Runs replaying at the same time; more are refused until one ends. */
export const MAX_RUNNING_WHAT_IFS = 2;
/** Finished runs kept (the oldest go first), and for how long. */
export const MAX_KEPT_WHAT_IFS = 20;
export const WHAT_IF_KEPT_MS = 60 * 60 * 1000;

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

export type WhatIfSummary = Omit<ReplaySummary, "lines">;

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
  messages?: Array<{ file: string; base: ReplayLine; compare?: ReplayLine; changed?: boolean }>;
}

interface StoredRun {
  run: WhatIfRun;
  owner: string;
  lines: string[];
}

export interface WhatIfDeps {
  /** Read only: the live settings the candidates change. */
  settings: Pick<SettingsStore, "getOrganization" | "getMailbox">;
  /** A fresh, empty store for one side of one run (never the live store). */
  newStore(): TrackingStore;
  codec: MailCodec;
  clock?: () => Date;
}

export type WhatIf = ReturnType<typeof createWhatIf>;

export function createWhatIf(deps: WhatIfDeps) {
  const clock = deps.clock ?? (() => new Date());
  const runs = new Map<string, StoredRun>();

  function prune(): void {
    const now = clock().getTime();
    const finished = [...runs.values()].filter((r) => r.run.status !== "running");
    for (const stored of finished) {
      if (now - Date.parse(stored.run.finishedOn ?? stored.run.createdOn) > WHAT_IF_KEPT_MS) runs.delete(stored.run.id);
    }
    const kept = [...runs.values()].filter((r) => r.run.status !== "running");
    for (const stored of kept.slice(0, Math.max(0, kept.length - MAX_KEPT_WHAT_IFS))) runs.delete(stored.run.id);
  }

  /** The two sides' configurations: the live settings with each side's changes. */
  async function configurations(request: WhatIfRequest): Promise<{ base: ReplayConfiguration; compare?: ReplayConfiguration }> {
    const address = normalizeAddress(request.mailbox);
    const [organization, mailbox] = await Promise.all([deps.settings.getOrganization(), deps.settings.getMailbox(address)]);
    // The replayed mailbox is enabled and carries no approval status: the what-if asks what the
    // settings decide, not whether the mailbox is running today.
    const { enabled: _e, approvalStatus: _a, ...liveMailbox } = mailbox ?? ({} as Partial<MailboxSettings>);
    const side = (changes: CandidateSettings, on: { organization: Record<string, unknown>; mailbox: Record<string, unknown> }, field: string) => {
      const input = {
        organization: { ...on.organization, ...changes.organization },
        mailbox: { ...on.mailbox, ...changes.mailbox, address, enabled: true },
      };
      try {
        const parsed = parseSettingsFile(input);
        return { organization: parsed.organization, mailbox: parsed.mailbox as MailboxSettings, records: request.records };
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

  /** Checks the request, starts the run and answers at once; the replay goes on in the background. */
  async function start(request: WhatIfRequest): Promise<WhatIfRun> {
    prune();
    if ([...runs.values()].filter((r) => r.run.status === "running").length >= MAX_RUNNING_WHAT_IFS) {
      throw new AdminError("refused", `${MAX_RUNNING_WHAT_IFS} what-if runs are replaying already; start this one when one of them has finished`);
    }
    const inputs: MailInput[] = [];
    for (const file of request.files) {
      for (const message of messagesOfFile(file.name, file.content, deps.codec)) inputs.push({ ...message, order: inputs.length });
    }
    if (inputs.length > MAX_WHAT_IF_MESSAGES) {
      throw new AdminError("invalid", `the files hold ${inputs.length} messages; a what-if replays at most ${MAX_WHAT_IF_MESSAGES} (use npm run replay for more)`, { field: "files" });
    }
    const configuration = await configurations(request);
    const run: WhatIfRun = {
      id: randomUUID(),
      status: "running",
      createdOn: clock().toISOString(),
      mailbox: configuration.base.mailbox.address,
      progress: { done: 0, total: inputs.length * (configuration.compare ? 2 : 1) },
      warnings: configurationWarnings(configuration.base, request.records.length > 0 ? { recordsFile: "the records given" } : {}).map((w) =>
        w.replace("(no --records file was given)", "(no records were given)"),
      ),
    };
    const stored: StoredRun = { run, owner: request.by.oid, lines: [] };
    runs.set(run.id, stored);
    void execute(stored, inputs, configuration, request.crmSent);
    return structuredClone(run);
  }

  async function execute(stored: StoredRun, inputs: MailInput[], configuration: { base: ReplayConfiguration; compare?: ReplayConfiguration }, crmSent: boolean): Promise<void> {
    const { run } = stored;
    try {
      const parsed = await parseMail(inputs, deps.codec);
      const side = (config: ReplayConfiguration, offset: number, release: boolean) =>
        replayMail(parsed, {
          configuration: config,
          store: { store: deps.newStore() },
          seeds: [],
          crmSent,
          codec: deps.codec,
          release,
          onProgress: ({ done }) => {
            run.progress = { ...run.progress, done: offset + done };
          },
        });
      const base = await side(configuration.base, 0, !configuration.compare);
      const { lines: _l, ...summary } = base;
      run.summary = summary;
      if (!configuration.compare) {
        run.messages = base.lines.map((line) => ({ file: line.file, base: line }));
        stored.lines = base.lines.map((line) => JSON.stringify(line));
      } else {
        const compared = await side(configuration.compare, parsed.length, true);
        const messages: ComparedMessage[] = compareLines(base.lines, compared.lines);
        const { lines: _c, ...compareSummary } = compared;
        run.comparison = { summary: compareSummary, changed: messages.filter((m) => m.changed).length };
        run.messages = messages.map((m) => ({ file: m.file, base: m.base, compare: m.compare, changed: m.changed }));
        stored.lines = messages.map((m) => JSON.stringify(comparedJsonLine(m)));
      }
      run.status = "done";
    } catch (error) {
      run.status = "failed";
      run.error = errorMessage(error);
    } finally {
      run.finishedOn = clock().toISOString();
    }
  }

  function find(id: string, by: Actor): StoredRun {
    const stored = runs.get(id);
    // Another person's run is not theirs to see (it holds their uploaded mail): as if absent.
    if (!stored || stored.owner !== by.oid) throw new AdminError("notFound", `no what-if run ${id} (runs are kept ${WHAT_IF_KEPT_MS / 60000} minutes)`, { field: "id" });
    return stored;
  }

  return {
    start,
    get(id: string, by: Actor): WhatIfRun {
      return structuredClone(find(id, by).run);
    },
    /** The run's JSON Lines, as `npm run replay -- --out` writes them. */
    jsonl(id: string, by: Actor): string {
      const stored = find(id, by);
      if (stored.run.status !== "done") throw new AdminError("conflict", `the what-if run ${id} is ${stored.run.status}; its JSON Lines are there once it is done`, { field: "id" });
      return stored.lines.map((line) => `${line}\n`).join("");
    },
  };
}
