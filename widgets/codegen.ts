/**
 * Generates widgets/generated.ts (a typed class per ipywidgets 8 model) from the official
 * schema, `@jupyter-widgets/schema` jupyterwidgetmodels.latest.json:
 *
 *   node dist/widgets/codegen.js            rewrites widgets/generated.ts
 *
 * Attribute names, types, enums and defaults come from the schema; a model's behaviour (a
 * slider clamps, a dropdown maps values to an index) is picked from the attributes it has.
 * A test regenerates the file and compares it with the committed one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

interface SchemaAttribute {
  name: string;
  type: string | string[];
  default: unknown;
  help: string;
  allow_none?: boolean;
  enum?: string[];
  items?: { type: string; widget?: string };
  widget?: string;
  union_attributes?: { type: string; enum?: string[] }[];
}

interface SchemaModel {
  attributes: SchemaAttribute[];
  model: { module: string; name: string; version: string };
  view: { module: string; name: string | null; version: string };
}

/** Where the schema file is. */
export function schemaPath(): string {
  return createRequire(import.meta.url).resolve("@jupyter-widgets/schema/jupyterwidgetmodels.latest.json");
}

export function readSchema(): { models: SchemaModel[]; version: string } {
  const require = createRequire(import.meta.url);
  const version = (require("@jupyter-widgets/schema/package.json") as { version: string }).version;
  return { models: JSON.parse(readFileSync(schemaPath(), "utf8")) as SchemaModel[], version };
}

const className = (modelName: string) => modelName.replace(/Model$/, "");

/** Referenced widget names in the schema -> class names. */
const referenceClass = (widget: string): string => ({ Widget: "Widget", DOMWidget: "Widget", Axis: "ControllerAxis", Button: "ControllerButton" })[widget] ?? widget;

/** Arrays the schema leaves untyped, typed by what ipywidgets puts in them. */
const ARRAY_OVERRIDES: Record<string, { ts: string; items?: string }> = {
  "IntRangeSliderModel.value": { ts: "readonly [number, number]", items: "int" },
  "FloatRangeSliderModel.value": { ts: "readonly [number, number]", items: "float" },
  "SelectionRangeSliderModel.index": { ts: "readonly [number, number]", items: "int" },
  "LinkModel.source": { ts: "readonly [Widget, string]" },
  "LinkModel.target": { ts: "readonly [Widget, string]" },
  "DirectionalLinkModel.source": { ts: "readonly [Widget, string]" },
  "DirectionalLinkModel.target": { ts: "readonly [Widget, string]" },
  "TagsInputModel.value": { ts: "readonly string[]", items: "string" },
  "TagsInputModel.allowed_tags": { ts: "readonly string[]", items: "string" },
  "ColorsInputModel.value": { ts: "readonly string[]", items: "string" },
  "ColorsInputModel.allowed_tags": { ts: "readonly string[]", items: "string" },
  "FloatsInputModel.value": { ts: "readonly number[]", items: "float" },
  "FloatsInputModel.allowed_tags": { ts: "readonly number[]", items: "float" },
  "IntsInputModel.value": { ts: "readonly number[]", items: "int" },
  "IntsInputModel.allowed_tags": { ts: "readonly number[]", items: "int" },
};

/** The behaviour base class for a model, chosen by its attributes. */
function baseOf(m: SchemaModel): { base: string; generic: boolean } {
  const attrs = new Map(m.attributes.map((a) => [a.name, a]));
  const numeric = (name: string) => {
    const a = attrs.get(name);
    return a !== undefined && (a.type === "int" || a.type === "float") && !a.allow_none;
  };
  if (attrs.has("_options_labels")) {
    const index = attrs.get("index")!;
    if (index.type === "int") return { base: "SelectionWidget", generic: true };
    if (index.type === "array" && index.items?.type === "int") return { base: "MultipleSelectionWidget", generic: true };
    return { base: "SelectionRangeWidget", generic: true };
  }
  if (attrs.has("children")) return { base: "BoxWidget", generic: false };
  if (m.model.name === "ButtonModel") return { base: "ButtonWidget", generic: false };
  if (m.model.name === "OutputModel") return { base: "OutputWidget", generic: false };
  if (numeric("min") && numeric("max") && numeric("base") && numeric("value")) return { base: "LogSliderWidget", generic: false };
  if (numeric("min") && numeric("max") && attrs.get("value")?.type === "array") return { base: "RangeWidget", generic: false };
  if (numeric("min") && numeric("max") && numeric("value")) return { base: "BoundedWidget", generic: false };
  return { base: "CoreWidget", generic: false };
}

