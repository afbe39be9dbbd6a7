// Bounds-checked little-endian reading and writing of binary structures, and hex conversions.
import { AttestationFormatError } from "./errors.js";

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Parses a hex string (even length, hex digits only, case-insensitive) naming `what` on error. */
export function fromHex(hex: string, what: string, expectedLength?: number): Uint8Array {
  const clean = hex.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new AttestationFormatError(`${what} is not a hex string`);
  }
  if (expectedLength !== undefined && clean.length !== expectedLength * 2) {
    throw new AttestationFormatError(
      `${what} must be ${expectedLength} bytes (${expectedLength * 2} hex digits), got ${clean.length} hex digits`,
    );
  }
  return new Uint8Array(Buffer.from(clean, "hex"));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads fields in order from a buffer; any read past the end names the structure and field. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(length: number, field: string): void {
    if (this.offset + length > this.bytes.length) {
      throw new AttestationFormatError(
        `${this.what} is truncated: ${field} needs ${length} bytes at offset ${this.offset}, only ${this.remaining} left`,
      );
    }
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** A copy of the next `length` bytes, so parsed values never alias the input. */
  take(length: number, field: string): Uint8Array {
    this.need(length, field);
    const value = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

/** Appends fields in order; fixed-size fields must have exactly their size. */
export class ByteWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  constructor(private readonly what: string) {}

  u16(value: number, field: string): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new AttestationFormatError(`${this.what}: ${field} must be an integer in 0..65535`);
    }
    const chunk = new Uint8Array(2);
    new DataView(chunk.buffer).setUint16(0, value, true);
    return this.push(chunk);
  }

  u32(value: number, field: string): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new AttestationFormatError(`${this.what}: ${field} must be an integer in 0..2^32-1`);
    }
    const chunk = new Uint8Array(4);
    new DataView(chunk.buffer).setUint32(0, value, true);
    return this.push(chunk);
  }

  fixed(value: Uint8Array, size: number, field: string): this {
    if (value.length !== size) {
      throw new AttestationFormatError(`${this.what}: ${field} must be ${size} bytes, got ${value.length}`);
    }
    return this.push(value);
  }

  raw(value: Uint8Array): this {
    return this.push(value);
  }

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
