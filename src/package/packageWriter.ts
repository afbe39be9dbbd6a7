// Writes a package tar in one pass: the small members, the image streamed straight in (from
// `docker save`) and hashed on the way, then manifest.json with every digest; whole or not at all.
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { writeAtomically } from "../crypto/atomicOutput.js";
import { digestFile, type StreamDigest } from "../crypto/streamDigest.js";
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
import { StreamedTarWriter } from "./streamedTar.js";
import { FILE_MODE } from "./tarWriter.js";

/** The members besides the image, as files on disk. */
export type SmallMember = Exclude<PackageMember, "image.tar">;

export interface PackageContents {
  name: string;
  encrypted: boolean;
  imageId: string;
  /** Where each small member's bytes are on disk. */
  files: Record<SmallMember, string>;
  /** The `docker save` tar: a stream (written as it arrives, never staged on disk) or a file. */
  image: Readable | string;
  /** Sees the image bytes written so far (for progress). */
  onImageBytes?: (total: number) => void;
  signal?: AbortSignal;
}

export interface WrittenPackage {
  path: string;
  sizeBytes: number;
  manifest: PackageManifest;
}

/** A member file changed between being hashed for the manifest and being written. */
export class PackageInputChangedError extends Error {
  constructor(file: string) {
    super(`${file} changed while it was being packaged; package again`);
    this.name = "PackageInputChangedError";
  }
}

/**
 * Writes the package tar at `destination`: members in byte order of their names (app.tar,
 * image.tar, manifest.json, mse.toml, tests.tar), deterministic headers, the image bytes written
 * once. manifest.json follows image.tar, so its digest is known by then. The tar appears under its
 * name only once complete.
 */
export async function writePackage(destination: string, contents: PackageContents): Promise<WrittenPackage> {
  // The members after manifest.json must be hashed first; they are small.
  const known: Record<SmallMember, StreamDigest> = {
    "app.tar": await digestFile(contents.files["app.tar"]),
    "tests.tar": await digestFile(contents.files["tests.tar"]),
    "mse.toml": await digestFile(contents.files["mse.toml"]),
  };
  const addSmall = async (tar: StreamedTarWriter, member: SmallMember): Promise<void> => {
    const written = await tar.addFile(member, contents.files[member]);
    if (written.sha256 !== known[member].sha256) throw new PackageInputChangedError(contents.files[member]);
  };
  return writeAtomically(
    destination,
    async (handle) => {
      const tar = new StreamedTarWriter(handle);
      await addSmall(tar, "app.tar");
      const image =
        typeof contents.image === "string"
          ? createReadStream(contents.image, { highWaterMark: 1 << 20 })
          : contents.image;
      const imageDigest = await tar.addStream("image.tar", image, {
        ...(contents.onImageBytes ? { onBytes: contents.onImageBytes } : {}),
        ...(contents.signal ? { signal: contents.signal } : {}),
      });
      const members = { ...known, "image.tar": imageDigest } as Record<PackageMember, MemberDigest>;
      const manifest: PackageManifest = {
        format: PACKAGE_FORMAT,
        version: PACKAGE_FORMAT_VERSION,
        name: contents.name,
        encrypted: contents.encrypted,
        imageId: contents.imageId,
        members: Object.fromEntries(
          PACKAGE_MEMBERS.map((m) => [m, members[m]]),
        ) as PackageManifest["members"],
      };
      await tar.addBytes(MANIFEST_MEMBER, new TextEncoder().encode(renderPackageManifest(manifest)));
      await addSmall(tar, "mse.toml");
      await addSmall(tar, "tests.tar");
      await tar.finish();
      return { path: destination, sizeBytes: tar.sizeBytes, manifest };
    },
    FILE_MODE,
  );
}
