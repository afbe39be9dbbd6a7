// Content-addressed memo of parsed and verified collateral. The same certificate, CRL or signed
// JSON bytes always parse and verify the same way, so a verifier that sees the same collateral
// again (every quote from one platform shares it) reuses the work. Time-dependent checks and the
// quote's own signatures are never cached.

const caches: Array<ContentCache<unknown>> = [];

export class ContentCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {
    caches.push(this as ContentCache<unknown>);
  }

  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Forgets every parsed and verified item (benchmarks measure cold verification with it). */
export function clearAttestationCaches(): void {
  for (const cache of caches) cache.clear();
}

/** A cache key for bytes: one char per byte, cheap to build and compared by content. */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
