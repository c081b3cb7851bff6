# SPDX-License-Identifier: MIT
# Writes OUT: a C file with each of FILES as a byte array, listed in nb_demo_files[] under
# its path relative to DIR.
set(body "/* Generated from data/demo by cmake/embed.cmake; do not edit. */\n#include \"app/demo_data.h\"\n\n")
set(table "")
set(index 0)
foreach(path ${FILES})
  file(RELATIVE_PATH name ${DIR} ${path})
  file(READ ${path} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char file_${index}[] = {${bytes} 0x00};\n")
  string(APPEND table "  {\"${name}\", file_${index}, ${size}},\n")
  math(EXPR index "${index} + 1")
endforeach()
string(APPEND body "\nconst nb_demo_file nb_demo_files[] = {\n${table}  {0, 0, 0},\n};\n")
file(WRITE ${OUT} "${body}")
