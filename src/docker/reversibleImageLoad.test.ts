// A load taken back leaves the engine as it was: the loaded image gone, a tag it moved pointing
// at its former image again. The image loaded is the legacy package vector's (a few KiB).
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { VECTORS_DIR } from "../../test/support/vectors.js";
import { PackageFile } from "../package/packageFile.js";
import { ImageLoadError } from "./errors.js";
import { inspectImage, removeImage } from "./images.js";
import { loadImageChecked } from "./reversibleImageLoad.js";

const LEGACY = path.join(VECTORS_DIR, "legacy-package", "package_legacy_1765164000000000000.tar");
const LEGACY_IMAGE = "sha256:e6a0db3e883eef87fd6c2f4bf26c1d101f4d68d9be6fab96730d340850c3b80f";
/** The tag the vector's image.tar loads under. */
const LEGACY_TAG = "msehome-fixture/legacy:1";

describeDocker("reversible image load", () => {
  const engine = testEngine();
  let otherId = "";
  let opened: PackageFile;

  beforeAll(async () => {
    await removeImage(engine, LEGACY_IMAGE, { force: true, ignoreMissing: true });
    // Someone else's image holds the tag the load will move.
    otherId = await importNodeImage(engine, LEGACY_TAG);
    opened = await PackageFile.open(LEGACY);
  });

  afterAll(async () => {
    await opened?.close();
    await removeImage(engine, LEGACY_IMAGE, { force: true, ignoreMissing: true });
    if (otherId) await removeImageTree(engine, otherId);
  });

  async function expectEngineAsBefore(): Promise<void> {
    expect(await inspectImage(engine, LEGACY_IMAGE)).toBeUndefined();
    expect((await inspectImage(engine, LEGACY_TAG))?.id).toBe(otherId);
  }

  it("undoes a load whose bytes turn out altered: the image goes, the tag points back", async () => {
    const image = opened.openImage();
    const error = await loadImageChecked(engine, image.stream, {
      imageId: LEGACY_IMAGE,
      checkBytes: async () => {
        await image.digest();
        throw new Error("the bytes were altered");
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("the bytes were altered");
    await expectEngineAsBefore();
  });

  it("undoes a load holding another image than the expected one", async () => {
    const expected = `sha256:${"7".repeat(64)}`;
    const image = opened.openImage();
    const error = await loadImageChecked(engine, image.stream, {
      imageId: expected,
      checkBytes: async () => opened.checkDigest("image.tar", await image.digest()),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageLoadError);
    expect((error as Error).message).toBe(
      `loading the image failed: the package's image.tar holds ${LEGACY_IMAGE}, not the image ${expected} its manifest names`,
    );
    await expectEngineAsBefore();
  });

  it("keeps a good load until asked to undo it", async () => {
    const image = opened.openImage();
    const load = await loadImageChecked(engine, image.stream, {
      imageId: LEGACY_IMAGE,
      checkBytes: async () => opened.checkDigest("image.tar", await image.digest()),
    });
    expect(load.loaded).toEqual({ ids: [LEGACY_IMAGE], tags: [LEGACY_TAG] });
    expect((await inspectImage(engine, LEGACY_TAG))?.id).toBe(LEGACY_IMAGE);
    await load.undo();
    await expectEngineAsBefore();
  });
});
