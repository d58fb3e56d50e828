#!/usr/bin/env bash
# Re-vendors the console's front-end libraries from node_modules (installed by `npm ci` from
# package-lock.json) into console/vendor/ and console/graphiql/vendor/, with their versions and
# licences. The console has no build step: these files are served as they are, embedded in the
# binary, so `cargo build` never needs Node.js. Run after changing a version in package.json:
#
#     npm install && bash scripts/vendor-console.sh
set -euo pipefail
cd "$(dirname "$0")/.."

modules=node_modules
if [ ! -d "$modules/preact" ]; then
    echo "node_modules is missing: run 'npm ci' first" >&2
    exit 1
fi

version_of() { node -p "require('./$modules/$1/package.json').version"; }
licence_of() { node -p "require('./$modules/$1/package.json').license"; }

# A vendored file keeps its own bytes, less the source-map comment (the maps are not shipped,
# and a browser would ask for them).
copy() {
    sed -e 's|//# sourceMappingURL=.*$||' -e 's|/\*# sourceMappingURL=.*\*/||' "$1" >"$2"
}

console_vendor=console/vendor
graphiql_vendor=console/graphiql/vendor
rm -rf "$console_vendor" "$graphiql_vendor"
mkdir -p "$console_vendor" "$graphiql_vendor"

copy "$modules/preact/dist/preact.mjs" "$console_vendor/preact.mjs"
# Bare specifiers need an import map, which would be an inline script: point at the file.
copy "$modules/preact/hooks/dist/hooks.mjs" "$console_vendor/hooks.tmp"
sed -e 's|from"preact"|from"./preact.mjs"|g' "$console_vendor/hooks.tmp" >"$console_vendor/hooks.mjs"
rm "$console_vendor/hooks.tmp"
copy "$modules/htm/dist/htm.mjs" "$console_vendor/htm.mjs"

copy "$modules/react/umd/react.production.min.js" "$graphiql_vendor/react.production.min.js"
copy "$modules/react-dom/umd/react-dom.production.min.js" "$graphiql_vendor/react-dom.production.min.js"
copy "$modules/graphiql/graphiql.min.js" "$graphiql_vendor/graphiql.min.js"
copy "$modules/graphiql/graphiql.min.css" "$graphiql_vendor/graphiql.min.css"

licences() {
    local out=$1
    shift
    {
        echo "# Vendored libraries"
        echo
        echo "Copied from the npm registry by scripts/vendor-console.sh; do not edit by hand."
        echo
        echo "| package | version | licence |"
        echo "| --- | --- | --- |"
        for package in "$@"; do
            echo "| $package | $(version_of "$package") | $(licence_of "$package") |"
        done
        for package in "$@"; do
            echo
            echo "## $package $(version_of "$package")"
            echo
            echo '```'
            cat "$modules/$package/LICENSE"* 2>/dev/null || echo "see the package's licence field"
            echo '```'
        done
    } >"$out"
}
# The land around the region, for the maps (no tile server): see scripts/extract-land.mjs.
node scripts/extract-land.mjs

licences "$console_vendor/VERSIONS.md" preact htm @geo-maps/countries-land-10km
licences "$graphiql_vendor/VERSIONS.md" graphiql react react-dom
echo "vendored into $console_vendor and $graphiql_vendor"
