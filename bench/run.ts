// `npm run bench [-- <name>...] [--option value...]`: runs the registered benchmarks (every
// bench/<name>.bench.ts; none named: all of them), prints one results table and writes
// bench/results/latest.json with the machine it ran on. Adding a benchmark = adding a module.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Table from "cli-table3";
import type { Benchmark, BenchmarkResult } from "./benchmark.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = path.join(BENCH_DIR, "results", "latest.json");
const SUFFIX = ".bench.ts";

interface BenchmarkRun {
  name: string;
  description: string;
  durationInMs: number;
  results: BenchmarkResult[];
  error?: string;
}

/** Every bench/<name>.bench.ts, by name. A module that does not export a benchmark is an error. */
export async function loadBenchmarks(directory = BENCH_DIR): Promise<Map<string, Benchmark>> {
  const files = (await readdir(directory)).filter((file) => file.endsWith(SUFFIX)).sort();
  const benchmarks = new Map<string, Benchmark>();
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(directory, file)).href)) as Record<string, unknown>;
    const benchmark = (module.benchmark ?? module.default) as Benchmark | undefined;
    if (!benchmark || typeof benchmark.name !== "string" || typeof benchmark.run !== "function") {
      throw new Error(`${file} must export \`benchmark\`: { name, description, run(options) }`);
    }
    const expected = file.slice(0, -SUFFIX.length);
    if (benchmark.name !== expected) throw new Error(`${file} exports a benchmark named "${benchmark.name}"; name it "${expected}"`);
    benchmarks.set(benchmark.name, benchmark);
  }
  return benchmarks;
}

/** Names are the arguments before the first option; `--key value` and `--flag` follow. */
export function parseArguments(argv: string[]): { names: string[]; args: Record<string, string | boolean> } {
  const names: string[] = [];
  const args: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      names.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) args[key] = inline;
    else if (next !== undefined && !next.startsWith("--")) {
      args[key] = next;
      i++;
    } else args[key] = true;
  }
  return { names, args };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryInGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    // Other work on the machine skews wall times: 1-minute load average when the run started.
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

function formatValue(value: number | string): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toLocaleString("en-US", { maximumFractionDigits: Math.abs(value) < 10 ? 2 : 1 });
}

async function main(argv: string[]): Promise<number> {
  const { names, args } = parseArguments(argv);
  const registry = await loadBenchmarks();
  if (args.list === true || args.help === true) {
    for (const benchmark of registry.values()) console.log(`${benchmark.name.padEnd(16)} ${benchmark.description}`);
    return 0;
  }
  const unknown = names.filter((name) => !registry.has(name));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(", ")} (registered: ${[...registry.keys()].join(", ")})`);
    return 2;
  }
  const selected = names.length > 0 ? names.map((name) => registry.get(name) as Benchmark) : [...registry.values()];

  const startMachine = machine();
  const runs: BenchmarkRun[] = [];
  for (const benchmark of selected) {
    const log = (line: string) => console.error(`[${benchmark.name}] ${line}`);
    const started = performance.now();
    try {
      const results = await benchmark.run({ args, log });
      runs.push({ name: benchmark.name, description: benchmark.description, durationInMs: performance.now() - started, results });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`failed: ${message}`);
      runs.push({ name: benchmark.name, description: benchmark.description, durationInMs: performance.now() - started, results: [], error: message });
    }
  }

  const table = new Table({
    head: ["benchmark", "metric", "value", "unit", "goal"],
    style: { head: [], border: [] },
    // No rule between rows: a benchmark reports dozens of lines.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const run of runs) {
    if (run.error) table.push([run.name, "FAILED", run.error.split("\n")[0] ?? "", "", ""]);
    for (const result of run.results) {
      table.push([run.name, result.metric, formatValue(result.value), result.unit ?? "", result.goal ?? ""]);
    }
  }
  console.log(table.toString());

  const report = {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    machine: startMachine,
    benchmarks: runs,
  };
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  // Also one file per benchmark: running another benchmark later does not overwrite these figures.
  for (const run of runs) {
    const file = path.join(path.dirname(RESULTS_FILE), `${run.name}.json`);
    await writeFile(file, `${JSON.stringify({ ...report, benchmarks: [run] }, null, 2)}\n`);
  }
  console.log(`results: ${path.relative(process.cwd(), RESULTS_FILE)} (and bench/results/<name>.json per benchmark)`);
  return runs.some((run) => run.error) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
