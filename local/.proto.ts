import https from "node:https";
import { X509Certificate, createHash } from "node:crypto";
import { createLocalCertificate } from "./certificates.js";
import { createBrowserSignIn } from "./graph-simulator/sign-in.js";
import { startAdminCenterHost } from "../test/support/admin-center-host.js";
import { launchChromium } from "../test/browser/support/chromium.js";

const tenant = "11111111-2222-4333-8444-555555555555";
const cert = await createLocalCertificate({ hosts: ["127.0.0.1"] });
let authority = "";
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const signIn = createBrowserSignIn({
  tenantId: tenant, authority: () => authority, roles: ["Tracking.Read", "Tracking.Admin"],
  issueAccessToken: async (r) => `${b64({ alg: "none" })}.${b64({ aud: r.audience, roles: r.roles, upn: r.user })}.x`,
  objectIdFor: (a) => createHash("sha256").update(a).digest("hex").slice(0, 32).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5"),
});
const server = https.createServer({ cert: cert.cert, key: cert.key }, async (req, res) => {
  const chunks: Buffer[] = []; for await (const c of req) chunks.push(c as Buffer);
  const url = new URL(req.url ?? "/", authority);
  console.log("SIM", req.method, url.pathname);
  const cors = signIn.corsHeaders({ method: req.method ?? "GET", url, headers: req.headers });
  if (cors) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
  const answer = await signIn.handle({ method: req.method ?? "GET", url, headers: req.headers, body: Buffer.concat(chunks).toString() });
  if (answer) { res.writeHead(answer.status, answer.headers); res.end(answer.body); return; }
  if (/openid-configuration$/.test(url.pathname)) {
    const base = `${authority}/${tenant}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, end_session_endpoint: `${base}/oauth2/v2.0/logout`, issuer: `${base}/v2.0`, jwks_uri: `${base}/discovery/v2.0/keys`, response_modes_supported: ["query", "fragment", "form_post"] }));
    return;
  }
  res.writeHead(404); res.end();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
authority = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
Object.assign(process.env, { ADMIN_CENTER_CLIENT_ID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", API_AUTHORITY_HOST: authority, API_TENANT_ID: tenant, API_AUDIENCE: "api://tracker" });
const { host } = await startAdminCenterHost();
const spki = createHash("sha256").update(new X509Certificate(cert.cert).publicKey.export({ type: "spki", format: "der" })).digest("base64");
const browser = await launchChromium({ args: [`--ignore-certificate-errors-spki-list=${spki}`] });
const page = await browser.context.newPage();
page.on("console", (m) => console.log("CONSOLE", m.type(), m.text()));
page.on("pageerror", (e) => console.log("PAGEERROR", e.message));
await page.goto(`${host.baseUrl}/api/admin-center/`);
await page.getByRole("button", { name: "Sign in" }).first().click();
await page.waitForURL(/oauth2\/v2.0\/authorize/);
console.log("at", page.url().slice(0, 80));
await page.getByLabel("User (email address)").fill("ada@contoso.com");
await page.getByLabel("Tracking.Admin").check();
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/admin-center/);
await page.getByTestId("signed-in-user").waitFor({ timeout: 10000 }).catch((e) => console.log("no user", e.message));
console.log("user:", await page.getByTestId("signed-in-user").textContent().catch(() => "?"), page.url());
await page.screenshot({ path: "/tmp/proto.png" });
await browser.close(); await host.close(); server.close();
