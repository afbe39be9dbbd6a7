// manifest.json of a package: the format version, the app name, the image id and the SHA-256 of every member.
import { z } from "zod";

export const PACKAGE_FORMAT = "msehome-package";
export const PACKAGE_FORMAT_VERSION = 1;

/** The members of a package besides manifest.json, in the order they are listed. */
export const PACKAGE_MEMBERS = ["app.tar", "image.tar", "tests.tar", "mse.toml"] as const;
export const MANIFEST_MEMBER = "manifest.json";

export type PackageMember = (typeof PACKAGE_MEMBERS)[number];

export interface MemberDigest {
  /** Hex SHA-256 of the member's bytes. */
  sha256: string;
  sizeBytes: number;
}

export interface PackageManifest {
  format: typeof PACKAGE_FORMAT;
  version: typeof PACKAGE_FORMAT_VERSION;
  /** The app name from mse.toml. */
  name: string;
  /** Whether app.tar holds `<file>.enc` secret boxes (the key travels apart, never in the package). */
  encrypted: boolean;
  /** The `sha256:` id of the image in image.tar, so a loaded image can be checked against it. */
  imageId: string;
  members: Record<PackageMember, MemberDigest>;
}

/** A file that is not a package msehome can read, with the reason. */
export class PackageFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PackageFormatError";
  }
}

const digest = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "not a hex SHA-256"),
  size: z.number().int().nonnegative(),
});

const schema = z.strictObject({
  format: z.literal(PACKAGE_FORMAT),
  version: z.number().int(),
  name: z.string().min(1),
  encrypted: z.boolean(),
  image_id: z.string().regex(/^sha256:[0-9a-f]{64}$/, "not an image id"),
  members: z.strictObject({
    "app.tar": digest,
    "image.tar": digest,
    "tests.tar": digest,
    "mse.toml": digest,
  }),
});

/** The manifest's JSON text: fixed key order, so the same package contents give the same bytes. */
export function renderPackageManifest(manifest: PackageManifest): string {
  const members: Record<string, { sha256: string; size: number }> = {};
  for (const member of PACKAGE_MEMBERS) {
    members[member] = { sha256: manifest.members[member].sha256, size: manifest.members[member].sizeBytes };
  }
  const document = {
    format: manifest.format,
    version: manifest.version,
    name: manifest.name,
    encrypted: manifest.encrypted,
    image_id: manifest.imageId,
    members,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Parses manifest.json; PackageFormatError names what is wrong (including a newer format version). */
export function parsePackageManifest(text: string): PackageManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PackageFormatError("the package's manifest.json is not JSON", { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "the document";
    throw new PackageFormatError(`the package's manifest.json is malformed at ${where}: ${issue.message}`);
  }
  const m = parsed.data;
  if (m.version !== PACKAGE_FORMAT_VERSION) {
    throw new PackageFormatError(
      `the package has format version ${m.version}; this msehome reads version ${PACKAGE_FORMAT_VERSION}`,
    );
  }
  const members = {} as Record<PackageMember, MemberDigest>;
  for (const member of PACKAGE_MEMBERS) {
    members[member] = { sha256: m.members[member].sha256, sizeBytes: m.members[member].size };
  }
  return {
    format: PACKAGE_FORMAT,
    version: PACKAGE_FORMAT_VERSION,
    name: m.name,
    encrypted: m.encrypted,
    imageId: m.image_id,
    members,
  };
}

/** `package_<name>_<unix-ns>.tar` */
export function packageFileName(name: string, unixNanoseconds: bigint): string {
  return `package_${name}_${unixNanoseconds}.tar`;
}

/** `package_<name>_<unix-ns>.key`, the code key written beside an encrypted package. */
export function packageKeyFileName(name: string, unixNanoseconds: bigint): string {
  return `package_${name}_${unixNanoseconds}.key`;
}
