// HTTP /api/admin/what-if/…: what-if replays of recorded mail, never touching live data (src/api/routes/what-if.ts).
import { whatIfRoutes } from "../src/api/routes/what-if.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminWhatIf", route: "admin/what-if/{*path}", routes: whatIfRoutes });
