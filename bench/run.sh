#!/usr/bin/env bash
# bench/run.sh - issue #6's benchmark suite in one command.
#
#   bash bench/run.sh [--quick] [--skip phase,...]
#
# Installs the Debian packages it needs (as root; python3-torch,
# python3-numpy, python3-matplotlib, libbenchmark-dev), builds lds-compile and
# the runtime into build-bench/ (LDS_BENCH_BUILD overrides), compiles every
# example and bench/models/gru64.lds with `lds-compile --target=cpu
# --cpu=native`, the hand-written loops with `g++ -O3 -march=native
# -ffast-math`, and the driver lds-bench; runs bench/bench.py (raw results in
# bench/results/raw.jsonl) and bench/report.py (bench/results/results.md and
# PNG plots), and prints results.md. --quick: small sizes and one repetition,
# for a smoke test (about a minute once built). Phases: peak verify torch
# timings compile converge memory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LDS_BENCH_BUILD:-$ROOT/build-bench}
OUT=$ROOT/bench/results
PY=${LDS_BENCH_PYTHON:-/usr/bin/python3}
ARGS=()
for a in "$@"; do
  case $a in
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) ARGS+=("$a") ;;
  esac
done

# 1. Packages.
need=()
for p in cmake ninja-build g++ llvm-19-dev libmlir-19-dev mlir-19-tools \
         libbenchmark-dev python3-numpy python3-matplotlib python3-torch; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "bench/run.sh: installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "bench/run.sh: not root: install ${need[*]} first" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    || true
fi
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "bench/run.sh: no python3-torch: trying pip's CPU wheel"
  "$PY" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
    || echo "bench/run.sh: no torch: the PyTorch rows will be missing" >&2
fi

# 2. lds-compile and the runtime.
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py >/dev/null
fi
ninja -C "$BUILD" lds-compile lds_runtime_static

# 3. The models, the hand loops and the driver (each rebuilt when older than
#    what it is made from).
stale() { # stale TARGET DEPS...: true if TARGET is missing or older than a dep
  local t=$1 d
  shift
  [ -e "$t" ] || return 0
  for d in "$@"; do [ "$d" -nt "$t" ] && return 0; done
  return 1
}
B=$BUILD/bench
mkdir -p "$B/models"
for f in "$ROOT"/examples/*.lds "$ROOT"/bench/models/*.lds; do
  n=$(basename "$f" .lds)
  if stale "$B/models/$n.o" "$f" "$BUILD/bin/lds-compile"; then
    "$BUILD/bin/lds-compile" "$f" -o "$B/models/$n.o" --header "$B/models/$n.h" \
      --target=cpu --cpu=native
  fi
done
HAND=()
for f in "$ROOT"/bench/hand/*.cpp; do
  o=$B/hand-$(basename "$f" .cpp).o
  if stale "$o" "$f" "$ROOT/bench/hand/hand.h"; then
    g++ -std=c++17 -O3 -march=native -ffast-math -c "$f" -o "$o"
  fi
  HAND+=("$o")
done
SRC=("$ROOT"/bench/src/*.cpp "$ROOT/tools/lds-run/RunData.cpp" "$ROOT/tools/lds-run/Npy.cpp")
if stale "$B/lds-bench" "${SRC[@]}" "$ROOT"/bench/src/*.h "${HAND[@]}" "$B"/models/*.o \
    "$BUILD/lib/liblds_runtime.a"; then
  g++ -std=c++17 -O2 -march=native -I"$ROOT/bench/hand" -I"$ROOT/runtime/include" \
    -I"$ROOT/tools/lds-run" -I"$B/models" "${SRC[@]}" "${HAND[@]}" "$B"/models/*.o \
    "$BUILD/lib/liblds_runtime.a" -lbenchmark -lpthread -o "$B/lds-bench"
fi

# 4. Measure, report.
rc=0
"$PY" "$ROOT/bench/bench.py" --root "$ROOT" --build "$BUILD" --out "$OUT" \
  --python "$PY" "${ARGS[@]}" || rc=$?
"$PY" "$ROOT/bench/report.py" "$OUT"
cat "$OUT/results.md"
# Non-zero when a measurement failed or lds, the hand loops and PyTorch
# disagree (lds-bench verify, torch_bench.py): --quick is a correctness smoke
# test; timings are never checked.
exit $rc
