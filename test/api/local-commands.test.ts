// The local commands against a running stack, as a person uses them: the connection file, a token
// from `npm run token`, `npm run mailbox` as an API client, `npm run mail` delivering from
// outside, `npm run mail -- move|categorize|folders` over Graph's routes, and npm start's admin API
// walkthrough (setting, CSV import, tracked email, linked reply, tracked folder, tracking category).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMailboxApiArgs, runMailboxApi } from "../../src/cli/mailbox-api.js";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { runApiWalkthrough } from "../../local/api-walkthrough.js";
import { connectionFor, readConnectionFile, requestApiToken, writeConnectionFile, type StackConnection } from "../../local/connection.js";
import { parseMailArgs, runMailCommand, sendMail } from "../../local/mail.js";
import { parseTokenArgs } from "../../local/token.js";
import { startApiStack, type ApiClient } from "./api-support.js";

let api: ApiClient;
let dir: string;
let connection: StackConnection;
const decisions: TrackingDecisionEvent[] = [];

beforeAll(async () => {
  api = await startApiStack();
  dir = await mkdtemp(path.join(tmpdir(), "connection-"));
  await writeConnectionFile(connectionFor(api.stack), path.join(dir, "stack.json"));
  connection = await readConnectionFile(path.join(dir, "stack.json"));
  trackingEvents.on("decision", (decision) => decisions.push(decision));
});
afterAll(async () => {
  await api?.stack.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm run token", () => {
  it("parses roles and user, refusing unknown roles", () => {
    expect(parseTokenArgs(["--roles", "Tracking.Admin,Tracking.Read", "--user", "Dana@Example.com"])).toEqual({ roles: ["Tracking.Admin", "Tracking.Read"], user: "dana@example.com" });
    expect(parseTokenArgs([])).toEqual({ roles: [] });
    expect(() => parseTokenArgs(["--roles", "Tracking.God"])).toThrow(/unknown role Tracking.God/);
  });

  it("gets a token the API accepts with exactly those roles, over HTTPS trusting only the stack's CA", async () => {
    const reader = await requestApiToken(connection, { roles: ["Tracking.Read"] });
    expect((await api.call("GET", "/admin/settings/organization", { token: reader })).status).toBe(200);
    expect((await api.call("POST", "/admin/mailboxes", { token: reader, body: { address: "x@example.com" } })).status).toBe(403);
  });
});

describe("npm run mailbox (API client)", () => {
  it("creates, approves, enables and lists through the API", async () => {
    const address = "client@example.com";
    api.stack.graph.addMailbox({ address });
    const token = await requestApiToken(connection, { roles: ["Tracking.Admin", "Tracking.Approve"] });
    const out: string[] = [];
    const err: string[] = [];
    const run = (argv: string[]) => {
      const command = parseMailboxApiArgs(argv);
      if (command.kind === "help") throw new Error("help");
      return runMailboxApi(command, { apiUrl: connection.apiUrl, token, out: (text) => out.push(text), err: (text) => err.push(text) });
    };
    expect(await run(["enable", address, "--filter", "all"])).toBe(2);
    expect(err.join("\n")).toMatch(/requires approval/);
    expect(await run(["approve", address])).toBe(0);
    expect(await run(["enable", address])).toBe(0);
    expect(out.at(-1)).toMatch(/client@example.com: enabled user mailbox, approval approved[\s\S]*incoming: success/);
    await api.stack.settle();
    expect(await run(["status", address])).toBe(0);
    expect(out.at(-1)).toMatch(/Health: healthy; last successful sync \S+; 0 consecutive failure\(s\)\n  inbox: covered up to \S+; tracked 0, failed 0; last catch-up \S+, 0 found by catch-up/);
    expect(await run(["list", "--state", "enabled"])).toBe(0);
    expect(out.at(-1)).toContain(address);
    const readerOnly = await requestApiToken(connection, { roles: ["Tracking.Read"] });
    const command = parseMailboxApiArgs(["disable", address]);
    expect(await runMailboxApi(command as never, { apiUrl: connection.apiUrl, token: readerOnly, out: () => {}, err: (text) => err.push(text) })).toBe(2);
    expect(err.at(-1)).toMatch(/403/);
  });

  it("refuses bad input before calling the API", () => {
    expect(() => parseMailboxApiArgs(["enable", "not-an-address"])).toThrow(/not an email address/);
    expect(() => parseMailboxApiArgs(["enable", "a@example.com", "--start", "yesterday"])).toThrow(/--start/);
    expect(() => parseMailboxApiArgs([])).toThrow(/a command is required/);
  });
});

