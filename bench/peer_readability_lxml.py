# SPDX-License-Identifier: MIT
"""bench/extract peer: readability-lxml (Debian python3-readability), in one process.
Reads the pages named on the command line, then extracts each once untimed (the warm-up
round every tool gets) and ROUNDS times (title and article); prints "pages bytes seconds" (imports and file reading excluded)."""
import sys
import time

from readability import Document


def main():
    rounds = int(sys.argv[1])
    pages = []
    for name in sys.argv[2:]:
        with open(name, "rb") as f:
            pages.append(f.read())
    def extract_all():
        for page in pages:
            doc = Document(page)  # raw bytes: it finds the charset itself
            doc.title()
            doc.summary()

    extract_all()
    start = time.perf_counter()
    for _ in range(rounds):
        extract_all()
    seconds = time.perf_counter() - start
    print(len(pages) * rounds, sum(len(p) for p in pages) * rounds, "%.6f" % seconds)


if __name__ == "__main__":
    main()
