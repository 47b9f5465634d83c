/**
 * Generates `io/vendor/`, the WebP and AVIF codecs imfilter loads lazily:
 * the emscripten glue modules and type declarations of the npm packages
 * `@jsquash/webp` and `@jsquash/avif` (Squoosh's libwebp and libavif/libaom
 * builds), and each WebAssembly binary as a base64 TypeScript module
 * (`export const WASM_BASE64`), like the SIMD kernels of `deno task wasm` —
 * so loading a codec needs no file access, no fetch and no permission, and
 * esbuild inlines it into a single-file bundle.
 *
 * The folder is generated, not ours, and not in git: every task that needs it
 * depends on `deno task codecs` (deno.json), so a fresh clone needs no extra
 * step, and `deno publish` includes it (`publish.exclude` has `!io/vendor/`).
 *
 * Where the files come from: the versions pinned in deno.json `imports`
 * (`npm:@jsquash/webp@1.5.0`, …), which must be locked in deno.lock. Deno's
 * own npm client fetches them into its cache and verifies each tarball's
 * sha512 against the lock's `integrity` (this task runs with `--frozen`, so a
 * lock that does not hold them is an error, not an update); the files are
 * then read from that cache. The glue is copied unchanged apart from a header
 * naming the package, its version and licences; only single-threaded builds
 * are used (no `*_mt`), and the SIMD build of the WebP encoder (the same
 * output, 30% faster on a 12 MP photo).
 *
 *   deno task codecs           # (re)generate io/vendor/ when it is missing or stale
 *   deno task codecs --check   # exit 1 unless io/vendor/ is exactly what would be generated
 *
 * Up-to-date detection is cheap (it runs before every test run): `codecs.json`
 * records the packages, their integrity, this tool's hash and every generated
 * file's SHA-256; when all match, nothing is read from the npm cache.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const vendor = new URL("io/vendor/", root);
const check = Deno.args.includes("--check");

/** One package and the files taken from it. */
interface Source {
  /** The name in deno.json `imports`. */
  name: string;
  /** Licences of what the package holds, for the generated headers. */
  licence: string;
  /** Licence files to copy: package path → vendored name. */
  licences: Record<string, string>;
  /** Glue modules: package path → vendored name (`.js`), with their declarations. */
  glue: { js: string; dts: string; as: string }[];
  /** Other files copied as they are: package path → vendored name. */
  copies: Record<string, string>;
  /** Type declarations copied with a header that turns type checking off for them. */
  typings?: Record<string, string>;
}

const SOURCES: Source[] = [
  {
    name: "@jsquash/webp",
    licence: "Apache-2.0 (jSquash, Squoosh: Google); libwebp 1.1.0 BSD-3-Clause (Google)",
    licences: {
      "LICENSE": "LICENSE.jsquash-webp.txt",
      "codec/LICENSE.codec.md": "LICENSE.libwebp.md",
    },
    glue: [
      { js: "codec/dec/webp_dec.js", dts: "codec/dec/webp_dec.d.ts", as: "webp_dec" },
      // webp_enc_simd.d.ts only re-exports webp_enc.d.ts, which declares the encoder.
      { js: "codec/enc/webp_enc_simd.js", dts: "codec/enc/webp_enc.d.ts", as: "webp_enc_simd" },
    ],
    // Declarations for emscripten's module object; it names DOM types (WebGLRenderingContext)
    // that Deno's type library lacks, hence the @ts-nocheck in its header.
    copies: {},
    typings: { "emscripten-types.d.ts": "emscripten-types.d.ts" },
  },
  {
    name: "@jsquash/avif",
    licence:
      "Apache-2.0 (jSquash, Squoosh: Google); libavif 1.0.1 BSD-2-Clause (AOMedia, Joe Drago); " +
      "libaom 3.7.0 BSD-2-Clause + AOMedia Patent License 1.0; libsharpyuv BSD-3-Clause (Google)",
    licences: { "LICENSE": "LICENSE.jsquash-avif.txt" },
    glue: [
      { js: "codec/dec/avif_dec.js", dts: "codec/dec/avif_dec.d.ts", as: "avif_dec" },
      { js: "codec/enc/avif_enc.js", dts: "codec/enc/avif_enc.d.ts", as: "avif_enc" },
    ],
    copies: {},
  },
];