describe("npm run mail", () => {
  it("delivers an email from outside into a simulated mailbox, where it is tracked", async () => {
    const options = parseMailArgs(["send", "--to", "client@example.com", "--from", "outsider@fabrikam.example.org", "--subject", "Hello by hand", "--body", "Hi"]);
    if (options.kind !== "send") throw new Error(`parsed as ${options.kind}`);
    const result = await sendMail(connection, options);
    expect(result.deliveries).toHaveLength(1);
    await api.stack.settle();
    const seen = decisions.filter((decision) => decision.result.internetMessageId.replace(/^<|>$/g, "") === result.internetMessageId.replace(/^<|>$/g, ""));
    expect(seen.length).toBeGreaterThan(0);
    expect(() => parseMailArgs(["send", "--to", "nobody", "--from", "a@b.example", "--subject", "x"])).toThrow(/email addresses/);
  });
});

describe("npm run mail -- move | categorize | folders (Graph's own routes)", () => {
  const mailbox = "filer@example.com";
  const run = (argv: string[]) => runMailCommand(connection, parseMailArgs(argv));

  it("parses the commands, refusing bad input", () => {
    expect(parseMailArgs(["move", "--mailbox", "Filer@Example.com", "--message", "Hi", "--folder", "Projects/Contoso"])).toEqual({ kind: "move", mailbox, message: "Hi", folder: "Projects/Contoso" });
    expect(parseMailArgs(["categorize", "--mailbox", mailbox, "--message", "m1", "--category", "Tracked"])).toEqual({ kind: "categorize", mailbox, message: "m1", add: "Tracked" });
    expect(parseMailArgs(["categorize", "--mailbox", mailbox, "--message", "m1", "--remove", "Tracked"])).toEqual({ kind: "categorize", mailbox, message: "m1", remove: "Tracked" });
    expect(() => parseMailArgs(["categorize", "--mailbox", mailbox, "--message", "m1"])).toThrow(/--category NAME or --remove NAME/);
    expect(() => parseMailArgs(["move", "--mailbox", "nobody", "--message", "x", "--folder", "y"])).toThrow(/email addresses/);
    expect(() => parseMailArgs(["move", "--mailbox", mailbox, "--message", "x"])).toThrow(/--folder/);
  });

  it("lists folders, moves a message by subject into a child folder by path, and sets then removes a category", async () => {
    const graph = api.stack.graph;
    if (!graph.getMailbox(mailbox)) graph.addMailbox({ address: mailbox });
    const projects = graph.createFolder(mailbox, { parent: "inbox", displayName: "Projects" });
    const contoso = graph.createFolder(mailbox, { parent: projects, displayName: "Contoso" });
    graph.deliverExternal({ to: [mailbox], from: { address: "outsider@fabrikam.example.org" }, subject: "File me by hand", body: "Hi" });
    await api.stack.settle();

    expect((await run(["folders", "--mailbox", mailbox])).split("\n")).toEqual([`Projects\t${projects}`, `Projects/Contoso\t${contoso}`]);
    expect(await run(["move", "--mailbox", mailbox, "--message", "file me by hand", "--folder", "projects/contoso"])).toMatch(/^Moved "File me by hand" into Projects\/Contoso/);
    const moved = graph.listMessages(mailbox, contoso).find((message) => message.subject === "File me by hand");
    expect(moved).toBeDefined();
    expect(graph.listMessages(mailbox, "inbox").some((message) => message.subject === "File me by hand")).toBe(false);

    expect(await run(["categorize", "--mailbox", mailbox, "--message", moved?.id ?? "", "--category", "Blue"])).toMatch(/categories: Blue/);
    expect(await run(["categorize", "--mailbox", mailbox, "--message", "File me by hand", "--category", "Tracked to Dynamics 365"])).toMatch(/categories: Blue, Tracked to Dynamics 365/);
    expect(graph.listMessages(mailbox, contoso).find((message) => message.subject === "File me by hand")?.categories).toEqual(["Blue", "Tracked to Dynamics 365"]);
    expect(await run(["categorize", "--mailbox", mailbox, "--message", "File me by hand", "--remove", "blue"])).toMatch(/categories: Tracked to Dynamics 365\.$/);
    expect(graph.listMessages(mailbox, contoso).find((message) => message.subject === "File me by hand")?.categories).toEqual(["Tracked to Dynamics 365"]);

    await expect(run(["move", "--mailbox", mailbox, "--message", "No such subject", "--folder", "Projects"])).rejects.toThrow(/no message with id or subject "No such subject"/);
    await expect(run(["move", "--mailbox", mailbox, "--message", "File me by hand", "--folder", "Nowhere"])).rejects.toThrow(/no folder "Nowhere".*Projects\/Contoso/);
  });
});

describe("npm start's admin API walkthrough", () => {
  it("changes a setting, imports records, sends a tracked email, links the customer's reply, and tracks mail filed into a tracked folder and by category", async () => {
    const steps = await runApiWalkthrough(api.stack);
    expect(steps.map((step) => [step.step, step.ok, step.detail])).toEqual(steps.map((step) => [step.step, true, step.detail]));
    expect(steps.map((step) => step.step)).toEqual([
      "change a setting",
      "import records",
      "create, approve, Test & Enable a mailbox",
      "send a tracked email",
      "receive the reply, linked",
      "track mail moved into a tracked folder",
      "track mail given the tracking category later",
    ]);
  });
});
