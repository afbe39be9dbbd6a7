// What a fuzz target is and the property every input must keep: the parser returns, or throws one
// of the target's typed errors (with a message whose first line says something); anything else —
// a TypeError, RangeError or SyntaxError from our code, a plain Error, a broken invariant, an input
// taking longer than the target's time bound — is a finding.
import type fc from "fast-check";
import type { Seeds } from "./seeds.js";

// Classes of errors a target may throw (any constructor of an Error).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

export interface FuzzContext {
  /** A directory of this target's own, empty before every input (for targets that need files). */
  workDir: string;
  seeds: Seeds;
}

export interface FuzzTarget<T = unknown> {
  name: string;
  /** The parsers of outside input it drives, in a few words. */
  drives: string;
  /** The project's typed errors this input may end in; anything else escaping is a finding. */
  allowed: readonly ErrorClass[];
  input(seeds: Seeds): fc.Arbitrary<T>;
  /** Feeds one input; throws PropertyViolation when an invariant beyond "no crash" breaks. */
  run(input: T, context: FuzzContext): void | Promise<void>;
  /** Inputs in the seeded run of the test suite (the cheap targets get more). */
  testRuns: number;
  /** Longest one input may take, in ms (default 1000: inputs are small; the machine is shared). */
  timeLimitMs?: number;
  /** The input as bytes or text, to keep a finding reproducible. */
  show(input: T): string | Uint8Array;
}

/** An invariant the target checks beyond "no crash" (nothing written outside, round trips…). */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PropertyViolation";
  }
}

export type FindingKind = "escaped" | "invariant" | "message" | "slow";

export interface Finding {
  target: string;
  kind: FindingKind;
  /** The error's class and message, or what broke. */
  what: string;
  /** The top of the stack, where the error came from. */
  where: string;
  input: string | Uint8Array;
}

export function defineTarget<T>(target: FuzzTarget<T>): FuzzTarget<unknown> {
  return target as unknown as FuzzTarget<unknown>;
}

/** The error and its causes, outermost first, and where the innermost one was thrown (the bug is there). */
function describe(error: unknown): { what: string; where: string } {
  const chain: string[] = [];
  let innermost: unknown = error;
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    chain.push(
      current instanceof Error
        ? `${current.name}: ${current.message.split("\n")[0]}`
        : `non-Error thrown: ${String(current)}`,
    );
    innermost = current;
    current = current instanceof Error ? current.cause : undefined;
  }
  const stack = innermost instanceof Error ? (innermost.stack ?? "") : "";
  const frames = stack.split("\n").filter((l) => l.trimStart().startsWith("at "));
  return {
    what: chain.join(" <- "),
    where: frames
      .slice(0, 4)
      .map((f) => f.trim())
      .join(" < "),
  };
}

/** A slow input is run once more: only one slow both times is slow, not the machine stalling (GC, load). */
async function slowAgain<T>(
  target: FuzzTarget<T>,
  input: T,
  context: FuzzContext,
  limit: number,
): Promise<boolean> {
  const started = performance.now();
  await Promise.resolve(target.run(input, context)).catch(() => undefined);
  return performance.now() - started > limit;
}

/** Runs one input and says what is wrong with the outcome, if anything. */
export async function checkInput<T>(
  target: FuzzTarget<T>,
  input: T,
  context: FuzzContext,
  timeScale = 1,
): Promise<Finding | undefined> {
  const limit = (target.timeLimitMs ?? 1000) * timeScale;
  const started = performance.now();
  const finding = (kind: FindingKind, details: { what: string; where: string }): Finding => ({
    target: target.name,
    kind,
    ...details,
    input: target.show(input),
  });
  try {
    await target.run(input, context);
  } catch (error) {
    if (error instanceof PropertyViolation) return finding("invariant", describe(error));
    if (!target.allowed.some((type) => error instanceof type)) return finding("escaped", describe(error));
    const firstLine = (error as Error).message.split("\n")[0]!.trim();
    if (firstLine.length === 0)
      return finding("message", {
        what: `${(error as Error).name} with an empty message`,
        where: describe(error).where,
      });
  }
  const elapsed = performance.now() - started;
  if (elapsed > limit && (await slowAgain(target, input, context, limit))) {
    return finding("slow", { what: `took ${Math.round(elapsed)} ms twice (limit ${limit} ms)`, where: "" });
  }
  return undefined;
}
