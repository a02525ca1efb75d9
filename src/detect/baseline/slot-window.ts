/**
 * The last `capacity` values of each of `slots` contexts (e.g. hour of week), kept sorted so the median and
 * quartiles cost O(1) to read and O(capacity) to update. State: each slot's values, oldest first.
 */
export class SlotWindow {
  private readonly ring: Float64Array[];
  private readonly ordered: Float64Array[];
  private readonly size: Int32Array;
  private readonly next: Int32Array;

  constructor(
    readonly slots: number,
    readonly capacity: number,
    state?: number[][],
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots must be a positive integer, got ${slots}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.ring = Array.from({ length: slots }, () => new Float64Array(capacity));
    this.ordered = Array.from({ length: slots }, () => new Float64Array(capacity));
    this.size = new Int32Array(slots);
    this.next = new Int32Array(slots);
    if (state) {
      if (state.length !== slots) throw new Error(`state has ${state.length} slots, expected ${slots}`);
      state.forEach((values, slot) => {
        for (const v of values.slice(-capacity)) this.add(slot, v);
      });
    }
  }

  /** Values held for the slot. */
  count(slot: number): number {
    return this.size[slot] as number;
  }

  /** Adds a value to the slot, dropping the slot's oldest when full. */
  add(slot: number, value: number): void {
    const ring = this.ring[slot] as Float64Array;
    const sorted = this.ordered[slot] as Float64Array;
    let n = this.size[slot] as number;
    const at = this.next[slot] as number;
    if (n === this.capacity) {
      const i = lowerBound(sorted, n, ring[at] as number);
      sorted.copyWithin(i, i + 1, n);
      n--;
    }
    ring[at] = value;
    this.next[slot] = (at + 1) % this.capacity;
    const j = lowerBound(sorted, n, value);
    sorted.copyWithin(j + 1, j, n);
    sorted[j] = value;
    this.size[slot] = n + 1;
  }

  /** The slot's q-quantile (0..1), linearly interpolated; NaN for an empty slot. */
  quantile(slot: number, q: number): number {
    const n = this.size[slot] as number;
    if (n === 0) return Number.NaN;
    const s = this.ordered[slot] as Float64Array;
    const h = (n - 1) * q;
    const i = Math.floor(h);
    const lo = s[i] as number;
    return i + 1 < n ? lo + (h - i) * ((s[i + 1] as number) - lo) : lo;
  }

  /** The slot's values in ascending order: a view into the window, valid until the next add. */
  sorted(slot: number): Float64Array {
    return (this.ordered[slot] as Float64Array).subarray(0, this.size[slot] as number);
  }

  /** Each slot's values, oldest first. */
  snapshot(): number[][] {
    return this.ring.map((ring, slot) => {
      const n = this.size[slot] as number;
      const start = n < this.capacity ? 0 : (this.next[slot] as number);
      const out: number[] = [];
      for (let k = 0; k < n; k++) out.push(ring[(start + k) % this.capacity] as number);
      return out;
    });
  }
}

function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((a[m] as number) < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}
