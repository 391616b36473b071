// HTTP /api/admin/item-log: the item-level log of every mailbox, other users' subjects redacted.
import { itemLogRoutes } from "../src/api/routes/health.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminItemLog", route: "admin/item-log/{*path}", routes: itemLogRoutes });
