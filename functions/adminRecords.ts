// HTTP /api/admin/records/…: CRM records for address resolution (src/api/routes/records.ts).
import { recordRoutes } from "../src/api/routes/records.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminRecords", route: "admin/records/{*path}", routes: recordRoutes });
