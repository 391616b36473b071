// Checks that need no Azure and no Bicep compiler: the infra sets the app settings the code
// validates, loads the container definitions the code uses, creates the queues the bindings name,
// follows the azd template conventions, and docs/deploy.md lists every setting.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { containerDefinitions } from "../../src/adapters/cosmos/containers.js";
import {
  APP_SETTINGS,
  NOTIFICATIONS_POISON_QUEUE,
  NOTIFICATIONS_QUEUE,
  renderAppSettingsTable,
} from "../../src/config/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const infra = join(root, "infra");
const read = (path: string): string => readFileSync(path, "utf8");

/** Set by the infra for the platform, not read by the app's code. */
const PLATFORM_SETTINGS = ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

const bicepFiles = readdirSync(infra, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".bicep"))
  .map((f) => join(infra, f))
  .sort();
const mainBicep = read(join(infra, "main.bicep"));
const rel = (path: string): string => relative(root, path);

/** Blanks string literals and comments so structure can be checked textually. */
function stripStringsAndComments(source: string): string {
  return source
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
}

function between(source: string, begin: string, end: string): string {
  const start = source.indexOf(begin);
  const stop = source.indexOf(end, start + 1);
  if (start < 0 || stop < 0) throw new Error(`markers ${begin} … ${end} not found`);
  return source.slice(start + begin.length, stop);
}

const appSettingsBlock = between(mainBicep, "// app-settings:begin", "// app-settings:end");
/** Keys at the start of a line or right after "{": object property names, not ternary branches. */
const bicepSettingNames = [
  ...stripStringsAndComments(appSettingsBlock).matchAll(/(?:^[ \t]*|\{\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:/gm),
].map((m) => m[1] ?? "");

describe("app settings: infra and APP_SETTINGS agree", () => {
  const known = new Set<string>(APP_SETTINGS.map((d) => d.name));

  it("finds the app settings block in main.bicep", () => {
    expect(bicepSettingNames.length).toBeGreaterThan(10);
    expect(new Set(bicepSettingNames).size).toBe(bicepSettingNames.length);
  });

  it.each(bicepSettingNames)("Bicep sets %s, which APP_SETTINGS defines (or is a listed platform setting)", (name) => {
    expect(known.has(name) || PLATFORM_SETTINGS.includes(name)).toBe(true);
  });

  it.each(APP_SETTINGS.map((d) => [d.name, d] as const))("%s is set by the infra or optional in Azure", (name, definition) => {
    const requiredSomewhere = definition.requirement !== "optional" || definition.requiredWhen !== undefined;
    const setByInfra =
      bicepSettingNames.includes(name) ||
      (definition.orInstead !== undefined && bicepSettingNames.includes(definition.orInstead));
    expect(setByInfra || !requiredSomewhere).toBe(true);
  });

  it("sets secrets only as Key Vault references to the secret APP_SETTINGS names", () => {
    const references = new Map(
      [...appSettingsBlock.matchAll(/([A-Za-z_][A-Za-z0-9_]*):\s*'@Microsoft\.KeyVault\(SecretUri=[^']*\/([a-z0-9-]+)\)'/g)].map(
        (m) => [m[1] ?? "", m[2] ?? ""],
      ),
    );
    const expected = APP_SETTINGS.filter((d) => d.keyVaultSecret !== undefined && bicepSettingNames.includes(d.name));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const d of expected) expect([d.name, references.get(d.name)]).toEqual([d.name, d.keyVaultSecret]);
    expect(references.size).toBe(expected.length);
  });

  const functionsDir = join(root, "functions");
  const bindingExpressions = existsSync(functionsDir)
    ? [
        ...new Set(
          readdirSync(functionsDir)
            .filter((f) => f.endsWith(".ts"))
            .flatMap((f) => [...read(join(functionsDir, f)).matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1] ?? "")),
        ),
      ]
    : [];

  it.each(bindingExpressions.map((name) => [name]))(
    "%s, a %%NAME%% binding expression in functions/, is in APP_SETTINGS and set by the infra to its default",
    (name) => {
      const definition = APP_SETTINGS.find((d) => d.name === name);
      expect(definition).toBeDefined();
      expect(bicepSettingNames).toContain(name);
      if (definition?.default !== undefined) {
        expect(appSettingsBlock).toContain(`${name}: '${definition.default}'`);
      }
    },
  );

  it("platform settings are not also app settings", () => {
    for (const name of PLATFORM_SETTINGS) expect(known.has(name)).toBe(false);
  });
});

