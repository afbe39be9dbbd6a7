// MRENCLAVE as Gramine 1.9's gramine-sgx-sign computes it (python/graminelibos/sgx_sign.py): the
// enclave's memory areas laid out from its top (manifest, SSA, TCS, TLS, stacks, signal stacks,
// libpal.so's segments, the free heap), then SHA-256 over ECREATE, one EADD per page and EEXTENDs of
// the measured pages, with the same report on stdout. The constants are Gramine 1.9's generated
// offsets for x86-64.
import { createHash, type Hash } from "node:crypto";
import type { ElfImage } from "./elf.js";

const PAGESIZE = 0x1000;
const SSA_FRAME_SIZE = 0x4000;
const SSA_FRAME_NUM = 2;
const TCS_SIZE = 0x1000;
const ENCLAVE_STACK_SIZE = 0x40000;
const ENCLAVE_SIG_STACK_SIZE = 0x10000;
const DEFAULT_ENCLAVE_BASE = 0;
const MMAP_MIN_ADDR = 0x10000;
const SGX_GPR_SIZE = 0xb8;
const STACK_PROTECTOR_CANARY_DEFAULT = 0xbadbadbadbadn;
const TCS = { OSSA: 0x10, NSSA: 0x1c, OENTRY: 0x20, OGS_BASE: 0x38, OFS_LIMIT: 0x40, OGS_LIMIT: 0x44 };
const TLS = {
  COMMON_SELF: 0x0,
  STACK_PROTECTOR_CANARY: 0x8,
  ENCLAVE_SIZE: 0x110,
  TCS_OFFSET: 0x118,
  INITIAL_STACK_ADDR: 0x120,
  SIG_STACK_LOW: 0x130,
  SIG_STACK_HIGH: 0x138,
  SSA: 0x148,
  GPR: 0x150,
  MANIFEST_SIZE: 0x1a0,
  HEAP_MIN: 0x1a8,
  HEAP_MAX: 0x1b0,
};

const PAGEINFO_R = 0x1;
const PAGEINFO_W = 0x2;
const PAGEINFO_X = 0x4;
const PAGEINFO_TCS = 0x100;
const PAGEINFO_REG = 0x200;

const ZERO_PAGE = Buffer.alloc(PAGESIZE);

export interface EnclaveAttributes {
  enclaveSize: number;
  edmm: boolean;
  maxThreads: number;
}

interface MemoryArea {
  desc: string;
  addr?: number;
  size: number;
  flags: number;
  measure: boolean;
  content?: Buffer;
  elf?: ElfImage;
}

const roundup = (addr: number): number => Math.ceil(addr / PAGESIZE) * PAGESIZE;
const rounddown = (addr: number): number => Math.floor(addr / PAGESIZE) * PAGESIZE;

/** sgx_sign.parse_size: a number (Python's int(x, 0)) with an optional K, M or G suffix. */
export function parseSize(value: string): number {
  const scale = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[value.slice(-1)] ?? 1;
  const digits = scale === 1 ? value : value.slice(0, -1);
  const match = /^\s*(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0+)\s*$/.exec(digits);
  if (!match || /__|_$|^[^_]*[xXoObB]_/.test(match[1] as string)) {
    throw new Error(`invalid literal for int() with base 0: '${digits}'`);
  }
  return Number(BigInt((match[1] as string).replace(/_/g, "").replace(/^0+(?=\d)/, ""))) * scale;
}

function elfArea(elf: ElfImage): MemoryArea {
  let mapaddr = Number.MAX_SAFE_INTEGER;
  let mapaddrEnd = 0;
  for (const segment of elf.segments) {
    mapaddr = Math.min(mapaddr, rounddown(segment.vaddr));
    mapaddrEnd = Math.max(mapaddrEnd, roundup(segment.vaddr + segment.memsz));
  }
  const area: MemoryArea = {
    desc: "pal",
    size: roundup(mapaddrEnd - mapaddr),
    flags: PAGEINFO_REG,
    measure: true,
    elf,
  };
  if (mapaddr > 0) area.addr = rounddown(mapaddr);
  return area;
}

