// The admin center's build: web/ → dist/admin-center, served by functions/adminCenter.ts under
// /api/admin-center/. Hashed file names under assets/ are what lets that function cache them forever.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { ADMIN_CENTER_BUILD_DIR, ADMIN_CENTER_SEGMENT } from "../src/host/admin-center-config.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: `/api/${ADMIN_CENTER_SEGMENT}/`,
  publicDir: path.join(here, "public"),
  logLevel: "warn",
  // Production builds of the libraries (Lit's dev mode warns in the console) whatever NODE_ENV the
  // caller has: the tests build under vitest (NODE_ENV=test).
  resolve: { conditions: ["module", "browser", "production"] },
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: path.join(here, "..", ADMIN_CENTER_BUILD_DIR),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // Inline data: URLs would need a looser CSP for scripts; keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
