// The library's own version, read from package.json (src/core and dist/core sit two levels below it).
import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };

/** assort's version (semver), recorded in every model it writes. */
export const LIBRARY_VERSION: string = pkg.version;