function memoryAreas(attr: EnclaveAttributes, manifest: Buffer, libpal: ElfImage): MemoryArea[] {
  const rw = PAGEINFO_R | PAGEINFO_W | PAGEINFO_REG;
  const areas: MemoryArea[] = [
    {
      desc: "manifest",
      size: roundup(manifest.length),
      flags: PAGEINFO_R | PAGEINFO_REG,
      measure: true,
      content: manifest,
    },
    { desc: "ssa", size: attr.maxThreads * SSA_FRAME_SIZE * SSA_FRAME_NUM, flags: rw, measure: true },
    { desc: "tcs", size: attr.maxThreads * TCS_SIZE, flags: PAGEINFO_TCS, measure: true },
    { desc: "tls", size: attr.maxThreads * PAGESIZE, flags: rw, measure: true },
  ];
  for (let t = 0; t < attr.maxThreads; t++) {
    areas.push({ desc: "stack", size: ENCLAVE_STACK_SIZE, flags: rw, measure: true });
  }
  for (let t = 0; t < attr.maxThreads; t++) {
    areas.push({ desc: "sig_stack", size: ENCLAVE_SIG_STACK_SIZE, flags: rw, measure: true });
  }
  areas.push(elfArea(libpal));
  return areas;
}

function find(areas: MemoryArea[], desc: string): MemoryArea[] {
  return areas.filter((area) => area.desc === desc);
}

/** The contents of the TCS and TLS pages, which point into the other areas. */
function fillThreadAreas(attr: EnclaveAttributes, areas: MemoryArea[], manifestSize: number): void {
  const [pal, ssa, tcs, tls] = ["pal", "ssa", "tcs", "tls"].map(
    (desc) => find(areas, desc)[0] as MemoryArea,
  ) as [MemoryArea, MemoryArea, MemoryArea, MemoryArea];
  const stacks = find(areas, "stack");
  const sigStacks = find(areas, "sig_stack");
  const base = DEFAULT_ENCLAVE_BASE;
  const tcsData = Buffer.alloc(tcs.size);
  const tlsData = Buffer.alloc(tls.size);
  const u64 = (buffer: Buffer, offset: number, value: number | bigint) =>
    buffer.writeBigUInt64LE(BigInt(value), offset);
  for (let t = 0; t < attr.maxThreads; t++) {
    const ssaAddr = (ssa.addr as number) + SSA_FRAME_SIZE * SSA_FRAME_NUM * t;
    const tcsAt = t * TCS_SIZE;
    u64(tcsData, tcsAt + TCS.OSSA, ssaAddr - base);
    tcsData.writeUInt32LE(SSA_FRAME_NUM, tcsAt + TCS.NSSA);
    u64(tcsData, tcsAt + TCS.OENTRY, (pal.addr as number) + (pal.elf as ElfImage).entry - base);
    u64(tcsData, tcsAt + TCS.OGS_BASE, (tls.addr as number) - base + PAGESIZE * t);
    tcsData.writeUInt32LE(0xfff, tcsAt + TCS.OFS_LIMIT);
    tcsData.writeUInt32LE(0xfff, tcsAt + TCS.OGS_LIMIT);

    const tlsAt = t * PAGESIZE;
    const stack = stacks[t] as MemoryArea;
    const sigStack = sigStacks[t] as MemoryArea;
    u64(tlsData, tlsAt + TLS.COMMON_SELF, (tls.addr as number) + PAGESIZE * t);
    u64(tlsData, tlsAt + TLS.STACK_PROTECTOR_CANARY, STACK_PROTECTOR_CANARY_DEFAULT);
    u64(tlsData, tlsAt + TLS.ENCLAVE_SIZE, attr.enclaveSize);
    u64(tlsData, tlsAt + TLS.TCS_OFFSET, (tcs.addr as number) - base + TCS_SIZE * t);
    u64(tlsData, tlsAt + TLS.INITIAL_STACK_ADDR, (stack.addr as number) + stack.size);
    u64(tlsData, tlsAt + TLS.SIG_STACK_LOW, sigStack.addr as number);
    u64(tlsData, tlsAt + TLS.SIG_STACK_HIGH, (sigStack.addr as number) + sigStack.size);
    u64(tlsData, tlsAt + TLS.SSA, ssaAddr);
    u64(tlsData, tlsAt + TLS.GPR, ssaAddr + SSA_FRAME_SIZE - SGX_GPR_SIZE);
    u64(tlsData, tlsAt + TLS.MANIFEST_SIZE, manifestSize);
    u64(tlsData, tlsAt + TLS.HEAP_MIN, MMAP_MIN_ADDR);
    u64(tlsData, tlsAt + TLS.HEAP_MAX, pal.addr as number);
  }
  tcs.content = tcsData;
  tls.content = tlsData;
}