/** What deno.json pins and deno.lock locks for a package. */
interface Pin {
  version: string;
  integrity: string;
}

function fail(message: string): never {
  console.error(`deno task codecs: ${message}`);
  Deno.exit(1);
}

function pinOf(name: string): Pin {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root)));
  const spec: string | undefined = config.imports?.[name];
  const m = spec?.match(/^npm:(@?[^@]+)@(\d+\.\d+\.\d+)$/);
  if (!m || m[1] !== name) {
    fail(`deno.json imports must pin ${name} to an exact npm version, found ${spec}`);
  }
  const lock = JSON.parse(Deno.readTextFileSync(new URL("deno.lock", root)));
  const integrity: string | undefined = lock.npm?.[`${name}@${m[2]}`]?.integrity;
  if (!integrity) fail(`deno.lock does not lock ${name}@${m[2]}: run \`deno install\``);
  return { version: m[2], integrity };
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** The package's folder in Deno's npm cache, fetched (and verified against deno.lock) if absent. */
async function packageDir(name: string, pin: Pin): Promise<URL> {
  const manifest = new URL(import.meta.resolve(`${name}/package.json`));
  try {
    Deno.statSync(manifest);
  } catch {
    // Not cached yet: importing a side-effect-free module makes Deno fetch the package.
    const spec = `${name}/meta.js`;
    await import(spec);
  }
  const version = JSON.parse(Deno.readTextFileSync(manifest)).version;
  if (version !== pin.version) fail(`${manifest.pathname} is ${version}, not ${pin.version}`);
  return new URL(".", manifest);
}

/** Every generated file, by name in io/vendor/. */
async function generate(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  const tool = await sha256(Deno.readFileSync(new URL(import.meta.url)));
  const stamp: Record<string, unknown> = { tool, packages: {}, files: {} };
  for (const src of SOURCES) {
    const pin = pinOf(src.name);
    (stamp.packages as Record<string, Pin>)[src.name] = pin;
    const dir = await packageDir(src.name, pin);
    const read = (p: string) => Deno.readFileSync(new URL(p, dir));
    const from = (p: string) =>
      `Generated by tools/codecs.ts (\`deno task codecs\`) from npm:${src.name}@${pin.version} ` +
      `${p}; do not edit, not in git.`;
    const licence =
      `Licence: ${src.licence}; see io/vendor/LICENSE.* and the README (Dependencies).`;
    for (const [p, as] of Object.entries({ ...src.licences, ...src.copies })) {
      out.set(as, read(p));
    }
    for (const [p, as] of Object.entries(src.typings ?? {})) {
      const text = new TextDecoder().decode(read(p));
      out.set(as, enc.encode(`// @ts-nocheck\n// ${from(p)}\n// ${licence}\n${text}`));
    }
    for (const g of src.glue) {
      const js = new TextDecoder().decode(read(g.js));
      out.set(
        `${g.as}.js`,
        enc.encode(
          `// ${from(g.js)}\n// ${licence}\n// @ts-self-types="./${g.as}.d.ts"\n` +
            `// deno-lint-ignore-file\n// deno-fmt-ignore-file\n${js}`,
        ),
      );
      const dts = new TextDecoder().decode(read(g.dts));
      out.set(
        `${g.as}.d.ts`,
        enc.encode(
          `/// <reference path="./emscripten-types.d.ts" />\n// ${from(g.dts)}\n// ${licence}\n` +
            `// deno-lint-ignore-file\n// deno-fmt-ignore-file\n${dts}`,
        ),
      );
      const wasmPath = g.js.replace(/\.js$/, ".wasm");
      const wasm = read(wasmPath);
      out.set(
        `${g.as}_wasm.ts`,
        enc.encode(
          `// ${
            from(wasmPath)
          }\n// ${licence}\n// deno-lint-ignore-file\n// deno-fmt-ignore-file\n\n` +
            `/** \`${wasmPath}\` of ${src.name} ${pin.version} (${wasm.length} bytes), base64. */\n` +
            `export const WASM_BASE64: string = "${base64(wasm)}";\n`,
        ),
      );
    }
  }
  out.set(
    "README.md",
    enc.encode(
      "# io/vendor/ — generated, not in git\n\n" +
        "Written by `deno task codecs` (tools/codecs.ts) from the npm packages pinned in deno.json\n" +
        "and locked in deno.lock: the emscripten glue of @jsquash/webp and @jsquash/avif, unchanged\n" +
        "apart from a header, and their WebAssembly as base64 modules. Licences: LICENSE.*.\n",
    ),
  );
  const files: Record<string, string> = {};
  for (const [name, bytes] of [...out].sort(([a], [b]) => a.localeCompare(b))) {
    files[name] = await sha256(bytes);
  }
  stamp.files = files;
  out.set("codecs.json", enc.encode(JSON.stringify(stamp, null, 2) + "\n"));
  return out;
}

