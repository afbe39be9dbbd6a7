// Reaching a Docker engine over SSH as `docker -H ssh://user@host` does: the user's agent and
// default identity files, the host key checked against known_hosts, and TCP streams forwarded
// through the SSH connection to ports on the engine's machine (the app's published port).
import { readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import { Client, type ConnectConfig } from "ssh2";
import { checkHostKey, readKnownHosts } from "./knownHosts.js";

/** Default identities `ssh` tries, in its order. */
const IDENTITY_FILES = ["id_ed25519", "id_ecdsa", "id_rsa"];
const READY_TIMEOUT_MS = 15_000;

/** How to open SSH connections to one engine's machine; remembers why a host key was refused. */
export class SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Why the last host key was refused, to explain ssh2's bare "verification failed". */
  hostKeyRejection: string | undefined;
  private readonly config: ConnectConfig;

  constructor(host: string, port: number, username: string | undefined, env: NodeJS.ProcessEnv) {
    this.host = host;
    this.port = port;
    this.username = username || env.USER || userInfo().username;
    const sshDir = path.join(env.HOME ?? homedir(), ".ssh");
    const knownHosts = readKnownHosts([path.join(sshDir, "known_hosts"), "/etc/ssh/ssh_known_hosts"]);
    const privateKey = firstIdentity(sshDir);
    this.config = {
      host,
      port,
      username: this.username,
      readyTimeout: READY_TIMEOUT_MS,
      ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
      ...(privateKey ? { privateKey } : {}),
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHosts, host, port, key);
        this.hostKeyRejection = verdict.ok ? undefined : verdict.reason;
        return verdict.ok;
      },
    };
  }

  /** Options for docker-modem, which opens its own connection per request. */
  get connectConfig(): ConnectConfig {
    return this.config;
  }

  /**
   * A stream to `remoteHost:remotePort` as seen from the engine's machine, through a new SSH
   * connection that closes with the stream.
   */
  forward(remoteHost: string, remotePort: number, timeoutMs = READY_TIMEOUT_MS): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      const fail = (error: Error): void => {
        client.end();
        reject(
          this.hostKeyRejection && /verification failed/i.test(error.message)
            ? new Error(this.hostKeyRejection)
            : error,
        );
      };
      client.once("error", fail);
      client.once("ready", () => {
        client.forwardOut("127.0.0.1", 0, remoteHost, remotePort, (error, stream) => {
          if (error)
            return fail(
              new Error(`the SSH server refused to forward to ${remoteHost}:${remotePort}: ${error.message}`),
            );
          client.removeListener("error", fail);
          client.on("error", () => stream.destroy());
          stream.once("close", () => client.end());
          resolve(stream);
        });
      });
      client.connect({ ...this.config, readyTimeout: timeoutMs });
    });
  }
}

/** The first default identity file that exists and is not protected by a passphrase. */
function firstIdentity(sshDir: string): Buffer | undefined {
  for (const name of IDENTITY_FILES) {
    let key: Buffer;
    try {
      key = readFileSync(path.join(sshDir, name));
    } catch {
      continue;
    }
    // An encrypted key needs its passphrase, which only the agent can supply here.
    if (!/ENCRYPTED/.test(key.toString("latin1", 0, 200)) && !isOpenSshEncrypted(key)) return key;
  }
  return undefined;
}

/** OpenSSH's own key format names its cipher inside the base64 body ("none" when unencrypted). */
function isOpenSshEncrypted(key: Buffer): boolean {
  const text = key.toString("utf8");
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text);
  if (!match) return false;
  const body = Buffer.from(match[1]!.replace(/\s+/g, ""), "base64");
  // "openssh-key-v1\0", then a length-prefixed cipher name.
  const offset = 15;
  if (body.length < offset + 4) return false;
  const length = body.readUInt32BE(offset);
  return body.toString("latin1", offset + 4, offset + 4 + length) !== "none";
}
