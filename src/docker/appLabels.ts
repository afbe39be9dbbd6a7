// The labels an msehome app container carries: what `status`, `list`, `run` and `evidence` read back.
import { z } from "zod";

/** Every msehome app container carries `msehome=1`; listing filters on it. */
export const APP_LABEL = "msehome";
export const APP_LABEL_VALUE = "1";

export type AppMode = "sgx" | "simulation";

export interface AppLabels {
  name: string;
  mode: AppMode;
  /** Enclave size in MB. */
  sizeMb: number;
  /** The host name or IP in the certificate's SAN. */
  host: string;
  /** Host port the app's 443 is published on. */
  port: number;
  appId: string;
  application: string;
  /** Certificate expiration, Unix seconds. */
  expiration: number;
  healthcheckEndpoint: string;
  /** The msehome version that spawned the container. */
  version: string;
  /** The image reference the container was created from. */
  image: string;
}

/** Docker label key of each field (flat `msehome.<key>`, readable with `docker inspect`). */
const KEYS = {
  name: "msehome.name",
  mode: "msehome.mode",
  sizeMb: "msehome.size",
  host: "msehome.host",
  port: "msehome.port",
  appId: "msehome.app_id",
  application: "msehome.application",
  expiration: "msehome.expiration",
  healthcheckEndpoint: "msehome.healthcheck",
  version: "msehome.version",
  image: "msehome.image",
} as const satisfies Record<keyof AppLabels, string>;

export const APP_NAME_LABEL = KEYS.name;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, "not a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const schema = z.object({
  [APP_LABEL]: z.literal(APP_LABEL_VALUE),
  [KEYS.name]: z.string().min(1),
  [KEYS.mode]: z.enum(["sgx", "simulation"]),
  [KEYS.sizeMb]: integer(1, Number.MAX_SAFE_INTEGER),
  [KEYS.host]: z.string().min(1),
  [KEYS.port]: integer(1, 65535),
  [KEYS.appId]: z.string().min(1),
  [KEYS.application]: z.string().min(1),
  [KEYS.expiration]: integer(0, Number.MAX_SAFE_INTEGER),
  [KEYS.healthcheckEndpoint]: z.string().startsWith("/"),
  [KEYS.version]: z.string().min(1),
  [KEYS.image]: z.string().min(1),
});

/** The labels could not be read as an msehome app's. */
export class AppLabelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppLabelsError";
  }
}

/** The Docker labels that record an app. */
export function appLabelsToDocker(labels: AppLabels): Record<string, string> {
  const docker: Record<string, string> = { [APP_LABEL]: APP_LABEL_VALUE };
  for (const [field, key] of Object.entries(KEYS) as [keyof AppLabels, string][]) {
    docker[key] = String(labels[field]);
  }
  return docker;
}

/** Reads an app's labels back; throws AppLabelsError naming the first missing or malformed label. */
export function parseAppLabels(docker: Record<string, string> | null | undefined): AppLabels {
  const parsed = schema.safeParse(docker ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "labels");
    const present = docker != null && key in docker;
    throw new AppLabelsError(
      present ? `label ${key} is malformed (${issue.message})` : `label ${key} is missing`,
    );
  }
  const d = parsed.data;
  return {
    name: d[KEYS.name],
    mode: d[KEYS.mode],
    sizeMb: d[KEYS.sizeMb],
    host: d[KEYS.host],
    port: d[KEYS.port],
    appId: d[KEYS.appId],
    application: d[KEYS.application],
    expiration: d[KEYS.expiration],
    healthcheckEndpoint: d[KEYS.healthcheckEndpoint],
    version: d[KEYS.version],
    image: d[KEYS.image],
  };
}
