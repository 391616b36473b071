// HTTP /api/admin/mailboxes/…: mailboxes, approval, Test & Enable (src/api/routes/mailboxes.ts),
// and each mailbox's health, alerts, item-level log and Resync (src/api/routes/health.ts).
import { mailboxHealthRoutes } from "../src/api/routes/health.js";
import { mailboxRoutes } from "../src/api/routes/mailboxes.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminMailboxes", route: "admin/mailboxes/{*path}", routes: [...mailboxRoutes, ...mailboxHealthRoutes] });
