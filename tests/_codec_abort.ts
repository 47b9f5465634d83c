// Run by tests/io_avif_test.ts in a Deno whose WebAssembly memories are
// capped (--v8-flags=--wasm-max-mem-pages=N): decodes the given AVIF files in
// turn and prints one JSON line per call — ok (with the image's shape) or the
// error — and the number of decoder instances created so far.
import { decodeImage } from "../mod.ts";
import { avifDecoder } from "../io/avif.ts";

for (const path of Deno.args) {
  try {
    const img = await decodeImage(Deno.readFileSync(path));
    const { width, height, channels, dtype } = img;
    console.log(
      JSON.stringify({
        path,
        ok: { width, height, channels, dtype, first: img.data[0] },
        instances: avifDecoder.instances,
      }),
    );
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    console.log(
      JSON.stringify({ path, error: { code, message }, instances: avifDecoder.instances }),
    );
  }
}
