/**
 * Module resolution hooks (node:module register) for code that cells import:
 * - bare specifiers and relative paths resolve from the notebook's folder, not the kernel's;
 * - "rlbook" always resolves to the kernel's own library, wherever the notebook is, and so does
 *   TensorFlow.js (one copy per process: see shared-packages.ts);
 * - local .ts/.mts files import directly (transpiled on load, loops interruptible), extensionless or with the
 *   .js extension TypeScript projects write.
 */
import { pathToFileURL } from "node:url";
import { readFile } from "node:fs/promises";
import { isSharedPackage } from "./shared-packages.js";

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context: { format?: string | null }) => Promise<{ format: string; source?: string | Buffer | null; shortCircuit?: boolean }>;

let notebookParent = "";
let cellImporter = "";

export function initialize(data: { cwd: string; cellImporter: string }): void {
  notebookParent = pathToFileURL(`${data.cwd}/__rlbook_cell__.ts`).href;
  cellImporter = data.cellImporter;
}

const TS_EXTENSIONS = [".ts", ".mts", ".tsx"];

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string; format?: string | null; shortCircuit?: boolean }> {
  const fromCell = context.parentURL === cellImporter;
  if (specifier === "rlbook" || specifier.startsWith("rlbook/")) {
    // The package resolves itself by name from any module inside it (the cell importer is one).
    return next(specifier, { ...context, parentURL: cellImporter });
  }
  if (isSharedPackage(specifier)) {
    try {
      return await next(specifier, { ...context, parentURL: cellImporter });
    } catch {
      // the kernel has no copy of this one: resolve it as any other package
    }
  }
  const parent = fromCell ? notebookParent : context.parentURL;
  try {
    return await next(specifier, { ...context, parentURL: parent });
  } catch (error) {
    const local = specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("file:");
    if (!local || (error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    const stem = specifier.replace(/\.(js|mjs)$/, "");
    for (const candidate of [...TS_EXTENSIONS.map((e) => stem + e), ...TS_EXTENSIONS.map((e) => `${specifier}/index${e}`)]) {
      try {
        return await next(candidate, { ...context, parentURL: parent });
      } catch {
        // try the next candidate
      }
    }
    throw error;
  }
}

let compiler: { ts: typeof import("typescript"); loopGuards: typeof import("./compile.js").loopGuards } | undefined;

export async function load(url: string, context: { format?: string | null }, next: NextLoad): Promise<{ format: string; source?: string | Buffer | null; shortCircuit?: boolean }> {
  if (!url.startsWith("file:") || !TS_EXTENSIONS.some((e) => new URL(url).pathname.endsWith(e))) return next(url, context);
  compiler ??= { ts: (await import("typescript")).default, loopGuards: (await import("./compile.js")).loopGuards };
  const { ts, loopGuards } = compiler;
  const source = await readFile(new URL(url), "utf8");
  const output = ts.transpileModule(source, {
    fileName: new URL(url).pathname,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, inlineSourceMap: true, jsx: ts.JsxEmit.ReactJSX, useDefineForClassFields: true },
    // Loops in the notebook's own modules can be interrupted like loops in cells.
    transformers: { after: [loopGuards] },
  });
  return { format: "module", source: output.outputText, shortCircuit: true };
}
