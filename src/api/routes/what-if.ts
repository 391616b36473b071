// /admin/what-if: replay recorded mail under candidate settings (or two, to compare) into stores of
// the run's own, never the live data (src/app/what-if.ts). POST stores the run and queues its
// replay, answering 202 at once; GET follows its progress and, once done, gives the summary and
// every message's decision with its explanation; GET …/jsonl the JSON Lines `npm run replay --
// --out` would write. Runs are in the store: any instance answers for any run.
import { z } from "zod";
import { parseRecords, ReplayUsageError } from "../../app/replay/configuration.js";
import { MAX_RUNNING_WHAT_IFS, WHAT_IF_KEPT_MS } from "../../app/what-if-state.js";
import type { CrmRecord } from "../../domain/types.js";
import type { Caller } from "../auth.js";
import { ApiProblem, invalid } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { READERS } from "../roles.js";
import { orProblem } from "./admin-errors.js";

const TAG = "What-if";
const BASE = "/admin/what-if";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const candidateSchema = z
  .strictObject({
    organization: z.record(z.string(), z.unknown()).optional().meta({ description: "Organization settings to change (names as in GET /admin/settings/organization)." }),
    mailbox: z.record(z.string(), z.unknown()).optional().meta({ description: "The receiving mailbox's personal options to change." }),
  })
  .meta({ description: "Changes to the live settings; what is not named stays as it is." });

const fileSchema = z.strictObject({
  name: z.string().min(1).max(255).meta({ description: "The file's name: *.eml is one message, anything else is read as an mbox." }),
  contentBase64: z.string().min(4).regex(BASE64, "must be base64").meta({ description: "The file's bytes, base64." }),
});

const createSchema = z.strictObject({
  mailbox: z.email().max(320).meta({ description: "The receiving mailbox the mail was recorded in." }),
  files: z.array(fileSchema).min(1).max(1000),
  settings: candidateSchema.default({}),
  compare: candidateSchema.optional().meta({ description: "A second set of changes, applied on top of settings: the run compares the two." }),
  records: z.array(z.unknown()).max(10_000).default([]).meta({ description: "CRM records the replay resolves addresses against (as a replay --records file); the live records are not used." }),
  crmSent: z.boolean().default(true).meta({ description: "Track Sent Items mail with a tracking token as sent by the CRM." }),
});

const lineSchema = z.looseObject({
  file: z.string(),
  tracked: z.boolean(),
  reason: z.string(),
  subject: z.string().optional(),
  from: z.string().optional(),
  sentOn: z.string().optional(),
  correlation: z.looseObject({ method: z.string() }),
  why: z.string().optional(),
  explanation: z.unknown().optional().meta({ description: "The decision trace (src/domain/trace.ts)." }),
}).meta({ description: "One message's decision: a line of `npm run replay -- --out` (docs/replay.md)." });

const summarySchema = z.looseObject({
  messages: z.number().int(),
  tracked: z.number().int(),
  created: z.number().int(),
  byReason: z.record(z.string(), z.number()),
  byMethod: z.record(z.string(), z.number()),
  unreadable: z.array(z.object({ file: z.string(), reason: z.string() })),
  failed: z.array(z.object({ file: z.string(), reason: z.string() })),
});

const runSchema = z
  .object({
    id: z.string(),
    status: z.enum(["running", "done", "failed"]),
    createdOn: z.string(),
    finishedOn: z.string().optional(),
    mailbox: z.string(),
    progress: z.object({ done: z.number().int(), total: z.number().int() }).meta({ description: "Messages replayed of all (each counts twice with a comparison)." }),
    warnings: z.array(z.string()),
    error: z.string().optional(),
    summary: summarySchema.optional(),
    comparison: z.object({ summary: summarySchema, changed: z.number().int() }).optional(),
    messages: z.array(z.object({ file: z.string(), base: lineSchema, compare: lineSchema.optional(), changed: z.boolean().optional() })).optional(),
  })
  .meta({ description: "A what-if run: its progress, and once done its results." });

