// Browser tests run where Chromium is. Without one, `npm test` skips them and says so; in CI
// (CI=true) they fail instead, so a green CI always means they ran.
import { existsSync } from "node:fs";
import { describe, it } from "vitest";
import { CHROMIUM_PATH } from "./chromium.js";

/**
 * describe() for browser tests: runs them where Chromium is; elsewhere skips them visibly with
 * the reason, except in CI, where a missing Chromium is a failure.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `no Chromium at ${CHROMIUM_PATH} (install it with .ci/install-chromium.sh, or set CHROMIUM_PATH)`;
  if (process.env.CI === "true") {
    describe(name, () => {
      it("needs Chromium in CI", () => {
        throw new Error(`browser tests cannot run: ${reason}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED browser tests "${name}": ${reason}`);
  describe.skip(`${name} [skipped: ${reason}]`, body);
}
