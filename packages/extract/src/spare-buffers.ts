/**
 * Output buffers used again. Every window's output is a new Float32Array per channel (384 KiB
 * for 2 s of mono audio), decoded on one thread and used on another; freed only when the
 * garbage collector gets to them, they stayed in memory by the dozen (seek100's peak was
 * 110-116 MiB, of which 15 MiB were the decode thread's malloc arena of freed outputs).
 * Buffers whose segments the consumer has finished with come back here and go out with the
 * next jobs, to the thread that decodes into them.
 */
/**
 * Smaller buffers are not kept: malloc serves them well, and a few hundred large ones at most
 * (16 MiB / 64 KiB) keep the pool's lookups short.
 */
const MIN_SPARE_BYTES = 64 * 1024;

export class SpareBuffers {
  private readonly bySize = new Map<number, ArrayBuffer[]>();
  /** Every buffer held, oldest first: the first to go when a newer one needs the room. */
  private readonly order: ArrayBuffer[] = [];
  private bytes = 0;

  /** Keeps at most `maxBytes` of buffers, the most recently given; older ones are left to the garbage collector. */
  constructor(private readonly maxBytes: number) {}

  /**
   * Takes back the buffers of `arrays` that each of them covers whole (a view of part of a
   * buffer, or of a buffer another array shares, may still be read elsewhere: left alone).
   */
  give(arrays: readonly Float32Array[]): void {
    for (const array of arrays) {
      const buffer = array.buffer;
      if (!(buffer instanceof ArrayBuffer) || array.byteOffset !== 0 || array.byteLength !== buffer.byteLength)
        continue;
      const size = buffer.byteLength;
      if (size < MIN_SPARE_BYTES || size > this.maxBytes || this.order.includes(buffer)) continue;
      // Sizes that stopped coming up (another extraction's, a last odd window) must not keep out those in use.
      while (this.bytes + size > this.maxBytes) this.remove(this.order[0]!);
      const list = this.bySize.get(size);
      if (list === undefined) this.bySize.set(size, [buffer]);
      else list.push(buffer);
      this.order.push(buffer);
      this.bytes += size;
    }
  }

  /** Buffers of any size handed over (by transfer: gone from the sender), kept as `give` keeps them. */
  giveBuffers(buffers: readonly ArrayBuffer[] | undefined): void {
    if (buffers !== undefined) this.give(buffers.map((buffer) => new Float32Array(buffer)));
  }

  /** Up to `count` buffers of exactly `byteLength` bytes, removed from the pool. */
  take(byteLength: number, count: number): ArrayBuffer[] {
    const list = this.bySize.get(byteLength);
    if (list === undefined) return [];
    const taken = list.slice(Math.max(0, list.length - count));
    for (const buffer of taken) this.remove(buffer);
    return taken;
  }

  private remove(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    const list = this.bySize.get(size)!;
    list.splice(list.indexOf(buffer), 1);
    if (list.length === 0) this.bySize.delete(size);
    this.order.splice(this.order.indexOf(buffer), 1);
    this.bytes -= size;
  }

  /** A Float32Array of `length` samples on a spare buffer if one fits exactly, else a new one (zeroed either way). */
  array(length: number): Float32Array {
    const [buffer] = this.take(length * Float32Array.BYTES_PER_ELEMENT, 1);
    if (buffer === undefined) return new Float32Array(length);
    const array = new Float32Array(buffer);
    array.fill(0);
    return array;
  }
}
