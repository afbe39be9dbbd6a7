// Save and load stream an image through a file and back: same id, same tags, nothing partial on failure.
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tarContents } from "../../test/support/tarContents.js";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { uniqueName } from "../../test/support/unique.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { DockerNotFoundError, ImageLoadError } from "./errors.js";
import { inspectImage, removeImage } from "./images.js";
import { exportImage, loadImage, saveImage } from "./imageTransfer.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-transfer-"));
const tag = `msehome-test/${uniqueName("transfer")}:1`;
let imageId = "";

async function tarMembers(stream: NodeJS.ReadableStream): Promise<string[]> {
  return [...(await tarContents(stream)).keys()];
}

describeDocker("image save and load", () => {
  beforeAll(async () => {
    imageId = await importNodeImage(testEngine(), tag);
  });

  afterAll(async () => {
    await removeImageTree(testEngine(), imageId);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("round-trips an image through a file: saved, removed, loaded back with its id and tag", async () => {
    const file = path.join(scratch, "image.tar");
    let reported = 0;
    const saved = await saveImage(testEngine(), tag, file, { onBytes: (total) => (reported = total) });
    expect(saved.path).toBe(file);
    expect(saved.sizeBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(reported).toBe(saved.sizeBytes);
    expect(saved.sha256).toBe(createHash("sha256").update(readFileSync(file)).digest("hex"));
    expect(await tarMembers(createReadStream(file))).toContain("manifest.json");
    expect(readdirSync(scratch)).toEqual(["image.tar"]);

    await removeImage(testEngine(), tag, { force: true });
    expect(await inspectImage(testEngine(), tag)).toBeUndefined();

    const loaded = await loadImage(testEngine(), file);
    expect(loaded.tags).toEqual([tag]);
    expect(loaded.ids).toEqual([imageId]);
    expect((await inspectImage(testEngine(), tag))?.id).toBe(imageId);
  });

  it("loads from a stream as well as from a path", async () => {
    const file = path.join(scratch, "streamed.tar");
    await saveImage(testEngine(), tag, file);
    await removeImage(testEngine(), tag, { force: true });
    const loaded = await loadImage(testEngine(), createReadStream(file));
    expect(loaded).toEqual({ ids: [imageId], tags: [tag] });
  });

  it("exports a stream that is a docker save tar", async () => {
    const members = await tarMembers(await exportImage(testEngine(), imageId));
    expect(members).toContain("manifest.json");
    expect(members.some((name) => name.endsWith("/layer.tar"))).toBe(true);
  });

  it("leaves no partial file when the image does not exist", async () => {
    const directory = mkdtempSync(path.join(scratch, "missing-"));
    await expect(
      saveImage(testEngine(), "msehome-test/no-such-image:1", path.join(directory, "image.tar")),
    ).rejects.toBeInstanceOf(DockerNotFoundError);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("refuses a tar that is not an image, in one sentence", async () => {
    const junk = path.join(scratch, "junk.tar");
    writeFileSync(junk, Buffer.alloc(4096, 7));
    const failure = await loadImage(testEngine(), junk).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ImageLoadError);
    expect((failure as Error).message).toMatch(/^loading the image failed: /);
  });

  it("says when the stream it was given fails", async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error("disk on fire"));
      },
    });
    await expect(loadImage(testEngine(), broken)).rejects.toThrow(/disk on fire/);
  });
});
