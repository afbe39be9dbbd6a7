// Commands that take several app names (stop, restart, status): each app is handled on its own, every
// outcome is kept, and the failures are summed up in one sentence naming each app that failed.

export type AppOutcome<T> = { name: string; ok: true; result: T } | { name: string; ok: false; error: Error };

/** Some of the apps failed; `outcomes` holds every app's, in the order given. */
export class SomeAppsFailedError extends Error {
  constructor(
    readonly action: string,
    readonly outcomes: AppOutcome<unknown>[],
  ) {
    const failed = outcomes.filter((outcome) => !outcome.ok);
    super(
      `${action} failed for ${failed.length} of ${outcomes.length} apps: ${failed
        .map((outcome) => `"${outcome.name}" (${outcome.error.message.replace(/\.$/, "")})`)
        .join("; ")}`,
    );
    this.name = "SomeAppsFailedError";
  }
}

/** The names, each once, in the order first given. */
export function distinctNames(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * Runs `handle` for each app (all at once, or one after the other) and keeps every outcome; an
 * error is never lost and never stops the others.
 */
export async function forEachApp<T>(
  names: readonly string[],
  handle: (name: string) => Promise<T>,
  options: { sequential?: boolean } = {},
): Promise<AppOutcome<T>[]> {
  const one = async (name: string): Promise<AppOutcome<T>> => {
    try {
      return { name, ok: true, result: await handle(name) };
    } catch (error) {
      return { name, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
  };
  const unique = distinctNames(names);
  if (!options.sequential) return Promise.all(unique.map(one));
  const outcomes: AppOutcome<T>[] = [];
  for (const name of unique) outcomes.push(await one(name));
  return outcomes;
}

/**
 * The outcome of a command run on several apps: one app's error is thrown as it is (as the command
 * always did for one name); with several, SomeAppsFailedError when any failed.
 */
export function throwFailures(action: string, outcomes: AppOutcome<unknown>[]): void {
  const failed = outcomes.filter((outcome) => !outcome.ok);
  if (failed.length === 0) return;
  if (outcomes.length === 1) throw failed[0]!.error;
  throw new SomeAppsFailedError(action, outcomes);
}
