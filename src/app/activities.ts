// Tracked activities for the administration API: list, read with the decision's explanation,
// re-link or unlink (one activity or its whole conversation, recorded with who, when and why),
// and track a given message on a user's request, bypassing the mailbox's filter.
import { lookupEntriesFor } from "../domain/activity.js";
import { conversationOf, type ActivityFilter } from "../domain/activity-index.js";
import { normalizeAddress } from "../domain/address.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { EmailActivity, Folder, RecordRef, RegardingChange } from "../domain/types.js";
import { AdminError } from "./admin-errors.js";
import { GraphFailure } from "./errors.js";
import type { ActivityPage, MailGateway, TrackingStore } from "./ports.js";
import type { TrackResult, Tracker } from "./track-message.js";

export interface Actor {
  /** Entra ID object id of the person. */
  oid: string;
  name?: string;
}

/** At most this many activities are changed by one conversation-wide re-link. */
export const MAX_CONVERSATION_ACTIVITIES = 500;
import { MAX_REGARDING_CHANGES } from "../domain/refile.js";
export { MAX_REGARDING_CHANGES };
const PAGE = 100;

export interface RelinkInput {
  activityId: string;
  /** Undefined: unlink. */
  regarding?: RecordRef;
  scope: RegardingChange["scope"];
  reason?: string;
  by: Actor;
  /** Change only activities this mailbox received (a mailbox owner acting on a conversation). */
  onlyMailbox?: string;
}

export interface RelinkResult {
  /** The activities whose regarding changed (already right: left out). */
  changed: EmailActivity[];
  unchanged: number;
}

export interface TrackGivenMessageInput {
  mailbox: string;
  /** Exactly one of these names the message. */
  graphMessageId?: string;
  internetMessageId?: string;
  regarding?: RecordRef;
  by: Actor;
}

