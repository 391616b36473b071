import { describe, expect, it } from "vitest";
import {
  BUCKET_MINUTES,
  bucketOf,
  dueBuckets,
  nextSweepAfterUpkeep,
  nextSweepAt,
  paceDelayInSeconds,
  RENEWAL_SPREAD_SHARE,
  renewalDueAt,
  renewalPhase,
  sweepPhase,
} from "../../src/domain/schedule.js";

describe("bucketOf", () => {
  it.each([
    { at: "2026-12-01T13:00:00.000Z", kind: "renew", bucket: "renew:2026-12-01T13:00Z" },
    { at: "2026-12-01T13:14:59.999Z", kind: "renew", bucket: "renew:2026-12-01T13:00Z" },
    { at: "2026-12-01T13:15:00.000Z", kind: "sweep", bucket: "sweep:2026-12-01T13:15Z" },
    { at: "2026-12-31T23:59:00.000Z", kind: "sweep", bucket: "sweep:2026-12-31T23:45Z" },
  ] as const)("$at ($kind) is in $bucket", ({ at, kind, bucket }) => {
    expect(bucketOf(kind, new Date(at))).toBe(bucket);
  });
});

describe("dueBuckets", () => {
  it.each([
    { windowInMinutes: 0, expected: ["renew:2026-12-01T13:15Z"] },
    { windowInMinutes: 15, expected: ["renew:2026-12-01T13:15Z"] },
    { windowInMinutes: 16, expected: ["renew:2026-12-01T13:00Z", "renew:2026-12-01T13:15Z"] },
    { windowInMinutes: 45, expected: ["renew:2026-12-01T12:45Z", "renew:2026-12-01T13:00Z", "renew:2026-12-01T13:15Z"] },
  ])("a window of $windowInMinutes minutes reads $expected.length bucket(s), oldest first, now's last", ({ windowInMinutes, expected }) => {
    expect(dueBuckets("renew", { now: new Date("2026-12-01T13:20:00.000Z"), windowInMinutes })).toEqual(expected);
  });

  it("a day's window is a day of buckets, whatever the number of mailboxes", () => {
    expect(dueBuckets("sweep", { now: new Date(), windowInMinutes: 1440 })).toHaveLength(1440 / BUCKET_MINUTES);
  });
});

describe("renewalDueAt", () => {
  it.each([
    { expirations: [], renewBefore: 60, due: undefined },
    { expirations: ["2026-12-03T10:00:00.000Z"], renewBefore: 60, due: "2026-12-03T09:00:00.000Z" },
    { expirations: ["2026-12-03T10:00:00.000Z", "2026-12-02T10:00:00.000Z"], renewBefore: 1440, due: "2026-12-01T10:00:00.000Z" },
    { expirations: ["not a date", "2026-12-02T10:00:00.000Z"], renewBefore: 0, due: "2026-12-02T10:00:00.000Z" },
  ])("$expirations less $renewBefore minutes: $due", ({ expirations, renewBefore, due }) => {
    expect(renewalDueAt(expirations, { renewBeforeInMinutes: renewBefore })?.toISOString()).toBe(due);
  });
});

describe("renewalDueAt spread by mailbox", () => {
  const expiry = "2026-12-03T10:00:00.000Z";
  const threshold = Date.parse("2026-12-02T10:00:00.000Z"); // 1,440 minutes before expiry
  const margin = 1440 * 60_000;
  const mailboxWith = (wanted: (phase: number) => boolean) => {
    const found = Array.from({ length: 1000 }, (_, i) => `user${i}@contoso.com`).find((mailbox) => wanted(renewalPhase(mailbox)));
    if (found === undefined) throw new Error("no mailbox with such a phase among 1,000");
    return found;
  };
  const early = mailboxWith((phase) => phase < 0.05);
  const late = mailboxWith((phase) => phase > 0.95);

  it.each([
    { case: "a mailbox early in the spread, not yet due", mailbox: early, now: "2026-12-01T10:00:00.000Z", from: 0, to: 0.05 },
    { case: "a mailbox late in the spread, not yet due", mailbox: late, now: "2026-12-01T10:00:00.000Z", from: 0.95, to: 1 },
    { case: "the same, its address in other case and padded", mailbox: ` ${late.toUpperCase()} `, now: "2026-12-01T10:00:00.000Z", from: 0.95, to: 1 },
    { case: "a renewal already due is not put off", mailbox: late, now: "2026-12-02T10:00:00.000Z", from: 0, to: 0 },
    { case: "one overdue stays at its margin (the timer's window still reads it)", mailbox: late, now: "2026-12-02T20:00:00.000Z", from: 0, to: 0 },
  ])("$case: due within [$from, $to] of the spread after the margin", ({ mailbox, now, from, to }) => {
    const due = renewalDueAt([expiry], { renewBeforeInMinutes: 1440, spread: { mailbox, now: new Date(now) } });
    const share = ((due?.getTime() ?? Number.NaN) - threshold) / (RENEWAL_SPREAD_SHARE * margin);
    expect(share).toBeGreaterThanOrEqual(from);
    expect(share).toBeLessThanOrEqual(to);
    // Never later than half the margin before expiry: renewal still has 12 hours to succeed.
    expect(Date.parse(expiry) - (due?.getTime() ?? 0)).toBeGreaterThanOrEqual((1 - RENEWAL_SPREAD_SHARE) * margin);
  });

  it("spreads 10,000 mailboxes subscribed at one moment over the half margin's buckets (none over 1.5 times its share)", () => {
    const now = new Date("2026-12-01T10:00:00.000Z");
    const perBucket = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const due = renewalDueAt([expiry], { renewBeforeInMinutes: 1440, spread: { mailbox: `user${i}@contoso.com`, now } });
      const bucket = bucketOf("renew", due ?? now);
      perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
    }
    const buckets = (RENEWAL_SPREAD_SHARE * 1440) / BUCKET_MINUTES;
    expect(perBucket.size).toBe(buckets);
    expect(Math.max(...perBucket.values())).toBeLessThan((10_000 / buckets) * 1.5);
  });

  it("is not the sweep's phase (renewals and sweeps of a mailbox are not tied together)", () => {
    const mailboxes = Array.from({ length: 50 }, (_, i) => `user${i}@contoso.com`);
    expect(mailboxes.filter((mailbox) => renewalPhase(mailbox) === sweepPhase(mailbox))).toEqual([]);
  });
});

