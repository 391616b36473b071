// Background work from the notifications queue: fetch a notified message and track it, handle a
// lifecycle event, or catch a folder up with a delta query. Every path is idempotent: the
// activity id comes from the Message-ID, and a processed-message marker spares Graph the refetch
// of duplicates. A failure that may pass is thrown so the queue retries it; one that won't is
// recorded on the mailbox and the item is finished.
import type { Alerts } from "./alerts.js";
import { GraphFailure } from "./errors.js";
import type { ErrorPolicy } from "./error-policy.js";
import { domainFolder, isMailFolderName, isTrackedFolderKey } from "./folder-keys.js";
import { subscribedFolderId } from "./folder-subscriptions.js";
import type { HealthRecorder, ItemOutcome } from "./health.js";
import { isMessageId } from "./notification-fields.js";
import { MAX_MESSAGES_PER_BATCH, type LiveTrackingStore, type ProcessedMark, type MailboxSyncState, type MailFolderName, type MailGateway, type QueueItem, type TrackingStore, type WorkQueue } from "./ports.js";
import type { CategoryTracking } from "./categories.js";
import type { SubscriptionManager } from "./subscriptions.js";
import type { TrackResult, Tracker } from "./track-message.js";
import { MAX_CATEGORY_ATTEMPTS } from "../domain/categories.js";
import { normalizeAddress } from "../domain/address.js";
import { defaultOrganizationSettings } from "../domain/settings.js";
import type { GraphMessage } from "../domain/types.js";
import { parseEncryptedContent, type ResourceDataFallback, type ResourceDataOpener } from "./resource-data.js";

export interface WorkProcessorDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  gateway: MailGateway;
  tracker: Tracker;
  /** Where deferred work goes back to. */
  queue: WorkQueue;
  subscriptions: SubscriptionManager;
  clock: () => Date;
  /** The queue's dequeue limit: the last attempt records its failure on the mailbox. */
  maxDequeueCount: number;
  /** A fresh delta with no start date looks back this far. Default 7 days. */
  catchUpLookbackInDays?: number;
  log?: (line: string) => void;
  /** Keeps mailboxes' subscriptions from the schedule (items of kind "maintain", src/app/scheduler.ts). */
  maintenance?: { maintain(item: Extract<QueueItem, { kind: "maintain" }>): Promise<unknown> };
  /** Sends outgoing email (queue items of kind "send"); without it such items are skipped. */
  outgoing?: { processSend(item: Extract<QueueItem, { kind: "send" }>): Promise<{ status: string }> };
  /** Replays what-if runs (queue items of kind "whatIf", src/app/what-if-worker.ts); without it such items are skipped. */
  whatIf?: { process(item: Extract<QueueItem, { kind: "whatIf" }>, options: { lastAttempt: boolean }): Promise<{ status: string }> };
  /** Told about every tracking decision (the local console, metrics). */
  /** Counts mailbox failures and disables a mailbox that keeps failing (src/app/error-policy.ts). */
  errorPolicy?: ErrorPolicy;
  /** Mailbox alerts (src/app/alerts.ts); without it they are recorded as mailbox events only. */
  alerts?: Alerts;
  /** Keeps each mailbox's health and item-level log (src/app/health.ts). */
  health?: HealthRecorder;
  /** Rich notifications: opens the resource data a change item carries (src/app/resource-data.ts). */
  resourceData?: ResourceDataOpener;
  /** Category tracking (src/app/categories.ts): `updated` work and category retries; without it they are skipped. */
  categories?: CategoryTracking;
  onDecision?: (decision: { mailbox: string; folder: MailFolderName; result: TrackResult; via: "notification" | "catchUp" }) => void;
}

function summarize(outcome: { results: TrackResult[]; alreadyProcessed: number; gone: number; denied: number; elsewhere: number; fetched: number; fromResourceData: number }) {
  return {
    fetched: outcome.fetched,
    fromResourceData: outcome.fromResourceData,
    tracked: outcome.results.filter((result) => result.tracked).length,
    alreadyProcessed: outcome.alreadyProcessed,
    gone: outcome.gone,
    denied: outcome.denied,
    elsewhere: outcome.elsewhere,
  };
}

