/**
 * TypeScript's LanguageService over the notebook: type errors before a cell runs,
 * completions, inspection, is_complete, and `?name` help.
 *
 * The "prelude" is the latest declaration of every name from earlier cells, one entry per name;
 * re-declaring a name in a cell replaces its entry, which mirrors the REPL semantics of
 * execution. Each entry is kept as text with the identifiers its text mentions (scanned once, at
 * commit). A cell is checked in a virtual file (a module) holding the entries it needs and the
 * cell: the entries its own identifiers name, the entries those mention, and so on (the closure),
 * plus every import and augmentation (they decide which modules and globals a program has). So
 * the program a cell is checked in, and the checker's memory, depend on what the cell uses, not
 * on how many cells ran before it; the standard library's and packages' files stay cached in
 * the service's document registry. Only diagnostics inside the cell are reported, at cell
 * line:col. Completions see every earlier name that matches what is typed.
 *
 * Cells are first checked by the checker of the last full program (reused-checker.ts), which
 * takes a fraction of a millisecond; a cell it cannot pass gets the service's full check, and the
 * checker of a full program whose cell passed is the one reused from then on.
 */
import ts from "typescript";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { packageRoot } from "./paths.js";
import { sharedPackageDirs } from "./shared-packages.js";
import { canReuseCheckers, ReusedChecker } from "./reused-checker.js";

export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}

/** One top-level declaration kept from an executed cell; keys are "v:name" (value) / "t:name" (type) / "m:..." (augmentation). */
interface PreludeEntry {
  keys: string[];
  text: string;
}

/**
 * A kept entry: its keys, its text and the identifiers the text mentions. One is kept for every
 * name a notebook declares, so it is stored compactly: a single key as a string, not an array,
 * and the strings flat (a text built from pieces would keep every piece; measured: 290 -> ~150 B
 * of heap for `const vN = N;`). Whether every cell needs it (imports, augmentations) is `#always`.
 */
interface KeptEntry {
  keys: string | readonly string[];
  text: string;
  refs: readonly string[];
  /** Declaration order (the table's insertion order), to sort a few entries without walking the table. */
  order: number;
}

const keysOf = (entry: KeptEntry): readonly string[] => (typeof entry.keys === "string" ? [entry.keys] : entry.keys);

/** A copy of `text` in one flat string: a text built by concatenation or slicing would keep its pieces, or the whole cell, alive. */
const flat = (text: string): string => (text.length ? (JSON.parse(JSON.stringify(text)) as string) : "");

const CANNOT_FIND_MODULE = 2307;

/** Path mappings that type the shared packages (TensorFlow.js) from the kernel's own copies, as they run. */
function sharedPackagePaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const [name, dir] of Object.entries(sharedPackageDirs())) {
    paths[name] = [dir];
    paths[`${name}/*`] = [`${dir}/*`];
  }
  return paths;
}
const NO_REFS: readonly string[] = Object.freeze([]);

/** A reused checker keeps the types of every cell it checked; past this many it is replaced. */
const CELLS_PER_CHECKER = 200;

/** The ambient declarations of the kernel's globals (display, input, ...), shipped with the package. */
export const CELL_GLOBALS = join(packageRoot, "kernel", "cell-globals.d.ts");

export class CellLanguage {
  readonly #cwd: string;
  readonly #cellFile: string;
  readonly #options: ts.CompilerOptions;
  readonly #service: ts.LanguageService;
  readonly #moduleCache: ts.ModuleResolutionCache;
  readonly #reuseCheckers: boolean;
  readonly #everyEntry: boolean;
  #reused: ReusedChecker | undefined;
  /** The virtual file of the last cell that passed, checked, for the types of its destructured names. */
  #lastChecked: { text: string; file: ts.SourceFile; checker: ts.TypeChecker } | undefined;
  readonly #docs = new DocReader();
  readonly #snapshots = new Map<string, ts.IScriptSnapshot | undefined>();
  readonly #clearResolutions: () => void;
  /** Every entry (insertion order, which is the order they are written in a cell's file), and the entry that holds each key. */
  readonly #entries = new Set<KeptEntry>();
  readonly #byKey = new Map<string, KeptEntry>();
  /** Entries every cell's file holds: imports and augmentations. */
  readonly #always = new Set<KeptEntry>();
  /** Entries committed so far (an entry's `order`). */
  #committed = 0;
  #text = "";
  #offset = 0;
  #version = 0;

