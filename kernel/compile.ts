/**
 * Turns a TypeScript cell into a script that runs in the kernel's global scope.
 *
 * The cell becomes `(async function () { ... })` so top-level await works, and its top-level
 * declarations become assignments to globals so they persist across cells and a cell that
 * declares a const can run again (REPL semantics):
 *   const x = 1         ->  x = 1
 *   const {a, b} = o    ->  ({a, b} = o)
 *   function f() {}     ->  f = function () {}        (hoisted to the top of the cell)
 *   class C {}          ->  C = class C {}
 *   import d, {a} from "m"  ->  const $m = await __rlbook.import("m"); d = $m.default; a = $m.a
 * A final expression statement becomes the cell's result. Every loop body starts with
 * `__rlbook.tick()`, which throws when an interrupt is pending, so even `while (true) {}`
 * can be stopped. Code built at run time gets the same checks: a direct `eval(s)` becomes
 * `eval(__rlbook.guard(s))` (still a direct eval, so it sees the local scope), any other use of
 * `eval` (`(0, eval)(s)`, `const e = eval`) becomes `__rlbook.eval`, and the executor's global
 * `Function` compiles its body through `guardSource` (runtime.ts). `import()` and `import.meta` go through the kernel so they resolve from
 * the notebook's folder. TypeScript's source map (positions of the original nodes are kept)
 * maps runtime errors back to the cell's own line:col.
 */
import ts from "typescript";
import { transpile } from "./transpile.js";

export const RUNTIME = "__rlbook";

export interface CompiledCell {
  /** The script: an expression evaluating to the cell's async function. */
  js: string;
  /** Source map (v3 JSON) from `js` to the cell's TypeScript. */
  sourceMap: string;
  /** Every name the cell declares at top level. */
  declared: string[];
  /** Syntax errors found while transpiling (reported when type checking is off). */
  diagnostics: readonly ts.Diagnostic[];
  /** Whether the cell defines functions, methods or classes: code that can run (and throw) after the cell has finished. */
  definesFunctions: boolean;
}

const CELL_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  sourceMap: true,
  verbatimModuleSyntax: true,
  useDefineForClassFields: true,
};

/** `reference: true` transpiles with `ts.transpileModule` itself (the checker-less path of transpile.ts is tested against it). */
export function compileCell(source: string, fileName: string, options: { reference?: boolean } = {}): CompiledCell {
  const declared = new Set<string>();
  const output = (options.reference ? ts.transpileModule : transpile)(source, {
    fileName,
    reportDiagnostics: true,
    jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
    compilerOptions: CELL_OPTIONS,
    transformers: { after: [cellTransformer(declared)] },
  });
  return {
    js: output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"),
    sourceMap: output.sourceMapText ?? "",
    declared: [...declared],
    diagnostics: output.diagnostics ?? [],
    definesFunctions: definesFunctions(source),
  };
}

/** Whether code has a function, method, accessor, constructor or class (a quick scan first: most cells have none of the keywords or arrows). */
function definesFunctions(source: string): boolean {
  if (!/=>|\bfunction\b|\bclass\b|\(\s*[^)]*\)\s*\{|\b(get|set)\s/.test(source)) return false;
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const visit = (node: ts.Node): boolean => ts.isFunctionLike(node) || ts.isClassLike(node) || Boolean(ts.forEachChild(node, visit));
  return Boolean(ts.forEachChild(file, visit));
}

/**
 * A visitor that starts every loop body with `__rlbook.tick()` and (for cells) routes
 * `import()` and `import.meta` through the kernel. Cells use it, and so do the local .ts
 * modules they import (loader.ts), so an interrupt stops a busy loop wherever it was written.
 */
