/**
 * Which offset of each partition may be committed: records finish out of order (a dead letter can be
 * written before an earlier record's signals are stored), but a committed offset promises that every
 * record before it is done, so it only advances over an unbroken run of finished records.
 */
export class OffsetTracker {
  // Per "topic:partition": offsets read and not yet finished, in read order, and the commit point.
  private readonly partitions = new Map<
    string,
    { pending: Map<bigint, boolean>; next: bigint | null; committed: bigint | null }
  >();
  private unfinished = 0;

  /**
   * Records that an offset was read and is being worked on; false when it is already being worked on
   * or already finished (the stream read it again after a rebalance): then there is nothing to do.
   */
  track(topic: string, partition: number, offset: bigint): boolean {
    const state = this.stateOf(topic, partition);
    if (state.pending.has(offset) || (state.next !== null && offset < state.next)) return false;
    state.pending.set(offset, false);
    this.unfinished++;
    return true;
  }

  /** Marks an offset finished (stored or dead-lettered). */
  finish(topic: string, partition: number, offset: bigint): void {
    const state = this.partitions.get(key(topic, partition));
    if (state?.pending.get(offset) !== false) return;
    state.pending.set(offset, true);
    this.unfinished--;
    // Map iteration follows insertion order, which is read order within a partition.
    for (const [pending, done] of state.pending) {
      if (!done) break;
      state.pending.delete(pending);
      state.next = pending + 1n;
    }
  }

  /** Offsets (next to read) that advanced past what was last committed; mark them with `committed`. */
  committable(): { topic: string; partition: number; offset: bigint }[] {
    const result: { topic: string; partition: number; offset: bigint }[] = [];
    for (const [name, state] of this.partitions) {
      if (state.next === null || state.next === state.committed) continue;
      const { topic, partition } = parse(name);
      result.push({ topic, partition, offset: state.next });
    }
    return result;
  }

  committed(topic: string, partition: number, offset: bigint): void {
    const state = this.partitions.get(key(topic, partition));
    if (state && (state.committed === null || offset > state.committed)) state.committed = offset;
  }

  /** The last committed offset (next to read) of a partition, when this process committed one. */
  committedOffset(topic: string, partition: number): bigint | null {
    return this.partitions.get(key(topic, partition))?.committed ?? null;
  }

  /** Records read and not yet finished, over every partition. */
  get inFlight(): number {
    return this.unfinished;
  }

  /** Forgets partitions this member no longer owns: their records will be read again by the new owner. */
  retain(owned: ReadonlySet<string>): void {
    for (const [name, state] of [...this.partitions]) {
      if (owned.has(name)) continue;
      for (const done of state.pending.values()) if (!done) this.unfinished--;
      this.partitions.delete(name);
    }
  }

  private stateOf(topic: string, partition: number) {
    const name = key(topic, partition);
    let state = this.partitions.get(name);
    if (!state) {
      state = { pending: new Map(), next: null, committed: null };
      this.partitions.set(name, state);
    }
    return state;
  }
}

export function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

function parse(name: string): { topic: string; partition: number } {
  const at = name.lastIndexOf(":");
  return { topic: name.slice(0, at), partition: Number(name.slice(at + 1)) };
}
