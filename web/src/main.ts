// Entry point of the admin center (built by Vite into dist/admin-center).
import "./app.js";
