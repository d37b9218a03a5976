#!/usr/bin/env bash
# Build the libFuzzer harnesses of tests/fuzz/: the same as ./dev build fuzz
# (configure --enable-fuzz CC=clang in .run/build-fuzz, then make fuzz;
# the harnesses are targets of Makefile.am).  Prints the build directory;
# the harnesses are in its tests/fuzz/.
exec "$(cd "$(dirname "$0")/../.." && pwd)/dev" build fuzz
