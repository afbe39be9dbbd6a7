// Opens a package someone else wrote: extracts it safely, then checks every member against manifest.json.
import { existsSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import {
  MANIFEST_MEMBER,
  PACKAGE_MEMBERS,
  type PackageManifest,
  type PackageMember,
  PackageFormatError,
  parsePackageManifest,
} from "./packageManifest.js";
import { digestFile } from "../crypto/streamDigest.js";
import { type ExtractLimits, extractTarSafely } from "./safeExtract.js";

export interface ExtractedPackage {
  directory: string;
  manifest: PackageManifest;
  /** Absolute paths of the extracted members. */
  files: Record<PackageMember | typeof MANIFEST_MEMBER, string>;
}

/** A member's bytes differ from what manifest.json records: the package was altered or damaged. */
export class PackageIntegrityError extends Error {
  constructor(
    readonly member: string,
    detail: string,
  ) {
    super(
      `the package member ${member} does not match its manifest (${detail}); the package was altered or damaged`,
    );
    this.name = "PackageIntegrityError";
  }
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Extracts `packageFile` into `targetDir` (refusing unsafe members), then checks that it holds
 * exactly the package members and that each one's size and SHA-256 match manifest.json. On any
 * failure, what the extraction wrote is removed again.
 */
export async function extractPackage(
  packageFile: string,
  targetDir: string,
  limits?: ExtractLimits,
): Promise<ExtractedPackage> {
  const directory = path.resolve(targetDir);
  const existed = existsSync(directory);
  const written = await extractTarSafely(packageFile, directory, limits);
  try {
    const expected = new Set<string>([...PACKAGE_MEMBERS, MANIFEST_MEMBER]);
    for (const member of written) {
      if (!expected.has(member)) {
        throw new PackageFormatError(
          `${path.basename(packageFile)} holds ${JSON.stringify(member)}, which is no package member`,
        );
      }
    }
    for (const member of expected) {
      if (!written.includes(member)) {
        throw new PackageFormatError(
          `${path.basename(packageFile)} lacks its ${member}; it is not an msehome package`,
        );
      }
    }
    const files = Object.fromEntries(
      [...expected].map((member) => [member, path.join(directory, member)]),
    ) as ExtractedPackage["files"];
    if ((await stat(files[MANIFEST_MEMBER])).size > MAX_MANIFEST_BYTES) {
      throw new PackageFormatError("the package's manifest.json is implausibly large");
    }
    const manifest = parsePackageManifest(await readFile(files[MANIFEST_MEMBER], "utf8"));
    for (const member of PACKAGE_MEMBERS) {
      const recorded = manifest.members[member];
      const actual = await digestFile(files[member]);
      if (actual.sizeBytes !== recorded.sizeBytes) {
        throw new PackageIntegrityError(member, `${actual.sizeBytes} bytes instead of ${recorded.sizeBytes}`);
      }
      if (actual.sha256 !== recorded.sha256) {
        throw new PackageIntegrityError(member, `SHA-256 ${actual.sha256} instead of ${recorded.sha256}`);
      }
    }
    return { directory, manifest, files };
  } catch (error) {
    if (existed) {
      for (const member of written) await rm(path.join(directory, member), { recursive: true, force: true });
    } else {
      await rm(directory, { recursive: true, force: true });
    }
    throw error;
  }
}

/** Extracts the package's tests.tar (safely) into `testsDir`; returns the paths written. */
export async function extractPackageTests(extracted: ExtractedPackage, testsDir: string): Promise<string[]> {
  return extractTarSafely(extracted.files["tests.tar"], testsDir);
}

/** Extracts the package's app.tar (safely) into `codeDir`; returns the paths written. */
export async function extractPackageCode(extracted: ExtractedPackage, codeDir: string): Promise<string[]> {
  return extractTarSafely(extracted.files["app.tar"], codeDir);
}
