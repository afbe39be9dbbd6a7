// A package opened in place, for spawn and verify --package: its headers are indexed once, the
// manifest read and checked, and every member is then read straight from the package file — the
// small ones written out (hashed on the way), image.tar streamed to wherever it goes (the engine's
// load) while its SHA-256 is computed. Nothing is extracted to disk first, so a package is read once.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { StreamDigest } from "../crypto/streamDigest.js";
import { type ImageMarks } from "../model/baseImage.js";
import {
  MANIFEST_MEMBER,
  PACKAGE_MEMBERS,
  type PackageManifest,
  type PackageMember,
  PackageFormatError,
  parsePackageManifest,
} from "./packageManifest.js";
import { PackageIntegrityError } from "./packageReader.js";
import { readImageMarks } from "./imageConfig.js";
import { readRange } from "./fileRange.js";
import { indexTar, TarIndexError, type TarMemberLocation } from "./tarIndex.js";

const MAX_MANIFEST_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1 << 20;

/** The image member as a stream, and its digest over all of its bytes once the stream is done with. */
export interface ImageMemberStream {
  stream: Readable;
  /**
   * SHA-256 of the whole member: what passed through the stream, then whatever its reader left
   * unread (an engine may answer before the tar's last padding), read from the file.
   */
  digest(): Promise<StreamDigest>;
}

export class PackageFile {
  private closed = false;
  private readonly readers = new Set<Readable>();

  private constructor(
    /** The package's path, absolute. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly members: Map<string, TarMemberLocation>,
    readonly manifest: PackageManifest,
  ) {}

  /**
   * Indexes the package, requires exactly the package members as regular files, and parses
   * manifest.json, checking the members' sizes against it (their digests are checked as they are read).
   */
  static async open(packageFile: string): Promise<PackageFile> {
    const absolute = path.resolve(packageFile);
    const name = path.basename(absolute);
    const handle = await open(absolute, "r").catch((cause: unknown) => {
      throw new Error(`cannot read the package ${name}`, { cause });
    });
    try {
      let index: TarMemberLocation[];
      try {
        index = await indexTar(handle, name, { maxMembers: PACKAGE_MEMBERS.length + 1 });
      } catch (error) {
        if (error instanceof TarIndexError) throw new PackageFormatError(error.message, { cause: error });
        throw error;
      }
      const expected = new Set<string>([...PACKAGE_MEMBERS, MANIFEST_MEMBER]);
      const members = new Map<string, TarMemberLocation>();
      for (const member of index) {
        if (!expected.has(member.name)) {
          throw new PackageFormatError(
            `${name} holds ${JSON.stringify(member.name)}, which is no package member`,
          );
        }
        if (members.has(member.name)) throw new PackageFormatError(`${name} holds ${member.name} twice`);
        if (member.type !== "File" && member.type !== "OldFile" && member.type !== "ContiguousFile") {
          throw new PackageFormatError(`${name} holds ${member.name} as a ${member.type}, not a file`);
        }
        members.set(member.name, member);
      }
      for (const member of expected) {
        if (!members.has(member))
          throw new PackageFormatError(`${name} lacks its ${member}; it is not an msehome package`);
      }
      const manifestAt = members.get(MANIFEST_MEMBER)!;
      if (manifestAt.size > MAX_MANIFEST_BYTES) {
        throw new PackageFormatError("the package's manifest.json is implausibly large");
      }
      const text = Buffer.alloc(manifestAt.size);
      await handle.read(text, 0, manifestAt.size, manifestAt.offset);
      const manifest = parsePackageManifest(text.toString("utf8"));
      for (const member of PACKAGE_MEMBERS) {
        const recorded = manifest.members[member].sizeBytes;
        const actual = members.get(member)!.size;
        if (actual !== recorded)
          throw new PackageIntegrityError(member, `${actual} bytes instead of ${recorded}`);
      }
      return new PackageFile(absolute, handle, members, manifest);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Closes the package file; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Streams still open end here; the handle waits for a read under way before it closes.
    for (const stream of this.readers) stream.destroy();
    await this.handle.close();
  }

  /** Writes a member to `destination` (a new file), checked against the manifest; nothing stays when it differs. */
  async writeMember(member: PackageMember, destination: string): Promise<void> {
    const hashing = this.hashingReader(member);
    try {
      await pipeline(hashing.stream, createWriteStream(destination, { flags: "wx" }));
      this.checkDigest(member, await hashing.digest());
    } catch (error) {
      await rm(destination, { force: true });
      throw error;
    }
  }

  /** image.tar as a stream (for the engine's load), hashed as it goes; `onBytes` sees the running total. */
  openImage(onBytes?: (total: number) => void): ImageMemberStream {
    return this.hashingReader("image.tar", onBytes);
  }

  /** Reads a member only to hash it (image.tar when the engine holds the image already), and checks it. */
  async checkMember(member: PackageMember, onBytes?: (total: number) => void): Promise<void> {
    const hashing = this.hashingReader(member, onBytes);
    await finished(hashing.stream.resume());
    this.checkDigest(member, await hashing.digest());
  }

  /** Throws PackageIntegrityError when `actual` is not what the manifest records for `member`. */
  checkDigest(member: PackageMember, actual: StreamDigest): void {
    const recorded = this.manifest.members[member];
    if (actual.sizeBytes !== recorded.sizeBytes) {
      throw new PackageIntegrityError(member, `${actual.sizeBytes} bytes instead of ${recorded.sizeBytes}`);
    }
    if (actual.sha256 !== recorded.sha256) {
      throw new PackageIntegrityError(member, `SHA-256 ${actual.sha256} instead of ${recorded.sha256}`);
    }
  }

  /**
   * The labels and environment of the manifest's image, from its configuration inside image.tar
   * (read in place, its SHA-256 checked against the image id), or undefined when the tar does not
   * hold it where Docker puts it. Tells a simulation-only image before anything is loaded.
   */
  async imageMarks(): Promise<ImageMarks | undefined> {
    const image = this.members.get("image.tar")!;
    return readImageMarks(this.handle, image, this.manifest.imageId);
  }

  private hashingReader(member: PackageMember, onBytes?: (total: number) => void): ImageMemberStream {
    const { offset, size } = this.members.get(member)!;
    const hash = createHash("sha256");
    let seen = 0;
    const source = readRange(this.handle, offset, offset + size);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        seen += chunk.length;
        onBytes?.(seen);
        done(null, chunk);
      },
    });
    this.readers.add(source);
    source.on("close", () => this.readers.delete(source));
    source.on("error", (error: Error) => meter.destroy(error));
    source.pipe(meter);
    const finish = async (): Promise<StreamDigest> => {
      if (!meter.writableFinished) {
        source.unpipe(meter);
        source.destroy();
        meter.destroy();
        // The reader stopped early: hash the rest from the file, in order (the handle stays open).
        const rest = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(size - seen, 0)));
        while (seen < size) {
          const length = Math.min(rest.length, size - seen);
          const { bytesRead } = await this.handle.read(rest, 0, length, offset + seen);
          if (bytesRead === 0) break;
          hash.update(rest.subarray(0, bytesRead));
          seen += bytesRead;
        }
      }
      return { sha256: hash.digest("hex"), sizeBytes: seen };
    };
    return { stream: meter, digest: finish };
  }
}
