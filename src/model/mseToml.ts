// mse.toml, the app's configuration: its schema, parsing with errors that name the file,
// the field and what is expected, and rendering back to TOML.
import { TomlError, parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { z } from "zod";
import { APP_NAME_EXPECTATION, appNameProblem } from "./appName.js";
import { readInputText } from "./inputFile.js";

export const MSE_TOML_FILE = "mse.toml";

export interface ApplicationSpec {
  /** The module, relative to the code directory (e.g. "app.mjs" or "server/index.js"). */
  module: string;
  /** The export to serve; "default" when the spec names no export. */
  exportName: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** What is wrong with an application spec, or undefined when it is valid. */
export function applicationSpecProblem(spec: string): string | undefined {
  const parts = spec.split(":");
  if (parts.length > 2) return 'it has more than one ":"';
  const [module, exportName] = parts as [string, string | undefined];
  if (module.length === 0) return "the module is empty";
  if (module.startsWith("/") || module.includes("\\")) return "the module must be a relative POSIX path";
  if (module.split("/").some((segment) => segment === ".." || segment === "")) {
    return "the module path must stay inside the code directory";
  }
  if (exportName !== undefined && !IDENTIFIER.test(exportName))
    return "the export is not a JavaScript identifier";
  return undefined;
}

/** Splits "module:export" (or "module", meaning its default export). */
export function parseApplicationSpec(spec: string): ApplicationSpec {
  const problem = applicationSpecProblem(spec);
  if (problem !== undefined) {
    throw new Error(
      `invalid application ${JSON.stringify(spec)}: ${problem}; expected ${EXPECTED.application}`,
    );
  }
  const [module, exportName] = spec.split(":") as [string, string | undefined];
  return { module, exportName: exportName ?? "default" };
}

/** What each field must be, in the words every error uses. */
const EXPECTED = {
  name: APP_NAME_EXPECTATION,
  application: '"module:export" or "module" (a module relative to the code directory, e.g. "app.mjs:app")',
  healthcheck_endpoint: 'a URL path starting with "/" (e.g. "/health")',
  tests_cmd: 'a non-empty command run in the tests directory (e.g. "node --test")',
  tests_requirements: "a list of npm package specifiers (strings)",
  allow_subprocesses:
    "true or false (whether the app may start child processes; on SGX each child is another enclave of the full size)",
} as const;
type Field = keyof typeof EXPECTED;
const FIELDS = Object.keys(EXPECTED) as Field[];

const nonEmpty = z.string().refine((s) => s.trim().length > 0);

export const mseConfigSchema = z.strictObject({
  name: z.string().refine((s) => appNameProblem(s) === undefined),
  application: z.string().refine((s) => applicationSpecProblem(s) === undefined),
  healthcheck_endpoint: z.string().refine((s) => s.startsWith("/") && !/\s/.test(s)),
  tests_cmd: nonEmpty,
  tests_requirements: z.array(nonEmpty).default([]),
  // Gramine's sys.disallow_subprocesses is set unless the app asks: it is part of MRENCLAVE.
  allow_subprocesses: z.boolean().default(false),
});

export type MseConfig = z.infer<typeof mseConfigSchema>;

export interface MseTomlProblem {
  /** The field at fault ("tests_requirements[1]"), or undefined for the document as a whole. */
  field?: string;
  message: string;
}

/** Why an mse.toml was refused: one sentence naming the file, each faulty field and what it must be. */
export class MseTomlError extends Error {
  readonly file: string;
  readonly problems: MseTomlProblem[];
  constructor(file: string, problems: MseTomlProblem[], options?: { cause?: unknown }) {
    super(`${file}: ${problems.map((p) => p.message).join("; ")}`, options);
    this.name = "MseTomlError";
    this.file = file;
    this.problems = problems;
  }
}

export function parseMseToml(text: string, fileName: string = MSE_TOML_FILE): MseConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text);
  } catch (cause) {
    if (cause instanceof TomlError) {
      const reason = cause.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new MseTomlError(
        fileName,
        [{ message: `not valid TOML at line ${cause.line}, column ${cause.column}: ${reason}` }],
        { cause },
      );
    }
    throw cause;
  }
  const result = mseConfigSchema.safeParse(document);
  if (result.success) return result.data;
  throw new MseTomlError(fileName, describeIssues(result.error.issues, document));
}

export async function readMseToml(file: string): Promise<MseConfig> {
  return parseMseToml(await readInputText(file, "the configuration"), file);
}

/**
 * TOML text of a configuration, fields in the scaffold's order, optional fields only when they differ
 * from their default (parseMseToml(renderMseToml(c)) equals c).
 */
export function renderMseToml(config: MseConfig): string {
  const checked = mseConfigSchema.parse(config);
  const ordered: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (field === "allow_subprocesses" && !checked.allow_subprocesses) continue;
    ordered[field] = checked[field];
  }
  return `${stringifyToml(ordered).trimEnd()}\n`;
}

function describeIssues(issues: z.core.$ZodIssue[], document: Record<string, unknown>): MseTomlProblem[] {
  const problems: MseTomlProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ field: key, message: unknownField(key) });
      continue;
    }
    const [field, index] = issue.path as [Field, number | undefined];
    const value = document[field];
    if (value === undefined) {
      problems.push({ field, message: `field "${field}" is missing; expected ${EXPECTED[field]}` });
    } else if (index !== undefined && Array.isArray(value)) {
      problems.push({
        field: `${field}[${index}]`,
        message: `field "${field}[${index}]" must be a non-empty string, got ${describeValue(value[index])}`,
      });
    } else {
      problems.push({
        field,
        message: `field "${field}" must be ${EXPECTED[field]}, got ${detail(field, value)}`,
      });
    }
  }
  return problems;
}

function detail(field: Field, value: unknown): string {
  if (typeof value !== "string") return describeValue(value);
  const problem =
    field === "name"
      ? appNameProblem(value)
      : field === "application"
        ? applicationSpecProblem(value)
        : undefined;
  return problem === undefined ? describeValue(value) : `${describeValue(value)} (${problem})`;
}

function unknownField(key: string): string {
  const hint = key === "python_application" ? ' (the Python msehome\'s field is "application" here)' : "";
  return `unknown field "${key}"${hint}; the fields are ${FIELDS.join(", ")}`;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (value !== null && typeof value === "object") return "a table";
  return `${typeof value} ${String(value)}`;
}
