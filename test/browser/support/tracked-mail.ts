// A tracked mailbox on the local stack, set up through the admin API as an admin does it: CRM
// records imported, the mailbox created, approved and Test & Enabled; then mail from outside is
// delivered into it through the Graph simulator's control surface.
import { APP_ROLES } from "../../../src/api/roles.js";
import type { LocalStack } from "../../../local/stack.js";

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export type ApiCall = (method: string, path: string, options?: { body?: unknown; text?: string; contentType?: string; headers?: Record<string, string>; roles?: readonly string[] }) => Promise<ApiAnswer>;

/** The admin API over HTTP with a simulator-signed token (Tracking.Admin and Tracking.Read unless told). */
export function apiCaller(stack: LocalStack): ApiCall {
  return async (method, path, options = {}) => {
    const token = await stack.apiToken({ roles: options.roles ?? [APP_ROLES.admin, APP_ROLES.read], user: "setup@contoso.com" });
    const hasBody = options.body !== undefined || options.text !== undefined;
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(hasBody ? { "content-type": options.contentType ?? "application/json" } : {}), ...options.headers },
      ...(hasBody ? { body: options.text ?? JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

/** Records (CSV rows after the header `type,id,name,emailAddresses`) and an enabled mailbox. */
export async function trackedMailbox(stack: LocalStack, options: { address: string; displayName: string; recordsCsv: string }): Promise<ApiCall> {
  const call = apiCaller(stack);
  // New mailboxes take the organization's default filter: email from contacts, accounts and leads
  // (Dynamics' own default tracks only replies to tracked email).
  const settings = await fetch(`${stack.apiUrl}/admin/settings/organization`, { headers: { authorization: `Bearer ${await stack.apiToken({ roles: [APP_ROLES.admin] })}` } });
  const patched = await call("PATCH", "/admin/settings/organization", {
    body: { defaultIncomingEmailFilter: "fromLeadsContactsAccounts" },
    headers: { "if-match": settings.headers.get("etag") ?? "*" },
  });
  if (patched.status !== 200) throw new Error(`settings answered ${patched.status}: ${JSON.stringify(patched.body)}`);
  const imported = await call("POST", "/admin/records/import", { text: `type,id,name,emailAddresses\n${options.recordsCsv}`, contentType: "text/csv" });
  if (imported.status !== 200) throw new Error(`records import answered ${imported.status}: ${JSON.stringify(imported.body)}`);
  if (!stack.graph.getMailbox(options.address)) stack.graph.addMailbox({ address: options.address, displayName: options.displayName });
  const mailboxPath = `/admin/mailboxes/${encodeURIComponent(options.address)}`;
  const steps = [
    await call("POST", "/admin/mailboxes", { body: { address: options.address } }),
    await call("POST", `${mailboxPath}/approve`, { roles: [APP_ROLES.approve] }),
    await call("POST", `${mailboxPath}/test-and-enable`),
  ];
  const failed = steps.find((step) => step.status >= 300);
  if (failed) throw new Error(`mailbox setup answered ${failed.status}: ${JSON.stringify(failed.body)}`);
  await stack.settle();
  return call;
}
