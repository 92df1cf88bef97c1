/** The generated model classes against the official schema (@jupyter-widgets/schema jupyterwidgetmodels.latest.json). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { generatedPath, generateModels, readSchema } from "../../widgets/codegen.js";
import { MODEL_CLASSES } from "../../widgets/generated.js";
import { Widget } from "../../widgets/widget.js";

const { models, version } = readSchema();

test("regenerating widgets/generated.ts from the schema gives the committed file", () => {
  assert.equal(version, "0.5.6");
  const committed = readFileSync(generatedPath(), "utf8");
  assert.ok(committed === generateModels(models, version), "widgets/generated.ts is stale: run `node dist/widgets/codegen.js`");
});

test("every model of the schema has a class: names, modules and versions match", () => {
  assert.equal(models.length, 69);
  assert.deepEqual(Object.keys(MODEL_CLASSES).sort(), models.map((m) => m.model.name).sort());
  for (const m of models) {
    const cls = MODEL_CLASSES[m.model.name as keyof typeof MODEL_CLASSES];
    assert.deepEqual(cls.spec.model, m.model);
    assert.deepEqual(cls.spec.view, m.view);
    assert.deepEqual(Object.keys(cls.spec.attributes), m.attributes.map((a) => a.name), m.model.name);
  }
  const want = (name: string, module: string, version: string) => assert.deepEqual(
    [MODEL_CLASSES[`${name}Model` as keyof typeof MODEL_CLASSES].spec.model.module, MODEL_CLASSES[`${name}Model` as keyof typeof MODEL_CLASSES].spec.model.version],
    [module, version],
  );
  want("Layout", "@jupyter-widgets/base", "2.0.0");
  want("IntSlider", "@jupyter-widgets/controls", "2.0.0");
  want("Output", "@jupyter-widgets/output", "1.0.0");
});

test("a new instance of every model has the schema's defaults (references: new instances of the named class)", () => {
  for (const m of models) {
    const cls = MODEL_CLASSES[m.model.name as keyof typeof MODEL_CLASSES] as unknown as new (init?: object) => Widget;
    // Selection sliders cannot exist without options (ipywidgets raises too).
    const widget = m.model.name.startsWith("Selection") && m.model.name.includes("Slider") ? new cls({ options: ["a"] }) : new cls();
    for (const a of m.attributes) {
      const actual = widget.get(a.name);
      const where = `${m.model.name}.${a.name}`;
      if (a.type === "reference" && a.default === "reference to new instance") {
        assert.ok(actual instanceof Widget, where);
        assert.equal(actual.modelSpec.model.name, `${a.widget}Model`, where);
      } else if (a.type === "bytes") {
        assert.ok(actual instanceof Uint8Array && actual.length === 0, where);
      } else if (m.model.name.startsWith("Selection") && a.name === "_options_labels") {
        assert.deepEqual(actual, ["a"], where);
      } else {
        assert.deepEqual(actual, a.default, where);
      }
      // Every attribute is also a property.
      assert.equal((widget as unknown as Record<string, unknown>)[a.name], actual, `${where} (property)`);
    }
  }
});

test("wire state of a default instance: JSON-safe, complete, references as IPY_MODEL_ strings", () => {
  for (const m of models) {
    if (m.model.name.startsWith("Selection") && m.model.name.includes("Slider")) continue;
    const cls = MODEL_CLASSES[m.model.name as keyof typeof MODEL_CLASSES] as unknown as new () => Widget;
    const wire = new cls().wireState();
    assert.deepEqual(Object.keys(wire), m.attributes.map((a) => a.name));
    for (const a of m.attributes) {
      if (a.type === "reference") assert.match(String(wire[a.name]), /^IPY_MODEL_[0-9a-f]{32}$/, `${m.model.name}.${a.name}`);
      else if (a.type !== "bytes") assert.deepEqual(JSON.parse(JSON.stringify(wire[a.name])), a.default, `${m.model.name}.${a.name}`);
    }
  }
});

test("attribute types and enums are enforced as the schema declares them", () => {
  const enums = models.flatMap((m) => m.attributes.filter((a) => a.enum).map((a) => ({ m, a })));
  assert.ok(enums.length > 30, `${enums.length} enum attributes`);
  for (const { m, a } of enums) {
    if (m.model.name.startsWith("Selection") && m.model.name.includes("Slider")) continue;
    const cls = MODEL_CLASSES[m.model.name as keyof typeof MODEL_CLASSES] as unknown as new (init?: object) => Widget;
    const w = new cls();
    w.set({ [a.name]: a.enum![a.enum!.length - 1] } as never);
    assert.throws(() => w.set({ [a.name]: "not-an-option" } as never), new RegExp(`${m.model.name.replace(/Model$/, "")}\\.${a.name} must be one of`));
  }
});
