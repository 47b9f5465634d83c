// The playground in a real browser: builds the app (deno task playground:build),
// serves dist/playground/ on 127.0.0.1 with COOP/COEP, and drives Debian's
// Chromium through puppeteer-core:
//
// - every state of states.json is opened by its URL; once the page says
//   data-status=done, the #output canvas's RGBA pixels (getImageData) must
//   equal, byte for byte, the library's output computed in Deno by
//   expected.ts and drawn as the playground documents (u8 as is, u16 /257,
//   f32 stretched; gray → g,g,g,255). The plugin state loads the README's
//   example plugin (examples/plugins/brighten.ts compiled to JavaScript by
//   esbuild) by URL from a second server — another origin, sent with CORS;
// - a value typed into the form: a bad one shows the library's error beside
//   the field and data-status=error; a good one updates the URL and redraws;
// - zoom and the pixel readout; images in by file picker, paste and drop;
// - editing through the page (pipeline, filter list, lab, kernel cell, plugin
//   box) changes the URL as documented; downloads (.npy bytes, PNG samples);
// - the form of every built-in filter renders, one field per param spec;
// - no console error and no page error anywhere;
// - load time: navigation start to the first done of the default state in a
//   fresh browser context, under 2 s; and the bundle size is printed.
//
//   node tests/playground/check.mjs [--tools DIR] [--no-build] [--screenshots]
//
// DIR holds node_modules with esbuild and puppeteer-core (.ci/run installs
// them into ~/.cache/imfilter-ci). --screenshots writes docs/playground/*.png
// (desktop 1280×800, the lab, a 390×844 phone). Ends with
// "playground: N checks passed", or exits 1 naming each failure.

import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values: opts } = parseArgs({
  options: {
    tools: { type: "string", default: join(homedir(), ".cache", "imfilter-ci") },
    "no-build": { type: "boolean", default: false },
    screenshots: { type: "boolean", default: false },
  },
});
const requireTool = createRequire(join(resolve(opts.tools), "node_modules", "x.js"));
const dist = join(root, "dist", "playground");
const started = Date.now();
let passed = 0;
const failures = [];

