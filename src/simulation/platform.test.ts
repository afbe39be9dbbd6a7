// A simulated platform is a directory: created and reset atomically, loaded from nothing else, its secrets owner-only.
import { X509Certificate } from "node:crypto";
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parsePckExtension } from "../attestation/pck.js";
import { defaultPlatformDir, deriveSealingKey, initPlatform, loadPlatform } from "./platform.js";
import { certificatesFromPem } from "../attestation/pem.js";
import { SIMULATION_PCK_PLATFORM_CA_PEM } from "./pki.js";
import { SIMULATION_FMSPC, platformTcbOf } from "./tcbLevels.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-platform-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("initPlatform", () => {
  it("creates a platform whose PCK certificate is issued by the simulated Platform CA with its TCB", async () => {
    const dir = path.join(work, "nested", "platform");
    const platform = await initPlatform(dir, { tcb: "out-of-date" });
    expect(platform.dir).toBe(dir);
    expect(platform.tcbState).toBe("out-of-date");

    const pck = new X509Certificate(platform.pckCertificatePem);
    const ca = new X509Certificate(SIMULATION_PCK_PLATFORM_CA_PEM);
    expect(pck.checkIssued(ca)).toBe(true);
    expect(pck.verify(ca.publicKey)).toBe(true);
    expect(pck.subject).toContain("CN=msehome simulation SGX PCK Certificate");
    expect(pck.checkPrivateKey(platform.pckPrivateKey)).toBe(true);
    expect(platform.pckSerialNumber).toBe(pck.serialNumber.toLowerCase());

    const extension = parsePckExtension(
      certificatesFromPem(platform.pckCertificatePem, "the PCK certificate")[0]!,
    );
    const expected = platformTcbOf("out-of-date");
    expect(extension.tcb.componentSvns).toEqual(expected.components);
    expect(extension.tcb.pceSvn).toBe(expected.pceSvn);
    expect(Buffer.from(extension.fmspc).toString("hex").toUpperCase()).toBe(SIMULATION_FMSPC);
    expect(Buffer.from(extension.ppid).equals(Buffer.from(platform.ppid))).toBe(true);
    expect(extension.sgxType).toBe("Scalable");
    expect(extension.configuration).toEqual({ dynamicPlatform: true, cachedKeys: true, smtEnabled: true });
    expect(platform.attestationPublicKey).toHaveLength(64);
  });

  it("defaults to an UpToDate platform and keeps its secrets owner-only", async () => {
    const platform = await initPlatform(path.join(work, "p"));
    expect(platform.tcbState).toBe("up-to-date");
    const files = (await readdir(platform.dir)).sort();
    expect(files).toEqual([
      "attestation-key.pem",
      "pck-cert.pem",
      "pck-key.pem",
      "platform-key",
      "platform.json",
    ]);
    for (const secret of ["attestation-key.pem", "pck-key.pem", "platform-key"]) {
      expect((await stat(path.join(platform.dir, secret))).mode & 0o077).toBe(0);
    }
  });

  it("resets an existing platform in place, leaving no staging directory behind", async () => {
    const dir = path.join(work, "p");
    const first = await initPlatform(dir);
    const second = await initPlatform(dir, { tcb: "revoked" });
    expect(second.pckSerialNumber).not.toBe(first.pckSerialNumber);
    expect((await loadPlatform(dir)).tcbState).toBe("revoked");
    expect(await readdir(work)).toEqual(["p"]);
  });

  it("refuses to replace a directory that is not a platform, and an unknown state", async () => {
    const dir = path.join(work, "photos");
    await mkdir(dir);
    await writeFile(path.join(dir, "holiday.jpg"), "not a platform");
    await expect(initPlatform(dir)).rejects.toThrow(/is not a simulated SGX platform directory/);
    expect(await readdir(dir)).toEqual(["holiday.jpg"]);
    await expect(initPlatform(path.join(dir, "holiday.jpg"))).rejects.toThrow(
      /holiday\.jpg exists and is not a directory; choose another --dir/,
    );
    await expect(initPlatform(path.join(work, "q"), { tcb: "shiny" as never })).rejects.toThrow(
      /unknown TCB state "shiny"/,
    );
  });
});

describe("loadPlatform", () => {
  it("reads back exactly what init wrote", async () => {
    const created = await initPlatform(path.join(work, "p"), { tcb: "configuration-needed" });
    const loaded = await loadPlatform(created.dir);
    expect(loaded.pckCertificatePem).toBe(created.pckCertificatePem);
    expect(Buffer.from(loaded.attestationPublicKey).equals(Buffer.from(created.attestationPublicKey))).toBe(
      true,
    );
    expect(Buffer.from(loaded.qeId).equals(Buffer.from(created.qeId))).toBe(true);
    expect(loaded.tcb.components).toEqual(platformTcbOf("configuration-needed").components);
  });

  it("says how to create a platform when there is none, and what is wrong with a broken one", async () => {
    await expect(loadPlatform(path.join(work, "missing"))).rejects.toThrow(
      /no simulated SGX platform at .*msehome sim init/,
    );
    const platform = await initPlatform(path.join(work, "p"));
    await writeFile(
      path.join(platform.dir, "platform.json"),
      JSON.stringify({ format: "msehome simulated SGX platform" }),
    );
    await expect(loadPlatform(platform.dir)).rejects.toThrow(
      /platform\.json is not a simulated platform description/,
    );
    await rm(path.join(platform.dir, "platform.json"));
    await expect(loadPlatform(platform.dir)).rejects.toThrow(/no simulated SGX platform/);
  });
});

describe("deriveSealingKey", () => {
  it("is stable across loads, distinct per MRENCLAVE and per platform", async () => {
    const a = await initPlatform(path.join(work, "a"));
    const b = await initPlatform(path.join(work, "b"));
    const m1 = new Uint8Array(32).fill(1);
    const m2 = new Uint8Array(32).fill(2);
    const key = deriveSealingKey(a, m1);
    expect(key).toHaveLength(32);
    expect(Buffer.from(deriveSealingKey(await loadPlatform(a.dir), m1)).equals(Buffer.from(key))).toBe(true);
    expect(Buffer.from(deriveSealingKey(a, m2)).equals(Buffer.from(key))).toBe(false);
    expect(Buffer.from(deriveSealingKey(b, m1)).equals(Buffer.from(key))).toBe(false);
    expect(() => deriveSealingKey(a, new Uint8Array(31))).toThrow(/MRENCLAVE must be 32 bytes/);
  });
});

describe("defaultPlatformDir", () => {
  it("honours MSEHOME_SIM_PLATFORM, then XDG_CONFIG_HOME", () => {
    const saved = { sim: process.env.MSEHOME_SIM_PLATFORM, xdg: process.env.XDG_CONFIG_HOME };
    try {
      process.env.MSEHOME_SIM_PLATFORM = "/srv/sim";
      expect(defaultPlatformDir()).toBe("/srv/sim");
      delete process.env.MSEHOME_SIM_PLATFORM;
      process.env.XDG_CONFIG_HOME = "/home/u/.cfg";
      expect(defaultPlatformDir()).toBe("/home/u/.cfg/msehome/sim-platform");
    } finally {
      if (saved.sim === undefined) delete process.env.MSEHOME_SIM_PLATFORM;
      else process.env.MSEHOME_SIM_PLATFORM = saved.sim;
      if (saved.xdg === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved.xdg;
    }
  });
});
