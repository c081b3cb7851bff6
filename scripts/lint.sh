#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks: formatting (clang-format), banned functions (docs/STYLE.md), cppcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'bench/*.c')

if ! clang-format --dry-run --Werror $files 2>/dev/null; then
  echo "lint: formatting differs from .clang-format (run: make format)"
  status=1
fi

banned='\b(gets|strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atof|gmtime|localtime|ctime|asctime|alloca|mktime)[[:space:]]*\('
# Comment lines may name them.
if grep -nE "$banned" $(git ls-files 'src/*.c' 'src/*.h') | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*([[:space:]/]|$))'; then
  echo "lint: banned functions above (see docs/STYLE.md for the safe forms)"
  status=1
fi

if command -v cppcheck >/dev/null; then
  cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
    --suppress=missingIncludeSystem -I src src || status=1
fi
exit $status