export function createActivityAdmin(deps: { store: TrackingStore; gateway: MailGateway; tracker: Tracker; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const { store } = deps;

  function listActivities(filter: ActivityFilter, page: { limit: number; continuationToken?: string }): Promise<ActivityPage> {
    const normalised = "mailbox" in filter ? { ...filter, mailbox: normalizeAddress(filter.mailbox) } : filter;
    return store.activities.listActivities(normalised, page);
  }

  async function requireActivity(id: string): Promise<EmailActivity> {
    const activity = await store.activities.getActivity(id);
    if (!activity) throw new AdminError("notFound", `no activity ${id}`, { field: "id" });
    return activity;
  }

  /** Every activity of a conversation (bounded), in listing order. */
  async function conversationActivities(conversationId: string): Promise<EmailActivity[]> {
    const found: EmailActivity[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await store.activities.listActivities({ conversationId }, { limit: PAGE, ...(continuationToken ? { continuationToken } : {}) });
      found.push(...page.items);
      continuationToken = page.continuationToken;
      if (found.length > MAX_CONVERSATION_ACTIVITIES) {
        throw new AdminError("refused", `the conversation has more than ${MAX_CONVERSATION_ACTIVITIES} activities; re-link them one by one`, { field: "scope" });
      }
    } while (continuationToken);
    return found;
  }

  /**
   * Sets (or clears) the regarding record and rewrites the activity's correlation lookups, so a
   * later reply inherits the corrected regarding. Idempotent: an activity already linked as asked
   * is left alone, so a retried request records nothing twice.
   */
  async function relink(input: RelinkInput): Promise<RelinkResult> {
    const activity = await requireActivity(input.activityId);
    const inConversation = input.scope === "conversation" ? await conversationActivities(conversationOf(activity)) : [activity];
    if (!inConversation.some((target) => target.id === activity.id)) inConversation.push(activity);
    const only = input.onlyMailbox === undefined ? undefined : normalizeAddress(input.onlyMailbox);
    const targets = only === undefined ? inConversation : inConversation.filter((target) => target.receivingMailbox === only);
    const organization = (await store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const at = clock().toISOString();
    const changed: EmailActivity[] = [];
    for (const target of targets) {
      let change: RegardingChange | undefined;
      const updated = await store.activities.updateActivity(target.id, (current) => {
        if (sameRecord(current.regarding, input.regarding)) return undefined;
        change = {
          at,
          by: { oid: input.by.oid, ...(input.by.name ? { name: input.by.name } : {}) },
          action: input.regarding ? "relink" : "unlink",
          scope: input.scope,
          ...(current.regarding ? { from: current.regarding } : {}),
          ...(input.regarding ? { to: input.regarding } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
        };
        const { regarding: _old, ...rest } = current;
        return {
          ...rest,
          ...(input.regarding ? { regarding: input.regarding } : {}),
          regardingChanges: [...(current.regardingChanges ?? []), change].slice(-MAX_REGARDING_CHANGES),
        };
      });
      if (!updated || !change) continue;
      // The last write of an activity's entry wins for readers, so this replaces the regarding
      // that later replies inherit through In-Reply-To, the token or the conversation index.
      await store.lookups.putEntries(lookupEntriesFor(updated, { smartMatching: organization.useSmartMatching }));
      changed.push(updated);
    }
    return { changed, unchanged: targets.length - changed.length };
  }

  async function trackGivenMessage(input: TrackGivenMessageInput): Promise<TrackResult> {
    const mailbox = normalizeAddress(input.mailbox);
    if (!(await store.settings.getMailbox(mailbox))) throw new AdminError("notFound", `mailbox ${mailbox} is not configured`, { field: "mailbox" });
    if ((input.graphMessageId === undefined) === (input.internetMessageId === undefined)) {
      throw new AdminError("invalid", "name the message by exactly one of graphMessageId and internetMessageId", { field: "graphMessageId" });
    }
    const graphId = input.graphMessageId ?? (await findByMessageId(mailbox, input.internetMessageId as string));
    const { message, folder } = await readWithFolder(mailbox, graphId);
    const result = await deps.tracker.track({
      message,
      mailbox,
      folder,
      manual: { reason: "trackedByUser", ...(input.regarding ? { regarding: input.regarding } : {}) },
    });
    // Tracked before (automatically or by someone else): asking again with a regarding sets it.
    if (result.reason === "alreadyTracked" && result.activityId && input.regarding && !sameRecord(result.regarding, input.regarding)) {
      const relinked = await relink({ activityId: result.activityId, regarding: input.regarding, scope: "activity", reason: "set when tracking the message", by: input.by });
      const activity = relinked.changed[0];
      if (activity) return { ...result, activity, regarding: input.regarding };
    }
    return result;
  }

  async function findByMessageId(mailbox: string, internetMessageId: string): Promise<string> {
    const found = await graphCall(() => deps.gateway.findMessagesByInternetMessageId(mailbox, internetMessageId), "internetMessageId");
    const sent = found.find((message) => !message.isDraft);
    if (!sent) throw new AdminError("notFound", `no message with Message-ID ${internetMessageId} in ${mailbox}`, { field: "internetMessageId" });
    return sent.id;
  }

  /** Reads the message as the pipeline would in its folder: Sent Items copies carry no headers. */
  async function readWithFolder(mailbox: string, graphId: string) {
    const asInbox = await graphCall(() => deps.gateway.getMessage(mailbox, graphId, { folder: "inbox" }), "graphMessageId");
    const sentItems = await graphCall(() => deps.gateway.getFolderId(mailbox, "sentitems"), "mailbox");
    if (asInbox.parentFolderId && asInbox.parentFolderId === sentItems) {
      const message = await graphCall(() => deps.gateway.getMessage(mailbox, graphId, { folder: "sentitems" }), "graphMessageId");
      return { message, folder: { kind: "sentitems" } as Folder };
    }
    return { message: asInbox, folder: { kind: "inbox" } as Folder };
  }

  return {
    listActivities,
    /**
     * The activity with the decision's explanation: the engine's trace and sentence as stored with
     * it (src/domain/explain.ts); null for an activity tracked before explanations were stored.
     */
    async getActivity(id: string): Promise<{ activity: EmailActivity; explanation: EmailActivity["explanation"] | null }> {
      const activity = await requireActivity(id);
      return { activity, explanation: activity.explanation ?? null };
    },
    relink,
    trackGivenMessage,
  };
}

export type ActivityAdmin = ReturnType<typeof createActivityAdmin>;

function sameRecord(a: RecordRef | undefined, b: RecordRef | undefined): boolean {
  return a?.type === b?.type && a?.id === b?.id;
}

/** A Graph "not found" becomes the caller's 404 on the field that named the message. */
async function graphCall<T>(run: () => Promise<T>, field: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GraphFailure && error.code === "notFound") throw new AdminError("notFound", error.message, { field });
    throw error;
  }
}
