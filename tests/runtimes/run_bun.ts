// Runs the cross-runtime scenario in Bun from source (mod.ts, TypeScript as
// it is) and prints its results as JSON.
import { readFileSync } from "node:fs";
import * as lib from "../../mod.ts";
import { runScenario, SCENARIO_FILES } from "./scenario.ts";

const dir = new URL("../fixtures/io/", import.meta.url);
const files = Object.fromEntries(
  SCENARIO_FILES.map((f) => [f, new Uint8Array(readFileSync(new URL(f, dir)))]),
);
console.log(JSON.stringify(await runScenario(lib, files)));