function check(ok, what) {
  if (ok) passed++;
  else failures.push(what);
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

function deno(args) {
  const cmd = process.env.DENO ?? "npx";
  const pre = process.env.DENO ? [] : ["-y", "deno@2.9.6"];
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`deno ${args.join(" ")}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

// 1. Build, and the bundle's size.
if (!opts["no-build"]) deno(["task", "playground:build"]);
const scripts = [];
const walk = (d) =>
  readdirSync(d, { withFileTypes: true }).forEach((e) =>
    e.isDirectory()
      ? walk(join(d, e.name))
      : e.name.endsWith(".js") && scripts.push(join(d, e.name))
  );
walk(dist);
const app = scripts.filter((f) => !f.includes(`${join(dist, "plugins")}/`));
const total = app.reduce((s, f) => s + statSync(f).size, 0);
const gz = app.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0);
console.log(
  `bundle: ${(total / 1024).toFixed(0)} KiB of JavaScript (${app.length} files: app, worker, ` +
    `the shared library chunk), gzipped ${(gz / 1024).toFixed(0)} KiB`,
);

// 2. What the library gives in Deno.
const expectedDir = mkdtempSync(join(tmpdir(), "imfilter-playground-"));
const expected = JSON.parse(
  deno([
    "run",
    "--allow-read",
    `--allow-write=${expectedDir}`,
    "tests/playground/expected.ts",
    "--out",
    expectedDir,
  ]).trim().split("\n").at(-1),
);
const { states } = JSON.parse(
  readFileSync(join(root, "tests", "playground", "states.json"), "utf8"),
);

// 3. Servers: the app (cross-origin isolated), and a "third party" serving the compiled plugin.
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".png": "image/png",
};
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
const appServer = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = normalize(join(dist, path.endsWith("/") ? `${path}index.html` : path));
  try {
    if (!file.startsWith(dist + "/")) throw new Error("outside");
    const body = readFileSync(file);
    res.writeHead(200, {
      ...isolation,
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    }).end(body);
  } catch {
    res.writeHead(404, isolation).end();
  }
});
const esbuild = requireTool("esbuild");
const plugin = esbuild.buildSync({
  entryPoints: [join(root, "examples", "plugins", "brighten.ts")],
  bundle: true,
  format: "esm",
  write: false,
}).outputFiles[0].contents;
const pluginServer = createServer((req, res) => {
  const headers = { "Access-Control-Allow-Origin": "*", "Content-Type": "text/javascript" };
  if (req.url === "/brighten.js") res.writeHead(200, headers).end(plugin);
  else res.writeHead(404, headers).end();
});
await Promise.all(
  [appServer, pluginServer].map((s) => new Promise((r) => s.listen(0, "127.0.0.1", r))),
);
const base = `http://127.0.0.1:${appServer.address().port}/`;
const pluginUrl = `http://127.0.0.1:${pluginServer.address().port}/brighten.js`;

// 4. The browser.
const puppeteer = requireTool("puppeteer-core");
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ??
    execFileSync("which", ["chromium"], { encoding: "utf8" }).trim(),
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const problems = [];

async function open(context, query, viewport = { width: 1280, height: 800 }) {
  const tab = await context.newPage();
  await tab.setViewport(viewport);
  tab.on("console", (m) => m.type() === "error" && problems.push(`${query}: console: ${m.text()}`));
  tab.on("pageerror", (e) => problems.push(`${query}: page error: ${e}`));
  await tab.goto(base + (query ? `?${query}` : ""));
  await settle(tab);
  return tab;
}

async function settle(tab) {
  await tab.waitForFunction(
    "['done', 'error'].includes(document.body.dataset.status)",
    { timeout: 60_000 },
  );
  return await tab.evaluate(
    "({ status: document.body.dataset.status, error: document.body.dataset.error })",
  );
}

/** The #output canvas: size, SHA-256 of its RGBA pixels, and the pixels (base64) on request. */
function pixels(tab, withBytes = false) {
  return tab.evaluate(async (withBytes) => {
    const c = document.getElementById("output");
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", px));
    let b64;
    if (withBytes) {
      let s = "";
      for (let i = 0; i < px.length; i += 0x8000) {
        s += String.fromCharCode(...px.subarray(i, i + 0x8000));
      }
      b64 = btoa(s);
    }
    return {
      width: c.width,
      height: c.height,
      sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
      b64,
    };
  }, withBytes);
}

/** Prints the SHA-256 of the samples of an image file, decoded by the library. */
const DECODE = `import { decodeImage } from "./mod.ts";
const img = await decodeImage(await Deno.readFile(Deno.args[0]));
const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(img.data.buffer)));
console.log(Array.from(d, (b) => b.toString(16).padStart(2, "0")).join(""));`;

/** Clicks download with a format; the path of the file the browser saves. */
async function download(tab, format) {
  const dir = mkdtempSync(join(tmpdir(), "imfilter-download-"));
  const cdp = await tab.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
  await tab.select("#format", format);
  await tab.click("#download");
  // The saved file, once its size is non-zero and the same on two polls (a loaded machine can
  // take seconds; Chromium renames a .crdownload file when it is complete).
  let last = -1;
  for (let i = 0; i < 300; i++) {
    const done = readdirSync(dir).filter((f) => !f.endsWith(".crdownload"));
    if (done.length) {
      const size = statSync(join(dir, done[0])).size;
      if (size > 0 && size === last) return join(dir, done[0]);
      last = size;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return "no file";
}

async function matches(tab, index, name) {
  const want = expected.states[name];
  const got = await pixels(tab);
  if (got.sha256 === want.sha256 && got.width === want.width && got.height === want.height) {
    return "";
  }
  if (got.width !== want.width || got.height !== want.height) {
    return `${got.width}×${got.height}, want ${want.width}×${want.height}`;
  }
  const have = Buffer.from((await pixels(tab, true)).b64, "base64");
  const ref = readFileSync(join(expectedDir, `${index}.rgba`));
  let n = 0, first = -1, max = 0;
  for (let i = 0; i < ref.length; i++) {
    if (have[i] !== ref[i]) {
      n++;
      if (first < 0) first = i;
      max = Math.max(max, Math.abs(have[i] - ref[i]));
    }
  }
  return `${n} of ${ref.length} bytes differ (first at pixel ${first >> 2}, largest by ${max})`;
}

try {
  // Load time: a fresh context (empty cache), the default state.
  const fresh = await browser.createBrowserContext();
  const first = await open(fresh, "");
  const ms = Number(await first.evaluate("document.body.dataset.firstDoneMs"));
  const q = await first.evaluate("location.search");
  check(
    ms > 0 && ms < 2000,
    `load: navigation start to the default state's first done in ${ms} ms (< 2000), ${q}`,
  );
  const defaultMatch = await matches(first, 0, "gaussian");
  check(defaultMatch === "", `the default state draws the library's gaussian σ=2 ${defaultMatch}`);
  const isolated = await first.evaluate("crossOriginIsolated");
  check(isolated === true, "the page is cross-origin isolated (COOP/COEP)");
  await fresh.close();

  // Each state by its URL.
  const ctx = browser.defaultBrowserContext();
  for (const [i, s] of states.entries()) {
    if (!s.query) continue;
    const tab = await open(ctx, s.query.replace("{plugin}", encodeURIComponent(pluginUrl)));
    const st = await tab.evaluate(
      "({ status: document.body.dataset.status, error: document.body.dataset.error })",
    );
    const diff = st.status === "done"
      ? await matches(tab, i, s.name)
      : `status ${st.status}: ${st.error}`;
    check(diff === "", `${s.name}: #output equals the library's pixels byte for byte ${diff}`);
    if (s.plugin) {
      const notice = await tab.$eval("#notice", (el) => el.textContent);
      const origin = new URL(pluginUrl).origin;
      check(
        notice.includes(`runs plugin code from ${origin}`),
        `${s.name}: the page names the plugin's origin: "${notice}"`,
      );
    }
    if (s.name === "gaussian") {
      const file = await download(tab, "npy");
      const got = createHash("sha256").update(readFileSync(file)).digest("hex");
      check(
        got === expected.states[s.name].npy,
        `${s.name}: the .npy download is the library's, byte for byte`,
      );
    }
    if (s.name === "float result") {
      // PNG: the same samples (stretched, as --stretch), decoded by the library in Deno. The
      // compressed bytes are the runtime's deflate (Chromium's zlib here, Deno's in the CLI).
      const file = await download(tab, "png");
      const got = deno(["eval", DECODE, file]).trim();
      check(
        got === expected.states[s.name].pngSamples,
        `${s.name}: the PNG download decodes to the library's stretched samples`,
      );
    }
    await tab.close();
  }

  // A value typed into the form.
  {
    const i = states.findIndex((s) => s.name.includes("typed"));
    const tab = await open(ctx, "image=camera&filter=gaussian&sigma=2");
    const field = '.field[data-param="sigma"] input.exact';
    const type = async (text) => {
      await tab.$eval(field, (el) => (el.value = ""));
      await tab.type(field, text);
      await tab.waitForFunction("document.body.dataset.status !== 'done'", { timeout: 5000 }).catch(
        () => {},
      );
      return await settle(tab);
    };
    const bad = await type("-1");
    const shown = await tab.$eval('.field[data-param="sigma"] .error', (el) => el.textContent);
    check(
      bad.status === "error" && shown === bad.error &&
        /^gaussian: sigma must be .*got -1$/.test(shown),
      `a bad value shows the library's error beside the field: "${shown}"`,
    );
    const good = await type("3");
    const url = await tab.evaluate("location.search");
    const diff = good.status === "done" ? await matches(tab, i, states[i].name) : good.error;
    check(
      url.includes("sigma=3") && diff === "",
      `typing sigma 3 updates the URL (${url}) and redraws ${diff}`,
    );
    await tab.close();
  }

  // Zoom and the pixel values under the cursor, for both images.
  {
    const tab = await open(ctx, "image=camera&filter=median&size=5");
    await tab.select("#zoom", "4");
    const box = await (await tab.$("#input")).boundingBox();
    await tab.mouse.move(box.x + 4 * 10 + 2, box.y + 4 * 5 + 2);
    const text = await tab.$eval("#readout", (el) => el.textContent);
    const out = await tab.evaluate(() =>
      document.getElementById("output").getContext("2d").getImageData(10, 5, 1, 1).data[0]
    );
    const m = /^x (\d+), y (\d+) · original (\d+) · result (\d+)$/.exec(text);
    check(
      box.width === 4 * 512 && m && m[1] === "10" && m[2] === "5" && Number(m[4]) === out,
      `zoom 4× draws 2048 px wide (${box.width}) and the cursor reads pixel 10,5 of both: "${text}"`,
    );
    await tab.close();
  }

  // Editing: the pipeline list, the filter list, the lab's presets, anchor, boundary and
  // convolve/correlate, a kernel cell, the plugin box — each shows in the URL as documented.
  {
    const tab = await open(ctx, "");
    const steps = [];
    const act = async (what, fn, want) => {
      await fn();
      await new Promise((r) => setTimeout(r, 200)); // the lab re-renders after 150 ms
      const st = await settle(tab);
      const q = decodeURIComponent(await tab.evaluate("location.search"));
      steps.push(`${what}: ${q}`);
      if (q !== want || st.status !== "done") {
        throw new Error(`${what}: ${q} (${st.status} ${st.error ?? ""}), want ${want}`);
      }
    };
    const chip = (text) =>
      tab.evaluate(
        (t) =>
          [...document.querySelectorAll(".lab-kernel .chips button")].find((b) =>
            b.textContent === t
          ).click(),
        text,
      );
    const row = (i, title) =>
      tab.evaluate(
        (i, title) =>
          document.querySelectorAll("#steps li")[i].querySelector(`[title="${title}"]`).click(),
        i,
        title,
      );
    const g = "?image=camera&filter=gaussian&sigma=2";
    const k = "filter=correlate&boundary=wrap&kernel=-1,0,1;-2,1/2,2;-1,0,1&anchor=0,0";
    try {
      await act(
        "add a step",
        () => tab.click("#steps .add"),
        `${g}&filter=gaussian&sigma=2&boundary=replicate`,
      );
      await act(
        "pick median",
        () => tab.click('#filters button[data-filter="median"]'),
        `${g}&filter=median&size=5&boundary=replicate`,
      );
      await act(
        "lab preset",
        () => chip("Sobel x"),
        `${g}&filter=convolve&boundary=replicate&kernel=sobel-x`,
      );
      await act(
        "anchor cell",
        () => tab.click(".lab-kernel table.kgrid td button"),
        `${g}&filter=convolve&boundary=replicate&kernel=sobel-x&anchor=0,0`,
      );
      await act(
        "boundary figure",
        () => tab.click('.lab-boundary .figure[data-mode="wrap"]'),
        `${g}&filter=convolve&boundary=wrap&kernel=sobel-x&anchor=0,0`,
      );
      await act(
        "correlate",
        () => chip("correlate"),
        `${g}&filter=correlate&boundary=wrap&kernel=sobel-x&anchor=0,0`,
      );
      await act("kernel cell", () =>
        tab.evaluate(() => {
          const cell = document.querySelector('.kernel-editor input[aria-label="kernel cell 1,1"]');
          cell.value = "1/2";
          cell.dispatchEvent(new Event("change"));
        }), `${g}&${k}`);
      await act("move up", () => row(1, "move up"), `?image=camera&${k}&filter=gaussian&sigma=2`);
      await act("remove", () => row(1, "remove"), `?image=camera&${k}`);
      await act("plugin box", async () => {
        await tab.evaluate(
          () => (document.getElementById("plugin-url").closest("details").open = true),
        );
        await tab.type("#plugin-url", "plugins/brighten.js");
        await tab.click('#plugin-form button[type="submit"]');
        await tab.waitForSelector('#filters button[data-filter="brighten"]');
        await tab.click('#filters button[data-filter="brighten"]');
      }, `?image=camera&plugin=plugins/brighten.js&filter=brighten`);
      const cli = await tab.$eval("#cli", (e) => e.textContent);
      const group = await tab.$eval(
        '#filters button[data-filter="brighten"]',
        (b) => b.closest(".family").dataset.family,
      );
      const want =
        "imfilter brighten tests/fixtures/images/camera.png out.png --plugin examples/plugins/brighten.ts --strip-metadata";
      if (cli !== want || group !== "plugins") {
        throw new Error(`plugin: listed under ${group}, command ${cli}`);
      }
      check(
        true,
        `editing through the page changes the URL as documented (${steps.length} actions)`,
      );
    } catch (e) {
      check(false, `editing through the page: ${e.message}\n  ${steps.join("\n  ")}`);
    }
    await tab.close();
  }

  // Images in: the file picker, paste and drop, each decoded by the library.
  {
    const tab = await open(ctx, "image=camera&filter=median&size=3");
    const seen = [];
    const wait = async (how) => {
      await tab.waitForFunction(`location.search.includes("image=file:${how}")`, {
        timeout: 10_000,
      });
      const st = await settle(tab);
      const info = await tab.$eval("#input-info", (el) => el.textContent);
      seen.push(`${how}: ${st.status} ${info}`);
      return st.status === "done" && info === `file:${how}.png: 512×512×3 u8`;
    };
    const picker = await tab.$("#file");
    const fixture = join(root, "tests", "fixtures", "images", "astronaut.png");
    const copy = join(mkdtempSync(join(tmpdir(), "imfilter-upload-")), "picked.png");
    writeFileSync(copy, readFileSync(fixture));
    await picker.uploadFile(copy);
    let ok = await wait("picked");
    for (const how of ["pasted", "dropped"]) {
      await tab.evaluate(async (how) => {
        const bytes = await (await fetch("samples/astronaut.png")).arrayBuffer();
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], `${how}.png`, { type: "image/png" }));
        const e = how === "pasted"
          ? new ClipboardEvent("paste", { clipboardData: dt, bubbles: true })
          : new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true });
        document.body.dispatchEvent(e);
      }, how);
      ok = (await wait(how)) && ok;
    }
    check(ok, `images in by file picker, paste and drop (${seen.join("; ")})`);
    await tab.close();
  }

  // The form of every built-in filter.
  for (const [name, params] of Object.entries(expected.filters)) {
    const tab = await open(ctx, `image=camera&filter=${name}`);
    const st = await tab.evaluate(
      "({ status: document.body.dataset.status, error: document.body.dataset.error })",
    );
    const fields = await tab.$$eval(
      "#params .field[data-param]",
      (els) => els.map((e) => e.dataset.param),
    );
    const errors = await tab.$$eval(
      "#params .field .error",
      (els) => els.map((e) => e.textContent).filter(Boolean),
    );
    const ok = JSON.stringify(fields) === JSON.stringify(params) &&
      (st.status === "done" || errors.includes(st.error));
    check(
      ok,
      `${name}: the form has its ${params.length} params (${st.status}${
        st.error ? `: ${st.error}` : ""
      })`,
    );
    await tab.close();
  }

  if (opts.screenshots) {
    const out = join(root, "docs", "playground");
    mkdirSync(out, { recursive: true });
    const desk = await open(
      ctx,
      "image=astronaut&view=split&filter=bilateral&diameter=21&sigmaColor=90&sigmaSpace=12",
    );
    await desk.evaluate(() => {
      const s = document.getElementById("split");
      s.value = "50";
      s.dispatchEvent(new Event("input"));
    });
    await desk.screenshot({ path: join(out, "desktop.png") });
    await desk.close();
    const lab = await open(ctx, "image=camera&filter=convolve&kernel=ripple&boundary=symmetric", {
      width: 1280,
      height: 1000,
    });
    await lab.waitForFunction(
      "!document.querySelector('.lab-impulse .hint')?.textContent.startsWith('computing')",
    );
    await (await lab.$("#lab")).screenshot({ path: join(out, "lab.png") });
    await lab.close();
    const phone = await open(ctx, "image=camera&filter=median&size=7", {
      width: 390,
      height: 844,
      isMobile: true,
      hasTouch: true,
    });
    await phone.screenshot({ path: join(out, "phone.png") });
    await phone.close();
    console.log(
      `screenshots: ${
        ["desktop", "lab", "phone"].map((n) => `docs/playground/${n}.png`).join(", ")
      }`,
    );
  }
  check(
    problems.length === 0,
    `no console or page error${problems.length ? `:\n  ${problems.join("\n  ")}` : ""}`,
  );
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.log(`FAIL ${e?.stack ?? e}`);
} finally {
  await browser.close();
  appServer.close();
  pluginServer.close();
}

console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (failures.length) {
  console.error(`playground: ${failures.length} checks failed, ${passed} passed`);
  process.exit(1);
}
console.log(`playground: ${passed} checks passed`);
