// The cross-runtime check (run by .ci/run): the same calls in Deno (source),
// Node 20 (the single-file esbuild bundle of mod.ts), Bun (source) and
// headless Chromium (the same bundle, in a cross-origin-isolated page so
// applyParallel has threads), compared with Deno's results — integer outputs
// byte for byte, float outputs within 1e-4 of the value's scale.
//
//   node tests/runtimes/check.mjs [--tools DIR] [--out DIR] [--only node,bun,chromium]
//
// DIR holds node_modules with esbuild, puppeteer-core and @oven/bun-linux-x64
// (.ci/run installs them into ~/.cache/imfilter-ci); Chromium is Debian's
// (`which chromium`). Writes the bundle to OUT (default .cache/runtimes/) and
// prints its size, and one line per runtime; exits 1 on any difference.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values: opts } = parseArgs({
  options: {
    tools: { type: "string", default: join(homedir(), ".cache", "imfilter-ci") },
    out: { type: "string", default: join(root, ".cache", "runtimes") },
    only: { type: "string", default: "node,bun,chromium" },
  },
});
const tools = resolve(opts.tools), out = resolve(opts.out);
const requireTool = createRequire(join(tools, "node_modules", "x.js"));
const fixtures = join(root, "tests", "fixtures", "io");
mkdirSync(out, { recursive: true });

// 1. The single-file bundles: mod.ts as a browser bundle (nothing external, no shims), and the
// scenario, which imports nothing.
const esbuild = requireTool("esbuild");
const bundle = join(out, "imfilter.js"), minified = join(out, "imfilter.min.js");
const common = {
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  logLevel: "warning",
};
await esbuild.build({ ...common, entryPoints: [join(root, "mod.ts")], outfile: bundle });
await esbuild.build({
  ...common,
  entryPoints: [join(root, "mod.ts")],
  outfile: minified,
  minify: true,
});
await esbuild.build({
  ...common,
  entryPoints: [join(root, "tests", "runtimes", "scenario.ts")],
  outfile: join(out, "scenario.js"),
});
const min = readFileSync(minified);
console.log(
  `bundle: ${(statSync(bundle).size / 1024).toFixed(0)} KiB, minified ${
    (min.length / 1024).toFixed(0)
  } KiB, ` +
    `gzipped ${(gzipSync(min).length / 1024).toFixed(0)} KiB`,
);

