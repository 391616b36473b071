// Correlation: which earlier email activity a new email belongs with.
// The order is Dynamics' (In-Reply-To, tracking token, ConversationIndex, smart matching) with our
// References step right after In-Reply-To. The lookups themselves are I/O, so this module only says
// what to look up, in which order, and how to pick among what was found.
import type { Correlation, CorrelationMethod, OrganizationSettings } from "./types.js";
import { isForward } from "./subject.js";

/** One header- or token-based lookup, tried in order until one finds an activity. */
export interface CorrelationProbe {
  method: Exclude<CorrelationMethod, "smartMatching" | "none">;
  key: string;
}

/** Methods whose match makes the earlier email the parent (Dynamics' ParentActivityId). */
const HEADER_METHODS: ReadonlySet<CorrelationMethod> = new Set(["inReplyTo", "references", "conversationIndex"]);

export function messageIdKey(internetMessageId: string): string {
  return `mid:${internetMessageId}`;
}

export interface CorrelationFacts {
  subject: string;
  /** Every Message-ID of In-Reply-To, in header order. */
  inReplyTo: string[];
  /** Oldest first, as in the header. */
  references: string[];
  /** The message's own Message-ID: a reference to itself is never a correlation. */
  internetMessageId: string;
  trackingTokenKey?: string;
  conversationIndexKey?: string;
}

/**
 * The lookups to try, in order. `useCorrelation` governs the header methods (In-Reply-To,
 * References, ConversationIndex); `useTrackingTokens` the token. With
 * `doNotCorrelateForwardedEmailsAsReplies`, a forward is not linked through its headers (it
 * starts a new conversation) but an explicit tracking token still counts.
 */
export function correlationProbes(
  facts: CorrelationFacts,
  organization: Pick<
    OrganizationSettings,
    "useCorrelation" | "useTrackingTokens" | "doNotCorrelateForwardedEmailsAsReplies"
  >,
): CorrelationProbe[] {
  const probes: CorrelationProbe[] = [];
  const headersAllowed =
    organization.useCorrelation &&
    !(organization.doNotCorrelateForwardedEmailsAsReplies && isForward(facts.subject));
  const seen = new Set<string>([facts.internetMessageId]);

  if (headersAllowed) {
    // Every msg-id of In-Reply-To in order (RFC 5322 allows several), then References.
    for (const id of facts.inReplyTo) {
      if (seen.has(id)) continue;
      seen.add(id);
      probes.push({ method: "inReplyTo", key: messageIdKey(id) });
    }
  }
  if (headersAllowed) {
    // Newest reference first: the closest ancestor that was tracked is the parent.
    for (const reference of [...facts.references].reverse()) {
      if (seen.has(reference)) continue;
      seen.add(reference);
      probes.push({ method: "references", key: messageIdKey(reference) });
    }
  }
  if (organization.useTrackingTokens && facts.trackingTokenKey) {
    probes.push({ method: "trackingToken", key: facts.trackingTokenKey });
  }
  if (headersAllowed && facts.conversationIndexKey) {
    probes.push({ method: "conversationIndex", key: facts.conversationIndexKey });
  }
  return probes;
}

export interface CorrelationCandidate {
  activityId: string;
  internetMessageId: string;
}

/** The correlation recorded on the new activity for a hit of `method` on `candidate`. */
export function correlationFor(method: CorrelationMethod, candidate?: CorrelationCandidate): Correlation {
  if (method === "none" || !candidate) return { method: "none" };
  return {
    method,
    correlatedActivityId: candidate.activityId,
    internetMessageId: candidate.internetMessageId,
    ...(HEADER_METHODS.has(method) ? { parentActivityId: candidate.activityId } : {}),
  };
}

/** Most recent first; equal times fall back to the activity id so the choice is deterministic. */
export function compareByRecency(
  a: { activityTime: string; activityId: string },
  b: { activityTime: string; activityId: string },
): number {
  if (a.activityTime !== b.activityTime) return a.activityTime < b.activityTime ? 1 : -1;
  return a.activityId < b.activityId ? 1 : a.activityId > b.activityId ? -1 : 0;
}
