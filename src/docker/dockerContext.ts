// Docker contexts as the Docker CLI stores them: the config directory (DOCKER_CONFIG or ~/.docker),
// the current context in config.json, and each context's endpoint and TLS material, kept under
// contexts/meta/<sha256 of the name>/meta.json and contexts/tls/<sha256 of the name>/docker/.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { DockerConfigurationError } from "./errors.js";

/** The context that means "DOCKER_HOST, else the local socket"; it has no stored files. */
export const DEFAULT_CONTEXT = "default";

/** The Docker CLI's configuration directory. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME ?? homedir(), ".docker");
}

const configFileSchema = z.looseObject({ currentContext: z.string().optional() });

const metaSchema = z.looseObject({
  Name: z.string(),
  Endpoints: z.looseObject({
    docker: z.looseObject({
      Host: z.string().min(1),
      SkipTLSVerify: z.boolean().optional(),
    }),
  }),
});

/** Which context names the engine, and why: DOCKER_CONTEXT, else config.json's currentContext. */
export function selectedContext(env: NodeJS.ProcessEnv): { name: string; source: string } {
  const fromEnv = env.DOCKER_CONTEXT?.trim();
  if (fromEnv) return { name: fromEnv, source: "DOCKER_CONTEXT" };
  const configFile = path.join(dockerConfigDir(env), "config.json");
  let text: string;
  try {
    text = readFileSync(configFile, "utf8");
  } catch {
    return { name: DEFAULT_CONTEXT, source: "the default" };
  }
  let parsed;
  try {
    parsed = configFileSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new DockerConfigurationError(`the Docker configuration ${configFile} is not valid JSON`);
  }
  const current = parsed.data.currentContext?.trim();
  return current ? { name: current, source: configFile } : { name: DEFAULT_CONTEXT, source: "the default" };
}

/** A stored context's Docker endpoint and the TLS files it carries (each may be absent). */
export interface StoredContext {
  name: string;
  host: string;
  skipTlsVerify: boolean;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** The directory name the Docker CLI gives a context: the hex SHA-256 of its name. */
export function contextDirectoryName(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/** Reads a stored context; throws one sentence when it does not exist or cannot be read. */
export function readContext(env: NodeJS.ProcessEnv, name: string, source: string): StoredContext {
  const root = path.join(dockerConfigDir(env), "contexts");
  const id = contextDirectoryName(name);
  const metaFile = path.join(root, "meta", id, "meta.json");
  let text: string;
  try {
    text = readFileSync(metaFile, "utf8");
  } catch {
    throw new DockerConfigurationError(
      `the Docker context "${name}" (from ${source}) does not exist: ${metaFile} cannot be read; list contexts with \`docker context ls\``,
    );
  }
  let meta;
  try {
    meta = metaSchema.safeParse(JSON.parse(text));
  } catch {
    meta = undefined;
  }
  if (!meta?.success || meta.data.Name !== name) {
    throw new DockerConfigurationError(
      `the Docker context "${name}" is damaged: ${metaFile} does not describe a Docker endpoint for it`,
    );
  }
  const tlsDir = path.join(root, "tls", id, "docker");
  const tls: StoredContext["tls"] = {};
  for (const [field, file] of [
    ["ca", "ca.pem"],
    ["cert", "cert.pem"],
    ["key", "key.pem"],
  ] as const) {
    const tlsFile = path.join(tlsDir, file);
    try {
      tls[field] = readFileSync(tlsFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new DockerConfigurationError(
          `the TLS file ${tlsFile} of the Docker context "${name}" cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        );
      }
    }
  }
  return {
    name,
    host: meta.data.Endpoints.docker.Host,
    skipTlsVerify: meta.data.Endpoints.docker.SkipTLSVerify === true,
    tls,
  };
}