function tsType(m: SchemaModel, a: SchemaAttribute): string {
  const override = ARRAY_OVERRIDES[`${m.model.name}.${a.name}`];
  let t: string;
  if (override) t = override.ts;
  else if (Array.isArray(a.type)) {
    t = a.type.map((u, i) => (u === "string" ? (a.union_attributes?.[i]?.enum ?? []).map((e) => JSON.stringify(e)).join(" | ") || "string" : "number")).join(" | ");
  } else {
    switch (a.type) {
      case "string":
        t = a.enum ? a.enum.map((e) => JSON.stringify(e)).join(" | ") : "string";
        break;
      case "int":
      case "float":
        t = "number";
        break;
      case "bool":
        t = "boolean";
        break;
      case "bytes":
        t = "Uint8Array";
        break;
      case "Date":
      case "Datetime":
        t = "Date";
        break;
      case "Time":
        t = "string";
        break;
      case "reference":
        t = referenceClass(a.widget ?? "Widget");
        break;
      case "array": {
        const items = a.items?.type;
        t =
          items === "string"
            ? "readonly string[]"
            : items === "int" || items === "float"
              ? "readonly number[]"
              : items === "reference"
                ? `readonly ${referenceClass(a.items?.widget ?? "Widget")}[]`
                : items === "object"
                  ? "readonly Record<string, unknown>[]"
                  : "readonly unknown[]";
        break;
      }
      default:
        throw new Error(`codegen: ${m.model.name}.${a.name} has a type the generator does not know: ${JSON.stringify(a.type)}`);
    }
  }
  return a.allow_none ? `${t} | null` : t;
}

function attributeSpec(m: SchemaModel, a: SchemaAttribute): string {
  const spec: Record<string, unknown> = {};
  if (Array.isArray(a.type)) {
    const number = a.type.find((t) => t !== "string")!;
    const stringAlt = a.union_attributes?.find((u) => u.type === "string")?.enum?.[0];
    if (a.type.length !== 2 || stringAlt === undefined) throw new Error(`codegen: ${m.model.name}.${a.name}: unsupported union ${JSON.stringify(a.type)}`);
    spec.type = number;
    spec.orString = stringAlt;
  } else spec.type = a.type;
  spec.default = a.default;
  if (a.allow_none) spec.nullable = true;
  if (a.enum) spec.enum = a.enum;
  const override = ARRAY_OVERRIDES[`${m.model.name}.${a.name}`];
  if (override?.items) spec.items = override.items;
  else if (a.items) spec.items = a.items.type;
  if (a.widget) spec.widget = referenceClass(a.widget);
  else if (a.items?.widget) spec.widget = referenceClass(a.items.widget);
  return JSON.stringify(spec);
}

const doc = (text: string, indent: string) => (text ? `${indent}/** ${text.replace(/\*\//g, "* /").replace(/\s+/g, " ").trim()} */\n` : "");

/** The TypeScript source of generated.ts. */
export function generateModels(models: SchemaModel[], schemaVersion: string): string {
  const bases = new Set<string>();
  const out: string[] = [];
  out.push(
    `/**\n * Generated by widgets/codegen.ts from @jupyter-widgets/schema ${schemaVersion} (jupyterwidgetmodels.latest.json): every\n * ipywidgets 8 model as a typed class. Do not edit: change codegen.ts and run \`node dist/widgets/codegen.js\`.\n */\n`,
  );
  const classes: string[] = [];
  const body: string[] = [];
  for (const m of models) {
    const name = className(m.model.name);
    const { base, generic } = baseOf(m);
    bases.add(base);
    classes.push(name);
    const keys = new Set(["_model_module", "_model_module_version", "_model_name", "_view_module", "_view_module_version", "_view_name"]);
    const lines = m.attributes.map((a) => `${doc(a.help, "  ")}  ${keys.has(a.name) ? "readonly " : ""}${a.name}: ${tsType(m, a)};`);
    body.push(`/** The attributes of ${name} (${m.model.module} ${m.model.name} ${m.model.version}). */\nexport interface ${name}State {\n${lines.join("\n")}\n}\n`);
    const typeParams = generic ? "<V = any>" : "";
    const baseArgs = generic ? `<${name}State, V>` : `<${name}State>`;
    const specLines = m.attributes.map((a) => `      ${a.name}: ${attributeSpec(m, a)},`).join("\n");
    body.push(
      `/** ${name}: model ${m.model.module} ${m.model.name} ${m.model.version}${m.view.name ? `, view ${m.view.module} ${m.view.name} ${m.view.version}` : ", no view"}. */\n` +
        `export interface ${name}${typeParams} extends ${name}State {}\n` +
        `export class ${name}${typeParams} extends ${base}${baseArgs} {\n` +
        `  static override readonly spec: ModelSpec = {\n` +
        `    className: ${JSON.stringify(name)},\n` +
        `    model: ${JSON.stringify(m.model)},\n` +
        `    view: ${JSON.stringify(m.view)},\n` +
        `    attributes: {\n${specLines}\n    },\n` +
        `  };\n}\n`,
    );
  }
  out.push(`import { Widget, registerWidgetClass, type ModelSpec } from "./widget.js";\n`);
  out.push(`import { ${[...bases].sort().join(", ")} } from "./behaviors.js";\n\n`);
  out.push(body.join("\n"));
  out.push(`\n/** Every generated class, by model name. */\nexport const MODEL_CLASSES = {\n${models.map((m) => `  ${m.model.name}: ${className(m.model.name)},`).join("\n")}\n} as const;\n\n`);
  out.push(`for (const cls of Object.values(MODEL_CLASSES)) registerWidgetClass(cls);\n`);
  return out.join("");
}

/** The path of the committed generated file (in the source tree, next to this file's source). */
export function generatedPath(): string {
  // dist/widgets/codegen.js -> widgets/generated.ts
  return fileURLToPath(new URL("../../widgets/generated.ts", import.meta.url));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { models, version } = readSchema();
  writeFileSync(generatedPath(), generateModels(models, version));
  console.log(`wrote ${generatedPath()} (${models.length} models)`);
}
