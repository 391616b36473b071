// Outlook allows 4 concurrent requests per app and mailbox; a fifth gets 429 MailboxConcurrency.
// This limiter keeps each mailbox under its cap across every operation of one gateway. A request
// may hold several slots (a $batch, whose items Outlook runs up to 4 at a time). Waiters are
// served first come, first served per mailbox, so a batch waiting for several slots is not
// starved by single requests arriving after it.
import { normalizeAddress } from "../../domain/address.js";

export const OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX = 4;

interface Waiter {
  slots: number;
  grant: () => void;
}

interface MailboxQueue {
  inFlight: number;
  waiting: Waiter[];
}

export interface MailboxLimiter {
  /** Run `task` once `slots` (default 1, at most the cap) are free for the mailbox. */
  run<T>(mailbox: string, task: () => Promise<T>, options?: { slots?: number }): Promise<T>;
  /** Slots currently held for the mailbox. */
  inFlight(mailbox: string): number;
  /** Requests waiting for the mailbox. */
  waiting(mailbox: string): number;
  readonly maxConcurrency: number;
}

export function createMailboxLimiter(options: { maxConcurrency?: number } = {}): MailboxLimiter {
  const maxConcurrency = options.maxConcurrency ?? OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX) {
    throw new RangeError(
      `maxConcurrency must be an integer from 1 to ${OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX} (Outlook's per-mailbox limit), got ${maxConcurrency}`,
    );
  }
  const queues = new Map<string, MailboxQueue>();

  // Mailbox addresses are case-insensitive; one queue per mailbox whatever the casing.
  const keyOf = (mailbox: string): string => normalizeAddress(mailbox);

  function pump(key: string, queue: MailboxQueue): void {
    for (let head = queue.waiting[0]; head !== undefined && queue.inFlight + head.slots <= maxConcurrency; head = queue.waiting[0]) {
      queue.waiting.shift();
      queue.inFlight += head.slots;
      head.grant();
    }
    if (queue.inFlight === 0 && queue.waiting.length === 0) queues.delete(key);
  }

  async function run<T>(mailbox: string, task: () => Promise<T>, runOptions: { slots?: number } = {}): Promise<T> {
    const slots = Math.min(maxConcurrency, Math.max(1, Math.floor(runOptions.slots ?? 1)));
    const key = keyOf(mailbox);
    let queue = queues.get(key);
    if (queue === undefined) {
      queue = { inFlight: 0, waiting: [] };
      queues.set(key, queue);
    }
    const held = queue;
    await new Promise<void>((grant) => {
      held.waiting.push({ slots, grant });
      pump(key, held);
    });
    try {
      return await task();
    } finally {
      held.inFlight -= slots;
      pump(key, held);
    }
  }

  return {
    run,
    inFlight: (mailbox) => queues.get(keyOf(mailbox))?.inFlight ?? 0,
    waiting: (mailbox) => queues.get(keyOf(mailbox))?.waiting.length ?? 0,
    maxConcurrency,
  };
}
