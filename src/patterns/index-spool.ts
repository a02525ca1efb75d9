import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHUNK = 65_536;

/**
 * An append-only list of uint32 kept in a temporary file, so remembering one number per input line
 * costs a fixed 256 KiB of memory however long the input is. Read it back once with {@link values}.
 */
export class IndexSpool {
  private readonly dir = mkdtempSync(join(tmpdir(), "sluice-patterns-"));
  private readonly fd = openSync(join(this.dir, "indexes.u32"), "w+");
  private readonly buffer = new Uint32Array(CHUNK);
  private filled = 0;
  private written = 0;
  length = 0;

  push(value: number): void {
    this.buffer[this.filled++] = value;
    this.length++;
    if (this.filled === CHUNK) this.flush();
  }

  /** The values in the order they were pushed. */
  *values(): Generator<number> {
    this.flush();
    const chunk = new Uint32Array(CHUNK);
    const bytes = new Uint8Array(chunk.buffer);
    for (let position = 0; position < this.written; ) {
      const read = readSync(this.fd, bytes, 0, Math.min(bytes.length, this.written - position), position);
      if (read <= 0) throw new Error("index spool: short read");
      position += read;
      for (let i = 0; i < read / 4; i++) yield chunk[i] as number;
    }
  }

  /** Deletes the temporary file. */
  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.filled === 0) return;
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.filled * 4);
    writeSync(this.fd, bytes, 0, bytes.length, this.written);
    this.written += bytes.length;
    this.filled = 0;
  }
}
