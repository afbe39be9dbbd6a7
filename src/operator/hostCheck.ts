// One check of the machine msehome runs enclaves on (`msehome doctor` prints them, spawn requires
// the ones it needs): what was found, and when it failed, the concrete fix.

export interface HostCheck {
  /** Stable identifier for --json readers, e.g. "cpu.sgx". */
  id: string;
  /** What is checked, e.g. "CPU supports SGX". */
  title: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to do about a failure: which package, driver or setting. */
  fix?: string;
  /** spawn cannot work without it. */
  neededBySpawn: boolean;
}

export function passed(id: string, title: string, detail: string, neededBySpawn = true): HostCheck {
  return { id, title, ok: true, detail, neededBySpawn };
}

export function failed(
  id: string,
  title: string,
  detail: string,
  fix: string,
  neededBySpawn = true,
): HostCheck {
  return { id, title, ok: false, detail, fix, neededBySpawn };
}

/**
 * Checks spawn needs failed; exit code 1 (the machine, not the command line, is wrong). One failure
 * comes with its fix; several are listed, and doctor prints the fix of each.
 */
export class HostNotReadyError extends Error {
  constructor(
    readonly failures: readonly HostCheck[],
    what: string,
    doctor: string,
    advice?: string,
  ) {
    const [only] = failures;
    const found =
      failures.length === 1 && only!.fix
        ? `${only!.detail} (fix: ${only!.fix})`
        : `${failures.map((check) => check.detail).join("; ")}; ${doctor} prints the fix of each`;
    super(`${what}: ${found}${advice ? `; ${advice}` : ""}`);
    this.name = "HostNotReadyError";
  }
}

/** The checks spawn needs that failed. */
export function blockingFailures(checks: readonly HostCheck[]): HostCheck[] {
  return checks.filter((check) => !check.ok && check.neededBySpawn);
}
