// Server-side synchronization's error policy, as pure functions: which mailbox-level failures
// are permanent (disable the mailbox at once) and which are transient (retried; the mailbox is
// disabled only after `mailboxFailureLimit` consecutive failures, each counted at least
// `mailboxFailureIntervalInMinutes` after the one before). docs/operations.md shows the table.

/** The failure codes adapters translate Graph's errors into (src/app/errors.ts uses this list). */
export const GRAPH_FAILURE_CODES = [
  "temporary",
  "throttled",
  "notFound",
  "permission",
  "unauthenticated",
  "subscriptionGone",
  "cursorExpired",
  "invalidRequest",
] as const;

export type GraphFailureCode = (typeof GRAPH_FAILURE_CODES)[number];

/** What the policy is told about: a Graph failure, or the mailbox's address not being approved. */
export type MailboxFailureCode = GraphFailureCode | "approvalRequired";

export type FailureClass = "permanent" | "transient";

export interface FailureRule {
  class: FailureClass;
  /** The alert code raised when this failure disables the mailbox. */
  alertCode: string;
  /** What an admin does about it; shown with the alert. */
  whatToDo: string;
}

/**
 * Every code's class. Only failures about the mailbox reach the policy: a message deleted before
 * it was fetched, a subscription Graph removed or an expired delta link are handled where they
 * happen (finished, replaced, restarted) and are not failures of the mailbox.
 */
export const FAILURE_RULES: Readonly<Record<MailboxFailureCode, FailureRule>> = {
  permission: {
    class: "permanent",
    alertCode: "mailbox.permissionLost",
    whatToDo: "Grant the app access to this mailbox again (admin consent for Mail.Read, or the application access policy), then run Test & Enable.",
  },
  notFound: {
    class: "permanent",
    alertCode: "mailbox.gone",
    whatToDo: "The mailbox or its folder no longer exists in Exchange Online. Correct the address, or delete the mailbox here; then run Test & Enable.",
  },
  approvalRequired: {
    class: "permanent",
    alertCode: "mailbox.approvalRequired",
    whatToDo: "A Tracking.Approve holder approves the mailbox's email address; then run Test & Enable.",
  },
  temporary: {
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "Graph kept failing for this mailbox. Check Microsoft 365 service health, then run Test & Enable.",
  },
  throttled: {
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "Graph kept throttling this mailbox. Check for other apps using the mailbox heavily, then run Test & Enable.",
  },
  unauthenticated: {
    // The app's one credential is refused: every mailbox fails alike, and fixing the secret should
    // bring them all back without re-enabling each, so this is retried like a transient failure.
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "Graph refused the app's credentials (expired secret or certificate). Renew them, then run Test & Enable.",
  },
  invalidRequest: {
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "Graph kept rejecting requests for this mailbox. Look at the item-level log and the last error, then run Test & Enable.",
  },
  subscriptionGone: {
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "Subscriptions for this mailbox could not be kept. Run Test & Enable.",
  },
  cursorExpired: {
    class: "transient",
    alertCode: "mailbox.tooManyFailures",
    whatToDo: "The catch-up of this mailbox kept failing. Run Test & Enable.",
  },
};

export interface MailboxError {
  code: MailboxFailureCode;
  message: string;
  at: string;
}

/** Kept per mailbox between failures; absent (or cleared) after a success. */
export interface FailureCounter {
  consecutiveFailures: number;
  /** When the last counted failure happened: a failure sooner than the interval after it is not counted. */
  lastCountedAt: string;
  lastError: MailboxError;
}

export interface ErrorPolicySettings {
  mailboxFailureLimit: number;
  mailboxFailureIntervalInMinutes: number;
}

export interface PolicyAlert {
  level: "error" | "warning" | "information";
  code: string;
  message: string;
  whatToDo: string;
}

export type PolicyDecision =
  | { action: "retry"; counter: FailureCounter; counted: boolean }
  | { action: "disable"; counter: FailureCounter; why: "permanent" | "tooManyFailures"; alert: PolicyAlert };

export function classifyFailure(code: MailboxFailureCode): FailureClass {
  return FAILURE_RULES[code].class;
}

/** The decision on one more failure of a mailbox, given what was counted before. */
export function decideOnFailure(previous: FailureCounter | undefined, error: MailboxError, settings: ErrorPolicySettings): PolicyDecision {
  const rule = FAILURE_RULES[error.code];
  const intervalInMs = settings.mailboxFailureIntervalInMinutes * 60_000;
  // Retries in quick succession (the queue's own) are one failure, not many.
  const counted = !previous || Date.parse(error.at) - Date.parse(previous.lastCountedAt) >= intervalInMs;
  const counter: FailureCounter = {
    consecutiveFailures: (previous?.consecutiveFailures ?? 0) + (counted ? 1 : 0),
    lastCountedAt: counted ? error.at : (previous as FailureCounter).lastCountedAt,
    lastError: error,
  };
  if (rule.class === "permanent") {
    return {
      action: "disable",
      counter,
      why: "permanent",
      alert: { level: "error", code: rule.alertCode, message: `mailbox disabled: ${error.code}: ${error.message}`, whatToDo: rule.whatToDo },
    };
  }
  if (counter.consecutiveFailures >= settings.mailboxFailureLimit) {
    return {
      action: "disable",
      counter,
      why: "tooManyFailures",
      alert: {
        level: "error",
        code: rule.alertCode,
        message: `mailbox disabled after ${counter.consecutiveFailures} consecutive failures at least ${settings.mailboxFailureIntervalInMinutes} minutes apart; the last: ${error.code}: ${error.message}`,
        whatToDo: rule.whatToDo,
      },
    };
  }
  return { action: "retry", counter, counted };
}