function parseJson(name, text) {
  const line = text.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${name} printed no result: ${text.slice(-2000)}`);
  }
}

function run(name, cmd, args, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    maxBuffer: 1 << 28,
    timeout: 300_000,
  });
  if (r.status !== 0) {
    throw new Error(`${name} exited ${r.status ?? r.signal}: ${(r.stderr || "").slice(-2000)}`);
  }
  return parseJson(name, r.stdout);
}

// 2. The runtimes. Deno is the reference.
const results = {};
const deno = process.env.DENO ?? "npx";
const denoArgs = process.env.DENO ? [] : ["-y", "deno@2.9.6"];
results.deno = run("deno", deno, [
  ...denoArgs,
  "run",
  "--allow-read=.",
  "tests/runtimes/run_deno.ts",
]);
const only = new Set(opts.only.split(","));
if (only.has("node")) {
  results.node = run("node", process.execPath, [
    join(root, "tests", "runtimes", "run_node.mjs"),
    bundle,
    join(out, "scenario.js"),
    fixtures,
  ]);
}
if (only.has("bun")) {
  const bun = join(tools, "node_modules", "@oven", "bun-linux-x64", "bin", "bun");
  results.bun = run("bun", bun, ["run", join(root, "tests", "runtimes", "run_bun.ts")]);
}
if (only.has("chromium")) Object.assign(results, await inChromium());

// 3. Compare with Deno.
function close(a, b, path) {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) && Number.isNaN(b)) return undefined;
    return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)) ? undefined : `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = close(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = close(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

let failures = 0;
const reference = results.deno;
const cases = Object.keys(reference);
for (const [runtime, got] of Object.entries(results)) {
  if (runtime === "deno") continue;
  const problems = [];
  let exact = 0;
  for (const name of cases) {
    const want = reference[name], have = got[name];
    if (!have) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (have.shape !== want.shape) {
      problems.push(`${name}: shape ${have.shape} vs ${want.shape}`);
      continue;
    }
    if (have.sha256 === want.sha256 && close(want.data, have.data, "data") === undefined) {
      exact++;
      continue;
    }
    const floats = want.values !== undefined;
    const d = (floats ? close(want.values, have.values, "values") : `bytes differ`) ??
      close(want.data, have.data, "data");
    if (d) problems.push(`${name}: ${d}`);
  }
  for (const name of Object.keys(got)) if (!(name in reference)) problems.push(`${name}: extra`);
  failures += problems.length;
  console.log(
    `${runtime}: ${cases.length - problems.length} of ${cases.length} cases agree with Deno ` +
      `(${exact} byte for byte)` +
      (problems.length ? `; differences:\n  ${problems.join("\n  ")}` : ""),
  );
}
if (failures) {
  console.error(`cross-runtime check: ${failures} differences`);
  process.exit(1);
}
console.log(
  `cross-runtime check: ${Object.keys(results).join(", ")} agree on ${cases.length} cases`,
);

/**
 * Serves the bundle on 127.0.0.1 (cross-origin isolated) and runs the scenario in headless
 * Chromium, on the page and in a dedicated worker.
 */
async function inChromium() {
  // The scenario on the page, and again inside a dedicated Web Worker (the library in a worker,
  // its applyParallel starting nested workers).
  const run = `
    const lib = await import("/imfilter.js");
    const { runScenario, SCENARIO_FILES } = await import("/scenario.js");
    const files = {};
    for (const f of SCENARIO_FILES) files[f] = new Uint8Array(await (await fetch("/io/" + f)).arrayBuffer());
    const result = JSON.stringify(await runScenario(lib, files));`;
  const worker = `${run}\npostMessage(result);`;
  const page = `<!doctype html><meta charset="utf-8"><title>imfilter cross-runtime</title>
<script type="module">
  try {
    ${run}
    window.__result = result;
    const w = new Worker("/worker.js", { type: "module" });
    w.onmessage = (e) => window.__workerResult = e.data;
    w.onerror = (e) => window.__error = "worker: " + (e.message || "failed to load");
  } catch (e) {
    window.__error = String(e && e.stack || e);
  }
</script>`;
  const server = createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    };
    const url = new URL(req.url, "http://127.0.0.1");
    let body, type = "text/javascript";
    if (url.pathname === "/") [body, type] = [page, "text/html"];
    else if (url.pathname === "/worker.js") body = worker;
    else if (url.pathname === "/imfilter.js") body = readFileSync(bundle);
    else if (url.pathname === "/scenario.js") body = readFileSync(join(out, "scenario.js"));
    else if (url.pathname.startsWith("/io/") && !url.pathname.includes("..")) {
      [body, type] = [
        readFileSync(join(fixtures, url.pathname.slice(4))),
        "application/octet-stream",
      ];
    }
    if (body === undefined) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": type }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const puppeteer = requireTool("puppeteer-core");
  const executablePath = process.env.CHROMIUM ??
    execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const tab = await browser.newPage();
    const logs = [];
    tab.on("console", (m) => logs.push(m.text()));
    tab.on("pageerror", (e) => logs.push(String(e)));
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction("(window.__result && window.__workerResult) || window.__error", {
      timeout: 240_000,
    });
    const error = await tab.evaluate("window.__error");
    if (error) throw new Error(`chromium: ${error}\n${logs.join("\n")}`);
    const isolated = await tab.evaluate("crossOriginIsolated");
    if (!isolated) throw new Error("chromium: the page is not cross-origin isolated (no threads)");
    return {
      chromium: JSON.parse(await tab.evaluate("window.__result")),
      "chromium-worker": JSON.parse(await tab.evaluate("window.__workerResult")),
    };
  } finally {
    await browser.close();
    server.close();
  }
}
