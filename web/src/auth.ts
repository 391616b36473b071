// Sign-in with Entra ID through MSAL for the browser: authorization code with PKCE by redirect,
// tokens in sessionStorage, renewed with the refresh token (no hidden iframe). Locally the Graph
// simulator is the authority; the code path is the same.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from "@azure/msal-browser";
import type { AdminCenterConfig } from "./config.js";

type SignInConfig = NonNullable<AdminCenterConfig["signIn"]>;

export interface Session {
  user: string;
  name: string;
  /** App roles in the API's access token; they only shape the page (the API checks them itself). */
  roles: readonly string[];
  /** The token's `oid`: the API lets the owner of a mailbox (its ownerObjectId) in by it. */
  objectId: string;
  /** A current access token for the API (renewed when needed). */
  accessToken(): Promise<string>;
  signOut(): Promise<void>;
}

export interface Auth {
  session: Session | undefined;
  signIn(): Promise<void>;
}

const redirectUri = () => new URL(import.meta.env.BASE_URL, location.origin).toString();

export async function startAuth(config: SignInConfig): Promise<Auth> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      // The authority is named by the deployment; no instance discovery against the public cloud.
      knownAuthorities: [new URL(config.authority).host],
      redirectUri: redirectUri(),
      postLogoutRedirectUri: redirectUri(),
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getAllAccounts()[0];
  const signIn = () => msal.loginRedirect({ scopes: config.scopes, redirectStartPage: location.href });
  if (!account) return { session: undefined, signIn };

  const accessToken = async (): Promise<string> => {
    try {
      return (await msal.acquireTokenSilent({ scopes: config.scopes, account })).accessToken;
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) {
        await msal.acquireTokenRedirect({ scopes: config.scopes, account, redirectStartPage: location.href });
      }
      throw error;
    }
  };
  const token = result?.accessToken && result.account ? result.accessToken : await accessToken();
  return {
    session: {
      user: account.username,
      name: account.name ?? account.username,
      roles: rolesOf(token),
      objectId: claimsOf(token).oid ?? account.localAccountId,
      accessToken,
      signOut: () => msal.logoutRedirect({ account: account satisfies AccountInfo }),
    },
    signIn,
  };
}

/** The `roles` claim of a JWT access token (read for display only; never trusted for access). */
export function rolesOf(token: string): string[] {
  const roles = claimsOf(token).roles;
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === "string") : [];
}

/** A JWT's payload, unverified: only to shape the page. */
function claimsOf(token: string): { roles?: unknown; oid?: string } {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const claims = JSON.parse(json) as { roles?: unknown; oid?: unknown };
    return { roles: claims.roles, ...(typeof claims.oid === "string" ? { oid: claims.oid } : {}) };
  } catch {
    return {};
  }
}
