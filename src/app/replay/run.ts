// One side of a what-if replay: the settings and records written into a store of its own, then
// every recorded message tracked by the real tracker in order, each giving a line with the decision
// and its explanation. The CLI (src/cli/replay.ts) and the admin API's what-if (src/app/what-if.ts)
// both run it; the store is theirs to choose (never the live one).
import { normalizeAddress } from "../../domain/address.js";
import type { MailCodec, TrackingStore } from "../ports.js";
import { createTracker, type TrackResult } from "../track-message.js";
import { loadActivities, type SeedActivity } from "./activities.js";
import { errorMessage, type ReplayConfiguration } from "./configuration.js";
import { summarize, type ReplayLine, type ReplaySummary } from "./lines.js";
import { asFoundIn, folderOf, looksSentByCrm, type ParsedInput } from "./mail.js";

/** A store for one side of the replay; Cosmos DB stores also count their requests. */
export interface ReplayStore {
  store: TrackingStore;
  requestCount?: () => number;
}

/** Plays the mail through the tracker into the side's store. */
export async function replayMail(
  inputs: ParsedInput[],
  side: {
    configuration: ReplayConfiguration;
    store: ReplayStore;
    seeds: SeedActivity[];
    crmSent: boolean;
    codec: Pick<MailCodec, "toSentItemsShape">;
    /** Drop each parsed message once it is tracked (no later side needs it). */
    release: boolean;
    onLine?: (line: ReplayLine) => Promise<void>;
    /** After each message: how many are done of how many. */
    onProgress?: (progress: { done: number; total: number; file: string }) => void;
  },
): Promise<ReplaySummary> {
  const { configuration } = side;
  const { store } = side.store;
  await store.settings.putOrganization(configuration.organization);
  await store.settings.putMailbox(configuration.mailbox);
  if (configuration.records.length > 0) await store.records.upsertRecords(configuration.records);
  const activitiesLoaded =
    side.seeds.length > 0
      ? await loadActivities(store, side.seeds, { organization: configuration.organization, mailbox: configuration.mailbox, now: new Date().toISOString() })
      : undefined;
  // Settings were just written: the cache may keep them for the whole run.
  const tracker = createTracker({ store });

  const lines: ReplayLine[] = [];
  const requestsBefore = side.store.requestCount?.();
  const started = performance.now();
  for (const input of inputs) {
    const line = await replayOne(input, { tracker, configuration, crmSent: side.crmSent, codec: side.codec });
    if (side.release) delete input.message;
    lines.push(line);
    await side.onLine?.(line);
    side.onProgress?.({ done: lines.length, total: inputs.length, file: input.file });
  }
  const elapsedInMs = performance.now() - started;
  const requestsAfter = side.store.requestCount?.();
  return summarize(lines, {
    elapsedInMs,
    ...(requestsBefore !== undefined && requestsAfter !== undefined ? { requests: requestsAfter - requestsBefore } : {}),
    ...(activitiesLoaded !== undefined ? { activitiesLoaded } : {}),
  });
}

async function replayOne(
  input: ParsedInput,
  context: { tracker: ReturnType<typeof createTracker>; configuration: ReplayConfiguration; crmSent: boolean; codec: Pick<MailCodec, "toSentItemsShape"> },
): Promise<ReplayLine> {
  const { message } = input;
  if (!message) {
    return {
      file: input.file,
      tracked: false,
      reason: `unreadable: ${input.unreadable ?? "unknown"}`,
      created: false,
      correlation: { method: "none" },
      recipients: [],
      warnings: [],
    };
  }
  const mailbox = context.configuration.mailbox.address;
  const folder = folderOf(message, mailbox);
  const facts = {
    file: input.file,
    subject: message.subject ?? "",
    ...(input.date ? { sentOn: input.date.toISOString() } : {}),
    folder,
    ...(message.from?.emailAddress.address ? { from: normalizeAddress(message.from.emailAddress.address) } : {}),
  };
  const sentByCrm = context.crmSent && looksSentByCrm(message, folder, context.configuration.organization);
  try {
    const result = await context.tracker.track({
      message: asFoundIn(message, folder, context.codec),
      mailbox,
      folder,
      ...(sentByCrm ? { manual: { reason: "sentByApp" as const } } : {}),
    });
    return toLine(facts, result);
  } catch (caught) {
    return {
      ...facts,
      ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}),
      tracked: false,
      reason: `error: ${errorMessage(caught)}`,
      created: false,
      correlation: { method: "none" },
      recipients: [],
      warnings: [],
    };
  }
}

function toLine(facts: Pick<ReplayLine, "file" | "subject" | "sentOn" | "folder" | "from">, result: TrackResult): ReplayLine {
  const { correlation, activity } = result;
  return {
    file: facts.file,
    internetMessageId: result.internetMessageId,
    ...(facts.subject !== undefined ? { subject: facts.subject } : {}),
    ...(facts.sentOn !== undefined ? { sentOn: facts.sentOn } : {}),
    ...(facts.folder !== undefined ? { folder: facts.folder } : {}),
    ...(facts.from !== undefined ? { from: facts.from } : {}),
    tracked: result.tracked,
    reason: result.reason,
    ...(result.activityId !== undefined ? { activityId: result.activityId } : {}),
    ...(activity?.scope !== undefined ? { scope: activity.scope } : {}),
    created: result.created,
    correlation: {
      method: correlation.method,
      ...(correlation.correlatedActivityId !== undefined ? { activityId: correlation.correlatedActivityId } : {}),
      ...(correlation.internetMessageId !== undefined ? { internetMessageId: correlation.internetMessageId } : {}),
    },
    ...(result.regarding ? { regarding: result.regarding } : {}),
    ...(result.sender ? { sender: result.sender } : {}),
    recipients: result.recipients,
    ...(result.acceptingEntity ? { acceptingEntity: result.acceptingEntity } : {}),
    automated: result.automated,
    ...(activity?.trackingToken ? { trackingToken: activity.trackingToken } : {}),
    ...(activity?.conversationIndex ? { conversationIndex: activity.conversationIndex } : {}),
    why: result.why,
    explanation: result.trace,
    warnings: result.warnings,
  };
}
