// Writes a package tar: its members, then manifest.json with their digests; whole or not at all.
import { pipeline } from "node:stream/promises";
import { streamToFileAtomically } from "../crypto/atomicOutput.js";
import { digestFile, digestingStream } from "../crypto/streamDigest.js";
import {
  MANIFEST_MEMBER,
  type MemberDigest,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  PACKAGE_MEMBERS,
  type PackageManifest,
  type PackageMember,
  renderPackageManifest,
} from "./packageManifest.js";
import { FILE_MODE, type TarEntry, writeDeterministicTar } from "./tarWriter.js";

export interface PackageContents {
  name: string;
  encrypted: boolean;
  imageId: string;
  /** Where each member's bytes are on disk. */
  files: Record<PackageMember, string>;
  /** Digests already known (e.g. computed while the image was saved); the others are computed here. */
  digests?: Partial<Record<PackageMember, MemberDigest>>;
}

export interface WrittenPackage {
  path: string;
  sizeBytes: number;
  sha256: string;
  manifest: PackageManifest;
}

/**
 * Writes the package tar at `destination` (deterministic member order and headers), streaming every
 * member and hashing the output as it goes. The tar appears under its name only once complete.
 */
export async function writePackage(destination: string, contents: PackageContents): Promise<WrittenPackage> {
  const members = {} as Record<PackageMember, MemberDigest>;
  for (const member of PACKAGE_MEMBERS) {
    members[member] = contents.digests?.[member] ?? (await digestFile(contents.files[member]));
  }
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_FORMAT_VERSION,
    name: contents.name,
    encrypted: contents.encrypted,
    imageId: contents.imageId,
    members,
  };
  const entries: TarEntry[] = [
    ...PACKAGE_MEMBERS.map((member) => ({ path: member, file: contents.files[member] })),
    { path: MANIFEST_MEMBER, content: new TextEncoder().encode(renderPackageManifest(manifest)) },
  ];
  const meter = digestingStream();
  await streamToFileAtomically(
    destination,
    async (output) => {
      try {
        await Promise.all([writeDeterministicTar(entries, meter.stream), pipeline(meter.stream, output)]);
      } catch (error) {
        meter.stream.destroy();
        throw error;
      }
    },
    FILE_MODE,
  );
  return { path: destination, ...meter.digest(), manifest };
}
