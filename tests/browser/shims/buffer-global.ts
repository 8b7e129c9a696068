// The packages' tests compare bytes with Node's `Buffer.from(a).equals(Buffer.from(b))`. The
// browser has no Buffer: this gives them that much of it (and only that), before each test file.
class TestBuffer extends Uint8Array {
  equals(other: Uint8Array): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (other[i] !== this[i]) return false;
    return true;
  }
}

function from(source: ArrayLike<number> | ArrayBufferLike): TestBuffer {
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source as ArrayLike<number>);
  const buffer = new TestBuffer(bytes.length);
  buffer.set(bytes);
  return buffer;
}

if (!("Buffer" in globalThis)) Object.assign(globalThis, { Buffer: { from } });
