// What the server tells the page at start-up: GET <base>config.json (src/host/admin-center.ts).
import type { AdminCenterConfig } from "../../src/host/admin-center-config.js";

export type { AdminCenterConfig };

export async function loadConfig(): Promise<AdminCenterConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as AdminCenterConfig;
}
