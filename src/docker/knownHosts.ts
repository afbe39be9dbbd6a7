// Checks an SSH server's host key against OpenSSH known_hosts files, as `ssh` does with
// StrictHostKeyChecking: a host must be listed with that very key (plain or hashed names,
// `[host]:port` for ports other than 22, `*`/`?` patterns and `!` negations; @revoked keys refused).
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

interface KnownHostLine {
  marker: "revoked" | "cert-authority" | undefined;
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** The lines of a known_hosts text that name a key (comments, blanks and malformed lines skipped). */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split("\n")) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) continue;
    let marker: KnownHostLine["marker"];
    if (fields[0].startsWith("@")) {
      const name = fields.shift()!.slice(1);
      if (name !== "revoked" && name !== "cert-authority") continue;
      marker = name;
    }
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) continue;
    lines.push({ marker, patterns, keyType, key: Buffer.from(keyBase64, "base64") });
  }
  return lines;
}

/** The name ssh looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatches(pattern: string, name: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i").test(name);
}

/** Whether a known_hosts pattern list (comma-separated, or one hashed `|1|salt|hash`) names `name`. */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith("|1|")) {
    const [, , salt, hash] = patterns.split("|");
    if (!salt || !hash) return false;
    const digest = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return digest === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(",")) {
    if (pattern.startsWith("!")) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Judges the key `host:port` presented against the known_hosts lines. */
export function checkHostKey(
  lines: readonly KnownHostLine[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  const listed = lines.filter(
    (line) => line.marker !== "cert-authority" && patternsMatch(line.patterns, name),
  );
  if (listed.some((line) => line.marker === "revoked" && line.key.equals(key))) {
    return { ok: false, reason: `the host key of ${name} is marked @revoked in known_hosts` };
  }
  const keys = listed.filter((line) => line.marker === undefined);
  if (keys.some((line) => line.key.equals(key))) return { ok: true };
  if (keys.length > 0) {
    return {
      ok: false,
      reason: `the host key of ${name} differs from the one in known_hosts (a changed host or a man in the middle)`,
    };
  }
  return {
    ok: false,
    reason: `${name} is not in known_hosts; check its host key, then add it (ssh ${host}${port === 22 ? "" : ` -p ${port}`} once, or ssh-keyscan)`,
  };
}

/** The known_hosts lines of several files; missing files count as empty. */
export function readKnownHosts(files: readonly string[]): KnownHostLine[] {
  return files.flatMap((file) => {
    try {
      return parseKnownHosts(readFileSync(file, "utf8"));
    } catch {
      return [];
    }
  });
}
