// Organization settings as an administrator changes them: read with a version, update against the
// version read (someone else's save in between is refused, not overwritten), a preview of the
// tracking token, and the old prefix kept in the history so replies to earlier mail still match.
import { formatTrackingToken } from "../domain/tracking-token.js";
import { defaultOrganizationSettings, parseOrganizationSettings } from "../domain/settings.js";
import { MAX_PREFIX_HISTORY } from "../domain/setting-values.js";
import type { OrganizationSettings } from "../domain/types.js";
import type { TrackingStore, Versioned } from "./ports.js";

/** The version of settings never saved: If-Match with it creates them. */
export const DEFAULT_SETTINGS_ETAG = '"defaults"';

export type UpdateOutcome = { ok: true; settings: Versioned<OrganizationSettings> } | { ok: false; reason: "versionMismatch" };

export interface TrackingTokenPreview {
  /** The token of a user's first tracked message, as the settings page shows it. */
  token: string;
  /** The same token with the largest user number and counter the digits allow. */
  largest: string;
  prefix: string;
}

export type TokenSettings = Pick<
  OrganizationSettings,
  "trackingTokenPrefix" | "trackingTokenBaseNumber" | "trackingTokenUserDigits" | "trackingTokenCounterDigits"
>;

export interface OrganizationAdmin {
  get(): Promise<Versioned<OrganizationSettings>>;
  /** Applies `changes` (validated with the rest) if the stored version is still `ifMatch`. */
  update(changes: Partial<OrganizationSettings>, options: { ifMatch: string }): Promise<UpdateOutcome>;
  previewToken(proposed?: Partial<TokenSettings>): Promise<TrackingTokenPreview>;
}

export function createOrganizationAdmin(deps: {
  store: TrackingStore;
  /** Called after a save, so this process's tracker drops its cached settings at once. */
  onChange?: () => void;
}): OrganizationAdmin {
  async function get(): Promise<Versioned<OrganizationSettings>> {
    const stored = await deps.store.settings.getOrganizationVersion();
    // Parsing fills settings added since they were saved with their defaults.
    return stored ? { value: parseOrganizationSettings(stored.value), etag: stored.etag } : { value: defaultOrganizationSettings(), etag: DEFAULT_SETTINGS_ETAG };
  }

  async function update(changes: Partial<OrganizationSettings>, options: { ifMatch: string }): Promise<UpdateOutcome> {
    const current = await get();
    if (!sameVersion(current.etag, options.ifMatch)) return { ok: false, reason: "versionMismatch" };
    const next = parseOrganizationSettings({ ...current.value, ...changes });
    const prefixChanged = next.trackingTokenPrefix !== current.value.trackingTokenPrefix;
    // A history given in the same request wins; otherwise the old prefix goes to its front.
    if (prefixChanged && changes.trackingTokenPrefixHistory === undefined) {
      next.trackingTokenPrefixHistory = withPrefixInHistory(current.value.trackingTokenPrefix, current.value.trackingTokenPrefixHistory, next.trackingTokenPrefix);
    }
    const saved = await deps.store.settings.saveOrganization(next, {
      ifMatch: current.etag === DEFAULT_SETTINGS_ETAG ? undefined : current.etag,
    });
    if (!saved.saved) return { ok: false, reason: "versionMismatch" };
    deps.onChange?.();
    return { ok: true, settings: { value: next, etag: saved.etag } };
  }

  async function previewToken(proposed: Partial<TokenSettings> = {}): Promise<TrackingTokenPreview> {
    const current = (await get()).value;
    const settings = parseOrganizationSettings({ ...current, ...proposed });
    return previewTrackingToken(settings);
  }

  return { get, update, previewToken };
}

/** Versions compare without their quotes (Cosmos DB's ETags are quoted, the embedded server's not). */
export function sameVersion(a: string, b: string): boolean {
  const bare = (etag: string) => etag.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  return bare(a) === bare(b);
}

/** Newest first, without the new prefix itself or duplicates, at most MAX_PREFIX_HISTORY. */
export function withPrefixInHistory(oldPrefix: string, history: readonly string[], newPrefix: string): string[] {
  return [...new Set([oldPrefix, ...history])].filter((prefix) => prefix !== newPrefix).slice(0, MAX_PREFIX_HISTORY);
}

export function previewTrackingToken(settings: TokenSettings): TrackingTokenPreview {
  const format = (userNumber: number, counter: number) =>
    formatTrackingToken({
      prefix: settings.trackingTokenPrefix,
      baseNumber: settings.trackingTokenBaseNumber,
      userNumber,
      counter,
      userDigits: settings.trackingTokenUserDigits,
      counterDigits: settings.trackingTokenCounterDigits,
    });
  return {
    prefix: settings.trackingTokenPrefix,
    token: format(1, 1),
    largest: format(10 ** settings.trackingTokenUserDigits - 1, 10 ** settings.trackingTokenCounterDigits - 1),
  };
}