/** Places every area below the enclave's top, then adds the unmeasured free heap (without EDMM). */
function populate(attr: EnclaveAttributes, areas: MemoryArea[], manifestSize: number): MemoryArea[] {
  let lastPopulated = DEFAULT_ENCLAVE_BASE + attr.enclaveSize;
  for (const area of areas) {
    if (area.addr !== undefined) continue;
    area.addr = lastPopulated - area.size;
    if (area.addr < MMAP_MIN_ADDR) throw new Error("Enclave size is not large enough");
    lastPopulated = area.addr;
  }
  fillThreadAreas(attr, areas, manifestSize);
  // Everything but the heap (between MMAP_MIN_ADDR and libpal) is measured.
  const heapMax = (find(areas, "pal")[0] as MemoryArea).addr as number;
  for (const area of areas) {
    const outsideHeap =
      (area.addr as number) + area.size <= MMAP_MIN_ADDR || (area.addr as number) >= heapMax;
    if (outsideHeap && !area.measure) throw new Error("Memory area, which is not the heap, is not measured");
    if (!outsideHeap) throw new Error("Unexpected memory area is in heap range");
  }
  if (attr.edmm) return areas;
  const free: MemoryArea[] = [];
  const flags = PAGEINFO_R | PAGEINFO_W | PAGEINFO_X | PAGEINFO_REG;
  for (const area of areas) {
    const end = (area.addr as number) + area.size;
    if (end < lastPopulated) {
      free.push({ desc: "free", addr: end, size: lastPopulated - end, flags, measure: false });
      lastPopulated = area.addr as number;
    }
  }
  if (lastPopulated > MMAP_MIN_ADDR) {
    free.push({
      desc: "free",
      addr: MMAP_MIN_ADDR,
      size: lastPopulated - MMAP_MIN_ADDR,
      flags,
      measure: false,
    });
  }
  return [...areas, ...free];
}

function describeArea(addr: number, size: number, flags: number, desc: string, measured: boolean): string {
  const type = flags & PAGEINFO_TCS ? "TCS" : "REG";
  const prot = `${flags & PAGEINFO_R ? "R" : "-"}${flags & PAGEINFO_W ? "W" : "-"}${flags & PAGEINFO_X ? "X" : "-"}`;
  const hex = (value: number) => value.toString(16).padStart(16, "0");
  return `    ${hex(addr)}-${hex(addr + size)} [${type}:${prot}] (${desc})${measured ? " measured" : ""}`;
}

/** SHA-256 over the SGX instructions that build the enclave, fed to the hash in large chunks. */
class Measurement {
  private readonly digest: Hash = createHash("sha256");
  private readonly pending = Buffer.alloc(1024 * 1024);
  private used = 0;

  constructor(private readonly enclaveSize: number) {
    const ecreate = this.record("ECREATE");
    ecreate.writeUInt32LE(SSA_FRAME_SIZE / PAGESIZE, 8);
    ecreate.writeBigUInt64LE(BigInt(enclaveSize), 12);
  }

  /** A zeroed 64-byte record starting with the instruction's name (room is kept for 256 more bytes). */
  private record(name: string): Buffer {
    if (this.used + 64 + 256 > this.pending.length) this.flush();
    const record = this.pending.subarray(this.used, this.used + 64).fill(0);
    record.write(name, 0, "ascii");
    this.used += 64;
    return record;
  }

  private flush(): void {
    this.digest.update(this.pending.subarray(0, this.used));
    this.used = 0;
  }

  page(addr: number, flags: number, content: Buffer, measure: boolean): void {
    if (content.length !== PAGESIZE) throw new Error("Exactly one page expected");
    const offset = addr - DEFAULT_ENCLAVE_BASE;
    if (offset >= this.enclaveSize) throw new Error("page outside the enclave");
    const eadd = this.record("EADD");
    eadd.writeBigUInt64LE(BigInt(offset), 8);
    eadd.writeBigUInt64LE(BigInt(flags), 16);
    if (!measure) return;
    for (let i = 0; i < PAGESIZE; i += 256) {
      this.record("EEXTEND").writeBigUInt64LE(BigInt(offset + i), 8);
      this.used += content.copy(this.pending, this.used, i, i + 256);
    }
  }

