#!/bin/bash
# gpu-bundle/run.sh - the GPU tests and benchmarks of issue #5, on a machine
# with a GPU (docs/BENCHMARKS.md, "GPU"; docs/runtime.md, "CUDA").
#
# Built here by `ninja -C build gpu-bundle` (statically linked: needs no
# LLVM, MLIR or lds build on the GPU machine, only the NVIDIA driver; the
# JAX phase needs python3 with JAX, the ncu phase Nsight Compute). Then
#
#   bash gpu-bundle/run.sh [--results DIR] [--pack FILE.tgz] [PHASE ...]
#
# runs the phases named (default: all, in this order), each under its own
# time limit (seconds; override with the variable named), each writing to
# the results folder (default gpu-bundle/results) and tolerant of the others
# failing:
#
#   examples  LDS_GPU_BUDGET_EXAMPLES=240  every example x solver on the GPU
#             against the float64 references: examples.txt, examples.xml
#   roofline  LDS_GPU_BUDGET_ROOFLINE=60   lds-gpu-roofline (measured DRAM
#             bandwidth and fp32/fp64 FMA peaks, nominal figures):
#             roofline.json; nvidia-smi: device.txt, nvidia-smi.csv
#   bench     LDS_GPU_BUDGET_BENCH=480     lds-gpu-bench (targets first, then
#             the sweep; it stops starting runs 45 s before the limit):
#             bench.csv, bench.log (with each new launch
#             configuration, LDS_GPU_TRACE=1)
#   jax       LDS_GPU_BUDGET_JAX=360       jax_run.py (jax_fixed_point.py) on
#             the issue's configurations, at most LDS_GPU_JAX_RUN_LIMIT=150 s
#             a run: jax.jsonl (one JSON line per run, timeouts too), jax.log;
#             skipped when JAX's default device is not a GPU
#   ncu       LDS_GPU_BUDGET_NCU=240       Nsight Compute on one iteration of
#             Picard and quasi-Newton at D = 64 (elementwise, gru64),
#             T = LDS_NCU_T=100000: ncu-<model>-<solver>.ncu-rep and .csv
#             (chosen metrics, raw page), and `--set full` reports of the
#             two roofline targets (ncu-*-full.*) while time is left
#   report    python3 gpu_report.py on the results: report.md
#
# Each phase writes phase-<name>.txt (its exit status and time). Default
# total: about 24 minutes. The device machine of this project's sessions
# runs a command for at most 10 minutes: there, run the phases in several
# calls, each packing its results for the way back, e.g.
#
#   bash gpu-bundle/run.sh --pack $OUT/r1.tgz roofline bench          # ~9 min
#   bash gpu-bundle/run.sh --pack $OUT/r2.tgz examples ncu            # ~8 min
#   bash gpu-bundle/run.sh --pack $OUT/r3.tgz jax report              # ~6 min
#
# and unpack them into one folder here (tar xzf r1.tgz; ...), then
# `python3 bench/gpu_report.py gpu-bundle/results`.
#
# Exit status: 0 when every phase run succeeded, 3 when no GPU was usable
# (every phase says so and stops early), 1 otherwise.
set -u
bundle="$(cd "$(dirname "$0")" && pwd)"
results="$bundle/results"
pack=""
phases=()
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results="$2"; shift 2 ;;
    --pack) pack="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d'; exit 0 ;;
    examples|roofline|bench|jax|ncu|report) phases+=("$1"); shift ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
