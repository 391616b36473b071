// Graph's public endpoint, the default of GRAPH_BASE_URL and of the client's baseUrl. A module of
// its own, with no imports, so the app settings can name it without loading the Graph SDK.
export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/";
