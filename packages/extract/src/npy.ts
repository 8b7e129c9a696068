import { ExtractError } from "./errors.ts";

/**
 * NumPy's `.npy` format (numpy.lib.format), written as `np.save` writes it, byte for byte:
 * magic `\x93NUMPY`, version 1.0 (2.0 when the header passes 65535 bytes, which numpy's own
 * 64-dimension limit never reaches), the header dict `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (N, C, S), }` with numpy's spare spaces after it (so that the first dimension can be
 * rewritten in place up to 21 digits) and padded with spaces and a newline to a multiple of 64
 * bytes; then the elements little-endian in C order. The header is ASCII, so version 3.0
 * (UTF-8 headers) is never needed.
 */
export type NpyDtype = "<f4" | "<i2";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
/** numpy's GROWTH_AXIS_MAX_DIGITS: room left to rewrite the first dimension in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The header of an array of `shape`; its length does not depend on the first dimension (up to 21 digits). */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  checkDtype(dtype);
  elementCount(shape);
  const dims = shape.map(String);
  const tuple = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (dims.length > 0) dict += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - dims[0]!.length));
  // As numpy's _wrap_header: a final newline, spaces before it up to the alignment (a whole
  // 64 more when already aligned), version 1.0 unless the length does not fit 16 bits.
  const contentLength = dict.length + 1;
  let lengthBytes = 2;
  let padding = ARRAY_ALIGN - ((MAGIC.length + 2 + lengthBytes + contentLength) % ARRAY_ALIGN);
  if (contentLength + padding > 0xffff) {
    lengthBytes = 4;
    padding = ARRAY_ALIGN - ((MAGIC.length + 2 + lengthBytes + contentLength) % ARRAY_ALIGN);
  }
  const headerLength = contentLength + padding;
  const out = new Uint8Array(MAGIC.length + 2 + lengthBytes + headerLength);
  out.set(MAGIC);
  out[6] = lengthBytes === 2 ? 1 : 2; // major version
  out[7] = 0; // minor version
  const view = new DataView(out.buffer);
  if (lengthBytes === 2) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const at = MAGIC.length + 2 + lengthBytes;
  for (let i = 0; i < dict.length; i++) out[at + i] = dict.charCodeAt(i);
  out.fill(0x20, at + dict.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

/** A whole `.npy` file: a Float32Array as `<f4`, an Int16Array as `<i2`, of `shape` (C order). */
export function encodeNpy(array: Float32Array | Int16Array, shape: readonly number[]): Uint8Array {
  const dtype = dtypeOf(array);
  const count = elementCount(shape);
  if (array.length !== count) {
    throw new ExtractError(
      "invalid-argument",
      `an array of shape (${shape.join(", ")}) holds ${count} elements, not ${array.length}`,
    );
  }
  const header = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(header.length + array.byteLength);
  out.set(header);
  out.set(littleEndianBytes(array), header.length);
  return out;
}

/**
 * A `.npy` file written piece by piece, for stacks such as `(N, channels, samples)` that are
 * not held at once: write `header`, then the bytes `chunk()` returns for each run of elements
 * in C order (a segment's channels one after another), then call `end()`, which checks that
 * exactly the shape's elements were given. Runtime-neutral: the caller writes the bytes.
 */
export class NpyStream {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly header: Uint8Array;
  /** Elements the shape holds. */
  readonly elements: number;
  private given = 0;

  constructor(dtype: NpyDtype, shape: readonly number[]) {
    this.header = encodeNpyHeader(dtype, shape);
    this.dtype = dtype;
    this.shape = [...shape];
    this.elements = elementCount(shape);
  }

  /** Elements given so far. */
  get written(): number {
    return this.given;
  }

  /** The bytes of the next elements (a copy, little-endian). */
  chunk(data: Float32Array | Int16Array): Uint8Array {
    if (dtypeOf(data) !== this.dtype) {
      throw new ExtractError("invalid-argument", `this .npy stream holds ${this.dtype}, not ${dtypeOf(data)}`);
    }
    if (this.given + data.length > this.elements) {
      throw new ExtractError(
        "invalid-argument",
        `${this.given + data.length} elements given for a shape (${this.shape.join(", ")}) of ${this.elements}`,
      );
    }
    this.given += data.length;
    return littleEndianBytes(data);
  }

  /** Checks that the stream got every element of its shape. */
  end(): void {
    if (this.given !== this.elements) {
      throw new ExtractError(
        "invalid-argument",
        `the .npy stream of shape (${this.shape.join(", ")}) got ${this.given} of its ${this.elements} elements`,
      );
    }
  }
}

function dtypeOf(array: Float32Array | Int16Array): NpyDtype {
  if (array instanceof Float32Array) return "<f4";
  if (array instanceof Int16Array) return "<i2";
  throw new ExtractError("invalid-argument", "a .npy array must be a Float32Array or an Int16Array");
}

function checkDtype(dtype: NpyDtype): void {
  if (dtype !== "<f4" && dtype !== "<i2") {
    throw new ExtractError("invalid-argument", `a .npy dtype must be "<f4" or "<i2", got ${String(dtype)}`);
  }
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new ExtractError("invalid-argument", `a .npy shape needs whole dimensions >= 0, got (${shape.join(", ")})`);
    }
    count *= dim;
  }
  if (!Number.isSafeInteger(count)) {
    throw new ExtractError("invalid-argument", `the shape (${shape.join(", ")}) holds too many elements`);
  }
  return count;
}

function littleEndianBytes(array: Float32Array | Int16Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
  if (!HOST_LITTLE_ENDIAN) {
    const size = array.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  return bytes;
}
