// `assort serve`'s review console: the ReviewDesk over the service (threshold from --min-precision, picker
// over --taxonomy or the model's labels) and the built console's folder (dist/console/, from npm run build).
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { Logger } from "pino";
import { loadTaxonomyFile, parseTaxonomyText, type CatalogService, type ReviewDesk } from "../../index.js";

/** Where `npm run build` writes the console (dist/console/ beside dist/cli/). */
export const CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));

async function taxonomyPaths(file: string): Promise<string[]> {
  const { taxonomy } = file.endsWith(".gz")
    ? parseTaxonomyText(gunzipSync(readFileSync(file)).toString("utf8"), { file: file.slice(0, -3) })
    : await loadTaxonomyFile(file);
  return taxonomy.nodes().map((n) => taxonomy.path(n.id));
}

export async function reviewSetup(
  service: CatalogService,
  o: { minPrecision: number; taxonomy?: string; console: boolean },
  logger: Logger,
): Promise<{ review: ReviewDesk; consoleDir: string | undefined }> {
  const review = service.reviewDesk({ minPrecision: o.minPrecision, ...(o.taxonomy !== undefined ? { taxonomy: await taxonomyPaths(o.taxonomy) } : {}) });
  let consoleDir: string | undefined;
  if (o.console) {
    if (statSync(path.join(CONSOLE_DIR, "index.html"), { throwIfNoEntry: false })?.isFile()) consoleDir = CONSOLE_DIR;
    else logger.warn({ dir: CONSOLE_DIR }, "the review console is not built (npm run build): not served");
  }
  return { review, consoleDir };
}
