/** `npm run bench`: every benchmark, each figure printed beside a baseline measured in the same run. */
import { benchKernel } from "./kernel.js";

const suites: [string, () => Promise<void>][] = [["kernel", benchKernel]];
for (const [name, module] of [["envs", "./envs.js"], ["train", "./train.js"], ["plot", "./plot.js"], ["widgets", "./widgets.js"], ["sweep", "./sweep.js"], ["mujoco", "./mujoco.js"], ["meta", "./meta.js"], ["offline", "./offline.js"], ["incontext", "./incontext.js"], ["lm", "./lm.js"], ["modern", "./modern.js"]] as const) {
  suites.push([name, async () => {
    const loaded = (await import(module)) as Record<string, () => Promise<void>>;
    const run = Object.entries(loaded).find(([key]) => key.startsWith("bench"))?.[1];
    if (!run) throw new Error(`${module} exports no bench function`);
    await run();
  }]);
}

const only = process.argv.slice(2);
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
