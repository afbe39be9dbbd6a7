// Content-addressed memo of parsed and verified collateral. The same certificate, CRL or signed
// JSON bytes always parse and verify the same way, so a verifier that sees the same collateral
// again (every quote from one platform shares it) reuses the work. Only pure results are kept:
// parses keyed on the exact bytes or text, and signature validity keyed on the parsed objects
// (themselves keyed on exact bytes). Nothing that depends on the verification time is cached.
// Within one verification the same memo makes each distinct certificate parse and each distinct
// (signed item, signer) check happen once, even right after `clearAttestationCaches()`.

interface Clearable {
  clear(): void;
}

const clearables: Clearable[] = [];

/** A bounded least-recently-used map from exact content to what was derived from it. */
export class ContentCache<V> implements Clearable {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {
    clearables.push(this);
  }

  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    // A parse that throws is not cached: the next call throws the same way.
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * A pure result per pair of objects (e.g. "this certificate's signature verifies with that
 * issuer's key"). Weakly held: an entry lives only as long as both objects, which the bounded
 * content caches own, so the memo is bounded with them.
 */
export class PairMemo<A extends object, B extends object, V> implements Clearable {
  private map = new WeakMap<A, WeakMap<B, V>>();

  constructor() {
    clearables.push(this);
  }

  get(a: A, b: B, make: () => V): V {
    let inner = this.map.get(a);
    if (!inner) {
      inner = new WeakMap();
      this.map.set(a, inner);
    }
    let value = inner.get(b);
    if (value === undefined) {
      value = make();
      inner.set(b, value);
    }
    return value;
  }

  clear(): void {
    this.map = new WeakMap();
  }
}

/** Forgets every parsed and verified item (benchmarks measure cold verification with it). */
export function clearAttestationCaches(): void {
  for (const cache of clearables) cache.clear();
}

/** A cache key for bytes: one char per byte, cheap to build and compared by content. */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** A private copy of `bytes` (a Buffer's `slice` would share memory the caller may change). */
export function ownedCopy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}