/** Whether io/vendor/ matches its stamp, the pins and this tool, without reading the npm cache. */
async function upToDate(): Promise<boolean> {
  let stamp;
  try {
    stamp = JSON.parse(Deno.readTextFileSync(new URL("codecs.json", vendor)));
  } catch {
    return false;
  }
  if (stamp.tool !== await sha256(Deno.readFileSync(new URL(import.meta.url)))) return false;
  for (const src of SOURCES) {
    const pin = pinOf(src.name), had = stamp.packages?.[src.name];
    if (had?.version !== pin.version || had?.integrity !== pin.integrity) return false;
  }
  for (const [name, hash] of Object.entries(stamp.files ?? {})) {
    try {
      if (await sha256(Deno.readFileSync(new URL(name, vendor))) !== hash) return false;
    } catch {
      return false;
    }
  }
  return Object.keys(stamp.files ?? {}).length > 0;
}

function listed(): string[] {
  try {
    return [...Deno.readDirSync(vendor)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

if (check) {
  const want = await generate();
  const stale: string[] = [];
  for (const [name, bytes] of want) {
    let have: Uint8Array | undefined;
    try {
      have = Deno.readFileSync(new URL(name, vendor));
    } catch { /* missing */ }
    if (!have || await sha256(have) !== await sha256(bytes)) stale.push(name);
  }
  const extra = listed().filter((n) => !want.has(n));
  if (stale.length || extra.length) {
    fail(
      `io/vendor/ is out of date (${[...stale, ...extra.map((e) => `${e} (extra)`)].join(", ")})` +
        `: run \`deno task codecs\``,
    );
  }
  console.log(
    `io/vendor/ up to date: ${want.size} files from ${SOURCES.map((s) => s.name).join(", ")}`,
  );
} else if (!await upToDate()) {
  const files = await generate();
  // Written beside, then swapped in, so a concurrent run never sees half a folder.
  const tmp = new URL(`io/.vendor.tmp-${Deno.pid}/`, root);
  const old = new URL(`io/.vendor.old.tmp-${Deno.pid}/`, root);
  Deno.mkdirSync(tmp, { recursive: true });
  for (const [name, bytes] of files) Deno.writeFileSync(new URL(name, tmp), bytes);
  try {
    Deno.renameSync(vendor, old);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  try {
    Deno.renameSync(tmp, vendor);
  } catch (e) {
    // Another run swapped its (identical) folder in first.
    Deno.removeSync(tmp, { recursive: true });
    if (!await upToDate()) throw e;
  }
  try {
    Deno.removeSync(old, { recursive: true });
  } catch { /* there was none */ }
  let total = 0;
  for (const bytes of files.values()) total += bytes.length;
  // On stderr: this runs before `deno task imfilter`, whose stdout may carry an image (output -).
  console.error(
    `deno task codecs: wrote io/vendor/ (${files.size} files, ${
      (total / 1048576).toFixed(1)
    } MiB) ` +
      `from ${SOURCES.map((s) => `${s.name}@${pinOf(s.name).version}`).join(", ")}`,
  );
}
