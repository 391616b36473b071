// The whole local stack (as `npm start` runs it) with Chromium trusting the Graph simulator's
// certificate by its key only, and sign-in through the simulator's page as a developer does it.
import type { Page } from "playwright-core";
import { APP_ROLES } from "../../../src/api/roles.js";
import { ensureAdminCenterBuilt } from "../../../local/admin-center-build.js";
import { spkiHash } from "../../../local/certificates.js";
import { startLocalStack, type LocalStack } from "../../../local/stack.js";
import { collectPageErrors, launchChromium, type Browser } from "./chromium.js";

export interface SignedInHarness {
  stack: LocalStack;
  browser: Browser;
  adminCenterUrl: string;
  close(): Promise<void>;
}

export async function startSignedInHarness(): Promise<SignedInHarness> {
  await ensureAdminCenterBuilt();
  const stack = await startLocalStack({ port: 0, timers: "manual", log: () => {} });
  try {
    const browser = await launchChromium({ args: [`--ignore-certificate-errors-spki-list=${spkiHash(stack.graph.ca)}`] });
    return {
      stack,
      browser,
      adminCenterUrl: `${stack.host.baseUrl}/api/admin-center/`,
      async close() {
        await browser.close();
        await stack.close();
      },
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

export interface SignInOptions {
  user: string;
  roles: readonly string[];
  /** The admin center page to start from; default the overview. */
  route?: string;
}

/** Opens a fresh page, signs in at the simulator with these roles, and waits to be back signed in. */
export async function signIn(harness: SignedInHarness, options: SignInOptions): Promise<{ page: Page; errors: string[] }> {
  const page = await harness.browser.context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${harness.adminCenterUrl}${options.route ?? ""}`);
  await page.getByRole("banner").getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Sign in (Graph simulator)" }).waitFor();
  await page.getByLabel("User (email address)").fill(options.user);
  for (const role of options.roles) await page.getByLabel(role).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-user").waitFor();
  return { page, errors };
}

/** The admin API over HTTP with a simulator-signed token for these roles (default Tracking.Admin). */
export function apiFetch(harness: SignedInHarness) {
  return async (method: string, path: string, options: { roles?: readonly string[]; body?: unknown; ifMatch?: string } = {}): Promise<Response> =>
    fetch(`${harness.stack.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await harness.stack.apiToken({ roles: options.roles ?? [APP_ROLES.admin] })}`,
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.ifMatch ? { "if-match": options.ifMatch } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
}
