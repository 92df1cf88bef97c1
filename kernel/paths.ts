/** Where rlbook's own files are, wherever the package is installed. */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The package root (the folder with package.json); compiled files live in dist/kernel. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
