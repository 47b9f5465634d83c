/**
 * The filter playground: builds the static app and serves it.
 *
 *   deno task playground:build [--out DIR]   # static files in dist/playground/ (or DIR)
 *   deno task playground [--port 8000]       # build, then serve on http://127.0.0.1:8000/
 *   deno task playground --no-build          # serve the last build
 *
 * The build bundles `playground/main.ts` (the page) and `playground/worker.ts`
 * (the filtering worker) with esbuild into `app.js`, `worker.js` and one
 * shared chunk holding the library; copies `index.html`, `style.css`, the
 * sample photographs of `tests/fixtures/images/` (every file the library
 * reads, named by stem, listed in `samples/index.json`) and compiles the
 * example plugins of `examples/plugins/` to `plugins/<name>.js` (listed with
 * their sources in `plugins/index.json`, so the page's commands name the
 * source). The server only serves those files, on 127.0.0.1, with the
 * cross-origin isolation headers (COOP/COEP) that let browsers use threads.
 *
 * @module
 */

import { basename, extname, join, normalize, relative } from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { formatFromPath } from "../mod.ts";

const root = normalize(new URL("..", import.meta.url).pathname);
const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    out: { type: "string", default: join(root, "dist", "playground") },
    port: { type: "string", default: "8000" },
    "no-build": { type: "boolean", default: false },
  },
});
const out = normalize(values.out!);
const command = positionals[0] ?? "serve";

/** Sizes of what a browser downloads to show the default state. */
export interface BuildReport {
  /** Bytes of each JavaScript file (app, worker, chunks). */
  js: Record<string, number>;
  /** Their total, and gzipped. */
  total: number;
  /** The total gzipped. */
  gzip: number;
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Builds the app into `dir`; returns the script sizes. */
export async function build(dir: string): Promise<BuildReport> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(dir, "samples"), { recursive: true });
  await Deno.mkdir(join(dir, "plugins"), { recursive: true });
  const result = await esbuild.build({
    entryPoints: {
      app: join(root, "playground", "main.ts"),
      worker: join(root, "playground", "worker.ts"),
    },
    outdir: dir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    metafile: true,
    logLevel: "warning",
  });
  for (const f of ["index.html", "style.css"]) {
    await Deno.copyFile(join(root, "playground", f), join(dir, f));
  }
  const images = join(root, "tests", "fixtures", "images");
  const samples = [];
  for (const e of [...Deno.readDirSync(images)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!e.isFile) continue;
    try {
      formatFromPath(e.name); // only files the library reads
    } catch {
      continue;
    }
    await Deno.copyFile(join(images, e.name), join(dir, "samples", e.name));
    samples.push({
      name: basename(e.name, extname(e.name)),
      file: `samples/${e.name}`,
      source: relative(root, join(images, e.name)),
    });
  }
  await Deno.copyFile(join(images, "SOURCES.md"), join(dir, "samples", "SOURCES.md"));
  await Deno.writeTextFile(join(dir, "samples", "index.json"), JSON.stringify(samples, null, 1));
  const examples = join(root, "examples", "plugins");
  const plugins = [];
  for (const e of [...Deno.readDirSync(examples)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const file = `plugins/${basename(e.name, ".ts")}.js`;
    await esbuild.build({
      entryPoints: [join(examples, e.name)],
      outfile: join(dir, file),
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      logLevel: "warning",
    });
    plugins.push({ file, source: relative(root, join(examples, e.name)) });
  }
  await Deno.writeTextFile(join(dir, "plugins", "index.json"), JSON.stringify(plugins, null, 1));
  await esbuild.stop();
  const js: Record<string, number> = {};
  let total = 0, gzip = 0;
  for (const file of Object.keys(result.metafile!.outputs)) {
    const bytes = await Deno.readFile(file);
    js[relative(dir, file)] = bytes.length;
    total += bytes.length;
    gzip += await gzipSize(bytes);
  }
  return { js, total, gzip };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".md": "text/markdown; charset=utf-8",
};

/** Serves the files of `dir` on 127.0.0.1 with the headers that make the page cross-origin isolated. */
export function serve(dir: string, port: number): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const headers = new Headers({
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-cache",
    });
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(dir + "/") || (req.method !== "GET" && req.method !== "HEAD")) {
      return new Response("not found", { status: 404, headers });
    }
    try {
      const body = await Deno.readFile(file);
      headers.set("Content-Type", TYPES[extname(file)] ?? "application/octet-stream");
      return new Response(req.method === "HEAD" ? null : body, { headers });
    } catch {
      return new Response("not found", { status: 404, headers });
    }
  });
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(0)} KiB`;
}

if (import.meta.main) {
  if (command !== "build" && command !== "serve") {
    console.error(`usage: tools/playground.ts build|serve [--out DIR] [--port N] [--no-build]`);
    Deno.exit(2);
  }
  if (command === "build" || !values["no-build"]) {
    const r = await build(out);
    const files = Object.entries(r.js).map(([f, n]) => `${f} ${kib(n)}`).join(", ");
    console.log(
      `playground: built ${relative(Deno.cwd(), out) || "."}: scripts ${kib(r.total)} ` +
        `(gzipped ${kib(r.gzip)}): ${files}`,
    );
  }
  if (command === "serve") {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`--port must be an integer from 0 to 65535, got ${values.port}`);
      Deno.exit(2);
    }
    const server = serve(out, port);
    console.log(`playground: http://127.0.0.1:${server.addr.port}/ (Ctrl-C stops it)`);
  }
}
