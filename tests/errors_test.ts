// Every error message is one line of bounded length: control characters
// are escaped and long lists are cut, in the one place messages are made
// (core/errors.ts), so no call site can break the CLI's one-line contract.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createRegistry,
  decodeImage,
  FilterError,
  Image,
  MAX_MESSAGE_LENGTH,
  oneLine,
  registry,
  resolveParams,
  showList,
} from "../mod.ts";
import { runMain } from "./_cli.ts";

Deno.test("a FilterError's message escapes newlines and other control characters", () => {
  const e = new FilterError("IO", "cannot read /tmp/a\nb\r\tc\u001b[31m\u2028d");
  assert.equal(e.message, "cannot read /tmp/a\\nb\\r\\tc\\u001b[31m\\u2028d");
});

Deno.test("a long message keeps its start and its end and stays under the cap", () => {
  const text = "start " + "x, ".repeat(100_000) + "use 2 or 3 dimensions";
  const e = new FilterError("DECODE_FAILED", text);
  assert.ok(e.message.length <= MAX_MESSAGE_LENGTH, `${e.message.length} characters`);
  assert.ok(e.message.startsWith("start x, x,"));
  assert.ok(e.message.endsWith("use 2 or 3 dimensions"));
  assert.match(e.message, /\[300027 characters, cut\]/);
  assert.equal(oneLine("short"), "short");
});

Deno.test("a .npy header with a 100,000-dimension shape gives a short one-line error", async () => {
  const shape = Array(100_000).fill(1).join(", ");
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape}), }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, " ") + "\n";
  const bytes = new Uint8Array(12 + header.length + 1);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 12);
  const e = await decodeImage(bytes).then(() => undefined, (e) => e);
  assert.ok(e instanceof FilterError, String(e));
  assert.equal(e.code, "DECODE_FAILED");
  assert.ok(e.message.length <= MAX_MESSAGE_LENGTH, `${e.message.length} characters`);
  assert.ok(!e.message.includes("\n"));
});

Deno.test("lists in messages are cut: a plugin with 500 parameters, an enum of 100 values", () => {
  assert.equal(showList([1, 2, 3, 4, 5], 3), "1, 2, 3 and 2 more");
  const specs: Record<string, { type: "number"; description: string }> = {};
  for (let i = 0; i < 500; i++) specs[`p${i}`] = { type: "number", description: "a number" };
  assert.throws(
    () => resolveParams("many", specs, { bogus: 1 }),
    /known: p0, p1, .* and 488 more$/,
  );
  const values = Array.from({ length: 100 }, (_, i) => `v${i}`);
  assert.throws(
    () => resolveParams("enum", { mode: { type: "enum", values, description: "m" } }, { mode: 1 }),
    /one of v0, .* and 88 more, got 1$/,
  );
});

Deno.test("the CLI prints a path with a newline, and a plugin's multi-line message, on one line", async () => {
  const dir = await Deno.makeTempDir();
  const r = await runMain("median", join(dir, "no\nsuch.png"), join(dir, "out.png"));
  assert.equal(r.status, 1);
  assert.equal(r.errLines.length, 1, r.err);
  assert.match(r.errLines[0], /^error\[IO\]: .*no\\nsuch\.png/);
  const reg = createRegistry([...registry.list()]);
  const loud = {
    [Symbol.for("imfilter.plugin")]: true,
    apiVersion: 1,
    name: "loud",
    summary: "throws a multi-line error",
    params: {},
    apply(): Image {
      throw new Error("first line\nsecond line\n    at stack frame");
    },
  };
  reg.register(loud);
  const e = await reg.run("loud", Image.zeros(2, 2)).then(() => undefined, (e) => e);
  assert.ok(e instanceof FilterError);
  assert.match(e.message, /^filter "loud" failed: first line\\nsecond line\\n {4}at stack frame$/);
});
