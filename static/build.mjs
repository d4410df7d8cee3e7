// Build GOV.UK Frontend with Arial (no GDS Transport font, no crown) and our own files
// into static/dist/, which Django's staticfiles serves. Run with `npm run build`.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
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
// The script ends with a sourceMappingURL comment: ship the map it names.
cpSync(join(govuk, "govuk-frontend.min.js.map"), join(dist, "js", "govuk-frontend.min.js.map"));
// GOV.UK's images (crown, crest, favicons) and fonts are deliberately not copied: app.scss
// makes the CSS refer to none of them.
cpSync(join(here, "src", "js"), join(dist, "js"), { recursive: true });
cpSync(join(here, "src", "favicon.svg"), join(dist, "favicon.svg"));
cpSync(join(here, "src", "pdf"), join(dist, "pdf"), { recursive: true });

// Every file a built CSS or JS file refers to must be in dist/: collectstatic's manifest
// storage stops at the first missing one, and a browser would ask for it in vain.
const STATIC_URL = "/static/";
function* files(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}
function references(path) {
  const text = readFileSync(path, "utf8");
  const found = [...text.matchAll(/sourceMappingURL=([^\s*]+)/g)].map((m) => m[1]);
  if (path.endsWith(".css")) {
    for (const m of text.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/g)) {
      found.push(m[1] ?? m[2] ?? m[3]);
    }
    for (const m of text.matchAll(/@import\s+(?:"([^"]*)"|'([^']*)')/g)) found.push(m[1] ?? m[2]);
  }
  return found;
}
const problems = [];
for (const path of files(dist)) {
  if (!/\.(css|js)$/.test(path)) continue;
  for (const ref of references(path)) {
    if (ref.startsWith("data:") || ref.startsWith("#")) continue;
    if (/^[a-z]+:|^\/\//i.test(ref)) {
      problems.push(`${relative(dist, path)}: ${ref} is on another site (the CSP allows only 'self')`);
      continue;
    }
    const clean = ref.split(/[?#]/)[0];
    const target = clean.startsWith(STATIC_URL)
      ? join(dist, clean.slice(STATIC_URL.length))
      : clean.startsWith("/")
        ? null
        : join(dirname(path), clean);
    if (target === null) problems.push(`${relative(dist, path)}: ${ref} is outside ${STATIC_URL}`);
    else if (!existsSync(target)) problems.push(`${relative(dist, path)}: ${ref} is not in dist/`);
  }
}
if (problems.length) {
  console.error(`static/dist refers to files it does not have:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`static/dist built (${css.css.length} bytes of CSS)`);
