/**
 * Type checks cells with the checker of an existing program instead of a new program per cell.
 *
 * TypeScript has no incremental checker: any change to a file means a new program and a new
 * checker, which costs ~2 ms for a plain cell, ~10 ms with Node's types and 40-70 ms once a
 * notebook imports "rlbook" (its declarations reach ~900 files, mostly TensorFlow.js), on every
 * cell. A cell's virtual file is a module (moduleDetection "force"), so it adds nothing to the
 * global scope a checker is built from; everything it can reach (the standard library, Node's
 * types, the packages earlier cells imported) is already bound in the last full program. So
 * each cell is parsed and bound on its own, under a fresh file name, and only its statements
 * (not the prelude before them) are checked by that program's checker: well under a millisecond.
 *
 * The answer is only ever "no errors" or "ask the full check": a cell that has errors, imports
 * a module the program does not contain, or uses `@ts-` comment directives goes to a full
 * program (CellLanguage), so what users see always comes from a complete check. This relies on
 * three TypeScript internals, checked at load (typescript is pinned; tests exercise them):
 * `bindSourceFile`, `getSetExternalModuleIndicator` and the checker's
 * `getDiagnostics(file, token, nodes)`, plus the program's `getResolvedModule` hook, which the
 * checker calls to resolve imports and which is wrapped to answer for cell files.
 */
import ts from "typescript";

interface TypeScriptInternals {
  bindSourceFile(file: ts.SourceFile, options: ts.CompilerOptions): void;
  getSetExternalModuleIndicator(options: ts.CompilerOptions): (file: ts.SourceFile) => void;
}

interface CheckerInternals {
  getDiagnostics(file: ts.SourceFile, token?: ts.CancellationToken, nodes?: readonly ts.Node[]): ts.Diagnostic[];
}

type ResolveModule = (file: ts.SourceFile, moduleName: string, mode: ts.ResolutionMode) => ts.ResolvedModuleWithFailedLookupLocations | undefined;

const internals = ts as unknown as Partial<TypeScriptInternals>;

/** False when this TypeScript lacks the internals (a version the kernel was not tested with): every cell then takes the full check. */
export const canReuseCheckers = typeof internals.bindSourceFile === "function" && typeof internals.getSetExternalModuleIndicator === "function";

export interface ReusedCheck {
  /** The cell's file (prelude + cell), bound and checked by `checker`; valid until the next check. */
  file: ts.SourceFile;
  checker: ts.TypeChecker;
  /** Syntax errors (authoritative: they do not depend on the program). */
  syntactic: readonly ts.Diagnostic[];
  /** True when the cell passed: no errors in the cell and every import is in the program. */
  clean: boolean;
}

export class ReusedChecker {
  readonly program: ts.Program;
  readonly #checker: ts.TypeChecker & Partial<CheckerInternals>;
  readonly #options: ts.CompilerOptions;
  readonly #resolutionCache: ts.ModuleResolutionCache;
  readonly #directory: string;
  readonly #cellFiles = new WeakSet<ts.SourceFile>();
  readonly #fileOptions: ts.CreateSourceFileOptions;
  /** Set when a cell imports a file outside the program: that cell needs the full check. */
  #missingImport = false;
  #checked = 0;

  constructor(program: ts.Program, resolutionCache: ts.ModuleResolutionCache, directory: string) {
    this.program = program;
    this.#options = program.getCompilerOptions();
    this.#resolutionCache = resolutionCache;
    this.#directory = directory;
    this.#fileOptions = {
      languageVersion: this.#options.target ?? ts.ScriptTarget.ES2022,
      setExternalModuleIndicator: internals.getSetExternalModuleIndicator!(this.#options),
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
    };
    const withResolver = program as ts.Program & { getResolvedModule: ResolveModule };
    const resolveInProgram = withResolver.getResolvedModule.bind(program);
    withResolver.getResolvedModule = (file, moduleName, mode) => (this.#cellFiles.has(file) ? this.#resolve(file, moduleName, mode) : resolveInProgram(file, moduleName, mode));
    this.#checker = program.getTypeChecker();
  }

  /** How many cells this checker has checked (each leaves some cached types behind). */
  get checked(): number {
    return this.#checked;
  }

  /** Parses `text`, and if it parses, binds it and checks the statements that end after `cellStart`. */
  check(text: string, cellStart: number): ReusedCheck {
    const fileName = `${this.#directory}/__rlbook_cell_${++this.#checked}__.ts`;
    const file = ts.createSourceFile(fileName, text, this.#fileOptions, true, ts.ScriptKind.TS);
    const syntactic = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
    if (syntactic.length || typeof this.#checker.getDiagnostics !== "function") return { file, checker: this.#checker, syntactic, clean: false };
    Object.assign(file, { path: fileName, resolvedPath: fileName, originalFileName: fileName });
    this.#cellFiles.add(file);
    internals.bindSourceFile!(file, this.#options);
    this.#missingImport = false;
    const cellStatements = file.statements.filter((s) => s.end > cellStart);
    const errors = [...(file as unknown as { bindDiagnostics: ts.Diagnostic[] }).bindDiagnostics, ...this.#checker.getDiagnostics(file, undefined, cellStatements)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error && (d.start ?? 0) >= cellStart,
    );
    return { file, checker: this.#checker, syntactic, clean: !errors.length && !this.#missingImport };
  }

  #resolve(file: ts.SourceFile, moduleName: string, mode: ts.ResolutionMode): ts.ResolvedModuleWithFailedLookupLocations {
    const resolution = ts.resolveModuleName(moduleName, file.fileName, this.#options, ts.sys, this.#resolutionCache, undefined, mode);
    const target = resolution.resolvedModule?.resolvedFileName;
    if (!target || !this.program.getSourceFile(target)) this.#missingImport = true;
    return resolution;
  }
}
