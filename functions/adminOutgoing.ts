// HTTP /api/admin/outgoing/…: tracked email the app sends (src/api/routes/outgoing.ts).
import { outgoingRoutes } from "../src/api/routes/outgoing.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminOutgoing", route: "admin/outgoing/{*path}", routes: outgoingRoutes });
