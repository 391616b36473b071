// The notifications queue on Azure Storage, for work enqueued outside the webhook (catch-up
// requests from timers and lifecycle handling). Messages are base64-encoded JSON, the encoding the
// Functions queue trigger expects by default.
import type { TokenCredential } from "@azure/identity";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { QueueItem, QueueProbe, WorkQueue } from "../../app/ports.js";

export type StorageQueueConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; queueServiceUri: string; credential: TokenCredential };

export function encodeQueueMessage(item: QueueItem): string {
  return Buffer.from(JSON.stringify(item), "utf8").toString("base64");
}

function serviceClient(connection: StorageQueueConnection): QueueServiceClient {
  return connection.kind === "connectionString"
    ? QueueServiceClient.fromConnectionString(connection.connectionString)
    : new QueueServiceClient(connection.queueServiceUri, connection.credential);
}

/**
 * Reads the queue's and its poison queue's properties (approximate message counts): two requests.
 * A poison queue that does not exist yet holds nothing.
 */
export function createStorageQueueProbe(options: { connection: StorageQueueConnection; queueName: string; poisonQueueName: string }): QueueProbe {
  const service = serviceClient(options.connection);
  return {
    async probe() {
      try {
        await service.getQueueClient(options.queueName).getProperties();
      } catch (error) {
        // 404: the service answered, and the queue is made on first use.
        if ((error as { statusCode?: number }).statusCode !== 404) return { reachable: false };
      }
      try {
        const properties = await service.getQueueClient(options.poisonQueueName).getProperties();
        return { reachable: true, poisonCount: properties.approximateMessagesCount ?? 0 };
      } catch (error) {
        return (error as { statusCode?: number }).statusCode === 404 ? { reachable: true, poisonCount: 0 } : { reachable: true };
      }
    },
  };
}

export function createStorageWorkQueue(options: { connection: StorageQueueConnection; queueName: string }): WorkQueue {
  const service = serviceClient(options.connection);
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
