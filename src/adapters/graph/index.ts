// Microsoft Graph adapter: the MailGateway port on the Graph SDK, and the credential it uses.
export { createGraphCredential, isMicrosoftAuthorityHost } from "./credential.js";
export type { GraphCredentialKind, GraphCredentialOptions } from "./credential.js";
export { createGraphGateway, SUBSCRIPTIONS_KEY } from "./graph-gateway.js";
export type { GraphGateway, GraphGatewayOptions } from "./graph-gateway.js";
export { DEFAULT_GRAPH_BASE_URL } from "./endpoint.js";
export { GRAPH_SCOPE, createTrustingFetch } from "./graph-client.js";
export { OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX } from "./mailbox-limiter.js";
