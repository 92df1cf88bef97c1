/**
 * The one place cells import modules from. The loader hooks (loader.ts) recognize this
 * module as the importer and resolve specifiers from the notebook's folder.
 */
export function importFromCell(specifier: unknown): Promise<unknown> {
  if (typeof specifier !== "string") return Promise.reject(new TypeError(`import() needs a module name string, got ${typeof specifier}`));
  return import(specifier);
}
