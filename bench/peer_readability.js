// SPDX-License-Identifier: MIT
// bench/extract peer: Readability.js with jsdom, in one process. Reads the pages named on
// the command line, then parses and extracts each once untimed (the warm-up round every tool
// gets) and ROUNDS times; prints
// "pages bytes seconds" (loading the modules and reading the files excluded).
"use strict";
const fs = require("fs");
const { JSDOM, VirtualConsole } = require("jsdom");
const { Readability } = require("@mozilla/readability");

const rounds = parseInt(process.argv[2], 10);
const files = process.argv.slice(3);
const pages = files.map((f) => fs.readFileSync(f));
const quiet = new VirtualConsole();
let bytes = 0;
for (const p of pages) bytes += p.length;
let found = 0;
function extractAll() {
  for (const page of pages) {
    // raw bytes, as served: jsdom sniffs the charset itself
    const dom = new JSDOM(page, { url: "http://fakehost/test/page.html", virtualConsole: quiet });
    const article = new Readability(dom.window.document).parse();
    if (article && article.textContent) found++;
    dom.window.close();
  }
}
extractAll();
const start = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) extractAll();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${pages.length * rounds} ${bytes * rounds} ${seconds.toFixed(6)}`);
