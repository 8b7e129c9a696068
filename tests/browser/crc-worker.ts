// Loads @granule/ogg-pages after counting (or removing) WebAssembly.Module, then reports CRCs.
self.onmessage = async (event: MessageEvent<"watch" | "remove">) => {
  let wasmModules = 0;
  const api = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  if (event.data === "remove") {
    delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
  } else if (api !== undefined) {
    const Original = api.Module;
    api.Module = new Proxy(Original, {
      construct(target, args) {
        wasmModules++;
        return Reflect.construct(target, args);
      },
    });
  }
  try {
    const { crc32 } = await import("@granule/ogg-pages");
    const big = new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24);
    self.postMessage({
      wasmModules,
      check: crc32(new TextEncoder().encode("123456789")),
      big: crc32(big),
      pieces: crc32(big.subarray(70_001), crc32(big.subarray(0, 70_001))),
    });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
