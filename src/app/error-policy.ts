// The imperative shell of the error policy (src/domain/error-policy.ts): counts a mailbox's
// failures in its sync-state document, disables the mailbox with an error alert when the policy
// says so, clears the count on a success, and re-arms the mailbox on a passed Test & Enable.
// Each mailbox's count is its own: a failing mailbox never holds up another's work.
import type { Alerts } from "./alerts.js";
import { GraphFailure } from "./errors.js";
import type { LiveTrackingStore, MailboxSyncState, TrackingStore } from "./ports.js";
import { createTtlCache } from "./ttl-cache.js";
import { decideOnFailure, type MailboxFailureCode, type PolicyDecision } from "../domain/error-policy.js";
import { defaultOrganizationSettings } from "../domain/settings.js";

/** How long this process trusts that a mailbox has no failures counted, so a success costs no read. */
const CLEAN_CACHE_TTL_IN_MS = 60_000;
const CLEAN_CACHE_MAX_ENTRIES = 10_000;

export interface ErrorPolicyDeps {
  store: TrackingStore;
  live: LiveTrackingStore;
  clock: () => Date;
  /** Where the policy's alerts go (src/app/alerts.ts). */
  alerts: Alerts;
  log?: (line: string) => void;
}

export type FailureAction = PolicyDecision["action"];

export function createErrorPolicy(deps: ErrorPolicyDeps) {
  const { store, live, clock } = deps;
  const log = deps.log ?? (() => {});
  // Per mailbox: whether a failure count is stored. Read at most once a minute per mailbox.
  const hasFailures = createTtlCache<boolean>({
    ttlInMs: CLEAN_CACHE_TTL_IN_MS,
    maxEntries: CLEAN_CACHE_MAX_ENTRIES,
    load: async (mailbox) => (await live.syncState.getSyncState(mailbox))?.failures !== undefined,
    clock,
  });

  async function alert(mailbox: string, input: Parameters<Alerts["raise"]>[1]): Promise<void> {
    await deps.alerts.raise(mailbox, input);
  }

  /**
   * One more failure of the mailbox (`during`: what was being done, for the alert and the log).
   * Returns "disable" when the mailbox is now disabled, else "retry".
   */
  async function recordFailure(mailbox: string, failure: { code: MailboxFailureCode; message: string }, during: string): Promise<FailureAction> {
    const address = mailbox.toLowerCase();
    hasFailures.delete(address);
    const settings = await store.settings.getMailbox(address);
    // A disabled mailbox's leftover work is finished, and counts nothing more.
    if (settings && !settings.enabled) return "disable";
    const organization = (await store.settings.getOrganization()) ?? defaultOrganizationSettings();
    const state = await live.syncState.getSyncState(address);
    const at = clock().toISOString();
    const decision = decideOnFailure(state?.failures, { code: failure.code, message: `${during}: ${failure.message}`, at }, organization);
    await live.syncState.putFailureCounter(address, decision.counter);
    if (decision.action === "retry") {
      log(
        `warning: mailbox ${address} failed (${during}): ${failure.code}: ${failure.message}; ` +
          `${decision.counter.consecutiveFailures} of ${organization.mailboxFailureLimit} consecutive failures`,
      );
      return "retry";
    }
    if (settings) {
      await store.settings.putMailbox({ ...settings, enabled: false });
      // Dynamics shows a mailbox disabled by errors with its incoming status Failure.
      const status = await store.settings.getMailboxStatus(address);
      await store.settings.putMailboxStatus(address, {
        incoming: { status: "failure", at, reason: decision.alert.message },
        outgoing: status?.outgoing ?? { status: "notRun" },
      });
      await alert(address, decision.alert);
      log(`error: mailbox ${address} disabled by the error policy (${decision.why}): ${decision.alert.message}`);
    }
    return "disable";
  }

  /** A GraphFailure goes to the policy; anything else (our bug, our storage) is not the mailbox's fault. */
  async function recordError(mailbox: string, error: unknown, during: string): Promise<FailureAction | undefined> {
    if (!(error instanceof GraphFailure)) return undefined;
    return recordFailure(mailbox, { code: error.code, message: error.message }, during);
  }

  /**
   * The mailbox worked: its consecutive failures are over. Costs nothing when this process knows
   * there is no count (or the caller passes the state it just read), else one read.
   */
  async function recordSuccess(mailbox: string, known?: { state: MailboxSyncState | undefined }): Promise<void> {
    const address = mailbox.toLowerCase();
    const counted = known ? known.state?.failures !== undefined : await hasFailures.get(address);
    if (!counted) return;
    await live.syncState.putFailureCounter(address, undefined);
    hasFailures.delete(address);
  }

  /** Test & Enable's hook: a pass starts the count afresh; either way the result is an alert. */
  async function recordTestAndEnable(mailbox: string, result: { passed: boolean; reason?: string }): Promise<void> {
    const address = mailbox.toLowerCase();
    if (result.passed) {
      await live.syncState.putFailureCounter(address, undefined);
      hasFailures.delete(address);
      await alert(address, { level: "information", code: "testAndEnable.succeeded", message: "Test & Enable passed; the mailbox is enabled" });
    } else {
      await alert(address, {
        level: "error",
        code: "testAndEnable.failed",
        message: `Test & Enable failed${result.reason ? `: ${result.reason}` : ""}; the mailbox stays disabled`,
        whatToDo: "Fix the cause shown in the incoming and outgoing status, then run Test & Enable again.",
      });
    }
  }

  return { recordFailure, recordError, recordSuccess, recordTestAndEnable };
}

export type ErrorPolicy = ReturnType<typeof createErrorPolicy>;
