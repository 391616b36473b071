// Validators of single app-setting values. Each returns what is wrong with a present value,
// phrased as what it must be ("must be …"), or undefined when the value is valid.

export type RuntimeEnvironment = "azure" | "local";

export interface ValidationContext {
  environment: RuntimeEnvironment;
}

/** Returns what is wrong with a present value, phrased as what it must be; undefined when valid. */
export type SettingValidator = (value: string, context: ValidationContext) => string | undefined;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function integerIn(min: number, max: number): SettingValidator {
  return (value) => {
    if (!/^\d+$/.test(value)) return `must be a whole number from ${min} to ${max}`;
    const n = Number(value);
    return n < min || n > max ? `must be a whole number from ${min} to ${max}` : undefined;
  };
}

/** Whole numbers with no upper bound the app imposes (the Functions host's own limits apply). */
export function integerAtLeast(min: number): SettingValidator {
  return (value) => (/^\d+$/.test(value) && Number(value) >= min ? undefined : `must be a whole number of at least ${min}`);
}

export function oneOf(values: readonly string[]): SettingValidator {
  return (value) => (values.includes(value) ? undefined : `must be one of ${values.map((v) => `"${v}"`).join(", ")}`);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Graph and Entra ID accept only HTTPS endpoints, and the local simulators serve HTTPS too. */
export const httpsUrl: SettingValidator = (value) => {
  const url = parseUrl(value);
  return url?.protocol === "https:" ? undefined : "must be an absolute https:// URL";
};

/**
 * Where Graph sends notifications: HTTPS, as Graph requires; locally also plain HTTP on the
 * loopback address, where the local host listens and the Graph simulator delivers.
 */
export const webhookUrl: SettingValidator = (value, { environment }) => {
  // Event Hubs delivery: Graph's form, EventHub:https://<namespace>.servicebus.windows.net/eventhubname/<hub>?tenantId=…
  // (or the Key Vault form, EventHub:https://<vault>.vault.azure.net/secrets/<secret>?tenantId=…).
  if (value.startsWith("EventHub:")) {
    const hub = parseUrl(value.slice("EventHub:".length));
    return hub?.protocol === "https:" && hub.searchParams.has("tenantId") ? undefined : "must be EventHub:https://<namespace>.servicebus.windows.net/eventhubname/<hub>?tenantId=<tenant>";
  }
  const url = parseUrl(value);
  if (url?.protocol === "https:") return undefined;
  const loopback = url?.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (loopback && environment === "local") return undefined;
  return "must be an absolute https:// URL (http:// only on the loopback address, locally), or Graph's EventHub:https://… form";
};

/** The embedded local Cosmos server may run over plain HTTP; Azure Cosmos DB is HTTPS only. */
export const cosmosEndpoint: SettingValidator = (value, { environment }) => {
  const url = parseUrl(value);
  if (environment === "azure") {
    return url?.protocol === "https:" ? undefined : "must be the https:// document endpoint of the Cosmos DB account";
  }
  return url && (url.protocol === "https:" || url.protocol === "http:")
    ? undefined
    : "must be an absolute http:// or https:// URL";
};

export const guid: SettingValidator = (value) =>
  GUID.test(value) ? undefined : "must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";

/** Entra ID accepts a tenant GUID or a verified domain; a local token simulator takes any simple id. */
export const tenantId: SettingValidator = (value, { environment }) => {
  if (environment === "azure") {
    return GUID.test(value) || DOMAIN.test(value) ? undefined : "must be the tenant GUID or a verified domain name";
  }
  return /^[A-Za-z0-9.-]+$/.test(value) ? undefined : "must be a tenant id (letters, digits, '.', '-')";
};

export const clientId: SettingValidator = (value, context) =>
  context.environment === "azure" ? guid(value, context) : /^[A-Za-z0-9-]+$/.test(value) ? undefined : "must be a client (application) id";

export function lengthIn(min: number, max: number): SettingValidator {
  return (value) =>
    value.length >= min && value.length <= max
      ? undefined
      : `must be ${min} to ${max} characters long (it is ${value.length})`;
}

/** Cosmos DB resource ids: 1-255 characters, none of / \ # ?, no trailing space. */
export const cosmosId: SettingValidator = (value) =>
  value.length <= 255 && !/[/\\#?]/.test(value) ? undefined : "must be 1 to 255 characters without / \\ # ?";

export const pemCertificateWithKey: SettingValidator = (value) =>
  value.includes("-----BEGIN CERTIFICATE-----") && /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(value)
    ? undefined
    : "must be a PEM bundle with the certificate and its private key";

const NCRONTAB_FIELDS = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day-of-week", min: 0, max: 6 },
] as const;
const NCRONTAB_NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

/** The six-field NCRONTAB format of Functions timer triggers: second minute hour day month day-of-week. */
export const ncrontab: SettingValidator = (value) => {
  const usage = 'must be a six-field NCRONTAB expression "{second} {minute} {hour} {day} {month} {day-of-week}"';
  const fields = value.split(/\s+/);
  if (fields.length !== 6) return `${usage} (it has ${fields.length} fields)`;
  for (const [i, field] of fields.entries()) {
    const spec = NCRONTAB_FIELDS[i];
    if (!spec) return usage;
    for (const item of field.split(",")) {
      const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
      if (!match || match[1] === undefined) return `${usage}: the ${spec.name} field "${field}" is not valid`;
      const step = match[2];
      if (step !== undefined && Number(step) === 0) return `${usage}: the ${spec.name} step cannot be 0`;
      if (match[1] === "*") continue;
      for (const part of match[1].split("-")) {
        if (NCRONTAB_NAMES.test(part) && (spec.name === "month" || spec.name === "day-of-week")) continue;
        const n = /^\d+$/.test(part) ? Number(part) : Number.NaN;
        if (!(n >= spec.min && n <= spec.max)) {
          return `${usage}: the ${spec.name} field allows ${spec.min}-${spec.max}, not "${part}"`;
        }
      }
    }
  }
  return undefined;
};

/** Azure's shared keys are disabled by infra; a connection string with a key would fail anyway. */
export const storageConnectionString: SettingValidator = (value, { environment }) => {
  if (!/(^|;)\s*(AccountName|BlobEndpoint|QueueEndpoint)=/i.test(value) && value !== "UseDevelopmentStorage=true") {
    return "must be a storage connection string (AccountName=…;… or UseDevelopmentStorage=true)";
  }
  if (environment === "azure" && /(^|;)\s*(AccountKey|SharedAccessSignature)=/i.test(value)) {
    return "must not carry an account key or SAS in Azure (shared keys are disabled): remove it and set AzureWebJobsStorage__accountName, __credential and __clientId instead";
  }
  return undefined;
};

export const storageAccountName: SettingValidator = (value) =>
  /^[a-z0-9]{3,24}$/.test(value) ? undefined : "must be a storage account name (3-24 lowercase letters and digits)";

/** Comma-separated audiences: client ids (GUIDs) or App ID URIs (api://…, https://…). */
export const audienceList: SettingValidator = (value) => {
  const items = value.split(",").map((item) => item.trim());
  const valid = items.every((item) => GUID.test(item) || /^(api|https):\/\/\S+$/.test(item));
  return items.length > 0 && valid ? undefined : "must be comma-separated client ids (GUIDs) or App ID URIs (api://… or https://…)";
};