[ ${#phases[@]} -eq 0 ] && phases=(examples roofline bench jax ncu report)
mkdir -p "$results"
cd "$bundle"
start_all=$(date +%s)

# The two large executables travel gzipped (the device tool carries 64 MiB
# at most; they take about 60 MiB unpacked, 14 MiB packed).
if [ -f bin.tar.gz ] && { [ ! -x lds-gpu-bench ] || [ ! -x lds-gpu-examples-tests ]; }; then
  tar xzf bin.tar.gz || { echo "run.sh: cannot unpack bin.tar.gz" >&2; exit 1; }
fi

# Is a GPU usable? The emulator (LDS_GPU_EMULATE=1, a testing aid) stands
# in for one in the lds phases, never in the JAX and ncu phases.
gpu_reason=""
if ! command -v nvidia-smi >/dev/null 2>&1; then
  gpu_reason="nvidia-smi not found (no NVIDIA driver)"
elif ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  gpu_reason="nvidia-smi lists no GPU: $(nvidia-smi -L 2>&1 | head -n 1)"
fi
emulate=0
[ "${LDS_GPU_EMULATE:-}" = "1" ] && emulate=1
echo "run.sh: phases: ${phases[*]}; results in $results"
if [ -n "$gpu_reason" ]; then
  echo "run.sh: no usable GPU: $gpu_reason"
  [ $emulate = 1 ] && echo "run.sh: LDS_GPU_EMULATE=1: the lds phases run on the GPU emulator (not GPU numbers)"
fi

failed=0
nogpu=0
# phase NAME BUDGET STATUS NOTE: records a phase's outcome.
record() {
  local name=$1 budget=$2 status=$3 seconds=$4 note=${5:-}
  local line="phase $name: exit $status after ${seconds} s (limit ${budget} s)"
  [ $status = 124 ] && line="$line: TIMED OUT"
  [ -n "$note" ] && line="$line: $note"
  echo "$line" > "$results/phase-$name.txt"
  echo "run.sh: $line"
  summary="$summary  $line
"
}
summary=""

phase_examples() {
  LDS_GPU_TEST_LENGTHS=${LDS_GPU_TEST_LENGTHS:-1,2,37,1000,100000} \
  LDS_GPU_TEST_BATCHES=${LDS_GPU_TEST_BATCHES:-1,16} \
    timeout -k 10 "$1" ./lds-gpu-examples-tests \
      --gtest_output=xml:"$results/examples.xml" > "$results/examples.txt" 2>&1
  local status=$?
  tail -n 3 "$results/examples.txt"
  if grep -q "^\[  PASSED  \] 0 tests" "$results/examples.txt"; then
    grep -m1 "no GPU" "$results/examples.txt"
    note="every GPU test was skipped: no usable GPU"
    return 3
  fi
  return $status
}

phase_roofline() {
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi > "$results/device.txt" 2>&1
    nvidia-smi -q >> "$results/device.txt" 2>&1
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit,pci.bus_id \
      --format=csv > "$results/nvidia-smi.csv" 2>&1
  else
    echo "nvidia-smi not found" > "$results/device.txt"
  fi
  if [ ! -x ./lds-gpu-roofline ] && [ -f Roofline.cu ] && command -v nvcc >/dev/null; then
    echo "run.sh: building lds-gpu-roofline with this machine's nvcc"
    nvcc -O3 -std=c++17 -cudart static -arch=native Roofline.cu -o lds-gpu-roofline \
      > "$results/roofline-build.log" 2>&1
  fi
  if [ ! -x ./lds-gpu-roofline ]; then
    note="no lds-gpu-roofline in the bundle (nvcc was missing when it was built)"
    return 1
  fi
  timeout -k 10 "$1" ./lds-gpu-roofline > "$results/roofline.json" 2> "$results/roofline.log"
  local status=$?
  # A roofline binary the driver cannot run (a CUDA runtime newer than the
  # driver): rebuild it here when nvcc is at hand, and try once more.
  if [ $status = 2 ] && [ -z "$gpu_reason" ] && [ -f Roofline.cu ] \
     && command -v nvcc >/dev/null && grep -q Insufficient "$results/roofline.json"; then
    nvcc -O3 -std=c++17 -cudart static -arch=native Roofline.cu -o /tmp/lds-gpu-roofline \
      > "$results/roofline-build.log" 2>&1 &&
      timeout -k 10 "$1" /tmp/lds-gpu-roofline > "$results/roofline.json" 2> "$results/roofline.log"
    status=$?
  fi
  cat "$results/roofline.log"
  [ $status = 2 ] && note="no usable GPU" && return 3
  return $status
}

phase_bench() {
  local deadline=$(( $1 - 45 ))
  [ $deadline -lt 30 ] && deadline=30
  # LDS_GPU_TRACE: each launch configuration, once (kernel, grid, block,
  # what the kernel's registers allow) goes to bench.log with the timings.
  LDS_BENCH_DEADLINE=${LDS_BENCH_DEADLINE:-$deadline} LDS_GPU_TRACE=${LDS_GPU_TRACE:-1} \
    timeout -k 10 "$1" ./lds-gpu-bench > "$results/bench.csv" 2> "$results/bench.log"
  local status=$?
  # Column 10 is the status (the columns before it hold no commas).
  note=$(awk -F, '!/^#/ && $1 != "kind" { n[$10]++ }
    END { s = ""; for (k in n) s = s (s ? ", " : "") n[k] " " k; print s " rows" }' \
    "$results/bench.csv")
  grep -v "^lds_solve: .* launch of " "$results/bench.log" | tail -n 3
  [ $status = 2 ] && note="no usable GPU: $(head -n 1 "$results/bench.log")" && return 3
  return $status
}

# The JAX runs, most important first: the issue's targets (GRU D = 8,
# T = 100k; Newton on Langevin D = 256, T = 30k, expected to run out of
# memory: a result), then the configurations lds-gpu-bench runs.
jax_runs() {
  cat <<'EOF'
--model gru --D 8 --T 100000 --solver newton
--model gru --D 8 --T 100000 --solver quasi-newton
--model gru --D 8 --T 100000 --solver jacobi
--model langevin --D 256 --T 30000 --solver newton
--model elementwise --D 64 --T 100000 --solver quasi-newton
--model gru --D 64 --T 10000 --solver quasi-newton
--model gru --D 64 --T 10000 --solver newton
--model langevin --D 32 --T 10000 --solver picard
--model s5 --T 10000 --solver newton
--model gru --D 8 --T 100000 --solver picard
--model gru --D 8 --T 1000000 --solver newton
--model elementwise --D 64 --T 1000000 --solver quasi-newton
--model langevin --D 256 --T 30000 --solver picard
--model langevin --D 64 --T 10000 --solver picard
--model langevin --D 128 --T 10000 --solver picard
--model s5 --T 100000 --solver newton
--model gru --D 8 --T 1000 --solver newton
--model gru --D 8 --T 10000 --solver newton
EOF
}

phase_jax() {
  if [ -n "$gpu_reason" ]; then
    note="skipped: no usable GPU ($gpu_reason)"
    return 3
  fi
  if [ ! -f jax_fixed_point.py ] || [ ! -f jax_run.py ]; then
    note="jax_fixed_point.py or jax_run.py is not in the bundle"
    return 1
  fi
  local platform
  platform=$(python3 -c 'import jax; print(jax.devices()[0].platform)' 2> "$results/jax.log")
  if [ -z "$platform" ]; then
    note="python3 cannot import jax (jax.log)"
    return 1
  fi
  # JAX falls back to the CPU when its CUDA plugin fails: not a comparison.
  if [ "$platform" != gpu ] && [ "${LDS_GPU_JAX_ANY_DEVICE:-0}" != 1 ]; then
    note="JAX's default device is '$platform', not a GPU (jax.log)"
    return 1
  fi
  local limit=${LDS_GPU_JAX_RUN_LIMIT:-150} t0 left run_limit argv n=0
  t0=$(date +%s)
  : > "$results/jax.jsonl"
  local runs
  runs=$(jax_runs)
  [ -n "${LDS_GPU_JAX_RUNS:-}" ] && runs=$(cat "$LDS_GPU_JAX_RUNS")
  while IFS= read -r argv; do
    [ -z "$argv" ] && continue
    left=$(( $1 - ($(date +%s) - t0) - 5 ))
    if [ $left -lt 20 ]; then
      printf '{"argv": "%s", "error": "skipped", "message": "the JAX phase ran out of time"}\n' \
        "$argv --batch 16" >> "$results/jax.jsonl"
      continue
    fi
    run_limit=$limit
    [ $left -lt $run_limit ] && run_limit=$left
    echo "== jax_run.py $argv (limit ${run_limit} s)" >> "$results/jax.log"
    # The lds defaults for f32 (atol 1e-5, rtol 1e-4); JAX may take all of
    # the GPU's memory as it needs it, none up front.
    # shellcheck disable=SC2086
    XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1 \
      timeout -k 10 "$run_limit" python3 jax_run.py $argv --batch 16 \
        --atol 1e-5 --rtol 1e-4 --reps 3 --warmup 1 \
        > "$results/jax-run.out" 2>> "$results/jax.log"
    local status=$?
    if grep -q '^{' "$results/jax-run.out"; then
      grep '^{' "$results/jax-run.out" | tail -n 1 >> "$results/jax.jsonl"
    else
      if [ $status = 124 ] || [ $status = 137 ]; then
        printf '{"argv": "%s", "error": "timeout", "message": "stopped at the limit of %d s for a run"}\n' \
          "$argv --batch 16" "$run_limit" >> "$results/jax.jsonl"
      else
        printf '{"argv": "%s", "error": "crash", "message": "exit %d without a JSON line (see jax.log)"}\n' \
          "$argv --batch 16" $status >> "$results/jax.jsonl"
      fi
    fi
    n=$((n + 1))
    tail -n 1 "$results/jax.jsonl"
  done <<< "$runs"
  rm -f "$results/jax-run.out"
  note="$n runs in jax.jsonl"
  return 0
}

find_ncu() {
  command -v ncu 2>/dev/null && return
  ls -d /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | tail -n 1
}

phase_ncu() {
  if [ -n "$gpu_reason" ]; then
    note="skipped: no usable GPU ($gpu_reason)"
    return 3
  fi
  local ncu
  ncu=$(find_ncu)
  if [ -z "$ncu" ]; then
    note="skipped: ncu not found"
    return 0
  fi
  local T=${LDS_NCU_T:-100000} t0 model solver base
  local metrics=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum
  metrics=$metrics,dram__throughput.avg.pct_of_peak_sustained_elapsed
  metrics=$metrics,sm__throughput.avg.pct_of_peak_sustained_elapsed
  metrics=$metrics,sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active
  metrics=$metrics,smsp__sass_thread_inst_executed_op_ffma_pred_on.sum
  metrics=$metrics,smsp__sass_thread_inst_executed_op_fadd_pred_on.sum
  metrics=$metrics,smsp__sass_thread_inst_executed_op_fmul_pred_on.sum
  metrics=$metrics,sm__warps_active.avg.pct_of_peak_sustained_active
  metrics=$metrics,launch__registers_per_thread
  local basic=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum
  t0=$(date +%s)
  "$ncu" --version > "$results/ncu.log" 2>&1
  # profile LIMIT_CAP REPORT NCU_OPTIONS...: the first reduce, scan and sweep
  # launch (the benchmark's untimed first iteration) into REPORT.ncu-rep,
  # then its raw page as CSV into REPORT.csv.
  profile() {
    local cap=$1 rep=$2 left
    shift 2
    left=$(( budget_ncu - ($(date +%s) - t0) - 10 ))
    if [ $left -lt 20 ]; then
      echo "ncu: no time left for $rep" >> "$results/ncu.log"
      return 1
    fi
    [ $left -gt "$cap" ] && left=$cap
    echo "== ncu $* ($model $solver T=$T, limit $left s)" >> "$results/ncu.log"
    rm -f "$rep.ncu-rep" "$rep.csv"
    timeout -k 5 "$left" "$ncu" --clock-control none -k 'regex:_(reduce|scan|sweep)$' \
      -c 3 -f -o "$rep" "$@" ./lds-gpu-bench iteration "$model" "$solver" "$T" --reps 1 \
      >> "$results/ncu.log" 2>&1
    [ -f "$rep.ncu-rep" ] || return 1
    "$ncu" --import "$rep.ncu-rep" --csv --page raw > "$rep.csv" 2>> "$results/ncu.log"
    grep -q '"Kernel Name"' "$rep.csv"
  }
  local budget_ncu=$1
  for cfg in "elementwise picard" "elementwise quasi-newton" "gru64 picard" "gru64 quasi-newton"; do
    read -r model solver <<< "$cfg"
    base="$results/ncu-$model-$solver"
    profile 90 "$base" --metrics "$metrics" ||
      profile 90 "$base" --metrics "$basic" ||
      echo "ncu: $cfg: no metrics" >> "$results/ncu.log"
  done
  # The full set for the two roofline targets, for a human with ncu-ui.
  for cfg in "elementwise picard" "gru64 quasi-newton"; do
    read -r model solver <<< "$cfg"
    profile 120 "$results/ncu-$model-$solver-full" --set full ||
      echo "ncu: $cfg: no full report" >> "$results/ncu.log"
  done
  local tables
  tables=$(grep -l '"Kernel Name"' "$results"/ncu-*.csv 2>/dev/null | wc -l)
  note="$tables metric tables ($ncu)"
  [ "$tables" -gt 0 ] && return 0
  return 1
}

phase_report() {
  if ! command -v python3 >/dev/null; then
    note="python3 not found"
    return 1
  fi
  timeout -k 5 "$1" python3 gpu_report.py "$results" > "$results/report.md" 2> "$results/report.log"
  local status=$?
  sed -n '/^## Targets/,/^## [^T]/p' "$results/report.md" | head -n 20
  return $status
}

for phase in "${phases[@]}"; do
  case $phase in
    examples) budget=${LDS_GPU_BUDGET_EXAMPLES:-240} ;;
    roofline) budget=${LDS_GPU_BUDGET_ROOFLINE:-60} ;;
    bench) budget=${LDS_GPU_BUDGET_BENCH:-480} ;;
    jax) budget=${LDS_GPU_BUDGET_JAX:-360} ;;
    ncu) budget=${LDS_GPU_BUDGET_NCU:-240} ;;
    report) budget=60 ;;
  esac
  echo "run.sh: == $phase (limit $budget s), $(date -u +%H:%M:%S) UTC"
  note=""
  t=$(date +%s)
  "phase_$phase" "$budget"
  status=$?
  record "$phase" "$budget" "$status" $(( $(date +%s) - t )) "$note"
  case $status in
    0) ;;
    3) nogpu=1 ;;
    *) failed=1 ;;
  esac
done

echo "run.sh: summary ($(( $(date +%s) - start_all )) s):"
printf '%s' "$summary"
if [ -n "$pack" ]; then
  tar czf "$pack" -C "$(dirname "$results")" "$(basename "$results")"
  # The device tool brings back files of at most 16 MiB: leave out the
  # full ncu reports when they would make it larger.
  if [ "$(stat -c %s "$pack")" -gt 15728640 ]; then
    tar czf "$pack" --exclude='*.ncu-rep' -C "$(dirname "$results")" "$(basename "$results")"
    echo "run.sh: $pack without the .ncu-rep files (over 15 MiB with them)"
  fi
  echo "run.sh: packed $results into $pack ($(du -h "$pack" | cut -f1))"
fi
[ $failed = 1 ] && exit 1
[ $nogpu = 1 ] && exit 3
exit 0
