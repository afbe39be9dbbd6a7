// An SSH engine is reached with the identity `ssh` would use: the agent, else the first default
// key that needs no passphrase; the user from the address, else the local one.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SshTarget } from "./sshEngine.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-ssh-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A HOME whose ~/.ssh holds keys made by ssh-keygen: name → passphrase ("" for none). */
function homeWithKeys(keys: Record<string, string>): string {
  const home = mkdtempSync(path.join(scratch, "home-"));
  mkdirSync(path.join(home, ".ssh"));
  for (const [name, passphrase] of Object.entries(keys)) {
    const type = name === "id_rsa" ? "rsa" : name === "id_ecdsa" ? "ecdsa" : "ed25519";
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-f", path.join(home, ".ssh", name)]);
  }
  return home;
}

describe("SSH identity", () => {
  it("skips a default key protected by a passphrase and takes the next one", () => {
    const home = homeWithKeys({ id_ed25519: "secret phrase", id_ecdsa: "" });
    const target = new SshTarget("sgx-1", 22, "op", { HOME: home });
    expect(String(target.connectConfig.privateKey)).toBe(
      readFileSync(path.join(home, ".ssh", "id_ecdsa"), "utf8"),
    );
  });

  it("relies on the agent alone when every key needs a passphrase", () => {
    const home = homeWithKeys({ id_ed25519: "secret phrase" });
    const target = new SshTarget("sgx-1", 2222, undefined, {
      HOME: home,
      USER: "alice",
      SSH_AUTH_SOCK: "/run/agent",
    });
    expect(target.connectConfig.privateKey).toBeUndefined();
    expect(target.connectConfig.agent).toBe("/run/agent");
    expect(target.username).toBe("alice");
    expect(target.connectConfig.port).toBe(2222);
  });

  it("rejects a tunnel to a port where no SSH server listens", async () => {
    const target = new SshTarget("127.0.0.1", 1, "op", { HOME: homeWithKeys({}) });
    await expect(target.forward("127.0.0.1", 443, 2_000)).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