describe("Cosmos DB containers: one definition for infra and code", () => {
  const loads = bicepFiles.flatMap((file) =>
    [...read(file).matchAll(/loadJsonContent\('([^']+containers\.json)'\)/g)].map((m) => ({ file, path: m[1] ?? "" })),
  );

  it("exactly one Bicep file loads containers.json, and the path resolves to src/adapters/cosmos/containers.json", () => {
    expect(loads).toHaveLength(1);
    const [load] = loads;
    expect(load && rel(resolve(dirname(load.file), load.path))).toBe(join("src", "adapters", "cosmos", "containers.json"));
  });

  it("the file Bicep loads is what the code uses", () => {
    const file = JSON.parse(read(join(root, "src/adapters/cosmos/containers.json"))) as unknown;
    expect(containerDefinitions).toEqual(file);
  });

  it("the Bicep module creates the database and every container from the file, with partition key and indexing policy", () => {
    const cosmos = loads[0] ? read(loads[0].file) : "";
    expect(cosmos).toMatch(/name: definition\.databaseName/);
    expect(cosmos).toMatch(/for container in definition\.containers:/);
    expect(cosmos).toMatch(/paths: \[container\.partitionKeyPath\]/);
    expect(cosmos).toMatch(/indexingPolicy: container\.indexingPolicy/);
    expect(cosmos).toMatch(/defaultTtl: any\(container\)\.\?defaultTtl/);
  });

  it("COSMOS_DATABASE defaults to the database the infra creates", () => {
    expect(APP_SETTINGS.find((d) => d.name === "COSMOS_DATABASE")?.default).toBe(containerDefinitions.databaseName);
  });

  it.each(containerDefinitions.containers.map((c) => [c.name, c] as const))(
    "container %s has a partition key path and an indexing policy",
    (_name, container) => {
      expect(container.partitionKeyPath).toMatch(/^\/[A-Za-z0-9_]+/);
      expect(container.indexingPolicy).toBeTypeOf("object");
    },
  );
});

describe("queues", () => {
  it("the storage account creates NOTIFICATIONS_QUEUE and NOTIFICATIONS_POISON_QUEUE", () => {
    const block = between(mainBicep, "queues: [", "]");
    const names = [...block.matchAll(/name:\s*'([^']+)'/g)].map((m) => m[1]);
    expect(names).toEqual([NOTIFICATIONS_QUEUE, NOTIFICATIONS_POISON_QUEUE]);
  });

  it("the outputs name the same queues", () => {
    expect(mainBicep).toContain(`output NOTIFICATIONS_QUEUE_NAME string = '${NOTIFICATIONS_QUEUE}'`);
    expect(mainBicep).toContain(`output NOTIFICATIONS_POISON_QUEUE_NAME string = '${NOTIFICATIONS_POISON_QUEUE}'`);
  });
});

describe("docs/deploy.md", () => {
  const docs = read(join(root, "docs/deploy.md"));

  it("carries the settings table generated from APP_SETTINGS", () => {
    expect(between(docs, "<!-- app-settings:begin -->", "<!-- app-settings:end -->").trim()).toBe(renderAppSettingsTable());
  });

  it.each(APP_SETTINGS.map((d) => d.name))("lists %s", (name) => {
    expect(docs).toContain(`\`${name}\``);
  });

  it.each(["Mail.Read", "Mail.ReadWrite", "Mail.Send", "New-ServicePrincipal", "New-ManagementRoleAssignment", "azd up", "npm run mailbox -- enable"])(
    "covers %s",
    (text) => {
      expect(docs).toContain(text);
    },
  );
});

describe.each(bicepFiles.map((f) => [rel(f), f] as const))("Bicep conventions: %s", (_name, file) => {
  const source = read(file);
  const code = stripStringsAndComments(source);
  const lines = source.split("\n");

  it("has balanced braces, brackets and parentheses", () => {
    for (const [open, close] of [["{", "}"], ["[", "]"], ["(", ")"]] as const) {
      let depth = 0;
      for (const ch of code) {
        if (ch === open) depth += 1;
        if (ch === close) depth -= 1;
        expect(depth, `${close} before ${open}`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `unclosed ${open}`).toBe(0);
    }
  });

  it("describes every param", () => {
    const params = lines.flatMap((line, i) => (/^param\s/.test(line) ? [i] : []));
    expect(params.length).toBeGreaterThan(0);
    for (const index of params) {
      const decorators: string[] = [];
      for (let j = index - 1; j >= 0 && (lines[j] ?? "").startsWith("@"); j -= 1) decorators.push(lines[j] ?? "");
      expect(decorators.some((d) => d.startsWith("@description(")), lines[index]).toBe(true);
    }
  });

  it("names every output in UPPER_SNAKE_CASE", () => {
    for (const m of source.matchAll(/^output\s+(\S+)\s/gm)) expect(m[1]).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  it.each(["listKeys(", "listConnectionStrings(", "AccountKey=", "primaryMasterKey", "allowSharedKeyAccess: true", "disableLocalAuth: false"])(
    "does not contain %s",
    (banned) => {
      expect(source).not.toContain(banned);
    },
  );

  it("names every role assignment with guid(...)", () => {
    for (const m of source.matchAll(/^resource\s+(\w+)\s+'([^']+)'/gm)) {
      if (!/roleAssignments@/i.test(m[2] ?? "")) continue;
      const rest = source.slice((m.index ?? 0) + m[0].length);
      const body = rest.split(/\nresource\s/)[0] ?? "";
      const firstName = /^\s*name:\s*(.*)$/m.exec(body);
      expect(firstName?.[1], m[1]).toMatch(/^guid\(/);
    }
  });

  it("declares role assignments only in files that name them with guid", () => {
    const count = [...source.matchAll(/roleAssignments@/g)].length;
    const guids = [...source.matchAll(/^\s*name: guid\(/gm)].length;
    expect(guids).toBeGreaterThanOrEqual(count);
  });

  it("every local module path exists and every registry module is pinned", () => {
    for (const m of source.matchAll(/^module\s+\w+\s+'([^']+)'/gm)) {
      const target = m[1] ?? "";
      if (target.startsWith("br/public:")) expect(target).toMatch(/^br\/public:avm\/res\/[a-z0-9/-]+:\d+\.\d+\.\d+$/);
      else expect(existsSync(resolve(dirname(file), target)), target).toBe(true);
    }
  });
});

describe("main.bicep and azd conventions", () => {
  const parameters = JSON.parse(read(join(infra, "main.parameters.json"))) as {
    parameters: Record<string, { value: unknown }>;
  };
  const mainParams = [...mainBicep.matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)].map((m) => ({
    name: m[1] ?? "",
    hasDefault: m[2] !== undefined,
  }));

  it.each([
    ["subscription scope", "targetScope = 'subscription'"],
    ["resource token", "var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))"],
    ["azd-env-name tag", "var tags = { 'azd-env-name': environmentName }"],
    ["abbreviations", "var abbrs = loadJsonContent('./abbreviations.json')"],
    ["service tag", "'azd-service-name': serviceName"],
  ])("has the %s", (_what, text) => {
    expect(read(join(infra, "main.bicep")) + read(join(infra, "app/api.bicep"))).toContain(text);
  });

  it("uses only abbreviations that abbreviations.json defines", () => {
    const abbreviations = JSON.parse(read(join(infra, "abbreviations.json"))) as Record<string, string>;
    for (const m of mainBicep.matchAll(/abbrs\.(\w+)/g)) expect(Object.keys(abbreviations)).toContain(m[1]);
  });

  it("main.parameters.json sets only main.bicep params, each from an azd environment variable", () => {
    const names = mainParams.map((p) => p.name);
    for (const [name, { value }] of Object.entries(parameters.parameters)) {
      expect(names).toContain(name);
      expect(value).toMatch(/^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/);
    }
    expect(parameters.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
    expect(parameters.parameters.location?.value).toBe("${AZURE_LOCATION}");
  });

  it("main.parameters.json gives a value to every param without a default", () => {
    for (const p of mainParams.filter((q) => !q.hasDefault)) expect(Object.keys(parameters.parameters)).toContain(p.name);
  });

  it("disables shared keys on storage and local auth on Cosmos DB and Application Insights", () => {
    expect(mainBicep).toContain("allowSharedKeyAccess: false");
    expect(read(join(infra, "app/cosmos.bicep"))).toContain("disableLocalAuth: true");
    expect(between(mainBicep, "module monitoring", "\n}")).toContain("disableLocalAuth: true");
  });

  it("uses identity-based connections for storage and the user-assigned identity for Key Vault references", () => {
    expect(appSettingsBlock).toContain("AzureWebJobsStorage__credential: 'managedidentity'");
    expect(read(join(infra, "app/api.bicep"))).toContain("keyVaultAccessIdentityResourceId: identityId");
  });

  it.each([
    ["Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"],
    ["Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"],
    ["Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"],
    ["Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb"],
    ["Cosmos DB Built-in Data Contributor", "00000000-0000-0000-0000-000000000002"],
  ])("grants %s", (_role, id) => {
    expect(read(join(infra, "app/rbac.bicep"))).toContain(`'${id}'`);
  });

  it("azure.yaml deploys one function service from the repository root with infra/", () => {
    const yaml = read(join(root, "azure.yaml"));
    expect(yaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n/m);
    expect(yaml).toMatch(/^ {4}host: function$/m);
    expect(yaml).toMatch(/^ {2}path: infra$/m);
  });

  it("runs on Flex Consumption the Node.js major that package.json's engines and .ci/run name", () => {
    const engines = (JSON.parse(read(join(root, "package.json"))) as { engines: { node: string } }).engines.node;
    const major = /^>=(\d+)$/.exec(engines)?.[1];
    expect(major).toBe("22");
    expect(mainBicep).toContain("tier: 'FlexConsumption'");
    expect(mainBicep).toContain(`runtimeVersion: '${major}'`);
    expect(read(join(infra, "app/api.bicep"))).toContain(`param runtimeVersion string = '${major}'`);
    expect(read(join(root, ".ci/run"))).toMatch(new RegExp(`^NODE_VERSION=${major}\\.\\d+\\.\\d+$`, "m"));
  });
});
