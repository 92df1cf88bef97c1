/**
 * The one place cells import modules from. The loader hooks (loader.ts) recognize this
 * module as the importer and resolve specifiers from the notebook's folder. The hooks run in
 * a thread of their own, so they are registered on the first import that needs them: a
 * session that imports only Node builtins never starts that thread.
 */
import { builtinModules, register } from "node:module";
import { isSharedPackage } from "./shared-packages.js";

const builtins = new Set(builtinModules);
let notebookDir: string | undefined;
let hooksRegistered = false;
/** rlbook's tf module (an absolute URL: the loader resolves relative specifiers from this module against the notebook's folder). */
const RLBOOK_TF = new URL("../src/nn/tf.js", import.meta.url).href;

export function configureCellImports(cwd: string): void {
  notebookDir = cwd;
}

export function importFromCell(specifier: unknown): Promise<unknown> {
  if (typeof specifier !== "string") return Promise.reject(new TypeError(`import() needs a module name string, got ${typeof specifier}`));
  if (!hooksRegistered && !builtins.has(specifier) && !specifier.startsWith("node:")) {
    hooksRegistered = true;
    register("./loader.js", import.meta.url, { data: { cwd: notebookDir ?? process.cwd(), cellImporter: import.meta.url } });
  }
  // TensorFlow.js is the kernel's own copy (see shared-packages.ts): set it up as rlbook does
  // first (its CPU backend started quietly, without tfjs's advice to install tfjs-node).
  if (isSharedPackage(specifier)) return import(RLBOOK_TF).then(() => import(specifier));
  return import(specifier);
}
