/**
 * `ts.transpileModule` without a type checker, for the cells of a notebook.
 *
 * transpileModule makes a one-file program and a type checker for every call, only so that the
 * emitter has an "emit resolver" to ask. For ordinary code under `verbatimModuleSyntax` and
 * `isolatedModules` the emitter asks it nothing: imports are kept as written, and the checker is
 * needed only for enums, namespaces, decorators and a few class-field cases. The checker is the
 * expensive part (measured on a one-line cell: ~270 KB of closures and feedback vectors that
 * V8 allocates straight into the old generation, so a long notebook's executor heap grew by
 * that much per cell until a full collection) and most of the time of a small cell's transpile.
 *
 * So a cell is parsed, bound and emitted through TypeScript's own emit pipeline (`emitFiles`
 * with the transformers transpileModule would use, and the compiler options it would use), with
 * an emit resolver that answers only the two questions whose answer does not need a checker (the
 * names the global scope of a lib-less transpile has, and the linked-reference marks that
 * `verbatimModuleSyntax` makes moot) and throws on any other. Code that needs more (an enum, a
 * namespace, a decorator) falls back to transpileModule, so the output is always transpileModule's
 * (a differential test compares the two on every cell of the notebooks and the kernel's tests).
 * The emit host is a program's, for one file; a host method it lacks also means "fall back". This
 * relies on TypeScript internals (`emitFiles`, `getTransformers`, `bindSourceFile` and three option
 * helpers), checked at load: without them every call falls back.
 */
import ts from "typescript";

interface EmitInternals {
  emitFiles(
    resolver: object,
    host: object,
    targetSourceFile: ts.SourceFile,
    transformers: unknown,
    emitOnly: number | undefined,
    onlyBuildInfo: boolean,
    forceDtsEmit: boolean,
    skipBuildInfo: boolean,
  ): { diagnostics: readonly ts.Diagnostic[] };
  getTransformers(options: ts.CompilerOptions, customTransformers: ts.CustomTransformers | undefined, emitOnly?: number): unknown;
  getSetExternalModuleIndicator(options: ts.CompilerOptions): (file: ts.SourceFile) => void;
  getEmitModuleFormatOfFileWorker(file: ts.SourceFile, options: ts.CompilerOptions): ts.ModuleKind;
  getImpliedNodeFormatForEmitWorker(file: ts.SourceFile, options: ts.CompilerOptions): ts.ResolutionMode;
  bindSourceFile(file: ts.SourceFile, options: ts.CompilerOptions): void;
}

const internals = ts as unknown as Partial<EmitInternals>;
const available = ["emitFiles", "getTransformers", "getSetExternalModuleIndicator", "getEmitModuleFormatOfFileWorker", "getImpliedNodeFormatForEmitWorker", "bindSourceFile"].every((name) => typeof (internals as Record<string, unknown>)[name] === "function");

/** Thrown by the emit resolver when the code needs a type checker: the caller falls back to transpileModule. */
class NeedsChecker extends Error {}

/**
 * The emit resolver of a checker-less emit. The global scope of transpileModule's program (no
 * lib files; a cell's own names are in the file's identifiers, which the printer checks itself)
 * holds only `undefined` and `globalThis`; linked-reference marks only decide import elision,
 * which `verbatimModuleSyntax` turns off. Anything else needs a checker.
 */
const resolver = new Proxy(
  {},
  {
    get(_, name) {
      if (name === "hasGlobalName") return (global: string) => global === "undefined" || global === "globalThis";
      if (name === "markLinkedReferences") return () => undefined;
      return () => {
        throw new NeedsChecker(`the emitter asked the checker for ${String(name)}`);
      };
    },
  },
);

/** The compiler options transpileModule settles on for `input` (its own fix-ups and transpile values applied), read once per options object. */
const settledOptions = new WeakMap<ts.CompilerOptions, ts.CompilerOptions>();
function settled(input: ts.CompilerOptions): ts.CompilerOptions {
  let options = settledOptions.get(input);
  if (!options) {
    let seen: ts.CompilerOptions | undefined;
    ts.transpileModule("", { compilerOptions: input, transformers: { before: [(context) => ((seen = context.getCompilerOptions()), (file) => file)] } });
    options = seen!;
    settledOptions.set(input, options);
  }
  return options;
}

