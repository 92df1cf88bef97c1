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
 * (not the declarations before them) are checked by that program's checker: 0.1-0.2 ms for a small
 * cell. The earlier declarations parsed with each cell are only those it needs (language.ts: the
 * closure of the names it mentions, plus imports and augmentations).
 *
 * The answer is only ever "no errors" or "ask the full check", and a full program (CellLanguage)
 * answers for: a cell with errors (and the checker that found them is dropped, as it may have
 * cached them), one that imports a module the program lacks, one whose `declare global`,
 * `declare module` or triple-slash references differ from the program's (those act when a checker
 * is made), one that no longer imports a module the program has (it may declare globals), `@ts-`
 * comment directives, and anything that makes the internals throw. A differential fuzz against a
 * full program per cell (10,000 cells) found no other disagreement. So what users see always comes
 * from a complete check. Only programs of cells that passed are reused. This relies on
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
  readonly #program: ts.Program;
  readonly #checker: ts.TypeChecker & Partial<CheckerInternals>;
  readonly #options: ts.CompilerOptions;
  readonly #resolutionCache: ts.ModuleResolutionCache;
  readonly #directory: string;
  readonly #cellFiles = new WeakSet<ts.SourceFile>();
  readonly #fileOptions: ts.CreateSourceFileOptions;
  /** What the program's cell file added to the program (imports, augmentations, references): see `programInputs`. */
  readonly #inputs: ProgramInputs | undefined;
  /** Set when a cell imports a file outside the program: that cell needs the full check. */
  #missingImport = false;
  #checked = 0;
  #lastClean: { text: string; cellStart: number; check: ReusedCheck } | undefined;

  constructor(program: ts.Program, resolutionCache: ts.ModuleResolutionCache, directory: string, cellFile: string) {
    this.#program = program;
    const cell = program.getSourceFile(cellFile);
    this.#inputs = cell && programInputs(cell);
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
    // The same text (a cell run again, with the same earlier declarations) has the same answer from
    // the same checker: a clean result is reused, and the checker keeps no new state for it.
    if (this.#lastClean && this.#lastClean.text === text && this.#lastClean.cellStart === cellStart) return this.#lastClean.check;
    const result = this.#check(text, cellStart);
    this.#lastClean = result.clean ? { text, cellStart, check: result } : undefined;
    return result;
  }

  #check(text: string, cellStart: number): ReusedCheck {
    const fileName = `${this.#directory}/__rlbook_cell_${++this.#checked}__.ts`;
    const file = ts.createSourceFile(fileName, text, this.#fileOptions, true, ts.ScriptKind.TS);
    // Sorted as a program sorts them (the full check's order).
    const syntactic = ts.sortAndDeduplicateDiagnostics((file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics);
    const unchecked = { file, checker: this.#checker, syntactic, clean: false };
    if (syntactic.length || typeof this.#checker.getDiagnostics !== "function") return unchecked;
    // Augmentations and triple-slash references act when a checker is made, and a file the program
    // has for imports that the text no longer makes may declare globals: those texts need a program of their own.
    if (!this.#inputs || !sameProgram(this.#inputs, programInputs(file))) return unchecked;
    // `imports` and the like are set by a program; the checker reads them (e.g. to print a module specifier).
    Object.assign(file, { path: fileName, resolvedPath: fileName, originalFileName: fileName, imports: [], moduleAugmentations: [], ambientModuleNames: [] });
    this.#cellFiles.add(file);
    this.#missingImport = false;
    try {
      internals.bindSourceFile!(file, this.#options);
      const cellStatements = file.statements.filter((s) => s.end > cellStart);
      const errors = [...(file as unknown as { bindDiagnostics: ts.Diagnostic[] }).bindDiagnostics, ...this.#checker.getDiagnostics(file, undefined, cellStatements)].filter(
        (d) => d.category === ts.DiagnosticCategory.Error && (d.start ?? 0) >= cellStart,
      );
      return { file, checker: this.#checker, syntactic, clean: !errors.length && !this.#missingImport };
    } catch {
      // TypeScript internals used on a file no program made: a failure means "ask the full check".
      return unchecked;
    }
  }

  #resolve(file: ts.SourceFile, moduleName: string, mode: ts.ResolutionMode): ts.ResolvedModuleWithFailedLookupLocations {
    const resolution = ts.resolveModuleName(moduleName, file.fileName, this.#options, ts.sys, this.#resolutionCache, undefined, mode);
    const target = resolution.resolvedModule?.resolvedFileName;
    if (!target || !this.#program.getSourceFile(target)) this.#missingImport = true;
    return resolution;
  }
}

/** The parts of a cell file that decide which files a program has and how its globals and modules are merged. */
interface ProgramInputs {
  /** Module specifiers: import and export declarations, `import x = require()`, `import()` calls and types. */
  modules: Set<string>;
  /** The texts of `declare global` and `declare module "x"` blocks, and of triple-slash references. */
  exact: Set<string>;
}

function programInputs(file: ts.SourceFile): ProgramInputs {
  const modules = new Set<string>();
  const exact = new Set<string>();
  for (const ref of [...file.referencedFiles, ...file.typeReferenceDirectives, ...file.libReferenceDirectives]) exact.add(file.text.slice(ref.pos, ref.end));
  const visit = (node: ts.Node): void => {
    if (ts.isModuleDeclaration(node) && (ts.isStringLiteral(node.name) || node.flags & ts.NodeFlags.GlobalAugmentation)) exact.add(node.getText(file));
    else if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) modules.add(node.moduleSpecifier.text);
    else if (ts.isExternalModuleReference(node) && ts.isStringLiteralLike(node.expression)) modules.add(node.expression.text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteralLike(node.argument.literal)) modules.add(node.argument.literal.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) modules.add(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { modules, exact };
}

/**
 * Whether a program made for `had` has what a program for `has` would: the same augmentations and
 * references, and no module that `has` does not import (a module `has` adds and the program lacks
 * is caught when the checker resolves it).
 */
function sameProgram(had: ProgramInputs, has: ProgramInputs): boolean {
  return had.exact.size === has.exact.size && [...had.exact].every((t) => has.exact.has(t)) && [...had.modules].every((m) => has.modules.has(m));
}