export function interruptibleVisitor(context: ts.TransformationContext, options: { routeImports: boolean }): (node: ts.Node) => ts.Node {
  const f = context.factory;
  const runtime = (member: string) => f.createPropertyAccessExpression(f.createIdentifier(RUNTIME), member);
  const guardLoop = (loop: ts.IterationStatement): ts.Statement => {
    const body = ts.isBlock(loop.statement) ? loop.statement.statements : [loop.statement];
    const guarded = f.createBlock([f.createExpressionStatement(f.createCallExpression(runtime("tick"), undefined, [])), ...body], true);
    if (ts.isForStatement(loop)) return f.updateForStatement(loop, loop.initializer, loop.condition, loop.incrementor, guarded);
    if (ts.isForOfStatement(loop)) return f.updateForOfStatement(loop, loop.awaitModifier, loop.initializer, loop.expression, guarded);
    if (ts.isForInStatement(loop)) return f.updateForInStatement(loop, loop.initializer, loop.expression, guarded);
    if (ts.isWhileStatement(loop)) return f.updateWhileStatement(loop, loop.expression, guarded);
    if (ts.isDoStatement(loop)) return f.updateDoStatement(loop, guarded, loop.expression);
    return loop;
  };
  const visit = (node: ts.Node): ts.Node => {
    // `eval` as a value (not the callee of a direct call): the kernel's indirect eval, which guards the code.
    if (ts.isIdentifier(node) && node.text === "eval" && node.parent && isEvalValue(node)) return runtime("eval");
    const visited = ts.visitEachChild(node, visit, context);
    if (ts.isIterationStatement(visited, false)) return guardLoop(visited);
    if (ts.isCallExpression(visited) && ts.isIdentifier(visited.expression) && visited.expression.text === "eval" && visited.arguments.length) {
      // Direct eval keeps its callee (so it still sees the local scope); only its code is guarded.
      const [code, ...rest] = visited.arguments;
      return f.updateCallExpression(visited, visited.expression, visited.typeArguments, [f.createCallExpression(runtime("guard"), undefined, [code!]), ...rest]);
    }
    if (!options.routeImports) return visited;
    if (ts.isCallExpression(visited) && visited.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return f.createCallExpression(runtime("import"), undefined, visited.arguments.slice(0, 1));
    }
    if (ts.isMetaProperty(visited) && visited.keywordToken === ts.SyntaxKind.ImportKeyword) return runtime("importMeta");
    return visited;
  };
  return visit;
}

/** Whether an `eval` identifier is used as a value that can be called later (`(0, eval)`, `const e = eval`, `f(eval)`), not a direct call, a name or a property. */
function isEvalValue(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isCallExpression(parent)) return parent.expression !== node;
  if (ts.isBinaryExpression(parent)) return parent.operatorToken.kind === ts.SyntaxKind.CommaToken || parent.right === node;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.initializer === node;
  return ts.isReturnStatement(parent) || ts.isArrayLiteralExpression(parent) || (ts.isConditionalExpression(parent) && parent.condition !== node);
}

const guardedSources = new Map<string, string>();
const printer = ts.createPrinter();

/**
 * JavaScript built at run time (the code given to `eval` or `new Function`) with the loop checks
 * cells get, so an interrupt stops its loops too. Code that does not parse is returned as it is
 * (the engine then reports its own SyntaxError), and so is code without loops or eval. Results are
 * cached by source: libraries that build code build the same code many times.
 */
