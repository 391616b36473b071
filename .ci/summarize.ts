// Turns vitest's JSON report and the results of the other checks into CI's counts, ending with the
// plain line "N passed, N failed". A test that did not run because its file failed (an import
// error, a failing beforeAll) counts as failed, not as one: its number is the file's test count in
// the last run that loaded it (kept in a counts file), or 1 when no run has loaded it yet.
// Usage: tsx .ci/summarize.ts REPORT.json COUNTS.json [check=passed|failed ...]
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface VitestAssertion {
  status: string;
}

export interface VitestFileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults: readonly VitestAssertion[];
}

export interface VitestReport {
  success: boolean;
  testResults: readonly VitestFileResult[];
}

/** Tests per file (path relative to the repository), from the last run that loaded each file. */
export type TestCounts = Record<string, number>;

export interface Check {
  name: string;
  passed: boolean;
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  /** Why a number is what it is, one line each: printed before the counts. */
  notes: string[];
  /** The counts to keep for the next run. */
  counts: TestCounts;
}

const firstLine = (text: string | undefined): string => (text ?? "").split("\n")[0]?.trim() ?? "";

/**
 * report undefined: vitest wrote no report (it crashed or never ran), so every test known from
 * earlier runs counts as failed, or 1 when none is known.
 */
export function summarize(options: {
  report: VitestReport | undefined;
  previous: TestCounts;
  checks: readonly Check[];
  root: string;
}): Summary {
  const { report, previous, checks, root } = options;
  // Only this run's files: a deleted test file must not count later.
  const counts: TestCounts = report === undefined ? { ...previous } : {};
  const notes: string[] = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;

  for (const check of checks) {
    if (check.passed) passed++;
    else {
      failed++;
      notes.push(`${check.name} failed: counted as 1 failed`);
    }
  }

  if (report === undefined) {
    const known = Object.values(previous).reduce((sum, n) => sum + n, 0);
    const counted = Math.max(known, 1);
    failed += counted;
    notes.push(
      `vitest wrote no report: counted as ${counted} failed (${known > 0 ? "the tests known from earlier runs" : "no earlier run is known"})`,
    );
    return { passed, failed, skipped, notes, counts };
  }

  let vitestFailed = 0;
  for (const file of report.testResults) {
    const name = path.relative(root, file.name);
    const tests = file.assertionResults;
    if (tests.length === 0) {
      if (file.status === "failed") {
        const known = previous[name];
        const counted = known ?? 1;
        if (known !== undefined) counts[name] = known;
        vitestFailed += counted;
        notes.push(
          `${name} failed to load (${firstLine(file.message)}): counted as ${counted} failed (${
            known !== undefined ? "its tests in the last run that loaded it" : "no earlier run loaded it"
          })`,
        );
      }
      continue;
    }
    counts[name] = tests.length;
    const fileFailed = tests.filter((t) => t.status === "failed").length;
    const filePassed = tests.filter((t) => t.status === "passed").length;
    const notRun = tests.length - fileFailed - filePassed;
    passed += filePassed;
    vitestFailed += fileFailed;
    if (file.status === "failed" && fileFailed === 0 && notRun > 0) {
      // A hook failed (beforeAll, say): the file's tests never ran.
      vitestFailed += notRun;
      notes.push(`${name} failed before its tests ran (${firstLine(file.message)}): its ${notRun} tests counted as failed`);
    } else {
      skipped += notRun;
    }
  }
  if (!report.success && vitestFailed === 0) {
    vitestFailed = 1;
    notes.push("vitest reported a failure that no test shows (an unhandled error: see its output above): counted as 1 failed");
  }
  failed += vitestFailed;
  if (skipped > 0) notes.push(`${skipped} skipped`);
  return { passed, failed, skipped, notes, counts };
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [reportFile, countsFile, ...checkArgs] = process.argv.slice(2);
  if (reportFile === undefined || countsFile === undefined) {
    console.error("usage: summarize.ts REPORT.json COUNTS.json [check=passed|failed ...]");
    process.exit(2);
  }
  const checks = checkArgs.map((arg) => {
    const [name = arg, result] = arg.split("=");
    return { name, passed: result === "passed" };
  });
  const summary = summarize({
    report: readJson<VitestReport>(reportFile),
    previous: readJson<TestCounts>(countsFile) ?? {},
    checks,
    root: process.cwd(),
  });
  // Written whole and renamed, so a concurrent run never reads half a file.
  const partial = `${countsFile}.${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(summary.counts, null, 1)}\n`);
  renameSync(partial, countsFile);
  for (const note of summary.notes) console.log(note);
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
}
