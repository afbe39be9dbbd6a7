// Writes a package tar: its members, then manifest.json with their digests; whole or not at all.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
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
import { type TarEntry, writeDeterministicTar } from "./tarWriter.js";

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

/** Streams a file through SHA-256. */
export async function digestFile(file: string): Promise<MemberDigest> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), sizeBytes };
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
  const temporary = path.join(
    path.dirname(destination),
    `.${path.basename(destination)}.${randomBytes(6).toString("hex")}.partial`,
  );
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const writing = pipeline(measure, createWriteStream(temporary, { flags: "wx", mode: 0o644 }));
    await Promise.all([writeDeterministicTar(entries, measure), writing]);
    await rename(temporary, destination);
  } catch (error) {
    measure.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: destination, sizeBytes, sha256: hash.digest("hex"), manifest };
}
