// Build GOV.UK Frontend with Arial (no GDS Transport font, no crown) and our own files
// into static/dist/, which Django's staticfiles serves. Run with `npm run build`.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const govuk = join(here, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "css"), { recursive: true });
mkdirSync(join(dist, "js"), { recursive: true });

const css = sass.compile(join(here, "src", "app.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions"],
});
writeFileSync(join(dist, "css", "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(dist, "js", "govuk-frontend.min.js"));
// GOV.UK's images (crown, crest, favicons) and fonts are deliberately not copied.
cpSync(join(here, "src", "js"), join(dist, "js"), { recursive: true });
cpSync(join(here, "src", "favicon.svg"), join(dist, "favicon.svg"));
cpSync(join(here, "src", "pdf"), join(dist, "pdf"), { recursive: true });
console.log(`static/dist built (${css.css.length} bytes of CSS)`);
