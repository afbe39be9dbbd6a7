// Intel's QCNL configuration (/etc/sgx_default_qcnl.conf): where the platform's PCCS is and whether
// its TLS certificate is checked. The file is JSON with `//` comments since DCAP 1.15, KEY=VALUE
// lines before; both are read. (Reading the file is the caller's job: this library does no I/O.)
import { AttestationFormatError } from "./errors.js";

export const QCNL_CONFIG_PATH = "/etc/sgx_default_qcnl.conf";

export interface QcnlConfig {
  pccsUrl: string | undefined;
  /** false when the PCCS's self-signed certificate is accepted (USE_SECURE_CERT=false). */
  useSecureCert: boolean;
}

/** Removes `//` and `/* … *\/` comments outside JSON strings. */
export function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

function truthy(value: unknown, what: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string" && typeof value !== "number") {
    throw new AttestationFormatError(`${what}: use_secure_cert must be true or false`);
  }
  return !/^(false|0|no)$/i.test(String(value).trim());
}

export function parseQcnlConfig(text: string, what = QCNL_CONFIG_PATH): QcnlConfig {
  const stripped = stripJsonComments(text).trim();
  if (stripped.startsWith("{")) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(stripped) as Record<string, unknown>;
    } catch (cause) {
      throw new AttestationFormatError(`${what} is not valid JSON (after removing comments)`, { cause });
    }
    const url = value.pccs_url;
    if (url !== undefined && typeof url !== "string")
      throw new AttestationFormatError(`${what}: pccs_url must be a string`);
    return {
      pccsUrl: url || undefined,
      useSecureCert: value.use_secure_cert === undefined ? true : truthy(value.use_secure_cert, what),
    };
  }
  // Legacy format: KEY=VALUE lines, '#' comments.
  const entries = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(line.replace(/#.*$/, ""));
    if (match) entries.set(match[1]!.toUpperCase(), match[2]!);
  }
  const secure = entries.get("USE_SECURE_CERT");
  return {
    pccsUrl: entries.get("PCCS_URL") || undefined,
    useSecureCert: secure === undefined ? true : truthy(secure, what),
  };
}
