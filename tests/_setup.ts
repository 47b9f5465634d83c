// The README's set-up, done as printed, into a scratch npm prefix: `npm
// install -g deno@2.9.6` puts `deno` in <prefix>/bin, and `deno task
// install` (run in the checkout, as a user would after cloning) puts the
// `imfilter` command beside it. Tests then run README commands as printed
// with that folder first on PATH. Done once per test process.

import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** The README's sh blocks, each as its lines (comments stripped, blank lines dropped). */
export function shBlocks(text: string): string[][] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1].split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) =>
      l && !l.startsWith("#")
    )
  );
}

let installed: Promise<Record<string, string>> | undefined;

/**
 * Runs the README's set-up block (its first sh block) as printed, with npm's
 * global prefix in a scratch folder; returns the environment (PATH first of
 * all) under which `deno` and `imfilter` are the installed commands.
 */
export function readmeSetup(): Promise<Record<string, string>> {
  installed ??= (async () => {
    const readme = Deno.readTextFileSync(join(root, "README.md"));
    const setup = shBlocks(readme)[0];
    if (!setup?.[0]?.startsWith("npm install -g deno@")) {
      throw new Error(`the README's first sh block is not the set-up: ${setup?.join("; ")}`);
    }
    const prefix = await Deno.makeTempDir({ prefix: "imfilter-setup-" });
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      PATH: `${join(prefix, "bin")}:${Deno.env.get("PATH") ?? ""}`,
      NPM_CONFIG_PREFIX: prefix,
      NO_COLOR: "1",
    };
    delete env.INIT_CWD;
    // `npx` (which runs this Deno) exports its own npm_config_* settings, which outrank ours.
    for (const k of Object.keys(env)) {
      if (/^npm_/i.test(k) && k !== "NPM_CONFIG_PREFIX") delete env[k];
    }
    for (const line of setup) {
      const p = await new Deno.Command("bash", {
        args: ["-c", line],
        cwd: root,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (p.code !== 0) {
        throw new Error(`set-up line failed: ${line}\n${new TextDecoder().decode(p.stderr)}`);
      }
    }
    return env;
  })();
  return installed;
}
