// The registry mirror this project is developed against serves only the linux-x64 builds of
// packages with per-platform binaries (@swc/core-*, @unrs/resolver-binding-*, ...), so `npm install`
// here leaves the other platforms' optional packages out of package-lock.json, and `npm ci` then
// refuses the lockfile. This adds the missing optional entries (name + version, as npm would) so
// `npm ci` works here and on a full registry, where npm resolves them for the platform at hand.
// Run after every `npm install` that changes dependencies: `node scripts/complete-lockfile.mjs`.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
    if (!pkgs[nested] && !pkgs[`node_modules/${name}`]) {
      pkgs[`node_modules/${name}`] = { version, optional: true };
      added += 1;
    }
  }
}
if (added) fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lockfile: ${added} optional platform entries added\n`);