  /**
   * `reuseCheckers: false` gives every cell a full program, and `everyEntry: true` puts every earlier
   * declaration in every cell's file (both slow: the references the fast paths are tested against).
   */
  constructor(cwd: string, settings: { reuseCheckers?: boolean; everyEntry?: boolean } = {}) {
    this.#cwd = cwd;
    this.#everyEntry = settings.everyEntry ?? false;
    this.#reuseCheckers = (settings.reuseCheckers ?? true) && canReuseCheckers;
    this.#cellFile = join(cwd, "__rlbook_cell__.ts");
    const require = createRequire(import.meta.url);
    const nodeTypes = dirname(dirname(require.resolve("@types/node/package.json")));
    const dist = join(packageRoot, "dist");
    this.#options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      moduleDetection: ts.ModuleDetectionKind.Force,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [join(cwd, "node_modules", "@types"), nodeTypes],
      paths: { rlbook: [join(dist, "index.d.ts")], "rlbook/widgets": [join(dist, "widgets", "index.d.ts")], ...sharedPackagePaths() },
      strict: true,
      noImplicitAny: false,
      esModuleInterop: true,
      allowSyntheticDefaultImports: true,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
      useDefineForClassFields: true,
    };
    // One resolution cache for the whole session: without it every cell's new program would
    // resolve @types/node and every import again, stat by stat (most of a cell's check time).
    const moduleCache = ts.createModuleResolutionCache(cwd, (f) => f, this.#options);
    this.#moduleCache = moduleCache;
    const typeCache = ts.createTypeReferenceDirectiveResolutionCache(cwd, (f) => f, this.#options, moduleCache.getPackageJsonInfoCache());
    this.#clearResolutions = () => {
      moduleCache.clear();
      typeCache.clear();
    };
    const options = this.#options;
    const roots = [this.#cellFile, CELL_GLOBALS];
    const host: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      getModuleResolutionCache: () => moduleCache,
      // JSDoc trees of Node's and the standard library's declarations are a tenth of the program's
      // memory and only `?name` needs them: DocReader reparses the one file it needs instead.
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, containingSourceFile) =>
        literals.map((literal) =>
          ts.resolveModuleName(literal.text, containingFile, options, ts.sys, moduleCache, redirected, ts.getModeForUsageLocation(containingSourceFile, literal, options)),
        ),
      resolveTypeReferenceDirectiveReferences: (references, containingFile, redirected, options, containingSourceFile) =>
        references.map((reference) => {
          const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
          const mode = typeof reference === "string" || !containingSourceFile ? undefined : ts.getModeForFileReference(reference, containingSourceFile.impliedNodeFormat);
          return ts.resolveTypeReferenceDirective(name, containingFile, options, ts.sys, redirected, typeCache, mode);
        }),
      getScriptFileNames: () => roots,
      getScriptVersion: (file) => (file === this.#cellFile ? String(this.#version) : "0"),
      getScriptSnapshot: (file) => {
        if (file === this.#cellFile) return ts.ScriptSnapshot.fromString(this.#text);
        if (!this.#snapshots.has(file)) this.#snapshots.set(file, existsSync(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, "utf8")) : undefined);
        return this.#snapshots.get(file);
      },
      getCurrentDirectory: () => this.#cwd,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (file) => file === this.#cellFile || ts.sys.fileExists(file),
      readFile: (file) => (file === this.#cellFile ? this.#text : ts.sys.readFile(file)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    };
    this.#service = ts.createLanguageService(host);
  }

  /** Type and syntax errors in a cell, positioned in the cell (1-based line:col). */
  diagnostics(code: string, options: { semantic: boolean } = { semantic: true }): CellDiagnostic[] {
    const redeclared = declaredKeys(code);
    this.#load(code, redeclared);
    this.#lastChecked = undefined;
    if (!options.semantic) return this.#inCell(parseDiagnostics(this.#text), code);
    // Comment directives (@ts-ignore, @ts-expect-error) are applied by a full program only.
    if (this.#reused && this.#reused.checked < CELLS_PER_CHECKER && !code.includes("@ts-")) {
      const check = this.#reused.check(this.#text, this.#offset);
      if (check.syntactic.length) return this.#inCell(check.syntactic, code);
      if (check.clean) {
        this.#lastChecked = { text: this.#text, file: check.file, checker: check.checker };
        return [];
      }
      // A checker that found errors may have cached them (an instantiation too deep is cached as an
      // error type and not reported again): it is not reused.
      this.#reused = undefined;
    }
    const syntactic = this.#service.getSyntacticDiagnostics(this.#cellFile);
    if (syntactic.length) return this.#inCell(syntactic, code);
    let all = this.#service.getSemanticDiagnostics(this.#cellFile);
    if (all.some((d) => d.code === CANNOT_FIND_MODULE)) {
      // A package installed since the last lookup: forget cached failures and look again.
      this.#clearResolutions();
      this.#version++;
      all = this.#service.getSemanticDiagnostics(this.#cellFile);
    }
    const errors = this.#inCell(all, code);
    // The checker that just ran (the service made it for this check) is the one to reuse now, if the
    // cell passed: a cell with errors is not kept, and its checker may have cached what it reported
    // (an instantiation too deep is cached as an error type, and not reported again).
    if (!errors.length) {
      const program = this.#service.getProgram()!;
      if (this.#reuseCheckers) this.#reused = new ReusedChecker(program, this.#moduleCache, this.#cwd, this.#cellFile);
      this.#lastChecked = { text: this.#text, file: program.getSourceFile(this.#cellFile)!, checker: program.getTypeChecker() };
    }
    return errors;
  }

  /** The errors that lie in the cell (not the prelude), at cell line:col. */
  #inCell(diagnostics: readonly ts.Diagnostic[], code: string): CellDiagnostic[] {
    return diagnostics
      .filter((d) => d.start !== undefined && d.start >= this.#offset && d.category === ts.DiagnosticCategory.Error)
      .map((d) => ({ ...this.#position(d.start! - this.#offset, code), code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") }));
  }

  /** Records the declarations of a cell that ran, replacing earlier declarations of the same names. */
  commit(code: string): void {
    const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    let entries = preludeEntries(file);
    if (entries.some((e) => e.destructured)) entries = this.#declareDestructured(code, entries);
    for (const { keys, text } of entries) {
      for (const key of keys) {
        const replaced = this.#byKey.get(key);
        if (replaced) this.#forget(replaced);
      }
      const always = /^import\b/.test(text) || keys.some((k) => k.startsWith("m:"));
      // What the text mentions besides its own names (most plain declarations mention nothing else).
      const own = new Set(keys.map((k) => k.slice(2)));
      const refs = identifiersOf(text).filter((name) => !own.has(name)).map(flat);
      const flatKeys = keys.map(flat);
      const entry: KeptEntry = { keys: flatKeys.length === 1 ? flatKeys[0]! : flatKeys, text: flat(text), refs: refs.length ? refs : NO_REFS, order: this.#committed++ };
      this.#entries.add(entry);
      for (const key of flatKeys) this.#byKey.set(key, entry);
      if (always) this.#always.add(entry);
    }
  }

  #forget(entry: KeptEntry): void {
    this.#entries.delete(entry);
    this.#always.delete(entry);
    for (const key of keysOf(entry)) if (this.#byKey.get(key) === entry) this.#byKey.delete(key);
  }

  /**
   * The entries a cell mentioning `names` needs, in the order they were declared: every import and
   * augmentation, the entries that declare one of the names, and (transitively) the entries those
   * entries' texts mention. Entries of names the cell redeclares are left out (the cell's own
   * declaration is the one in scope).
   */
  #needed(names: Iterable<string>, redeclared: Set<string>, extra: Iterable<KeptEntry> = []): KeptEntry[] {
    const needed = new Set<KeptEntry>();
    const kept = (e: KeptEntry) => (typeof e.keys === "string" ? !redeclared.has(e.keys) : !e.keys.some((k) => redeclared.has(k)));
    const queue: string[] = [];
    const add = (entry: KeptEntry | undefined) => {
      if (!entry || needed.has(entry) || !kept(entry)) return;
      needed.add(entry);
      queue.push(...entry.refs);
    };
    for (const entry of this.#everyEntry ? this.#entries : this.#always) add(entry);
    for (const entry of extra) add(entry);
    queue.push(...names);
    const seen = new Set<string>();
    while (queue.length) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      add(this.#byKey.get(`v:${name}`));
      add(this.#byKey.get(`t:${name}`));
    }
    // Few entries: sort them; many: walk the table once.
    return needed.size * 8 < this.#entries.size ? [...needed].sort((x, y) => x.order - y.order) : [...this.#entries].filter((e) => needed.has(e));
  }


  complete(code: string, cursor: number): { matches: string[]; start: number; end: number; types: { text: string; type: string }[] } {
    let start = cursor;
    while (start > 0 && /[\w$]/.test(code[start - 1]!)) start--;
    const prefix = code.slice(start, cursor);
    // Earlier names that match what is typed (all of them for an empty prefix), unless this completes a member (`x.`).
    const member = /\.\s*$/.test(code.slice(0, start));
    const matching = member ? [] : [...this.#entries].filter((e) => keysOf(e).some((k) => k.slice(2).toLowerCase().startsWith(prefix.toLowerCase())));
    const position = this.#load(code, new Set(), matching) + cursor;
    // This program (with the code being typed, which may never run) is not the one reused for checks.
    const completions = this.#service.getCompletionsAtPosition(this.#cellFile, position, { includeCompletionsWithInsertText: true });
    let entries = (completions?.entries ?? []).filter((e) => e.name.startsWith(prefix) && !e.name.startsWith("__rlbook"));
    if (!entries.length && prefix) entries = (completions?.entries ?? []).filter((e) => e.name.toLowerCase().startsWith(prefix.toLowerCase()));
    entries.sort((a, b) => (a.sortText === b.sortText ? a.name.localeCompare(b.name) : a.sortText < b.sortText ? -1 : 1));
    return { matches: entries.map((e) => e.name), start, end: cursor, types: entries.map((e) => ({ text: e.name, type: e.kind })) };
  }

  /** Signature and documentation of the symbol at (or just before) the cursor. */
  inspect(code: string, cursor: number): { signature: string; documentation: string } | undefined {
    const offset = this.#load(code, new Set());
    const at = (pos: number) => (pos >= 0 ? this.#service.getQuickInfoAtPosition(this.#cellFile, offset + pos) : undefined);
    let position = cursor;
    let info = at(cursor);
    if (!info || !/[\w$]/.test(code[cursor] ?? "")) {
      const before = at(cursor - 1);
      if (before) [info, position] = [before, cursor - 1];
    }
    if (!info) return undefined;
    return { signature: ts.displayPartsToString(info.displayParts), documentation: this.#documentation(offset + position) };
  }

  /** The JSDoc of the symbol at `position` in the virtual file, from the first of its declarations that has one. */
  #documentation(position: number): string {
    const program = this.#service.getProgram()!;
    const checker = program.getTypeChecker();
    const node = identifierAt(program.getSourceFile(this.#cellFile)!, position);
    let symbol = node && checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol ? this.#documentationOf(symbol, checker, 0) : "";
  }

  /** A symbol's JSDoc; a class or interface member without one shows the docs of the member it overrides, as TypeScript does. */
  #documentationOf(symbol: ts.Symbol, checker: ts.TypeChecker, depth: number): string {
    const declarations = symbol.declarations ?? [];
    for (const declaration of declarations) {
      const docs = this.#docs.of(declaration);
      if (docs) return docs;
    }
    if (depth > 8) return "";
    for (const declaration of declarations) {
      const container = declaration.parent as ts.Node | undefined;
      if (!container || !ts.isClassLike(container) && !ts.isInterfaceDeclaration(container)) continue;
      for (const superType of (container.heritageClauses ?? []).flatMap((clause) => clause.types)) {
        const inherited = checker.getPropertyOfType(checker.getTypeAtLocation(superType), symbol.name);
        const docs = inherited ? this.#documentationOf(inherited, checker, depth + 1) : "";
        if (docs) return docs;
      }
    }
    return "";
  }

  /** Puts the entries the cell needs (less the names it redeclares) and the cell in the virtual file; returns the cell's offset. */
  #load(code: string, redeclared: Set<string>, extra: Iterable<KeptEntry> = []): number {
    const prelude = this.#needed(identifiersOf(code), redeclared, extra)
      .map((e) => e.text)
      .join("\n");
    this.#text = `${prelude}\n${code}`;
    this.#offset = prelude.length + 1;
    this.#version++;
    return this.#offset;
  }

  #position(offset: number, code: string): { line: number; column: number } {
    const before = code.slice(0, offset).split("\n");
    return { line: before.length, column: before.at(-1)!.length + 1 };
  }

  /** `const {a, b} = f()` becomes `declare let a: A; declare let b: B;` with the types TypeScript inferred. */
  #declareDestructured(code: string, entries: ReturnType<typeof preludeEntries>): PreludeEntry[] {
    const offset = this.#load(code, new Set(entries.flatMap((e) => e.keys)));
    const checked = this.#lastChecked?.text === this.#text ? this.#lastChecked : undefined;
    const program = checked ? undefined : this.#service.getProgram();
    const checker = checked?.checker ?? program?.getTypeChecker();
    const file = checked?.file ?? program?.getSourceFile(this.#cellFile);
    return entries.flatMap((entry) => {
      if (!entry.destructured) return [entry];
      return entry.destructured.map(({ name, pos }) => {
        let type = "any";
        const node = file && checker ? findIdentifier(file, offset + pos) : undefined;
        if (node && checker) type = checker.typeToString(checker.getTypeAtLocation(node), undefined, ts.TypeFormatFlags.NoTruncation);
        return { keys: [`v:${name}`], text: `declare let ${name}: ${type};` };
      });
    });
  }
}

/**
 * The distinct names a text mentions (identifiers, property names, names in types), by
 * TypeScript's scanner. Keywords are kept too (`type` and `string` can name variables), and
 * substitutions in template literals are scanned; a name that is not declared is simply not
 * found, so mentioning too many names only adds entries, never loses one.
 */
function identifiersOf(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text);
  const names = new Set<string>();
  // Open `{` and `${`: a `}` that closes a `${` continues its template.
  const open: boolean[] = [];
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    // Reserved words (const, return, ...) cannot name a declaration; contextual keywords (type, of, string, ...) can.
    if (token === ts.SyntaxKind.Identifier || (token > ts.SyntaxKind.LastReservedWord && token <= ts.SyntaxKind.LastKeyword)) names.add(scanner.getTokenValue());
    else if (token === ts.SyntaxKind.TemplateHead) open.push(true);
    else if (token === ts.SyntaxKind.OpenBraceToken) open.push(false);
    else if (token === ts.SyntaxKind.CloseBraceToken && open.pop()) {
      if (scanner.reScanTemplateToken(false) === ts.SyntaxKind.TemplateMiddle) open.push(true);
    }
  }
  return [...names];
}

/** The identifier that contains `position` (or ends at it), if any. */
function identifierAt(file: ts.SourceFile, position: number): ts.Node | undefined {
  const find = (node: ts.Node): ts.Node | undefined =>
    node.getStart(file) <= position && position <= node.end ? (ts.isIdentifier(node) || ts.isPrivateIdentifier(node) ? node : ts.forEachChild(node, find)) : undefined;
  return ts.forEachChild(file, find);
}

/**
 * Reads a declaration's JSDoc. The program is parsed without JSDoc (to save memory), so the
 * declaring file is parsed again with it, and the same node (same position and kind) is read
 * there; the last few files are kept, since help is often asked on the same module.
 */
class DocReader {
  readonly #parsed = new Map<string, ts.SourceFile>();

  of(declaration: ts.Declaration): string {
    const twin = this.#twin(declaration);
    if (!twin) return "";
    const comments: string[] = [];
    const tags: string[] = [];
    for (const part of ts.getJSDocCommentsAndTags(twin)) {
      if (ts.isJSDoc(part)) {
        const text = ts.getTextOfJSDocComment(part.comment);
        if (text) comments.push(text);
        tags.push(...(part.tags ?? []).map(tagText));
      } else {
        tags.push(tagText(part));
      }
    }
    return [comments.join("\n\n"), tags.join("\n")].filter(Boolean).join("\n\n");
  }

  #twin(declaration: ts.Declaration): ts.Node | undefined {
    const source = declaration.getSourceFile();
    let parsed = this.#parsed.get(source.fileName);
    if (parsed?.text !== source.text) {
      parsed = ts.createSourceFile(source.fileName, source.text, { languageVersion: source.languageVersion, jsDocParsingMode: ts.JSDocParsingMode.ParseAll }, true);
      this.#parsed.set(source.fileName, parsed);
      if (this.#parsed.size > 8) this.#parsed.delete(this.#parsed.keys().next().value!);
    }
    const find = (node: ts.Node): ts.Node | undefined => {
      if (node.pos === declaration.pos && node.end === declaration.end && node.kind === declaration.kind) return node;
      return node.pos <= declaration.pos && declaration.end <= node.end ? ts.forEachChild(node, find) : undefined;
    };
    return ts.forEachChild(parsed, find);
  }
}

function tagText(tag: ts.JSDocTag): string {
  const name = ts.isJSDocParameterTag(tag) || ts.isJSDocPropertyTag(tag) ? ` ${tag.name.getText()}` : "";
  const comment = ts.getTextOfJSDocComment(tag.comment);
  return `@${tag.tagName.text}${name}${comment ? ` ${comment}` : ""}`;
}

function findIdentifier(file: ts.SourceFile, position: number): ts.Node | undefined {
  const find = (node: ts.Node): ts.Node | undefined =>
    node.getStart(file) === position && ts.isIdentifier(node) ? node : node.pos <= position && position < node.end ? ts.forEachChild(node, find) : undefined;
  return find(file);
}

/** The keys ("v:x", "t:T") a cell declares at top level. */
function declaredKeys(code: string): Set<string> {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return new Set(preludeEntries(file).flatMap((e) => e.keys));
}

interface ExtractedEntry extends PreludeEntry {
  /** Names bound by destructuring, with their positions in the cell, to be re-declared by type. */
  destructured?: { name: string; pos: number }[];
}

/** One entry per declared name, so that a later cell can replace a single name. */
function preludeEntries(file: ts.SourceFile): ExtractedEntry[] {
  const entries: ExtractedEntry[] = [];
  const both = (name: string) => [`v:${name}`, `t:${name}`];
  for (const statement of file.statements) {
    const docs = leadingJsDoc(statement, file);
    const text = docs + statement.getText(file);
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (!clause) continue;
      const from = statement.moduleSpecifier.getText(file);
      const type = clause.isTypeOnly ? "type " : "";
      const keysOf = (name: string) => (clause.isTypeOnly ? [`t:${name}`] : both(name));
      if (clause.name) entries.push({ keys: keysOf(clause.name.text), text: `import ${type}${clause.name.text} from ${from};` });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) entries.push({ keys: keysOf(named.name.text), text: `import ${type}* as ${named.name.text} from ${from};` });
      if (named && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          const typeOnly = clause.isTypeOnly || element.isTypeOnly;
          entries.push({ keys: typeOnly ? [`t:${element.name.text}`] : both(element.name.text), text: `import ${typeOnly ? "type " : ""}{ ${element.getText(file).replace(/^type\s+/, "")} } from ${from};` });
        }
      }
    } else if (ts.isImportEqualsDeclaration(statement)) {
      entries.push({ keys: both(statement.name.text), text });
    } else if (ts.isVariableStatement(statement)) {
      const list = statement.declarationList;
      const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : list.flags & ts.NodeFlags.Using ? "const" : "var";
      const declare = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) ? "declare " : "";
      for (const declaration of list.declarations) {
        if (ts.isIdentifier(declaration.name)) {
          entries.push({ keys: [`v:${declaration.name.text}`], text: `${docs}${declare}${keyword} ${declaration.getText(file)};` });
        } else {
          const names = bindingNames(declaration.name, file);
          entries.push({ keys: names.map((n) => `v:${n.name}`), text: "", destructured: names });
        }
      }
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      const previous = entries.at(-1);
      const keys = [`v:${statement.name.text}`];
      // Overload signatures and the implementation form one entry.
      if (previous && previous.keys.length === 1 && previous.keys[0] === keys[0] && !previous.destructured) previous.text += "\n" + text;
      else entries.push({ keys, text });
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      entries.push({ keys: both(statement.name.text), text });
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      entries.push({ keys: [`t:${statement.name.text}`], text });
    } else if (ts.isEnumDeclaration(statement)) {
      entries.push({ keys: both(statement.name.text), text });
    } else if (ts.isModuleDeclaration(statement)) {
      entries.push({ keys: ts.isIdentifier(statement.name) && statement.name.text !== "global" ? both(statement.name.text) : [`m:${statement.name.getText(file)}`], text });
    }
  }
  return entries;
}

/** The JSDoc comments before a statement, so that `?name` shows the docs written in a cell. */
function leadingJsDoc(statement: ts.Statement, file: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(file.text, statement.pos) ?? [];
  return ranges
    .filter((r) => file.text.startsWith("/**", r.pos))
    .map((r) => `${file.text.slice(r.pos, r.end)}\n`)
    .join("");
}

function bindingNames(name: ts.BindingName, file: ts.SourceFile): { name: string; pos: number }[] {
  if (ts.isIdentifier(name)) return [{ name: name.text, pos: name.getStart(file) }];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name, file)));
}

/** Whether a cell can run as typed: complete, incomplete (more lines to come), or invalid. */
function parseDiagnostics(text: string): readonly ts.Diagnostic[] {
  const file = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  return (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
}

export function isComplete(code: string): { status: "complete" | "incomplete" | "invalid"; indent?: string } {
  if (!code.trim()) return { status: "complete" };
  const errors = parseDiagnostics(code);
  if (!errors.length) return { status: "complete" };
  const end = code.trimEnd().length;
  // Unterminated template literals and block comments continue on the next line.
  const continues = errors.some((d) => (d.start ?? 0) >= end || d.code === 1160 || d.code === 1010);
  if (!continues) return { status: "invalid" };
  return { status: "incomplete", indent: "  ".repeat(openBrackets(code)) };
}

function openBrackets(code: string): number {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, code);
  let depth = 0;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.OpenBraceToken || token === ts.SyntaxKind.OpenBracketToken || token === ts.SyntaxKind.OpenParenToken) depth++;
    if (token === ts.SyntaxKind.CloseBraceToken || token === ts.SyntaxKind.CloseBracketToken || token === ts.SyntaxKind.CloseParenToken) depth = Math.max(0, depth - 1);
  }
  return depth;
}
