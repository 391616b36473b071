// Timer triggers: NCRONTAB schedules with seconds (six fields, UTC as on Azure unless
// WEBSITE_TIME_ZONE says otherwise), runOnStartup, and the function's retry policy
// (fixedDelay / exponentialBackoff), which the Functions host applies to timer triggers.
import type { Duration, RetryOptions, Timer } from "@azure/functions";
import { CronExpressionParser, type CronExpression } from "cron-parser";
import type { InvocationResult, Invoker, PreparedFunction } from "./invocation.js";

export function parseSchedule(schedule: string, options: { functionName: string; currentDate?: Date }): CronExpression {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new TypeError(
      `timer ${options.functionName}: schedule "${schedule}" must be an NCRONTAB expression with six fields ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  }
  try {
    return CronExpressionParser.parse(schedule, {
      tz: process.env["WEBSITE_TIME_ZONE"] ?? "UTC",
      ...(options.currentDate !== undefined && { currentDate: options.currentDate }),
    });
  } catch (error) {
    throw new TypeError(`timer ${options.functionName}: schedule "${schedule}" is not valid: ${(error as Error).message}`);
  }
}

export interface RunTimerOptions {
  fn: PreparedFunction;
  invoker: Invoker;
  schedule: string;
  retry: RetryOptions | undefined;
  reason: string;
  last: Date | undefined;
  /** Stops retries when the host closes. */
  isStopped: () => boolean;
}

/** One timer occurrence, with the retry policy applied. Resolves with the last attempt's result. */
export async function runTimer(options: RunTimerOptions): Promise<InvocationResult> {
  const now = new Date();
  const next = parseSchedule(options.schedule, { functionName: options.fn.name, currentDate: now }).next().toDate();
  const timer: Timer = {
    isPastDue: false,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: (options.last ?? new Date(0)).toISOString(),
      next: next.toISOString(),
      lastUpdated: now.toISOString(),
    },
  };
  const { retry } = options;
  const maxRetryCount = retry?.maxRetryCount ?? 0;
  for (let retryCount = 0; ; retryCount++) {
    const result = await options.invoker.invoke({
      fn: options.fn,
      input: timer,
      reason: options.reason,
      ...(retry !== undefined && { retryContext: { retryCount, maxRetryCount } }),
    });
    if (result.ok || retry === undefined || retryCount >= maxRetryCount || options.isStopped()) return result;
    await new Promise((resolve) => setTimeout(resolve, retryDelayInMs(retry, retryCount)));
  }
}

export function retryDelayInMs(retry: RetryOptions, retryCount: number): number {
  if (retry.strategy === "fixedDelay") return durationInMs(retry.delayInterval);
  const minimum = durationInMs(retry.minimumInterval);
  const maximum = durationInMs(retry.maximumInterval);
  return Math.min(maximum, minimum * 2 ** retryCount);
}

function durationInMs(duration: Duration | number): number {
  if (typeof duration === "number") return duration;
  return (
    (duration.hours ?? 0) * 3_600_000 +
    (duration.minutes ?? 0) * 60_000 +
    (duration.seconds ?? 0) * 1_000 +
    (duration.milliseconds ?? 0)
  );
}
