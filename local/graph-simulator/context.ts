// State shared by the simulator's parts (one instance per started simulator), the fault
// counters' shape, and small helpers more than one part uses.
import type { MailStore } from "./mail-store.js";
import type { NotificationHub } from "./subscriptions.js";
import type { GraphSimulatorOptions, GraphSimulatorStats } from "./simulator.js";

export interface CountedFault {
  mailboxId: string | null;
  remaining: number;
}

export interface FaultState {
  throttle: (CountedFault & { retryAfterSeconds: number })[];
  serverError: (CountedFault & { status: number })[];
  slow: (CountedFault & { ms: number })[];
  deltaGone: CountedFault[];
  accessDenied: Set<string>;
}

export interface SimContext {
  options: GraphSimulatorOptions;
  tenantId: string;
  clock: () => Date;
  store: MailStore;
  hub: NotificationHub;
  messageDomain: string;
  applicationId: string;
  tokens: Map<string, { clientId: string; expiresAt: number }>;
  stats: GraphSimulatorStats;
  faultState: FaultState;
  /** Empty until the server listens. */
  baseUrl: string;
}

export const MAX_CONCURRENT_PER_MAILBOX = 4;

/** Path below /v1.0 as segments; `mailFolders('inbox')` becomes `mailFolders/inbox`. */
export function pathSegments(path: string): string[] {
  const normalized = path.replace(/\(\s*['"]([^'"]*)['"]\s*\)/g, "/$1");
  return normalized
    .split("/")
    .filter((segment) => segment.length > 0)
    .map((segment) => decodeURIComponent(segment));
}
