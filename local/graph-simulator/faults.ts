// Fault injection: the counted faults' bookkeeping and the `faults` admin API.
import type { GraphSimulatorFaults } from "./simulator.js";
import type { CountedFault, SimContext } from "./context.js";

export function takeFault<T extends CountedFault>(list: T[], mailboxId: string | null): T | undefined {
  const index = list.findIndex(
    (fault) => fault.remaining > 0 && (fault.mailboxId === null || fault.mailboxId === mailboxId),
  );
  const fault = list[index];
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining === 0) list.splice(index, 1);
  return fault;
}

export function createFaults(ctx: SimContext): GraphSimulatorFaults {
  const { store, hub, faultState } = ctx;

  function mailboxIdOf(idOrAddress: string | undefined): string | null {
    return idOrAddress === undefined ? null : store.requireMailbox(idOrAddress).id;
  }

  const faults: GraphSimulatorFaults = {
    throttle: ({ mailbox, count, retryAfterSeconds }) => {
      faultState.throttle.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, retryAfterSeconds });
    },
    serverError: ({ count, status, mailbox }) => {
      faultState.serverError.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, status: status ?? 503 });
    },
    slow: ({ ms, count, mailbox }) => {
      faultState.slow.push({ mailboxId: mailboxIdOf(mailbox), remaining: count, ms });
    },
    dropNotifications: (on) => {
      hub.faults.drop = on;
    },
    duplicateNotifications: (on) => {
      hub.faults.duplicate = on;
    },
    reorderNotifications: (on) => {
      hub.faults.reorder = on;
    },
    updatedAfterCreated: (count) => {
      hub.faults.updatedAfterCreated = count;
    },
    resourceDataOmits: (properties) => {
      hub.faults.resourceDataOmits = [...properties];
    },
    deltaGone: ({ mailbox, count }) => {
      faultState.deltaGone.push({ mailboxId: mailboxIdOf(mailbox), remaining: count });
    },
    accessDenied: (mailbox, on) => {
      const id = store.requireMailbox(mailbox).id;
      if (on) faultState.accessDenied.add(id);
      else faultState.accessDenied.delete(id);
    },
    clear: () => {
      faultState.throttle.length = 0;
      faultState.serverError.length = 0;
      faultState.slow.length = 0;
      faultState.deltaGone.length = 0;
      faultState.accessDenied.clear();
      Object.assign(hub.faults, { drop: false, duplicate: false, reorder: false, updatedAfterCreated: 0, resourceDataOmits: [] });
    },
  };
  return faults;
}
