// Imports point inward (functions → host → api/app → domain; adapters implement app's ports), and
// product code never reaches local stand-ins, tests or benchmarks. Every relative import, re-export
// and dynamic import of src/ and functions/ is read with TypeScript's own pre-processor and checked
// against the table below; a new direction is a decision, made here and in docs/architecture.md.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Who may import whom, by module path prefix (the longest matching prefix names a file's layer).
 * Anything not listed — local/, test/, bench/, web/ — may be imported by no one here.
 */
const ALLOWED: ReadonlyArray<{ layer: string; may: readonly string[]; why: string }> = [
  { layer: "src/domain", may: ["src/domain"], why: "the tracking rules: pure, no I/O, know nothing outside" },
  { layer: "src/app", may: ["src/app", "src/domain"], why: "use cases over ports" },
  { layer: "src/adapters", may: ["src/adapters", "src/app", "src/domain"], why: "implement app's ports with domain types" },
  { layer: "src/api", may: ["src/api", "src/app", "src/domain", "src/adapters/entra"], why: "the admin API's routes call use cases; sign-in uses Entra's keys" },
  { layer: "src/config", may: ["src/config", "src/domain", "src/adapters", "host.json"], why: "app settings: defaults come from their one source (Graph's URL and concurrency, host.json)" },
  { layer: "src/host", may: ["src/host", "src/api", "src/app", "src/domain", "src/adapters", "src/config"], why: "the composition root" },
  { layer: "src/cli", may: ["src/cli", "src/host", "src/app", "src/domain", "src/adapters", "src/config"], why: "commands, composed like the host" },
  { layer: "functions", may: ["functions", "src/host", "src/api", "src/app", "src/domain", "src/config"], why: "one thin file per Azure Function" },
];

function layerOf(file: string): string | undefined {
  const candidates = [...ALLOWED.map((entry) => entry.layer), ...ALLOWED.flatMap((entry) => entry.may)];
  return candidates.filter((prefix) => file === prefix || file.startsWith(`${prefix}/`)).sort((a, b) => b.length - a.length)[0];
}

/** Why `from` (a repository path) may not import `target` (a repository path), or undefined when it may. */
function violation(from: string, target: string): string | undefined {
  const own = ALLOWED.find((entry) => from.startsWith(`${entry.layer}/`));
  if (!own) return `${from} is in no layer of the table`;
  const allowed = own.may.some((prefix) => target === prefix || target.startsWith(`${prefix}/`));
  return allowed ? undefined : `${own.layer} may not import ${layerOf(target) ?? target.split("/")[0]} (${from} → ${target})`;
}

/** The repository path a relative specifier of `from` points at (".js" stays as written). */
function resolved(from: string, specifier: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
}

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(relative);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [relative] : [];
  });
}

function relativeImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return info.importedFiles.map((imported) => imported.fileName).filter((name) => name.startsWith("."));
}

describe("the import-direction rule itself", () => {
  it.each([
    ["src/domain/decision.ts", "../app/ports.js", false],
    ["src/domain/decision.ts", "./types.js", true],
    ["src/domain/x.ts", "../adapters/cosmos/index.js", false],
    ["src/app/track-message.ts", "../domain/types.js", true],
    ["src/app/x.ts", "../adapters/graph/index.js", false],
    ["src/app/x.ts", "../api/auth.js", false],
    ["src/app/x.ts", "../../local/stack.js", false],
    ["src/adapters/graph/validation-tokens.ts", "../../api/auth.js", false],
    ["src/adapters/graph/validation-tokens.ts", "../entra/signing-keys.js", true],
    ["src/adapters/cosmos/x.ts", "../../app/ports.js", true],
    ["src/adapters/cosmos/x.ts", "../../host/services.js", false],
    ["src/api/auth.ts", "../adapters/entra/signing-keys.js", true],
    ["src/api/routes/x.ts", "../../adapters/cosmos/index.js", false],
    ["src/api/x.ts", "../host/services.js", false],
    ["src/config/definitions.ts", "../../host.json", true],
    ["src/config/x.ts", "../app/ports.js", false],
    ["src/host/services.ts", "../../local/graph-simulator/index.js", false],
    ["src/host/services.ts", "../adapters/cosmos/index.js", true],
    ["src/cli/replay.ts", "../host/services.js", true],
    ["src/cli/x.ts", "../../test/support/builders.js", false],
    ["functions/health.ts", "../src/host/registration.js", true],
    ["functions/x.ts", "../src/adapters/cosmos/index.js", false],
    ["functions/x.ts", "../local/host/index.js", false],
    ["functions/x.ts", "../bench/run.js", false],
  ] as const)("%s importing %s is allowed: %s", (from, specifier, allowed) => {
    expect(violation(from, resolved(from, specifier)) === undefined).toBe(allowed);
  });

  it("reads re-exports and dynamic imports, not only import statements", () => {
    const info = ts.preProcessFile(`export { a } from "../app/a.js";\nconst b = await import("../adapters/b.js");\nimport type { C } from "./c.js";`, true, true);
    expect(info.importedFiles.map((imported) => imported.fileName)).toEqual(["../app/a.js", "../adapters/b.js", "./c.js"]);
  });
});

describe("src/ and functions/ import inward only", () => {
  const files = [...sources("src"), ...sources("functions")];

  it("finds the product's files", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("src/domain/decision.ts");
    expect(files).toContain("functions/health.ts");
  });

  it("has no import against the table", () => {
    const problems = files.flatMap((file) => relativeImports(file).map((specifier) => violation(file, resolved(file, specifier))).filter((problem) => problem !== undefined));
    expect(problems).toEqual([]);
  });
});
