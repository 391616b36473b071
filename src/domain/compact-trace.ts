// The stored form of a decision trace: the same shape, with lists capped and strings shortened so
// an explanation never costs an activity more than EXPLANATION_MAX_BYTES (Cosmos DB items are at
// most 2 MB; document-size.ts shrinks the body, never the explanation, so this bound is what keeps
// the explanation from crowding the body out).
import { shortened, type DecisionTrace, type TracedRecord } from "./trace.js";
import type { RecordRef } from "./types.js";

/** The most an activity's `explanation` (trace and sentence) takes as JSON. */
export const EXPLANATION_MAX_BYTES = 16 * 1024;

const LIMITS = {
  addresses: 8,
  recordsPerAddress: 3,
  correlation: 10,
  ignoredIds: 5,
  passedOver: 5,
  judged: 5,
  text: 160,
  id: 96,
  name: 64,
  why: 1_000,
} as const;

const text = (value: string) => shortened(value, LIMITS.text);
const id = (value: string) => shortened(value, LIMITS.id);
const ref = (record: RecordRef): RecordRef => ({ type: record.type, id: id(record.id) });
const traced = (record: TracedRecord): TracedRecord => ({ ...ref(record), ...(record.name !== undefined ? { name: shortened(record.name, LIMITS.name) } : {}) });

/** First `max` items; `count` learns how many were left out. */
function capped<T>(items: readonly T[], max: number, count: (left: number) => void): T[] {
  if (items.length > max) count(items.length - max);
  return items.slice(0, max);
}

export function compactTrace(trace: DecisionTrace): DecisionTrace {
  const omitted: NonNullable<DecisionTrace["omitted"]> = {};
  const add = (name: keyof typeof omitted) => (left: number) => {
    omitted[name] = (omitted[name] ?? 0) + left;
  };
  // The step that matched is the last one tried: keep it whatever the cap leaves out before it.
  const steps = trace.correlation;
  const correlation =
    steps.length > LIMITS.correlation ? [...capped(steps.slice(0, -1), LIMITS.correlation - 1, add("correlation")), ...steps.slice(-1)] : steps;
  const compact: DecisionTrace = {
    ...trace,
    mailbox: text(trace.mailbox),
    folder: trace.folder.kind === "tracked" ? { kind: "tracked", name: text(trace.folder.name) } : trace.folder,
    internetMessageId: text(trace.internetMessageId),
    subject: text(trace.subject),
    gates: trace.gates.map((gate) => ({ ...gate, ...(gate.detail !== undefined ? { detail: text(gate.detail) } : {}) })),
    ...(trace.mailboxOwner ? { mailboxOwner: { ...trace.mailboxOwner, ...(trace.mailboxOwner.owner ? { owner: traced(trace.mailboxOwner.owner) } : {}) } } : {}),
    addresses: capped(trace.addresses, LIMITS.addresses, add("addresses")).map((resolution) => ({
      ...resolution,
      address: text(resolution.address),
      found: capped(resolution.found, LIMITS.recordsPerAddress, add("found")).map(traced),
      chosen: capped(resolution.chosen, LIMITS.recordsPerAddress, add("found")).map(traced),
      ...(resolution.passedOver ? { passedOver: traced(resolution.passedOver) } : {}),
    })),
    ...(trace.existingActivity
      ? { existingActivity: { ...trace.existingActivity, activityId: id(trace.existingActivity.activityId), ...(trace.existingActivity.why !== undefined ? { why: shortened(trace.existingActivity.why, LIMITS.why) } : {}) } }
      : {}),
    correlation: correlation.map((step) => ({
      ...step,
      key: text(step.key),
      ...(step.candidate ? { candidate: candidate(step.candidate) } : {}),
    })),
    ...(trace.ignoredIds
      ? { ignoredIds: capped(trace.ignoredIds, LIMITS.ignoredIds, add("ignoredIds")).map((ignored) => ({ ...ignored, value: text(ignored.value) })) }
      : {}),
    ...(trace.smartMatching
      ? {
          smartMatching: {
            ...trace.smartMatching,
            ...(trace.smartMatching.matched ? { matched: { ...candidate(trace.smartMatching.matched), sharedAddresses: trace.smartMatching.matched.sharedAddresses } } : {}),
            passedOver: capped(trace.smartMatching.passedOver, LIMITS.passedOver, add("passedOver")).map((passed) => ({ ...passed, activityId: id(passed.activityId) })),
          },
        }
      : {}),
    ...(trace.regarding ? { regarding: { ...trace.regarding, record: ref(trace.regarding.record) } } : {}),
    ...(trace.acceptance
      ? {
          acceptance: {
            ...trace.acceptance,
            judged: capped(trace.acceptance.judged, LIMITS.judged, add("judged")).map((judged) => ({
              ...judged,
              mailbox: text(judged.mailbox),
              ...(judged.owner ? { owner: traced(judged.owner) } : {}),
            })),
            ...(trace.acceptance.acceptingEntity ? { acceptingEntity: traced(trace.acceptance.acceptingEntity) } : {}),
          },
        }
      : {}),
    outcome: { ...trace.outcome, ...(trace.outcome.activityId !== undefined ? { activityId: id(trace.outcome.activityId) } : {}) },
  };
  if (Object.keys(omitted).length > 0) compact.omitted = omitted;
  return compact;
}

function candidate<T extends { activityId: string; internetMessageId: string; activityTime: string; subject?: string; regarding?: RecordRef }>(value: T): T {
  return {
    ...value,
    activityId: id(value.activityId),
    internetMessageId: text(value.internetMessageId),
    activityTime: shortened(value.activityTime, 40),
    ...(value.subject !== undefined ? { subject: text(value.subject) } : {}),
    ...(value.regarding ? { regarding: ref(value.regarding) } : {}),
  };
}

/** The sentence as stored: shortened like the trace. */
export function compactWhy(why: string): string {
  return shortened(why, LIMITS.why);
}