const idParams = z.strictObject({ id: z.uuid() });
const actor = (caller: Caller) => ({ oid: caller.oid, ...(caller.name ? { name: caller.name } : {}) });

function decode(files: Array<{ name: string; contentBase64: string }>): Array<{ name: string; content: Buffer }> {
  return files.map((file, index) => {
    // Only the name's last segment: it labels the messages, it names no path.
    const name = file.name.split(/[\\/]/).pop() || `file-${index + 1}`;
    return { name, content: Buffer.from(file.contentBase64, "base64") };
  });
}

function records(input: unknown[]): CrmRecord[] {
  try {
    return parseRecords(input, "records");
  } catch (error) {
    if (!(error instanceof ReplayUsageError)) throw error;
    const problems = error.message.split("\n");
    const errors = problems.map((line) => {
      const index = /record \[(\d+)\]/.exec(line)?.[1];
      return { field: index === undefined ? "records" : `records.${index}`, message: line.replace(/^records: /, "") };
    });
    throw new ApiProblem(400, problems.join("; "), { errors });
  }
}

export const whatIfRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "startWhatIf",
    method: "POST",
    path: BASE,
    summary: "Replay recorded mail under candidate settings (or two, to compare), never touching live data",
    description:
      `Each side is the live organization and mailbox settings with the given changes (compare: on top of settings'), replayed with the given records into an in-memory store of its own by a queue worker; nothing live is written. Answers 202 once the run and its mail are stored and its replay queued; follow GET ${BASE}/{id} (from any instance). The body is limited by API_MAX_BODY_BYTES (base64 adds a third). 409 when ${MAX_RUNNING_WHAT_IFS} runs are replaying already (across all instances).`,
    access: { roles: READERS },
    body: createSchema,
    responses: { 202: { description: "Started.", body: runSchema, headers: { Location: "The run." } } },
    async handle({ body, caller }, services) {
      const files = decode(body.files);
      const empty = files.findIndex((file) => file.content.length === 0);
      if (empty >= 0) throw invalid(`files.${empty}.contentBase64`, "is empty");
      const run = await orProblem(() =>
        services.whatIf.start({
          mailbox: body.mailbox,
          files,
          settings: body.settings,
          ...(body.compare ? { compare: body.compare } : {}),
          records: records(body.records),
          crmSent: body.crmSent,
          by: actor(caller),
        }),
      );
      return { status: 202, body: run, headers: { Location: `/api${BASE}/${run.id}` } };
    },
  }),
  defineRoute(TAG, {
    operationId: "getWhatIf",
    method: "GET",
    path: `${BASE}/{id}`,
    summary: "A what-if run's progress, and once done its summary and every message's decision with the explanation",
    description: `Only the person who started a run sees it; a run is kept ${WHAT_IF_KEPT_MS / 60_000} minutes after it finished.`,
    access: { roles: READERS },
    params: idParams,
    responses: { 200: { description: "The run.", body: runSchema } },
    async handle({ params, caller }, services) {
      return { status: 200, body: await orProblem(async () => services.whatIf.get(params.id, actor(caller))) };
    },
  }),
  defineRoute(TAG, {
    operationId: "getWhatIfJsonLines",
    method: "GET",
    path: `${BASE}/{id}/jsonl`,
    summary: "A finished what-if run as JSON Lines, one line per message (as npm run replay -- --out writes)",
    access: { roles: READERS },
    params: idParams,
    responses: { 200: { description: "application/x-ndjson: one JSON object per line." } },
    async handle({ params, caller }, services) {
      const content = await orProblem(async () => services.whatIf.jsonl(params.id, actor(caller)));
      return {
        status: 200,
        text: { contentType: "application/x-ndjson; charset=utf-8", content },
        headers: { "Content-Disposition": `attachment; filename="what-if-${params.id}.jsonl"` },
      };
    },
  }),
];