/** How many calls fell back to transpileModule (for tests: a plain cell must not). */
export const transpileStats = { fast: 0, fallback: 0 };

/** Same as `ts.transpileModule(input, options)` for a .ts file name, without making a type checker where the code does not need one. */
export function transpile(input: string, options: ts.TranspileOptions & { fileName: string; compilerOptions: ts.CompilerOptions }): ts.TranspileOutput {
  if (available && /\.ts$/.test(options.fileName) && !options.compilerOptions.isolatedDeclarations) {
    try {
      const output = emitWithoutChecker(input, options);
      transpileStats.fast++;
      return output;
    } catch (error) {
      if (!(error instanceof NeedsChecker)) throw error;
      if (process.env.RLBOOK_TRANSPILE_DEBUG) console.error(error.message);
    }
  }
  transpileStats.fallback++;
  return ts.transpileModule(input, options);
}

function emitWithoutChecker(input: string, transpileOptions: ts.TranspileOptions & { fileName: string; compilerOptions: ts.CompilerOptions }): ts.TranspileOutput {
  const options = settled(transpileOptions.compilerOptions);
  const fileName = transpileOptions.fileName;
  const file = ts.createSourceFile(fileName, input, {
    languageVersion: options.target ?? ts.ScriptTarget.ES5,
    setExternalModuleIndicator: internals.getSetExternalModuleIndicator!(options),
    jsDocParsingMode: transpileOptions.jsDocParsingMode ?? ts.JSDocParsingMode.ParseAll,
  });
  internals.bindSourceFile!(file, options);
  let outputText: string | undefined;
  let sourceMapText: string | undefined;
  const members: Record<string, unknown> = {
    getEmitModuleFormatOfFile: (source: ts.SourceFile) => internals.getEmitModuleFormatOfFileWorker!(source, options),
    getImpliedNodeFormatForEmit: (source: ts.SourceFile) => internals.getImpliedNodeFormatForEmitWorker!(source, options),
    getCompilerOptions: () => options,
    getSourceFiles: () => [file],
    getSourceFile: (name: string) => (name === fileName ? file : undefined),
    getCurrentDirectory: () => "",
    getCanonicalFileName: (name: string) => name,
    useCaseSensitiveFileNames: () => false,
    getCommonSourceDirectory: () => "",
    getNewLine: () => ts.sys?.newLine ?? "\n",
    isSourceFileFromExternalLibrary: () => false,
    isSourceOfProjectReferenceRedirect: () => false,
    getRedirectFromSourceFile: () => undefined,
    getResolvedProjectReferenceToRedirect: () => undefined,
    isEmitBlocked: () => false,
    getBuildInfo: () => undefined,
    getLibFileFromReference: () => undefined,
    getSourceFileFromReference: () => undefined,
    redirectTargetsMap: new Map(),
    fileExists: (name: string) => name === fileName,
    readFile: () => "",
    directoryExists: () => true,
    getDirectories: () => [],
    writeFile: (name: string, text: string) => {
      if (name.endsWith(".map")) sourceMapText = text;
      else outputText = text;
    },
  };
  const host = new Proxy(members, {
    get(target, name) {
      if (name in target) return target[name as string];
      return () => {
        throw new NeedsChecker(`the emitter asked its host for ${String(name)}`);
      };
    },
  });
  const emitted = internals.emitFiles!(resolver, host, file, internals.getTransformers!(options, transpileOptions.transformers, 0), 0, false, false, true);
  if (outputText === undefined) throw new NeedsChecker("nothing was emitted");
  const diagnostics = transpileOptions.reportDiagnostics ? [...(file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics, ...emitted.diagnostics] : undefined;
  return { outputText, sourceMapText, diagnostics };
}
