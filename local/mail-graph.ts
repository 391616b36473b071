// `npm run mail -- move|categorize|folders`: acts on a simulated mailbox as its user would in
// Outlook, over Graph's own routes (POST …/messages/{id}/move, PATCH …/messages/{id} with
// categories, childFolders), with an app token from the simulator's control endpoint. The tracker
// sees the result only through its subscriptions, as it would in production.
import type { StackConnection } from "./connection.js";
import { stackFetch } from "./connection.js";

interface GraphMessage {
  id: string;
  subject: string;
  parentFolderId: string;
  categories: string[];
  receivedDateTime: string;
}
interface GraphFolder {
  id: string;
  displayName: string;
  childFolderCount: number;
}
export interface FolderListing {
  id: string;
  path: string;
}

type Graph = <T>(method: string, path: string, body?: unknown) => Promise<T>;

async function withGraph<T>(connection: StackConnection, work: (graph: Graph) => Promise<T>): Promise<T> {
  const trusting = await stackFetch(connection);
  try {
    const tokenUrl = connection.graph.deliverUrl.replace(/\/deliver$/, "/graph-token");
    const tokenResponse = await trusting.fetch(tokenUrl, { method: "POST" });
    const { access_token: token } = (await tokenResponse.json()) as { access_token?: string };
    if (!tokenResponse.ok || !token) throw new Error(`the simulator refused a Graph token (${tokenResponse.status})`);
    const base = connection.graph.baseUrl.replace(/\/$/, "");
    const graph: Graph = async <R>(method: string, path: string, body?: unknown) => {
      const response = await trusting.fetch(`${base}/v1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const parsed = (text ? JSON.parse(text) : {}) as R & { error?: { message?: string } };
      if (!response.ok) throw new Error(`Graph ${method} ${path}: ${response.status} ${parsed.error?.message ?? ""}`.trim());
      return parsed;
    };
    return await work(graph);
  } finally {
    await trusting.close();
  }
}

const user = (mailbox: string) => `/users/${encodeURIComponent(mailbox)}`;

/** Every folder below the Inbox, as paths of display names ("Projects/Contoso"). */
async function listFolders(graph: Graph, mailbox: string): Promise<FolderListing[]> {
  const found: FolderListing[] = [];
  const walk = async (id: string, prefix: string) => {
    const page = await graph<{ value: GraphFolder[] }>("GET", `${user(mailbox)}/mailFolders/${encodeURIComponent(id)}/childFolders`);
    for (const folder of page.value) {
      const path = prefix ? `${prefix}/${folder.displayName}` : folder.displayName;
      found.push({ id: folder.id, path });
      if (folder.childFolderCount > 0) await walk(folder.id, path);
    }
  };
  await walk("inbox", "");
  return found;
}

async function findFolder(graph: Graph, mailbox: string, folder: string): Promise<FolderListing> {
  const wanted = folder.trim().replace(/^\/+|\/+$/g, "");
  const folders = await listFolders(graph, mailbox);
  const match = folders.find((item) => item.id === wanted) ?? folders.find((item) => item.path.toLowerCase() === wanted.toLowerCase());
  if (match) return match;
  // A well-known name or another folder id Graph knows ("inbox", "archive").
  try {
    const direct = await graph<GraphFolder>("GET", `${user(mailbox)}/mailFolders/${encodeURIComponent(wanted)}`);
    return { id: direct.id, path: direct.displayName };
  } catch {
    throw new Error(`no folder "${folder}" in ${mailbox} (folders below the Inbox: ${folders.map((item) => item.path).join(", ") || "none"})`);
  }
}

/** A message by id, or the newest whose subject is the text given (case-insensitive). */
async function findMessage(graph: Graph, mailbox: string, message: string): Promise<GraphMessage> {
  const select = "$select=id,subject,parentFolderId,categories,receivedDateTime";
  try {
    return await graph<GraphMessage>("GET", `${user(mailbox)}/messages/${encodeURIComponent(message)}?${select}`);
  } catch {
    // Not an id: look it up by subject.
  }
  const matches: GraphMessage[] = [];
  let next: string | undefined = `${user(mailbox)}/messages?$top=100&${select}`;
  const base = "/v1.0";
  while (next) {
    const page: { value: GraphMessage[]; "@odata.nextLink"?: string } = await graph("GET", next);
    matches.push(...page.value.filter((item) => item.subject.trim().toLowerCase() === message.trim().toLowerCase()));
    const link = page["@odata.nextLink"];
    next = link ? link.slice(link.indexOf(base) + base.length) : undefined;
  }
  const newest = matches.sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime))[0];
  if (!newest) throw new Error(`no message with id or subject "${message}" in ${mailbox}`);
  return newest;
}

export async function folders(connection: StackConnection, options: { mailbox: string }): Promise<FolderListing[]> {
  return withGraph(connection, (graph) => listFolders(graph, options.mailbox));
}

export async function moveMessage(
  connection: StackConnection,
  options: { mailbox: string; message: string; folder: string },
): Promise<{ id: string; subject: string; folder: FolderListing }> {
  return withGraph(connection, async (graph) => {
    const message = await findMessage(graph, options.mailbox, options.message);
    const folder = await findFolder(graph, options.mailbox, options.folder);
    // Graph gives the moved copy a new id.
    const moved = await graph<GraphMessage>("POST", `${user(options.mailbox)}/messages/${encodeURIComponent(message.id)}/move`, { destinationId: folder.id });
    return { id: moved.id, subject: moved.subject, folder };
  });
}

export async function categorizeMessage(
  connection: StackConnection,
  options: { mailbox: string; message: string; add?: string; remove?: string },
): Promise<{ id: string; subject: string; categories: string[] }> {
  return withGraph(connection, async (graph) => {
    const message = await findMessage(graph, options.mailbox, options.message);
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const kept = message.categories.filter((name) => !(options.remove && same(name, options.remove)));
    const categories = options.add && !kept.some((name) => same(name, options.add ?? "")) ? [...kept, options.add] : kept;
    const updated = await graph<GraphMessage>("PATCH", `${user(options.mailbox)}/messages/${encodeURIComponent(message.id)}`, { categories });
    return { id: updated.id, subject: updated.subject, categories: updated.categories ?? categories };
  });
}
