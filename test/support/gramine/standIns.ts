// Installs the Gramine stand-ins (test support): the three tools as executables bundled with their
// dependencies into one file, and a stand-in Gramine installation (pkglibdir: libsysdb.so, the
// runtime's glibc directory, sgx/libpal.so, which must be an ELF file). Files are written under
// `root` and name each other as they will be seen from `seenAt` (the same directory on this machine,
// or `/` when `root` becomes an image's filesystem).
import { chmod, copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { GRAMINE_TOOLS } from "./tools.js";

/** Where things go, relative to the root. */
export interface StandInLayout {
  bin: string;
  lib: string;
  pkglibdir: string;
}

export interface StandInOptions {
  /** The Node binary the tools' `#!` line names. */
  nodePath: string;
  /** An ELF shared object to stand for Gramine's libpal.so. */
  libpal: string;
  /** Where `root` is seen when the tools run (default: root itself). */
  seenAt?: string;
  layout?: StandInLayout;
}

export interface GramineStandIns {
  /** Holds gramine-manifest, gramine-manifest-check and gramine-sgx-sign (as seen from seenAt). */
  binDir: string;
  /** The stand-in Gramine installation (as seen from seenAt). */
  pkglibdir: string;
}

/** In an image: the tools on the PATH, Gramine where Debian's packages install it. */
export const IMAGE_LAYOUT: StandInLayout = {
  bin: "usr/local/bin",
  lib: "opt/gramine-stand-ins",
  pkglibdir: "usr/lib/x86_64-linux-gnu/gramine",
};

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

export async function installGramineStandIns(
  root: string,
  options: StandInOptions,
): Promise<GramineStandIns> {
  const layout = options.layout ?? { bin: "bin", lib: "lib", pkglibdir: "gramine" };
  const seen = (relative: string): string => path.join(options.seenAt ?? root, relative);
  const written = (relative: string): string => path.join(root, relative);
  const bundle = path.join(layout.lib, "gramine-stand-ins.cjs");

  await build({
    entryPoints: [MAIN],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: written(bundle),
    // nunjucks' optional file watcher.
    external: ["chokidar", "fsevents"],
    define: { GRAMINE_PKGLIBDIR: JSON.stringify(seen(layout.pkglibdir)) },
    logLevel: "silent",
  });
  await mkdir(written(layout.bin), { recursive: true });
  for (const tool of GRAMINE_TOOLS) {
    const file = written(path.join(layout.bin, tool));
    const script = `require(${JSON.stringify(seen(bundle))}).run(${JSON.stringify(tool)});`;
    await writeFile(file, `#!${options.nodePath}\n${script}\n`);
    await chmod(file, 0o755);
  }

  await writeStandInInstallation(written(layout.pkglibdir), options.libpal);
  return { binDir: seen(layout.bin), pkglibdir: seen(layout.pkglibdir) };
}

/** A stand-in Gramine installation at `pkglibdir`: the LibOS, the runtime's glibc, sgx/libpal.so. */
export async function writeStandInInstallation(pkglibdir: string, libpal: string): Promise<void> {
  const at = (...parts: string[]): string => path.join(pkglibdir, ...parts);
  await mkdir(at("runtime", "glibc"), { recursive: true });
  await mkdir(at("sgx"), { recursive: true });
  await writeFile(at("libsysdb.so"), "stand-in of Gramine's LibOS\n");
  for (const library of ["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0"]) {
    await writeFile(at("runtime", "glibc", library), `stand-in of Gramine's ${library}\n`);
  }
  await copyFile(libpal, at("sgx", "libpal.so"));
}
