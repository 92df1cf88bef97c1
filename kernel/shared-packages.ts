/**
 * Packages a cell shares with the kernel instead of loading its own copy: TensorFlow.js.
 *
 * tfjs keeps its engine and kernel registry in a global, so a second copy (the one a user
 * installs in the notebook's folder, beside the kernel's) registers every kernel again, printing
 * "The kernel '...' for backend '...' is already registered" hundreds of times, and tensors of
 * one copy are foreign to the other's ops. A cell's `import * as tf from "@tensorflow/tfjs"` (and
 * tfjs-core, layers, converter, data and the backend packages) therefore resolves to the kernel's
 * own copy, the one rlbook's `tf` is, whether or not the notebook's folder has one. Native
 * backends a user installs (tfjs-node, tfjs-node-gpu) stay theirs; their own import of
 * "@tensorflow/tfjs" is shared the same way.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";

const SHARED = /^@tensorflow\/tfjs(?:-core|-layers|-converter|-data|-backend-(?:cpu|webgl|wasm|webgpu))?(?:\/.*)?$/;

/** True for a specifier of a package cells share with the kernel (see the module comment). */
export function isSharedPackage(specifier: string): boolean {
  return SHARED.test(specifier);
}

/** The shared package names the kernel itself can load. */
export const SHARED_PACKAGES = ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "@tensorflow/tfjs-converter", "@tensorflow/tfjs-data", ...["cpu", "webgl", "wasm", "webgpu"].map((b) => `@tensorflow/tfjs-backend-${b}`)];

const kernelRequire = createRequire(import.meta.url);

/** Folders of the shared packages the kernel has, by name (for the type checker's path mapping). */
export function sharedPackageDirs(): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const name of SHARED_PACKAGES) {
    try {
      dirs[name] = dirname(kernelRequire.resolve(`${name}/package.json`));
    } catch {
      // not installed with the kernel: a cell resolves it from the notebook's folder
    }
  }
  return dirs;
}

/** A cell's `require`: from the notebook's folder, except the shared packages, which come from the kernel. */
export function cellRequire(notebookRequire: NodeRequire): NodeRequire {
  const wrapped = ((id: string) => {
    if (isSharedPackage(id)) {
      try {
        return kernelRequire(id);
      } catch (error) {
        if ((error as { code?: string }).code !== "MODULE_NOT_FOUND") throw error;
      }
    }
    return notebookRequire(id);
  }) as NodeRequire;
  return Object.assign(wrapped, { resolve: notebookRequire.resolve, cache: notebookRequire.cache, main: notebookRequire.main, extensions: notebookRequire.extensions });
}