export function guardSource(source: string): string {
  let guarded = guardedSources.get(source);
  if (guarded !== undefined) return guarded;
  guarded = source;
  if (/\b(for|while|do|eval)\b/.test(source)) {
    const file = ts.createSourceFile("eval.js", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    if (!(file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length) {
      const result = ts.transform(file, [loopGuards]);
      guarded = printer.printFile(result.transformed[0]!);
      result.dispose();
    }
  }
  guardedSources.set(source, guarded);
  if (guardedSources.size > 256) guardedSources.delete(guardedSources.keys().next().value!);
  return guarded;
}

/** Loop guards for the local .ts modules that cells import (their imports stay ES imports). */
export const loopGuards: ts.TransformerFactory<ts.SourceFile> = (context) => {
  const visit = interruptibleVisitor(context, { routeImports: false });
  return (file) => ts.visitEachChild(file, visit, context);
};

function cellTransformer(declared: Set<string>): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (file) => {
    const f = context.factory;
    const runtime = (member: string) => f.createPropertyAccessExpression(f.createIdentifier(RUNTIME), member);
    const assign = (name: ts.Expression, value: ts.Expression) => f.createAssignment(name, value);

    const visit = interruptibleVisitor(context, { routeImports: true });

    /** `{a, b: [c = 1, ...d]}` (a binding pattern) -> the same shape as an assignment target. */
    const toTarget = (name: ts.BindingName): ts.Expression => {
      if (ts.isIdentifier(name)) {
        declared.add(name.text);
        return f.createIdentifier(name.text);
      }
      if (ts.isObjectBindingPattern(name)) {
        return f.createObjectLiteralExpression(
          name.elements.map((element) => {
            if (element.dotDotDotToken) return f.createSpreadAssignment(toTarget(element.name));
            const target = toTarget(element.name);
            const value = element.initializer ? assign(target, element.initializer) : target;
            if (!element.propertyName && ts.isIdentifier(element.name)) {
              return element.initializer ? f.createShorthandPropertyAssignment(element.name.text, element.initializer) : f.createShorthandPropertyAssignment(element.name.text);
            }
            return f.createPropertyAssignment(element.propertyName ?? (element.name as ts.Identifier), value);
          }),
        );
      }
      return f.createArrayLiteralExpression(
        name.elements.map((element) => {
          if (ts.isOmittedExpression(element)) return element;
          const target = toTarget(element.name);
          if (element.dotDotDotToken) return f.createSpreadElement(target);
          return element.initializer ? assign(target, element.initializer) : target;
        }),
      );
    };

    const imports: ts.Statement[] = [];
    const functions: ts.Statement[] = [];
    const body: ts.Statement[] = [];
    let importCount = 0;

    const statements = file.statements.map((s) => visit(s) as ts.Statement);
    let last = statements.length - 1;
    while (last >= 0 && ts.isEmptyStatement(statements[last]!)) last--;

    statements.forEach((statement, index) => {
      const keep = (s: ts.Statement) => body.push(ts.setTextRange(s, statement));
      if (ts.isImportDeclaration(statement)) {
        const spec = statement.moduleSpecifier;
        const clause = statement.importClause;
        const call = f.createAwaitExpression(f.createCallExpression(runtime("import"), undefined, [spec]));
        if (!clause) {
          imports.push(f.createExpressionStatement(call));
          return;
        }
        const local = f.createUniqueName(`import_${importCount++}`);
        imports.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(local, undefined, undefined, call)], ts.NodeFlags.Const)));
        const bind = (name: string, value: ts.Expression) => {
          declared.add(name);
          imports.push(f.createExpressionStatement(assign(f.createIdentifier(name), value)));
        };
        if (clause.name) bind(clause.name.text, f.createPropertyAccessExpression(local, "default"));
        const named = clause.namedBindings;
        if (named && ts.isNamespaceImport(named)) bind(named.name.text, local);
        if (named && ts.isNamedImports(named)) {
          for (const element of named.elements) {
            const imported = element.propertyName ?? element.name;
            bind(element.name.text, f.createElementAccessExpression(local, f.createStringLiteral(imported.text)));
          }
        }
        return;
      }
      if (ts.isExportDeclaration(statement)) return; // `export {a}` re-exports nothing in a notebook
      if (ts.isExportAssignment(statement)) return keep(index === last ? result(statement.expression) : f.createExpressionStatement(statement.expression));
      if (ts.isVariableStatement(statement)) {
        const isVar = !(statement.declarationList.flags & ts.NodeFlags.BlockScoped);
        for (const declaration of statement.declarationList.declarations) {
          const target = toTarget(declaration.name);
          if (declaration.initializer) {
            const expression = assign(target, declaration.initializer);
            keep(f.createExpressionStatement(ts.isIdentifier(declaration.name) ? expression : f.createParenthesizedExpression(expression)));
          } else if (!isVar) {
            keep(f.createExpressionStatement(assign(target, f.createVoidZero())));
          }
        }
        return;
      }
      if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
        declared.add(statement.name.text);
        const modifiers = statement.modifiers?.filter((m) => m.kind === ts.SyntaxKind.AsyncKeyword) as ts.Modifier[] | undefined;
        const fn = f.createFunctionExpression(modifiers, statement.asteriskToken, undefined, undefined, statement.parameters, undefined, statement.body);
        functions.push(ts.setTextRange(f.createExpressionStatement(assign(f.createIdentifier(statement.name.text), fn)), statement));
        return;
      }
      if (ts.isClassDeclaration(statement) && statement.name) {
        declared.add(statement.name.text);
        const modifiers = statement.modifiers?.filter((m) => m.kind === ts.SyntaxKind.Decorator) as ts.ModifierLike[] | undefined;
        const expression = f.createClassExpression(modifiers, statement.name, undefined, statement.heritageClauses, statement.members);
        return keep(f.createExpressionStatement(assign(f.createIdentifier(statement.name.text), expression)));
      }
      if (index === last && ts.isExpressionStatement(statement)) return keep(result(statement.expression));
      body.push(statement);
    });

    function result(expression: ts.Expression): ts.Statement {
      // Wrapped so that a promise-valued result is shown as a promise, not awaited by `return`.
      return f.createReturnStatement(f.createObjectLiteralExpression([f.createPropertyAssignment("value", expression)]));
    }

    const cell = f.createFunctionExpression(
      [f.createModifier(ts.SyntaxKind.AsyncKeyword)],
      undefined,
      undefined,
      undefined,
      [],
      undefined,
      f.createBlock([...imports, ...functions, ...body], true),
    );
    return f.updateSourceFile(file, [f.createExpressionStatement(f.createParenthesizedExpression(cell))]);
  };
}
