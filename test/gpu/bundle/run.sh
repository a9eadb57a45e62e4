#!/bin/bash
# gpu-bundle/run.sh - the GPU tests and benchmarks, on a machine with a GPU.
#
# Built here by `ninja -C <build> gpu-bundle` (statically linked: needs no
# LLVM, MLIR or lds build on the GPU machine, only the NVIDIA driver), run
# there as `bash gpu-bundle/run.sh`. Writes gpu-bundle/results/:
#   device.txt     nvidia-smi
#   examples.txt   every example x solver on the GPU against the float64
#                  references (gtest output; examples.xml the same as XML)
#   bench.csv      lds-gpu-bench (stderr in bench.log)
# Exit status: that of the examples' tests (0: all passed), or 3 when they
# were all skipped (no usable GPU: the reason is in results/examples.txt).
set -u
cd "$(dirname "$0")"
mkdir -p results
nvidia-smi > results/device.txt 2>&1 || echo "nvidia-smi failed" >> results/device.txt

LDS_GPU_TEST_LENGTHS=${LDS_GPU_TEST_LENGTHS:-1,2,37,1000,100000} \
LDS_GPU_TEST_BATCHES=${LDS_GPU_TEST_BATCHES:-1,16} \
  ./lds-gpu-examples-tests --gtest_output=xml:results/examples.xml \
  > results/examples.txt 2>&1
status=$?
tail -n 3 results/examples.txt

if grep -q "^\[  PASSED  \] 0 tests" results/examples.txt; then
  grep -m1 "no GPU" results/examples.txt
  echo "run.sh: every GPU test was skipped: no usable GPU"
  status=3
fi

./lds-gpu-bench > results/bench.csv 2> results/bench.log
echo "lds-gpu-bench: exit $? ($(wc -l < results/bench.csv) lines in results/bench.csv)"
exit $status
