// Runs the cross-runtime scenario in Node from the single-file bundle of
// mod.ts and prints its results as JSON.
//   node tests/runtimes/run_node.mjs <imfilter bundle.js> <scenario.js> <fixtures dir>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [bundle, scenario, fixtures] = process.argv.slice(2);
const lib = await import(pathToFileURL(bundle).href);
const { runScenario, SCENARIO_FILES } = await import(pathToFileURL(scenario).href);
const files = Object.fromEntries(
  SCENARIO_FILES.map((f) => [f, new Uint8Array(readFileSync(join(fixtures, f)))]),
);
console.log(JSON.stringify(await runScenario(lib, files)));
