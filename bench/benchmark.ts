// What a benchmark module exports, so bench/run.ts can list and run it. Benchmarks measure; they
// are not tests and never run under vitest (they live outside test/ and are not named *.test.ts).

export interface BenchmarkResult {
  metric: string;
  value: number | string;
  unit?: string;
  /** The target from the issue, e.g. "< 60 s", shown next to the figure. */
  goal?: string;
}

export interface BenchmarkOptions {
  /** Command-line options after the benchmark names, e.g. `--messages 1000` → { messages: "1000" }. */
  args: Record<string, string | boolean>;
  /** Progress lines (to stderr, so the results table stays clean on stdout). */
  log(line: string): void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(options: BenchmarkOptions): Promise<BenchmarkResult[]>;
}

/** A numeric option: the value given, else the default. Throws naming the option on bad input. */
export function numberOption(args: BenchmarkOptions["args"], name: string, fallback: number): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number (got ${String(raw)})`);
  return value;
}
