#!/usr/bin/env node
// Validate CycloneDX documents against the bom-1.6 JSON schema that the npm package
// @cyclonedx/cyclonedx-library ships (res/schema), with ajv (draft-07) and ajv-formats.
//   NODE_PATH=DIR/node_modules node cbom_validate.js FILE...
// Prints "ok FILE" or the first errors and exits 1 when any file is invalid.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

const dir = path.join(path.dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")),
	"res", "schema");
const load = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// Formats ajv-formats does not have: accepted as any string (as the library's own validator
// does), so that they are not silently "unknown".
ajv.addFormat("iri-reference", true);
ajv.addFormat("idn-email", true);
// The bom schema refers to its neighbours by file name, relative to its $id: register them
// under the URLs that resolves to.
const base = "http://cyclonedx.org/schema/";
for (const f of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
	const s = load(f);
	delete s.$id;
	ajv.addSchema(s, base + f);
}
const validate = ajv.compile(load("bom-1.6.SNAPSHOT.schema.json"));

let bad = 0;
for (const f of process.argv.slice(2)) {
	const doc = JSON.parse(fs.readFileSync(f, "utf8"));
	if (validate(doc)) {
		console.log("ok " + f);
		continue;
	}
	bad++;
	console.log("invalid " + f);
	for (const e of validate.errors.slice(0, 5))
		console.log("  " + e.instancePath + " " + e.message + " " + JSON.stringify(e.params));
}
process.exit(bad ? 1 : 0);
