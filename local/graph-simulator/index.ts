// Public surface of the local Graph simulator (tests and local scenarios only; never src/).
export { startGraphSimulator } from "./simulator.js";
export type {
  DeliverExternalInput,
  DeliverResult,
  Delivery,
  GraphSimulator,
  GraphSimulatorFaults,
  GraphSimulatorOptions,
  GraphSimulatorStats,
  MailboxInfo,
  SimMessageSnapshot,
} from "./simulator.js";
export type { LifecycleEvent, SimSubscription } from "./subscriptions.js";
export { objectIdFor } from "./identity.js";
export type { ApiTokenRequest, SimulatedIdentity } from "./identity.js";
export { connectTestClient, testCredential, createTrustingCredential, createTrustingGraphClient, createTrustingHttpMessageHandler } from "./clients.js";
export { startNotificationReceiver } from "./receiver.js";
export type { NotificationReceiver, ReceivedRequest, ReceiverReply } from "./receiver.js";