  value(): Buffer {
    this.flush();
    return this.digest.digest();
  }
}

/** Adds one ELF segment page by page, zero-filled around the file's bytes. */
function loadSegment(
  measurement: Measurement,
  bytes: Buffer,
  segment: { offset: number; addr: number; filesz: number; memsz: number; flags: number },
): void {
  const fileStart = rounddown(segment.offset);
  const memStart = rounddown(segment.addr);
  const memSize = roundup(segment.addr + segment.memsz) - memStart;
  for (let page = memStart; page < memStart + memSize; page += PAGESIZE) {
    let start = page - memStart + fileStart;
    let end = start + PAGESIZE;
    const startZero = start < segment.offset ? Math.min(segment.offset - start, PAGESIZE) : 0;
    const endZero =
      end > segment.offset + segment.filesz ? Math.min(end - segment.offset - segment.filesz, PAGESIZE) : 0;
    start += startZero;
    end -= endZero;
    const data = start < end ? bytes.subarray(start, end) : Buffer.alloc(0);
    const content = Buffer.concat([Buffer.alloc(startZero), data, Buffer.alloc(endZero)]);
    if (content.length !== PAGESIZE) throw new Error("wrong calculation");
    measurement.page(page, segment.flags, content, true);
  }
}

/** MRENCLAVE of a signed manifest's bytes with this libpal, and the report gramine-sgx-sign prints. */
export function measureEnclave(
  attr: EnclaveAttributes & { remoteAttestation: string },
  manifestBytes: Buffer,
  libpal: ElfImage,
): { mrEnclave: Buffer; report: string[] } {
  const report = [
    "Attributes (required for enclave measurement):",
    `    size:        0x${attr.enclaveSize.toString(16)}`,
    `    edmm:        ${attr.edmm ? "True" : "False"}`,
    `    max_threads: ${attr.maxThreads}`,
    "SGX remote attestation:",
    `    ${{ none: "None", dcap: "DCAP/ECDSA" }[attr.remoteAttestation] ?? "<unrecognized>"}`,
  ];
  // The in-memory manifest is NUL-terminated.
  const manifest = Buffer.concat([manifestBytes, Buffer.alloc(1)]);
  const areas = populate(attr, memoryAreas(attr, manifest, libpal), manifest.length);

  const measurement = new Measurement(attr.enclaveSize);
  report.push("Memory:");
  for (const area of areas) {
    const addr = area.addr as number;
    if (area.elf) {
      const mapaddr = Math.min(...area.elf.segments.map((segment) => rounddown(segment.vaddr)));
      for (const segment of area.elf.segments) {
        let flags = area.flags;
        if (segment.flags & 4) flags |= PAGEINFO_R;
        if (segment.flags & 2) flags |= PAGEINFO_W;
        if (segment.flags & 1) flags |= PAGEINFO_X;
        const segmentAddr = addr - mapaddr + segment.vaddr;
        const memStart = rounddown(segmentAddr);
        const memSize = roundup(segmentAddr + segment.memsz) - memStart;
        report.push(describeArea(memStart, memSize, flags, flags & PAGEINFO_X ? "code" : "data", true));
        loadSegment(measurement, area.elf.bytes, { ...segment, addr: segmentAddr, flags });
      }
      continue;
    }
    for (let page = addr; page < addr + area.size; page += PAGESIZE) {
      let data = ZERO_PAGE;
      if (area.content !== undefined) {
        const chunk = area.content.subarray(page - addr, page - addr + PAGESIZE);
        data = Buffer.concat([chunk, Buffer.alloc(PAGESIZE - chunk.length)]);
      }
      measurement.page(page, area.flags, data, area.measure);
    }
    report.push(describeArea(addr, area.size, area.flags, area.desc, area.measure));
  }
  const mrEnclave = measurement.value();
  report.push("Measurement:", `    ${mrEnclave.toString("hex")}`);
  return { mrEnclave, report };
}
