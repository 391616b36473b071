// The notifications queue on Azure Storage, for work enqueued outside the webhook (catch-up
// requests from timers and lifecycle handling). Messages are base64-encoded JSON, the encoding the
// Functions queue trigger expects by default.
import type { TokenCredential } from "@azure/identity";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { QueueItem, WorkQueue } from "../../app/ports.js";

export type StorageQueueConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; queueServiceUri: string; credential: TokenCredential };

export function encodeQueueMessage(item: QueueItem): string {
  return Buffer.from(JSON.stringify(item), "utf8").toString("base64");
}

export function createStorageWorkQueue(options: { connection: StorageQueueConnection; queueName: string }): WorkQueue {
  const service =
    options.connection.kind === "connectionString"
      ? QueueServiceClient.fromConnectionString(options.connection.connectionString)
      : new QueueServiceClient(options.connection.queueServiceUri, options.connection.credential);
  const queue: QueueClient = service.getQueueClient(options.queueName);
  let ready: Promise<unknown> | undefined;

  return {
    async enqueue(items: QueueItem[], options: { delayInSeconds?: number } = {}): Promise<void> {
      ready ??= queue.createIfNotExists().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      const delay = options.delayInSeconds ? { visibilityTimeout: Math.ceil(options.delayInSeconds) } : {};
      for (const item of items) await queue.sendMessage(encodeQueueMessage(item), delay);
    },
  };
}
