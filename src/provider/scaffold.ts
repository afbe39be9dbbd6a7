// `msehome scaffold <name>`: a new app directory from the template (app, tests, mse.toml, Dockerfile)
// with freshly generated secrets. The directory appears complete or not at all.
import { randomBytes } from "node:crypto";
import {
  chmod,
  lstat,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  writeFile,
  mkdir,
} from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateFernetKey } from "../crypto/fernet.js";
import { checkAppName } from "../model/appName.js";
import { MSE_TOML_FILE, parseMseToml } from "../model/mseToml.js";
import { MSEHOME_VERSION } from "../version.js";

/** The template directory, found from this module so it works from src/ and from dist/. */
export const TEMPLATE_DIR = fileURLToPath(new URL("../../templates/app/", import.meta.url));

/** Template files stored without their leading dot (npm drops or rewrites some dotfiles). */
const RENAMES: Record<string, string> = {
  "mse_src/mseignore": "mse_src/.mseignore",
  gitignore: ".gitignore",
  dockerignore: ".dockerignore",
};

export const SECRETS_FILE = "secrets.json";
export const SEALED_SECRETS_FILE = "secrets_to_seal.json";

export interface ScaffoldResult {
  name: string;
  /** Absolute path of the new app directory. */
  directory: string;
  /** Files written, relative to `directory`, sorted. */
  files: string[];
}

export class ScaffoldTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScaffoldTargetError";
  }
}

/** Creates `<parentDir>/<name>/` (parentDir defaults to the working directory). */
export async function scaffold(name: string, options: { parentDir?: string } = {}): Promise<ScaffoldResult> {
  checkAppName(name);
  const parent = path.resolve(options.parentDir ?? process.cwd());
  const directory = path.join(parent, name);
  const existing = await inspectTarget(directory);

  const staging = await mkdtemp(path.join(parent, `.${name}.scaffold-`));
  try {
    await chmod(staging, 0o755);
    const files = await copyTemplate(staging, { name, msehome_version: MSEHOME_VERSION });
    await writeSecrets(staging);
    files.push(SECRETS_FILE, SEALED_SECRETS_FILE);
    // The template must always give a valid mse.toml; this catches a broken template, not user input.
    parseMseToml(await readFile(path.join(staging, MSE_TOML_FILE), "utf8"), MSE_TOML_FILE);
    if (existing === "empty-directory") await rmdir(directory);
    await rename(staging, directory);
    return { name, directory, files: files.sort() };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function inspectTarget(directory: string): Promise<"absent" | "empty-directory"> {
  const info = await lstat(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (info === undefined) return "absent";
  if (!info.isDirectory())
    throw new ScaffoldTargetError(`${directory} already exists and is not a directory`);
  if ((await readdir(directory)).length > 0) {
    throw new ScaffoldTargetError(
      `${directory} is not empty; scaffold writes only into a new or empty directory`,
    );
  }
  return "empty-directory";
}

async function copyTemplate(destination: string, variables: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  const entries = await readdir(TEMPLATE_DIR, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const source = path.join(entry.parentPath, entry.name);
    const relative = path.relative(TEMPLATE_DIR, source).split(path.sep).join("/");
    const target = RENAMES[relative] ?? relative;
    await mkdir(path.dirname(path.join(destination, target)), { recursive: true });
    await writeFile(
      path.join(destination, target),
      render(relative, await readFile(source, "utf8"), variables),
    );
    written.push(target);
  }
  return written;
}

/** Replaces `{{variable}}` markers; an unknown marker is a template bug and fails loudly. */
function render(file: string, text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (marker, key: string) => {
    const value = variables[key];
    if (value === undefined) throw new Error(`template ${file} uses the unknown marker ${marker}`);
    return value;
  });
}

/** Fresh keys for the example secrets, readable by their owner only. */
async function writeSecrets(directory: string): Promise<void> {
  const secrets = { result_aes_key: randomBytes(32).toString("hex") };
  const sealed = { result_sk: generateFernetKey() };
  await writeFile(path.join(directory, SECRETS_FILE), `${JSON.stringify(secrets, null, 2)}\n`, {
    mode: 0o600,
  });
  await writeFile(path.join(directory, SEALED_SECRETS_FILE), `${JSON.stringify(sealed, null, 2)}\n`, {
    mode: 0o600,
  });
}
