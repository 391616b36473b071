// Polls one storage queue for one queue-triggered function, as the Functions host's queue
// listener does in outline: receive up to batchSize messages, run them concurrently (never more
// than batchSize in flight), delete on success, make the message visible again after the
// visibility timeout on failure, and move it to `<queue>-poison` once it has been dequeued
// maxDequeueCount times.
import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import type { Invoker, PreparedFunction, QueueSender } from "./invocation.js";
import { decodeQueueMessage } from "./messages.js";

// How long a received message stays hidden while its invocation runs (the host's lock, which it
// renews; the local host does not renew, so an invocation longer than this may run twice).
const processingLockInSeconds = 600;

export interface QueueListenerOptions {
  fn: PreparedFunction;
  queue: QueueClient;
  sender: QueueSender;
  invoker: Invoker;
  batchSize: number;
  maxDequeueCount: number;
  visibilityTimeoutInSeconds: number;
  pollIntervalInMs: number;
  log: (line: string) => void;
  onPoisoned: () => void;
}

export interface QueueListener {
  queueName: string;
  /** Messages in the queue, visible or not (a failed message waiting for retry still counts). */
  approximateMessageCount(): Promise<number>;
  /** True while a received message is being invoked, settled or moved. */
  busy(): boolean;
  stop(): Promise<void>;
}

export async function startQueueListener(options: QueueListenerOptions): Promise<QueueListener> {
  const { queue } = options;
  await queue.createIfNotExists();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const processMessage = async (message: DequeuedMessageItem): Promise<void> => {
    if (message.dequeueCount > options.maxDequeueCount) {
      await moveToPoison(message);
      return;
    }
    const result = await options.invoker.invoke({
      fn: options.fn,
      input: decodeQueueMessage(message.messageText),
      reason: `New queue message detected on '${queue.name}'.`,
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt: message.popReceipt,
      },
    });
    if (result.ok) {
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } else if (message.dequeueCount >= options.maxDequeueCount) {
      await moveToPoison(message);
    } else {
      await queue.updateMessage(message.messageId, message.popReceipt, undefined, options.visibilityTimeoutInSeconds);
    }
  };

  const moveToPoison = async (message: DequeuedMessageItem): Promise<void> => {
    const poisonQueue = `${queue.name}-poison`;
    options.log(
      `Message has reached MaxDequeueCount of ${options.maxDequeueCount}. Moving message to queue '${poisonQueue}'.`,
    );
    await options.sender.send(poisonQueue, [message.messageText]);
    await queue.deleteMessage(message.messageId, message.popReceipt);
    options.onPoisoned();
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      const room = options.batchSize - inFlight.size;
      if (room <= 0) {
        await Promise.race(inFlight);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const received = await queue.receiveMessages({
          numberOfMessages: room,
          visibilityTimeout: processingLockInSeconds,
        });
        messages = received.receivedMessageItems;
      } catch (error) {
        if (!stopped) options.log(`local host: receiving from '${queue.name}' failed: ${String(error)}`);
      }
      for (const message of messages) {
        const processing = processMessage(message).catch((error: unknown) => {
          options.log(`local host: settling a message from '${queue.name}' failed: ${String(error)}`);
        });
        inFlight.add(processing);
        void processing.finally(() => inFlight.delete(processing));
      }
      if (messages.length === 0 && !stopped) await sleep(options.pollIntervalInMs);
    }
  };
  const running = loop();

  return {
    queueName: queue.name,
    approximateMessageCount: async () => (await queue.getProperties()).approximateMessagesCount ?? 0,
    busy: () => inFlight.size > 0,
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
      await Promise.allSettled([...inFlight]);
    },
  };
}