describe("sweeps", () => {
  it.each([
    { mailbox: "a@contoso.com" },
    { mailbox: "someone.else@fabrikam.example" },
  ])("$mailbox keeps its place in the period, case-insensitively, and its next sweep is within one period", ({ mailbox }) => {
    expect(sweepPhase(mailbox)).toBe(sweepPhase(` ${mailbox.toUpperCase()} `));
    const now = new Date("2026-12-01T12:00:00.000Z");
    const next = nextSweepAt(mailbox, { now, periodInHours: 24 });
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getTime()).toBeLessThanOrEqual(now.getTime() + 24 * 3_600_000);
    // The sweep after that is one period later: the same time of day.
    expect(nextSweepAt(mailbox, { now: next, periodInHours: 24 }).getTime() - next.getTime()).toBe(24 * 3_600_000);
  });

  // Offsets in minutes from the mailbox's own sweep time, and where its next sweep then falls.
  it.each([
    { upkeep: "swept early, in the same bucket as its sweep time", offsetInMinutes: -1, next: "next period" },
    { upkeep: "swept on time", offsetInMinutes: 0, next: "next period" },
    { upkeep: "swept late, still in that bucket", offsetInMinutes: 1, next: "next period" },
    { upkeep: "an upkeep two buckets before its sweep time", offsetInMinutes: -30, next: "this period" },
    { upkeep: "an upkeep an hour after its sweep time", offsetInMinutes: 60, next: "next period" },
  ])("after $upkeep: the next sweep is in the $next, never in the bucket a timer has read", ({ offsetInMinutes, next }) => {
    // A mailbox whose sweep time is 5–10 minutes into its bucket, so ±1 minute stays in that bucket.
    const start = new Date("2026-12-01T00:00:00.000Z");
    const minuteInBucket = (time: Date) => (time.getTime() / 60_000) % BUCKET_MINUTES;
    const mailbox = Array.from({ length: 100 }, (_, i) => `user${i}@contoso.com`).find((candidate) => {
      const minute = minuteInBucket(nextSweepAt(candidate, { now: start, periodInHours: 24 }));
      return minute >= 5 && minute <= 10;
    });
    if (mailbox === undefined) throw new Error("no mailbox with a sweep time mid-bucket among 100");
    const sweepTime = nextSweepAt(mailbox, { now: start, periodInHours: 24 });
    const now = new Date(sweepTime.getTime() + offsetInMinutes * 60_000);
    const after = nextSweepAfterUpkeep(mailbox, { now, periodInHours: 24 });
    expect(bucketOf("sweep", after)).not.toBe(bucketOf("sweep", now));
    expect(after.getTime() - sweepTime.getTime()).toBe(next === "this period" ? 0 : 24 * 3_600_000);
  });

  it("spreads 10,000 mailboxes evenly over the period (no hour has more than 1.25 times its share)", () => {
    const now = new Date("2026-12-01T00:00:00.000Z");
    const perHour = new Array<number>(24).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const next = nextSweepAt(`user${i}@contoso.com`, { now, periodInHours: 24 });
      const hour = Math.floor((next.getTime() - now.getTime()) / 3_600_000);
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    expect(Math.max(...perHour)).toBeLessThan((10_000 / 24) * 1.25);
    expect(Math.min(...perHour)).toBeGreaterThan((10_000 / 24) * 0.75);
  });
});

describe("paceDelayInSeconds", () => {
  it.each([
    { index: 0, perSecond: 12, delay: 0 },
    { index: 11, perSecond: 12, delay: 0 },
    { index: 12, perSecond: 12, delay: 1 },
    { index: 1199, perSecond: 12, delay: 99 },
  ])("item $index at $perSecond a second waits $delay s", ({ index, perSecond, delay }) => {
    expect(paceDelayInSeconds(index, { perSecond })).toBe(delay);
  });
});
