// HTTP GET /api/admin-center/{*path}: the admin center, a single-page app (web/, built into
// dist/admin-center), with config.json telling it where to sign in. Anonymous: the page holds no
// data; the admin API it calls checks the bearer token on every request.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { ADMIN_CENTER_SEGMENT, createAdminCenter } from "../src/host/admin-center.js";
import { registerFunction } from "../src/host/registration.js";

const site = createAdminCenter({ env: process.env, log: (line) => console.warn(line) });

export function adminCenter(request: HttpRequest): Promise<HttpResponseInit> {
  return site.handle(request);
}

registerFunction({
  kind: "http",
  name: "adminCenter",
  options: { methods: ["GET", "HEAD"], authLevel: "anonymous", route: `${ADMIN_CENTER_SEGMENT}/{*path}`, handler: adminCenter },
});
