// The directory spawn writes (--output DIR): what the provider receives (evidence.json, ratls.pem),
// what `msehome test` reads (mse.toml, tests/), and the generated enclave signer key (a copy of it,
// like the code, is in the app's inputs volume: the app never needs DIR again). Spawn refuses to
// overwrite any of it, and a failed spawn removes what it wrote (the directory too when spawn
// created it).
import { existsSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { CERTIFICATE_FILE, EVIDENCE_FILE } from "./evidence.js";
import { OperatorInputError } from "./errors.js";

export const WORKSPACE_ENTRIES = {
  evidence: EVIDENCE_FILE,
  certificate: CERTIFICATE_FILE,
  config: "mse.toml",
  tests: "tests",
  signerKey: "enclave-key.pem",
} as const;

export type WorkspacePaths = { directory: string } & { [K in keyof typeof WORKSPACE_ENTRIES]: string };

export function workspacePaths(directory: string): WorkspacePaths {
  const root = path.resolve(directory);
  const entries = Object.fromEntries(
    Object.entries(WORKSPACE_ENTRIES).map(([key, name]) => [key, path.join(root, name)]),
  ) as { [K in keyof typeof WORKSPACE_ENTRIES]: string };
  return { directory: root, ...entries };
}

/**
 * Checks the output directory can receive a spawn: a directory (or nothing yet) holding none of
 * the entries spawn writes. `keepSignerKey` allows the signer key entry to be the operator's own key.
 */
export async function checkWorkspace(paths: WorkspacePaths, signerKeyFile?: string): Promise<void> {
  if (existsSync(paths.directory)) {
    const info = await stat(paths.directory);
    if (!info.isDirectory()) throw new OperatorInputError(`--output ${paths.directory} is not a directory`);
  }
  const taken = (Object.keys(WORKSPACE_ENTRIES) as (keyof typeof WORKSPACE_ENTRIES)[]).filter((key) => {
    if (
      key === "signerKey" &&
      signerKeyFile !== undefined &&
      path.resolve(signerKeyFile) === paths.signerKey
    ) {
      return false;
    }
    return existsSync(paths[key]);
  });
  if (taken.length > 0) {
    throw new OperatorInputError(
      `--output ${paths.directory} already holds ${taken.map((key) => WORKSPACE_ENTRIES[key]).join(", ")}; spawn each app into a directory of its own (or remove them)`,
    );
  }
}

/** Remembers what a spawn created, to remove exactly that when it fails. */
export class WorkspaceRollback {
  private createdDirectory = false;
  private readonly written: string[] = [];

  constructor(readonly paths: WorkspacePaths) {}

  async createDirectory(): Promise<void> {
    this.createdDirectory = !existsSync(this.paths.directory);
    await mkdir(this.paths.directory, { recursive: true });
  }

  /** Records a path this spawn is about to create (files or directories). */
  wrote(file: string): void {
    this.written.push(file);
  }

  async undo(): Promise<void> {
    if (this.createdDirectory) {
      await rm(this.paths.directory, { recursive: true, force: true });
      return;
    }
    for (const file of this.written.reverse()) await rm(file, { recursive: true, force: true });
  }
}
