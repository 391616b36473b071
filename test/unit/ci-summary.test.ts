// .ci/summarize.ts: how CI counts tests, above all those that never ran because their file failed.
import { describe, expect, it } from "vitest";
import { summarize, type TestCounts, type VitestFileResult, type VitestReport } from "../../.ci/summarize.js";

const root = "/repo";
const file = (name: string, status: string, tests: readonly string[], message = ""): VitestFileResult => ({
  name: `${root}/${name}`,
  status,
  message,
  assertionResults: tests.map((s) => ({ status: s })),
});
const report = (success: boolean, ...files: VitestFileResult[]): VitestReport => ({ success, testResults: files });
const passedChecks = [
  { name: "typecheck", passed: true },
  { name: "build", passed: true },
];

describe("summarize", () => {
  it.each<[string, VitestReport | undefined, TestCounts, { passed: number; failed: number; skipped: number }]>([
    ["all passing", report(true, file("a.test.ts", "passed", ["passed", "passed"])), {}, { passed: 4, failed: 0, skipped: 0 }],
    ["one failing test", report(false, file("a.test.ts", "failed", ["passed", "failed"])), {}, { passed: 3, failed: 1, skipped: 0 }],
    ["a skipped test beside a failing one stays skipped", report(false, file("a.test.ts", "failed", ["failed", "skipped"])), {}, { passed: 2, failed: 1, skipped: 1 }],
    [
      "a file that fails to load counts its tests from the last run that loaded it",
      report(false, file("a.test.ts", "passed", ["passed"]), file("b.test.ts", "failed", [], "Cannot find module './x.js'")),
      { "b.test.ts": 7 },
      { passed: 3, failed: 7, skipped: 0 },
    ],
    ["a file no run has loaded counts as 1", report(false, file("b.test.ts", "failed", [])), {}, { passed: 2, failed: 1, skipped: 0 }],
    [
      "a failing beforeAll: the file's tests that never ran count as failed",
      report(false, file("e2e.test.ts", "failed", ["skipped", "skipped", "skipped"], "AppSettingsError")),
      {},
      { passed: 2, failed: 3, skipped: 0 },
    ],
    ["a failure no test shows counts as 1", report(false, file("a.test.ts", "passed", ["passed"])), {}, { passed: 3, failed: 1, skipped: 0 }],
    ["no report: every test known from earlier runs", undefined, { "a.test.ts": 4, "b.test.ts": 5 }, { passed: 2, failed: 9, skipped: 0 }],
    ["no report and nothing known: 1", undefined, {}, { passed: 2, failed: 1, skipped: 0 }],
  ])("%s", (_case, given, previous, expected) => {
    const summary = summarize({ report: given, previous, checks: passedChecks, root });
    expect({ passed: summary.passed, failed: summary.failed, skipped: summary.skipped }).toEqual(expected);
  });

  it("says why a number was counted, naming the file", () => {
    const summary = summarize({
      report: report(false, file("test/b.test.ts", "failed", [], "Cannot find module './x.js'\n  at line 2")),
      previous: { "test/b.test.ts": 7 },
      checks: passedChecks,
      root,
    });
    expect(summary.notes).toEqual([
      "test/b.test.ts failed to load (Cannot find module './x.js'): counted as 7 failed (its tests in the last run that loaded it)",
    ]);
  });

  it("counts a failed type check or build as one failure each", () => {
    const summary = summarize({
      report: report(true, file("a.test.ts", "passed", ["passed"])),
      previous: {},
      checks: [
        { name: "typecheck", passed: false },
        { name: "build", passed: false },
      ],
      root,
    });
    expect(summary).toMatchObject({ passed: 1, failed: 2, notes: ["typecheck failed: counted as 1 failed", "build failed: counted as 1 failed"] });
  });

  it("keeps this run's files: the counts of those that loaded, the earlier count of one that did not", () => {
    const summary = summarize({
      report: report(false, file("a.test.ts", "passed", ["passed", "passed", "passed"]), file("b.test.ts", "failed", [])),
      previous: { "a.test.ts": 1, "b.test.ts": 7, "gone.test.ts": 2 },
      checks: [],
      root,
    });
    expect(summary.counts).toEqual({ "a.test.ts": 3, "b.test.ts": 7 });
  });
});
