// HTTP /api/admin/mailboxes/…: mailboxes, approval, Test & Enable (src/api/routes/mailboxes.ts).
import { mailboxRoutes } from "../src/api/routes/mailboxes.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminMailboxes", route: "admin/mailboxes/{*path}", routes: mailboxRoutes });