/** How long a claim keeps duplicates away; longer than any fetch-and-track should take. */
const CLAIM_LEASE_IN_MS = 5 * 60_000;

/** After a notification is poisoned, its mailbox is swept this much later. */
const POISONED_SWEEP_DELAY_IN_MS = 15 * 60_000;

/** Work whose messages another worker holds is put back this long, at most this often. */
const DEFERRAL_DELAY_IN_SECONDS = 2;
const MAX_DEFERRALS = 5;

export type WorkOutcome =
  | {
      kind: "notified";
      tracked: number;
      alreadyProcessed: number;
      gone: number;
      denied: number;
      elsewhere: number;
      deferred: number;
      /** Messages read from Graph, and messages decided from the notification's own resource data. */
      fetched: number;
      fromResourceData: number;
      /** Resource data carried but not usable, by reason (each of those messages was fetched). */
      resourceDataFallbacks: Partial<Record<ResourceDataFallback, number>>;
    }
  | { kind: "lifecycleHandled" }
  | { kind: "caughtUp"; tracked: number; seen: number; restarted: boolean }
  | { kind: "sendProcessed"; status: string }
  | { kind: "categoryRetried"; tracked: boolean }
  | { kind: "maintained" }
  | { kind: "whatIfProcessed"; status: string }
  | { kind: "skipped"; reason: string };

