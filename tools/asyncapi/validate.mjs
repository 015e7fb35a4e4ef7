// Parse an AsyncAPI document with the official parser and print what it found, as JSON:
// {"diagnostics": [{"severity", "code", "message", "path"}], "messages": <count>|null, "version"}.
// Usage: node validate.mjs <document.json>. Exit status 0 when the parser ran, whatever it found.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const SEVERITIES = ["error", "warning", "information", "hint"];

const path = process.argv[2];
if (!path) {
  console.error("usage: node validate.mjs <document.json>");
  process.exit(2);
}
const source = await readFile(path, "utf8");
const { document, diagnostics } = await new Parser().parse(source, { source: path });
const report = {
  version: document ? document.version() : null,
  messages: document ? document.allMessages().length : null,
  diagnostics: diagnostics.map((d) => ({
    severity: SEVERITIES[d.severity] ?? String(d.severity),
    code: String(d.code),
    message: d.message,
    path: d.path.join("."),
  })),
};
process.stdout.write(JSON.stringify(report) + "\n");
