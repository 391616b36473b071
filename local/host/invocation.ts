// Runs one handler the way the Functions host does around it: an InvocationContext with the
// function's effective options, log lines prefixed with the function name, and, after success
// only, the storage queue outputs (extra outputs and a queue `return`) sent to their queues.
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import functionsLibrary, {
  type InvocationContext as InvocationContextType,
  type FunctionOutput,
  type FunctionTrigger,
  type LogLevel,
  type RetryContext,
  type TriggerMetadata,
} from "@azure/functions";
import type { QueueServiceClient } from "@azure/storage-queue";
import { encodeQueueOutput } from "./messages.js";

// A CommonJS getter export: not visible to Node's ESM loader by name (see http-server.ts).
const { InvocationContext } = functionsLibrary;

export interface PreparedFunction {
  name: string;
  kind: "http" | "timer" | "storageQueue";
  trigger: FunctionTrigger;
  return: FunctionOutput | undefined;
  extraOutputs: FunctionOutput[];
  handler: (input: never, context: InvocationContextType) => unknown;
}

export interface InvokeOptions {
  fn: PreparedFunction;
  input: unknown;
  reason: string;
  triggerMetadata?: TriggerMetadata;
  retryContext?: RetryContext;
}

export interface InvocationResult {
  ok: boolean;
  /** The handler's return value (success only). */
  value?: unknown;
  error?: unknown;
}

export class QueueSender {
  readonly #service: QueueServiceClient;
  readonly #created = new Map<string, Promise<unknown>>();

  constructor(service: QueueServiceClient) {
    this.#service = service;
  }

  async send(queueName: string, messageTexts: readonly string[]): Promise<void> {
    const queue = this.#service.getQueueClient(queueName);
    let created = this.#created.get(queueName);
    if (created === undefined) {
      created = queue.createIfNotExists();
      this.#created.set(queueName, created);
      created.catch(() => this.#created.delete(queueName));
    }
    await created;
    // Side by side, as the items of one output are independent (a queue keeps no order anyway).
    await Promise.all(messageTexts.map((text) => queue.sendMessage(text)));
  }
}

export class Invoker {
  readonly #log: (line: string) => void;
  readonly #sender: QueueSender;
  readonly #resolveQueueName: (queueName: string) => string;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly invocations: Record<string, number> = {};
  readonly failures: Record<string, number> = {};

  constructor(options: {
    log: (line: string) => void;
    sender: QueueSender;
    resolveQueueName: (queueName: string) => string;
  }) {
    this.#log = options.log;
    this.#sender = options.sender;
    this.#resolveQueueName = options.resolveQueueName;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Settles when everything in flight now has finished (used on close). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Never rejects: a failed invocation is reported in the result and logged. */
  invoke(options: InvokeOptions): Promise<InvocationResult> {
    const running = this.#run(options);
    this.#inFlight.add(running);
    void running.finally(() => this.#inFlight.delete(running));
    return running;
  }

  async #run({ fn, input, reason, triggerMetadata, retryContext }: InvokeOptions): Promise<InvocationResult> {
    const invocationId = randomUUID();
    const started = Date.now();
    this.#log(`Executing 'Functions.${fn.name}' (Reason='${reason}', Id=${invocationId})`);
    const context = new InvocationContext({
      invocationId,
      functionName: fn.name,
      logHandler: (level: LogLevel, ...args: unknown[]) => this.#log(`[${fn.name}] ${levelLabel(level)}${format(...args)}`),
      ...(triggerMetadata !== undefined && { triggerMetadata }),
      ...(retryContext !== undefined && { retryContext }),
      options: {
        trigger: fn.trigger,
        ...(fn.return !== undefined && { return: fn.return }),
        extraOutputs: fn.extraOutputs,
        extraInputs: [],
      },
    });
    let result: InvocationResult;
    try {
      const value = await fn.handler(input as never, context);
      await this.#sendQueueOutputs(fn, context, value);
      result = { ok: true, value };
    } catch (error) {
      result = { ok: false, error };
    }
    this.invocations[fn.name] = (this.invocations[fn.name] ?? 0) + 1;
    const duration = Date.now() - started;
    if (result.ok) {
      this.#log(`Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${duration}ms)`);
    } else {
      this.failures[fn.name] = (this.failures[fn.name] ?? 0) + 1;
      this.#log(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${duration}ms): ${describeError(result.error)}`);
    }
    return result;
  }

  async #sendQueueOutputs(fn: PreparedFunction, context: InvocationContextType, value: unknown): Promise<void> {
    for (const output of fn.extraOutputs) {
      if (output.type !== "queue") continue;
      await this.#sendQueueOutput(output, context.extraOutputs.get(output));
    }
    if (fn.return?.type === "queue") await this.#sendQueueOutput(fn.return, value);
  }

  async #sendQueueOutput(output: FunctionOutput, value: unknown): Promise<void> {
    const texts = encodeQueueOutput(value);
    if (texts.length === 0) return;
    const queueName = this.#resolveQueueName(String(output["queueName"]));
    await this.#sender.send(queueName, texts);
  }
}

function levelLabel(level: LogLevel): string {
  switch (level) {
    case "warning":
      return "warning: ";
    case "error":
    case "critical":
      return "error: ";
    default:
      return "";
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return format(error);
}