export function createWorkProcessor(deps: WorkProcessorDeps) {
  const { live, gateway, tracker, clock } = deps;
  const log = deps.log ?? (() => {});

  async function record(mailbox: string, level: "error" | "warning" | "information", code: string, message: string, messageId?: string) {
    await live.syncState.recordEvent(mailbox, {
      at: clock().toISOString(),
      level,
      code,
      message,
      ...(messageId ? { messageId } : {}),
    });
  }

  /** An alert when wired (it also becomes a mailbox event), else only the event. */
  async function alert(mailbox: string, input: Parameters<Alerts["raise"]>[1]): Promise<void> {
    if (deps.alerts) await deps.alerts.raise(mailbox, input);
    else await record(mailbox, input.level, input.code, input.message, input.messageId);
  }

  /**
   * Claims, fetches (one request, or one $batch for up to 20) and tracks messages of one folder.
   * Messages another worker holds are left to it on a first attempt (`busy`) and taken on a retry.
   * Deleted messages are recorded and finished; a permission failure is recorded and left to the
   * catch-up; any other failure is thrown after the rest are done, so the queue retries the item.
   */
  async function fetchAndTrack(
    mailbox: string,
    folder: MailFolderName,
    messageIds: string[],
    /**
     * `retry`: take messages other workers hold (a redelivered item, or the catch-up).
     * `folderId`: the subscribed folder's id; a message whose parentFolderId differs is not tracked.
     * `supplied`: messages already in hand (a rich notification's resource data): not fetched.
     * `lastAttempt`: the queue gives the item up if it fails now (its failures are final).
     */
    options: { via: "notification" | "catchUp"; retry: boolean; folderId?: string; supplied?: ReadonlyMap<string, GraphMessage>; lastAttempt?: boolean },
  ): Promise<{ results: TrackResult[]; busy: string[]; gone: number; denied: number; alreadyProcessed: number; elsewhere: number; fetched: number; fromResourceData: number }> {
    const outcome = { results: [] as TrackResult[], busy: [] as string[], gone: 0, denied: 0, alreadyProcessed: 0, elsewhere: 0, fetched: 0, fromResourceData: 0 };
    const toFetch: string[] = [];
    // A message moved into a tracked folder was often handled in the Inbox already: each tracked
    // folder keeps its own markers, so the move is decided (and the regarding set) once.
    const marker = (messageId: string) => (isTrackedFolderKey(folder) ? `${messageId}@${folder}` : messageId);
    // At most 20 ids (one $batch): claimed together, one request when none was claimed before.
    const claims = await live.processed.claimMany(mailbox, messageIds.map(marker), { leaseInMs: CLAIM_LEASE_IN_MS, now: clock() });
    messageIds.forEach((messageId, index) => {
      const claim = claims[index];
      if (claim === "processed") outcome.alreadyProcessed += 1;
      else if (claim === "claimed" || options.retry) toFetch.push(messageId);
      else outcome.busy.push(messageId);
    });
    if (toFetch.length === 0) return outcome;
    const inHand = toFetch.filter((messageId) => options.supplied?.has(messageId)).map((messageId) => ({ messageId, message: options.supplied?.get(messageId) }));
    const toRead = toFetch.filter((messageId) => !options.supplied?.has(messageId));
    outcome.fromResourceData = inHand.length;
    outcome.fetched = toRead.length;
    const read =
      toRead.length === 0
        ? []
        : toRead.length === 1
          ? [await fetchOne(mailbox, toRead[0] as string, folder)]
          : await gateway.getMessages(mailbox, toRead, { folder });
    const fetched: Array<{ messageId: string; message?: GraphMessage | undefined; failure?: GraphFailure }> = [...inHand, ...read];
    let failure: GraphFailure | undefined;
    let denial: GraphFailure | undefined;
    const logged: ItemOutcome[] = [];
    // Written after the loop, with the log entries and counts (one request: src/app/health.ts).
    const marks: ProcessedMark[] = [];
    for (const item of fetched) {
      if (item.message && options.folderId !== undefined && item.message.parentFolderId !== options.folderId) {
        // Notified as mail of this folder, but it is elsewhere (moved before the fetch, or a forged
        // notification): not tracked under the wrong folder, and not marked processed, so if it
        // comes back Graph notifies it again and it is tracked then.
        await record(mailbox, "information", "message.notInFolder", `message notified for ${folder} is in another folder; not tracked`, item.messageId);
        outcome.elsewhere += 1;
        logged.push({ messageId: item.messageId, outcome: "skipped", reason: "notInFolder", ...(item.message.subject ? { subject: item.message.subject } : {}) });
      } else if (item.message) {
        const result = await tracker.track({ message: item.message, mailbox, folder: domainFolder(folder), mailboxIndex: "deferred" });
        // A tracked folder the settings (cached for up to their TTL) don't list yet is decided
        // again next time, not marked as done.
        if (result.reason !== "folderNotTracked") {
          marks.push({ graphMessageId: marker(item.messageId), reason: result.reason, ...(result.activityId ? { activityId: result.activityId } : {}) });
        }
        deps.onDecision?.({ mailbox, folder, result, via: options.via });
        outcome.results.push(result);
        logged.push({
          messageId: item.messageId,
          outcome: result.tracked ? "tracked" : "skipped",
          reason: result.reason,
          ...(item.message.subject ? { subject: item.message.subject } : {}),
          internetMessageId: result.internetMessageId,
          ...(result.activityId ? { activityId: result.activityId } : {}),
        });
      } else if (item.failure?.code === "notFound") {
        // Deleted or moved before we got to it: nothing to track, nothing to retry.
        marks.push({ graphMessageId: marker(item.messageId), reason: "messageGone" });
        await record(mailbox, "information", "message.gone", "message deleted or moved before it was fetched", item.messageId);
        outcome.gone += 1;
        logged.push({ messageId: item.messageId, outcome: "skipped", reason: "messageGone" });
      } else if (item.failure?.code === "permission" || item.failure?.code === "unauthenticated") {
        // Retrying won't help until an admin grants access (or fixes the app's credentials); the
        // catch-up recovers the mail then.
        const code = item.failure.code === "permission" ? "graph.permission" : "graph.credentials";
        await record(mailbox, "error", code, item.failure.message, item.messageId);
        outcome.denied += 1;
        denial ??= item.failure;
        logged.push({ messageId: item.messageId, outcome: "failed", reason: item.failure.code, error: { code: item.failure.code, message: item.failure.message } });
      } else if (item.failure) {
        failure ??= item.failure;
        logged.push({
          messageId: item.messageId,
          outcome: "failed",
          reason: item.failure.code,
          error: { code: item.failure.code, message: item.failure.message },
          ...(options.lastAttempt === true ? {} : { retried: true }),
        });
      }
    }
    // The mailbox index entries of the item's activities, one request, before the markers say
    // the messages are done: after a crash between the two they are processed (and indexed) again.
    // Also for activities found already stored: that heals an earlier crash after the create.
    const indexed = outcome.results.flatMap((result) => (result.activity && result.activity.receivingMailbox === normalizeAddress(mailbox) ? [result.activity] : []));
    if (indexed.length > 0) await deps.store.activities.putMailboxIndex(indexed);
    if (deps.health) await deps.health.recordItems(mailbox, folder, options.via, logged, { markers: marks });
    else if (marks.length > 0) await live.batches.commit(mailbox, { markers: marks });
    // Mail held back because the mailbox's address is not approved (it was rejected after it was
    // enabled): a permanent mailbox-level failure, as in Dynamics, which disables it with an alert.
    if (outcome.results.some((result) => result.reason === "mailboxNotApproved")) {
      await deps.errorPolicy?.recordFailure(mailbox, { code: "approvalRequired", message: "the mailbox's email address is not approved" }, `processing ${folder} messages`);
    }
    // Access denied is the mailbox's problem, not the item's: the error policy decides (once per batch).
    if (denial) await deps.errorPolicy?.recordFailure(mailbox, denial, `fetching ${folder} messages`);
    if (failure) throw failure;
    return outcome;
  }

  async function fetchOne(mailbox: string, messageId: string, folder: MailFolderName) {
    try {
      return { messageId, message: await gateway.getMessage(mailbox, messageId, { folder }) };
    } catch (error) {
      if (error instanceof GraphFailure) return { messageId, failure: error };
      throw error;
    }
  }

  async function processChange(item: Extract<QueueItem, { kind: "change" }>, meta: { dequeueCount: number }): Promise<WorkOutcome> {
    // Changed, not new: the folder's delta says what changed (categories included) in one request,
    // instead of a fetch per notified message (src/app/categories.ts).
    if (item.changeType === "updated") {
      return deps.categories ? catchUp(item.mailbox, item.folder, "messages updated", { lastAttempt: meta.dequeueCount >= deps.maxDequeueCount }) : { kind: "skipped", reason: "category tracking is not wired" };
    }
    // Resource data is opened first (CPU only); what it can't supply completely is fetched.
    const opened = item.encryptedContent && deps.resourceData ? await deps.resourceData.open(item.encryptedContent, { folder: item.folder }) : undefined;
    const notOpened = item.encryptedContent && !deps.resourceData ? Object.keys(item.encryptedContent).length : 0;
    const outcome = await fetchAndTrack(item.mailbox, item.folder, item.messageIds, {
      via: "notification",
      retry: meta.dequeueCount > 1 || (item.deferrals ?? 0) >= MAX_DEFERRALS,
      lastAttempt: meta.dequeueCount >= deps.maxDequeueCount,
      ...(item.folderId !== undefined ? { folderId: item.folderId } : {}),
      ...(opened ? { supplied: opened.messages } : {}),
    });
    const resourceDataFallbacks = { ...opened?.fallbacks, ...(notOpened > 0 ? { unknownCertificate: notOpened } : {}) };
    if (outcome.busy.length > 0) {
      // A duplicate notification while another worker fetches the same message: look again in a
      // moment, when it will most likely be processed. A retry, or work deferred often enough,
      // goes ahead regardless, so a worker that died holding the claim never loses the message.
      const deferrals = (item.deferrals ?? 0) + 1;
      const { encryptedContent, ...rest } = item;
      const kept = encryptedContent ? Object.fromEntries(outcome.busy.flatMap((id) => (encryptedContent[id] ? [[id, encryptedContent[id]]] : []))) : {};
      await deps.queue.enqueue([{ ...rest, messageIds: outcome.busy, deferrals, ...(Object.keys(kept).length > 0 ? { encryptedContent: kept } : {}) }], { delayInSeconds: DEFERRAL_DELAY_IN_SECONDS });
    }
    return { kind: "notified", ...summarize(outcome), deferred: outcome.busy.length, resourceDataFallbacks };
  }

  /** `lastAttempt`: the queue item's last (its failures are final for the health counts). */
  async function catchUp(mailbox: string, folder: MailFolderName, reason: string, options: { lastAttempt?: boolean } = {}): Promise<WorkOutcome> {
    const lastAttempt = options.lastAttempt === true;
    const settings = await deps.store.settings.getMailbox(mailbox);
    if (!settings || !settings.enabled) return { kind: "skipped", reason: "mailbox not enabled" };
    const state = await live.syncState.getSyncState(mailbox);
    const lookbackInMs = (deps.catchUpLookbackInDays ?? 7) * 86_400_000;
    const receivedAfter = settings.processEmailReceivedAfter ?? new Date(clock().getTime() - lookbackInMs).toISOString();
    const storedLink = state?.deltaLinks[folder];
    // A tracked folder's fresh delta goes by the Graph id its subscription found.
    const folderId = await subscribedFolderId(live, mailbox, folder);
    if (isTrackedFolderKey(folder) && folderId === undefined) return { kind: "skipped", reason: "tracked folder not subscribed" };
    const byId = folderId !== undefined ? { folderId } : {};
    log(`catch-up ${mailbox}/${folder} (${reason}) from ${storedLink ? "the stored delta link" : receivedAfter}`);
    try {
      try {
        return await runDelta(mailbox, folder, { ...(storedLink ? { deltaLink: storedLink } : { receivedAfter }), ...byId }, { restarted: false, state, reason, lastAttempt });
      } catch (error) {
        if (!(error instanceof GraphFailure && error.code === "cursorExpired") || !storedLink) throw error;
        const message = `delta link for ${folder} expired; starting a fresh delta from ${receivedAfter}`;
        await deps.health?.gapOpened(mailbox, folder, "deltaReset", message);
        await alert(mailbox, { level: "warning", code: "delta.expired", message, folder, whatToDo: "Nothing: the fresh delta reads the folder again from the start date; mail it finds is tracked once." });
        return await runDelta(mailbox, folder, { receivedAfter, ...byId }, { restarted: true, state, reason, lastAttempt });
      }
    } catch (error) {
      await deps.health?.catchUpFailed(mailbox, folder, {
        code: error instanceof GraphFailure ? error.code : "unexpected",
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  async function runDelta(
    mailbox: string,
    folder: MailFolderName,
    start: { deltaLink?: string; receivedAfter?: string; folderId?: string },
    /** `state`: the sync state read before the delta (the error policy's count is in it). */
    options: { restarted: boolean; state: MailboxSyncState | undefined; reason: string; lastAttempt: boolean },
  ): Promise<WorkOutcome> {
    const { restarted } = options;
    // Everything received before this moment is in what the delta returns: the coverage it gives.
    const startedAt = clock().toISOString();
    let tracked = 0;
    let seen = 0;
    let deltaLink: string | undefined;
    const organization = deps.categories ? ((await deps.store.settings.getOrganization()) ?? defaultOrganizationSettings()) : undefined;
    for await (const page of gateway.delta(mailbox, folder, start)) {
      seen += page.messages.length;
      const ids = page.messages.map((message) => message.id);
      // The catch-up takes claimed messages too: it is about to move the delta link past them, and a
      // claim may belong to a worker that died or gave up (poisoned, access denied). Tracking is
      // idempotent, so a race costs at most one extra fetch. A failure is thrown with the delta
      // link not advanced; pages already handled are marked, so the retry is cheap.
      for (let start = 0; start < ids.length; start += MAX_MESSAGES_PER_BATCH) {
        const outcome = await fetchAndTrack(mailbox, folder, ids.slice(start, start + MAX_MESSAGES_PER_BATCH), { via: "catchUp", retry: true, lastAttempt: options.lastAttempt });
        tracked += outcome.results.filter((result) => result.created).length;
      }
      // Then what changed about mail already handled: the tracking category given or taken away.
      if (deps.categories && organization) tracked += (await deps.categories.onChangedMessages(mailbox, folder, page.messages, organization)).tracked;
      if (page.deltaLink) deltaLink = page.deltaLink;
    }
    const completedAt = clock().toISOString();
    await live.syncState.putDeltaLink(mailbox, folder, deltaLink, { caughtUpAt: completedAt });
    await deps.errorPolicy?.recordSuccess(mailbox, { state: options.state });
    await deps.health?.catchUpCompleted(mailbox, folder, { startedAt, completedAt, found: tracked, seen, reason: options.reason, restarted });
    if (tracked > 0) {
      await alert(mailbox, {
        level: "warning",
        code: "catchUp.tracked",
        message: `${tracked} found by catch-up: the catch-up of ${folder} tracked ${tracked} message(s) that notifications had not delivered`,
        folder,
        occurrence: `${folder} ${startedAt}`,
        whatToDo: "Nothing for these messages. If it happens often, check that the webhook answers quickly and is reachable from Microsoft Graph.",
      });
    }
    return { kind: "caughtUp", tracked, seen, restarted };
  }

  /** One queue item. Throws to ask the queue for a retry. */
  async function process(item: QueueItem, meta: { dequeueCount: number }): Promise<WorkOutcome> {
    // Outside the error policy: a what-if is no mailbox's work, and writes nothing live.
    if (item.kind === "whatIf") {
      if (!deps.whatIf) return { kind: "skipped", reason: "what-if is not wired" };
      return { kind: "whatIfProcessed", ...(await deps.whatIf.process(item, { lastAttempt: meta.dequeueCount >= deps.maxDequeueCount })) };
    }
    try {
      switch (item.kind) {
        case "change": {
          const outcome = await processChange(item, meta);
          if (outcome.kind === "notified" && outcome.denied === 0) await deps.errorPolicy?.recordSuccess(item.mailbox);
          return outcome;
        }
        case "lifecycle":
          await deps.subscriptions.handleLifecycle(item);
          return { kind: "lifecycleHandled" };
        case "catchUp":
          return await catchUp(item.mailbox, item.folder, item.reason, { lastAttempt: meta.dequeueCount >= deps.maxDequeueCount });
        case "category":
          if (!deps.categories) return { kind: "skipped", reason: "category tracking is not wired" };
          return { kind: "categoryRetried", ...(await deps.categories.retry(item)) };
        case "maintain":
          if (!deps.maintenance) return { kind: "skipped", reason: "the schedule is not wired" };
          await deps.maintenance.maintain(item);
          return { kind: "maintained" };
        case "send":
          if (!deps.outgoing) return { kind: "skipped", reason: "outgoing email is not wired" };
          return { kind: "sendProcessed", ...(await deps.outgoing.processSend(item)) };
      }
    } catch (error) {
      const action = await deps.errorPolicy?.recordError(item.mailbox, error, `processing a ${item.kind} item`).catch((policyError: unknown) => {
        log(`error: mailbox ${item.mailbox}: the error policy could not record a failure: ${policyError instanceof Error ? policyError.message : String(policyError)}`);
        return undefined;
      });
      // A disabled mailbox's work is finished, not retried: Test & Enable catches it up.
      if (action === "disable") return { kind: "skipped", reason: "mailbox disabled by the error policy" };
      if (meta.dequeueCount >= deps.maxDequeueCount) {
        // The queue moves the item to the poison queue after this attempt: say why on the mailbox.
        const code = error instanceof GraphFailure ? `graph.${error.code}` : "unexpected";
        const message = `${item.kind} item failed ${meta.dequeueCount} times: ${error instanceof Error ? error.message : String(error)}`;
        // Send and maintain items are of no one folder.
        const folder = "folder" in item ? item.folder : undefined;
        if (folder !== undefined) await deps.health?.gapOpened(item.mailbox, folder, "poisoned", message);
        await alert(item.mailbox, {
          level: "error",
          code: `poisoned.${code}`,
          message,
          ...(folder !== undefined ? { folder } : {}),
          ...(item.kind === "change" ? { messageId: item.messageIds.join(" "), occurrence: `${item.folder} ${item.messageIds.join(" ")}` } : {}),
          whatToDo: "Fix the cause (see the item-level log and the last error); the next catch-up tracks the messages.",
        }).catch(() => undefined);
        // A notification given up on: the mailbox's sweep is brought forward, so its folders are
        // caught up in a while (not at once: what failed five times is likely still failing).
        if (item.kind === "change") {
          const dueAt = new Date(clock().getTime() + POISONED_SWEEP_DELAY_IN_MS).toISOString();
          await live.schedule.putEntry({ kind: "sweep", mailbox: item.mailbox, dueAt }).catch(() => undefined);
        }
      }
      throw error;
    }
  }

  return { process, catchUp };
}

export type WorkProcessor = ReturnType<typeof createWorkProcessor>;

/** Parses a queue message body into a work item, or says why it can't. */
export function parseQueueItem(value: unknown): { ok: true; item: QueueItem } | { ok: false; reason: string } {
  const parsed = typeof value === "string" ? safeJson(value) : value;
  if (typeof parsed !== "object" || parsed === null) return { ok: false, reason: "queue item is not a JSON object" };
  const item = parsed as Record<string, unknown>;
  if (item.kind === "send") {
    return typeof item.mailbox === "string" && item.mailbox.length > 0 && typeof item.outgoingId === "string" && item.outgoingId.length > 0
      ? { ok: true, item: item as QueueItem }
      : { ok: false, reason: "send item needs mailbox and outgoingId" };
  }
  if (item.kind === "whatIf") {
    return typeof item.runId === "string" && item.runId.length > 0 && typeof item.mailbox === "string" && (item.deferrals === undefined || Number.isInteger(item.deferrals))
      ? { ok: true, item: item as QueueItem }
      : { ok: false, reason: "whatIf item needs runId and mailbox" };
  }
  if (item.kind === "maintain") {
    return typeof item.mailbox === "string" && item.mailbox.length > 0 && (item.task === "renew" || item.task === "sweep")
      ? { ok: true, item: item as QueueItem }
      : { ok: false, reason: "maintain item needs mailbox and task (renew or sweep)" };
  }
  const folderOk = isMailFolderName(item.folder);
  const str = (key: string) => typeof item[key] === "string" && (item[key] as string).length > 0;
  if (!str("mailbox") || !folderOk) return { ok: false, reason: "queue item needs mailbox and folder (inbox, sentitems or tracked:<name>)" };
  switch (item.kind) {
    case "change":
      return validMessageIds(item.messageIds) &&
        str("subscriptionId") &&
        (item.changeType === undefined || item.changeType === "updated") &&
        (item.deferrals === undefined || Number.isInteger(item.deferrals)) &&
        (item.folderId === undefined || str("folderId")) &&
        validEncryptedContent(item.encryptedContent, item.messageIds as string[])
        ? { ok: true, item: item as QueueItem }
        : { ok: false, reason: "change item needs subscriptionId and 1 to 20 messageIds" };
    case "lifecycle":
      return str("subscriptionId") && str("lifecycleEvent") ? { ok: true, item: item as QueueItem } : { ok: false, reason: "lifecycle item needs subscriptionId and lifecycleEvent" };
    case "catchUp":
      return { ok: true, item: item as QueueItem };
    case "category":
      return isMessageId(item.messageId) && Number.isInteger(item.attempt) && (item.attempt as number) >= 1 && (item.attempt as number) <= MAX_CATEGORY_ATTEMPTS
        ? { ok: true, item: item as QueueItem }
        : { ok: false, reason: `category item needs messageId and an attempt from 1 to ${MAX_CATEGORY_ATTEMPTS}` };
    default:
      return { ok: false, reason: `unknown queue item kind ${JSON.stringify(item.kind)}` };
  }
}

/** Absent, or content for some of the item's own message ids, each in Graph's shape. */
function validEncryptedContent(value: unknown, messageIds: string[]): boolean {
  if (value === undefined) return true;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(([id, content]) => messageIds.includes(id) && parseEncryptedContent(content) !== undefined);
}

function validMessageIds(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_MESSAGES_PER_BATCH &&
    value.every((id) => isMessageId(id))
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
