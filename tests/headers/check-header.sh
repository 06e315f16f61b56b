#!/bin/sh
# SPDX-License-Identifier: MIT
# check-header.sh LANG HEADER COMPILER [ARGS...]
#
# Compiles a translation unit that includes HEADER twice (so a missing
# include guard shows too) and nothing else, as LANG (c or c++), with the
# given compiler and flags.  Exit 0 when it builds, 1 with the compiler's
# messages when it does not.
set -eu
lang=$1 header=$2
shift 2
printf '#include "%s"\n#include "%s"\nint ose_header_check_anchor;\n' "$header" "$header" |
	"$@" -x "$lang" -fsyntax-only -
