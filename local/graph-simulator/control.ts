// The simulator's own HTTP control endpoints (not Graph): `POST /_simulator/deliver` delivers an
// email from outside into simulated mailboxes, as mail arriving from the internet would (`npm run
// mail`); `POST /_simulator/graph-token` issues an app token for Graph's own routes, so `npm run
// mail -- move|categorize|folders` acts as Outlook would without the app's secret. Local code only.
import type { DeliverExternalInput, DeliverResult } from "./simulator.js";

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/** The client id the local mail tool's Graph tokens carry (visible in the simulator's stats). */
export const LOCAL_MAIL_TOOL_CLIENT_ID = "local-mail-tool";

export function createSimulatorControl(
  deliver: (input: DeliverExternalInput) => DeliverResult,
  issueGraphToken: (clientId: string) => { token: string; expiresIn: number },
) {
  return {
    handle(method: string, path: string, body: string): { status: number; body: unknown } | undefined {
      if (path === "/_simulator/graph-token" && method === "POST") {
        const { token, expiresIn } = issueGraphToken(LOCAL_MAIL_TOOL_CLIENT_ID);
        return { status: 200, body: { token_type: "Bearer", access_token: token, expires_in: expiresIn } };
      }
      if (path !== "/_simulator/deliver" || method !== "POST") return undefined;
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: "the body must be JSON" } };
      }
      const from = input["from"] as { address?: unknown; name?: unknown } | undefined;
      const problems = [
        ...(isStringList(input["to"]) && input["to"].length > 0 ? [] : ["to must be a non-empty list of addresses"]),
        ...(input["cc"] === undefined || isStringList(input["cc"]) ? [] : ["cc must be a list of addresses"]),
        ...(typeof from?.address === "string" ? [] : ["from.address is required"]),
        ...(typeof input["subject"] === "string" ? [] : ["subject is required"]),
      ];
      if (problems.length > 0) return { status: 400, body: { error: problems.join("; ") } };
      const headers = Array.isArray(input["headers"]) ? (input["headers"] as DeliverExternalInput["headers"]) : undefined;
      try {
        const result = deliver({
          to: input["to"] as string[],
          ...(isStringList(input["cc"]) ? { cc: input["cc"] } : {}),
          from: { address: from?.address as string, ...(typeof from?.name === "string" ? { name: from.name } : {}) },
          subject: input["subject"] as string,
          ...(typeof input["body"] === "string" ? { body: input["body"] } : {}),
          ...(headers ? { headers } : {}),
        });
        return { status: 200, body: result };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    },
  };
}
