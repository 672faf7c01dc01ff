package runbook

// JSONSchemaVersion is the "schemaVersion" of every JSON output of
// runbook (list, check, status and the JSON report): one number for all,
// so that a script checks one thing. Adding optional fields keeps it;
// renaming, removing or changing the meaning of one bumps it, and the
// docs (docs/list-json.md, docs/cli.md, docs/report.schema.json) describe
// each version. Version 1 was the JSON report's alone; version 2 gave
// every output the field and the same names for the same things (a run
// is "name", its end "finished": a time or null).
const JSONSchemaVersion = 2
