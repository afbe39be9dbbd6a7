// The little of an ELF64 file gramine-sgx-sign reads from libpal.so: its entry point and its PT_LOAD
// segments (offset, virtual address, sizes in the file and in memory, flags).
import { readFileSync } from "node:fs";

export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export interface ElfImage {
  bytes: Buffer;
  entry: number;
  segments: LoadSegment[];
}

const PT_LOAD = 1;

export function readElf(file: string): ElfImage {
  const bytes = readFileSync(file);
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46)
    throw new Error(`${file} is not an ELF file`);
  if (bytes[4] !== 2 || bytes[5] !== 1) throw new Error(`${file} is not a little-endian ELF64 file`);
  const entry = Number(bytes.readBigUInt64LE(24));
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (bytes.readUInt32LE(at) !== PT_LOAD) continue;
    segments.push({
      flags: bytes.readUInt32LE(at + 4),
      offset: Number(bytes.readBigUInt64LE(at + 8)),
      vaddr: Number(bytes.readBigUInt64LE(at + 16)),
      filesz: Number(bytes.readBigUInt64LE(at + 32)),
      memsz: Number(bytes.readBigUInt64LE(at + 40)),
    });
  }
  return { bytes, entry, segments };
}
