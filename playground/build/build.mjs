// Bundles playground.jsx (React, GraphiQL, graphql, graphql-ws and the page's
// own code) into ../assets/playground.js and ../assets/playground.css, minified,
// without source maps, and lists the bundled npm packages and their licences
// in ../assets/LICENSES.txt. Run through build.sh, after npm ci.
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../assets/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: ['playground.jsx'],
  outfile: new URL('playground.js', out).pathname,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none', // LICENSES.txt names every package instead
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});

// Every package with code in the bundle, from the inputs esbuild kept.
const packages = new Map();
for (const output of Object.values(result.metafile.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const m = input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (!m || packages.has(m[1])) continue;
    const pkg = JSON.parse(readFileSync(`node_modules/${m[1]}/package.json`, 'utf8'));
    packages.set(m[1], `${pkg.name}@${pkg.version} ${pkg.license ?? 'see its package'}`);
  }
}
const lines = [...packages.values()].sort();
writeFileSync(
  new URL('LICENSES.txt', out),
  'playground.js and playground.css bundle these npm packages, each under its own licence\n' +
    '(built by ../build/build.sh from ../build/package-lock.json):\n\n' +
    lines.join('\n') +
    '\n',
);
