// Which Intel security advisories a verifier accepts by name (`--allow-advisory`,
// `--allowed-advisories FILE`): IDs such as INTEL-SA-00615, as TCB info and QE identity levels
// list them. The file holds IDs separated by newlines, commas or spaces, `#` starting a comment,
// or a JSON array of IDs.
import { AttestationFormatError } from "./errors.js";

const ADVISORY_ID = /^INTEL-[A-Z]+-\d+$/;

/** An advisory ID in Intel's spelling (upper case), or undefined when it is none. */
export function normalizeAdvisoryId(text: string): string | undefined {
  const id = text.trim().toUpperCase();
  return ADVISORY_ID.test(id) ? id : undefined;
}

function listed(id: string, where: string): string {
  const normalized = normalizeAdvisoryId(id);
  if (!normalized) {
    throw new AttestationFormatError(
      `${where}: ${JSON.stringify(id)} is not an Intel advisory ID (e.g. INTEL-SA-00615)`,
    );
  }
  return normalized;
}

/** The advisory IDs of an allowlist file's text; `what` names the file in errors. */
export function parseAdvisoryAllowlist(text: string, what: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (cause) {
      throw new AttestationFormatError(`${what} starts like a JSON array but is not valid JSON`, { cause });
    }
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw new AttestationFormatError(`${what} must be a JSON array of advisory IDs`);
    }
    return [...new Set(value.map((id, i) => listed(id, `${what} item ${i + 1}`)))];
  }
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/#.*/, "");
    for (const id of content.split(/[\s,]+/).filter(Boolean)) ids.push(listed(id, `${what} line ${i + 1}`));
  });
  return [...new Set(ids)];
}
