// Which PCCS: the given URL first, else the QCNL configuration's, its use_secure_cert honoured; and
// why there is none.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { NoPccsError, resolvePccs } from "./pccsSource.js";

const dir = tempDirPerTest("pccs-source");

describe("resolvePccs", () => {
  it("takes the given URL without reading the QCNL configuration", async () => {
    const qcnlConfigPath = path.join(dir(), "qcnl.conf");
    await writeFile(qcnlConfigPath, '{"pccs_url": "https://other:8081/sgx/certification/v4/"}');
    expect(
      await resolvePccs({ pccsUrl: "https://pccs.example:8081/", pccsInsecureTls: true, qcnlConfigPath }),
    ).toEqual({ baseUrl: "https://pccs.example:8081/", insecureTls: true });
    expect(await resolvePccs({ pccsUrl: "https://pccs.example:8081/", qcnlConfigPath })).toEqual({
      baseUrl: "https://pccs.example:8081/",
      insecureTls: false,
    });
  });

  it("falls back to the QCNL configuration's pccs_url, accepting its self-signed certificate as it says", async () => {
    const qcnlConfigPath = path.join(dir(), "qcnl.conf");
    await writeFile(
      qcnlConfigPath,
      '{ "pccs_url": "https://localhost:8081/sgx/certification/v4/", "use_secure_cert": false }',
    );
    expect(await resolvePccs({ qcnlConfigPath })).toEqual({
      baseUrl: "https://localhost:8081/sgx/certification/v4/",
      insecureTls: true,
    });
    await writeFile(qcnlConfigPath, '{ "pccs_url": "https://localhost:8081/sgx/certification/v4/" }');
    expect((await resolvePccs({ qcnlConfigPath })).insecureTls).toBe(false);
  });

  it("says why there is no PCCS: no configuration, or one without pccs_url", async () => {
    const qcnlConfigPath = path.join(dir(), "qcnl.conf");
    const missing = await resolvePccs({ qcnlConfigPath }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NoPccsError);
    expect(missing).toMatchObject({ configPath: qcnlConfigPath, why: "does not exist" });
    await writeFile(qcnlConfigPath, "{}");
    await expect(resolvePccs({ qcnlConfigPath })).rejects.toMatchObject({ why: "has no pccs_url" });
  });

  it("names a configuration it cannot read", async () => {
    // A directory where the file should be: not missing, but unreadable as a file.
    await expect(resolvePccs({ qcnlConfigPath: dir() })).rejects.toThrow(
      `the QCNL configuration ${dir()} is not a regular file`,
    );
  });
});
