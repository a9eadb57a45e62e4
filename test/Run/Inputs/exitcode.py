#!/usr/bin/env python3
# ===- exitcode.py - run a command and check its exit status -------------=== #
#
#   exitcode.py N COMMAND ARGS...
# runs COMMAND with its output passed through and exits 0 if COMMAND exited
# with status N, else 1 (lit's `not` only tells zero from non-zero).
#
# ===--------------------------------------------------------------------=== #

import subprocess
import sys

expected = int(sys.argv[1])
status = subprocess.call(sys.argv[2:])
if status != expected:
    sys.stderr.write("exitcode.py: exit status %d, expected %d\n" %
                     (status, expected))
    sys.exit(1)
