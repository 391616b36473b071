// Why an administration use case refused a request, in terms a caller can act on. The API maps
// the code to an HTTP status (src/api); the CLI prints the message.

export type AdminErrorCode =
  /** The activity, record, mailbox or email named does not exist. */
  | "notFound"
  /** The request contradicts the stored state (e.g. an Idempotency-Key reused for another request). */
  | "conflict"
  /** Refused by a rule: the mailbox may not send, the email is not a draft any more, … */
  | "refused"
  /** A value is not acceptable; `field` names it. */
  | "invalid";

export class AdminError extends Error {
  override readonly name = "AdminError";
  readonly code: AdminErrorCode;
  readonly field: string | undefined;

  constructor(code: AdminErrorCode, message: string, options: { field?: string } = {}) {
    super(message);
    this.code = code;
    this.field = options.field;
  }
}
