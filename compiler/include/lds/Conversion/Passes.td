//===- Passes.td - lds conversion passes -------------------*- tablegen -*-===//
//
// Passes that turn the lds dialect into executable code. The derived step
// functions (`@M_f`, `@M_jvp`, `@M_jac`, `@M_jac_diag`, see the contract for
// derived functions) are `func.func`s whose bodies use lds compute ops on
// static tensors; these passes lower them.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_CONVERSION_PASSES_TD
#define LDS_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def LDSLowerToLoops : Pass<"lds-lower-to-loops", "mlir::ModuleOp"> {
  let summary = "lower the lds ops of func.funcs to scalar loops on memrefs";
  let description = [{
    Rewrites every `func.func` that uses lds ops or static tensors into
    scalar code on memrefs, the core of the CPU backend:

    - every tensor value becomes a `memref.alloca` buffer of its static
      shape (`tensor<f32>` becomes `memref<f32>`), placed in the function's
      entry block so that LLVM sees static stack slots (with
      `max-alloca-bytes`, larger buffers are heap-allocated instead and freed
      before returning); large stack buffers whose lifetimes do not
      overlap share one alloca (`share-buffers-from`, 1 KiB by default), as
      MLIR's allocas carry no lifetime markers for LLVM's stack colouring;
    - every lds op becomes an `scf.for` nest of `arith`/`math` ops that fills
      its result buffer (non-splat constants become `memref.global`s); with
      `fuse-loops-from=N`, a nest whose innermost loop runs at least N
      iterations then merges into
      the next when both visit the same indices and every buffer either
      writes is accessed only at the nest's own indices, so an elementwise
      chain becomes one loop whose intermediates are scalars;
    - each tensor argument becomes a memref argument of the same shape, and
      each tensor result becomes an extra trailing out-parameter memref that
      the function writes before returning (it then returns nothing). The
      results are copied out at the end, so an out-parameter may alias an
      input.

    After `convert-func-to-llvm{use-bare-ptr-memref-call-conv=1}` the C
    signature is therefore
    `void M_f(const F *x, const F *inputs..., const F *params..., F *out)`.

    Semantics follow the op descriptions: `lds.gather` clamps its index to
    `[0, dim0)`; `lds.diag_part` reads 0 where its shifted diagonal leaves
    the matrix; `lds.logsumexp` and `lds.softplus` are computed stably;
    `lds.max`/`lds.min` and the reductions propagate NaN
    (`arith.maximumf`/`arith.minimumf`); `lds.cmp` uses ordered predicates.

    `lds.model` ops are not executable: they are left alone, or erased with
    `drop-models`.

    ```mlir
    func.func @M_f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %0 = lds.tanh %x : tensor<2xf32>
      return %0 : tensor<2xf32>
    }
    // becomes
    func.func @M_f(%x: memref<2xf32>, %out: memref<2xf32>) {
      %buf = memref.alloca() : memref<2xf32>
      scf.for %i = %c0 to %c2 step %c1 {
        %v = memref.load %x[%i] : memref<2xf32>
        %t = math.tanh %v : f32
        memref.store %t, %buf[%i] : memref<2xf32>
      }
      memref.copy %buf, %out : memref<2xf32> to memref<2xf32>
      return
    }
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect",
    "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
  let options = [
    Option<"dropModels", "drop-models", "bool", /*default=*/"false",
           "Erase the lds.model ops (they are not executable) after lowering "
           "the functions">,
    Option<"maxAllocaBytes", "max-alloca-bytes", "int64_t", /*default=*/"0",
           "Put a buffer larger than this many bytes on the heap "
           "(memref.alloc, freed before returning) instead of the stack; "
           "0: every buffer on the stack">,
    Option<"shareBuffersFrom", "share-buffers-from", "int64_t",
           /*default=*/"1024",
           "Stack buffers of at least this many bytes whose lifetimes do not "
           "overlap share memory (one aligned i8 alloca viewed by each); "
           "0: every buffer has its own">,
    Option<"fuseLoopsFrom", "fuse-loops-from", "int64_t", /*default=*/"0",
           "Merge each loop nest whose innermost loop runs at least this "
           "many iterations into the next when they visit the same indices and share buffers only "
           "element by element (a chain of elementwise ops becomes one pass "
           "with its intermediates in registers); buffers left write-only "
           "are erased. 0: no merging">,
    Option<"storeResultsInPlace", "store-results-in-place", "bool",
           /*default=*/"false",
           "With fuse-loops-from, the last nest stores the results into the "
           "out-parameters instead of buffers copied there at the end, when "
           "it reads the arguments of their types at its own indices only "
           "(the GPU pipeline's choice: no local-memory buffer; on the CPU "
           "the out-parameter, which may alias those arguments, kept LLVM "
           "from vectorising the loop)">,
    Option<"foldTransposes", "fold-transposes", "bool", /*default=*/"false",
           "A matmul whose left operand is an lds.transpose reads the "
           "transpose's operand with swapped indices; the transpose's buffer "
           "is dropped when nothing else reads it (the GPU pipeline's "
           "choice: less local memory; on the CPU the copy keeps the "
           "contraction contiguous and vectorisable)">,
    Option<"productsByRows", "products-by-rows", "bool", /*default=*/"false",
           "A matrix-matrix product (not in an lds.cooperative function, not "
           "of a folded transpose) zeroes its result, then "
           "adds lhs[i, k] * rhs[k, :] to each row i for k in order: the "
           "inner loop runs along rows (the CPU pipeline's choice: a dot "
           "product per element read rhs by columns)">,
  ];
}

def LDSDistributeOverBlock : Pass<"lds-distribute-over-block",
                                  "mlir::ModuleOp"> {
  let summary = "split the work of `lds.cooperative` functions over the "
                "threads of a GPU thread block";
  let description = [{
    For block-cooperative GPU kernels, where every thread of a thread block
    calls the same step function with the same arguments. Runs on the scalar
    loops of `lds-lower-to-loops` and only changes the `func.func`s that
    carry the unit attribute `lds.cooperative`:

    - every buffer (`memref.alloca`, all in the entry block) becomes a
      `memref.view` of its own 64-byte aligned range of a new trailing
      argument `memref<Nxi8>`, the block scratch that the caller shares
      among the block's threads; the function records N (at least 64) as
      `lds.scratch_bytes`, which func-to-llvm keeps on the `llvm.func`;
    - the thread index and count come from calls to `@lds_coop_tid()` and
      `@lds_coop_ntid()` at entry, barriers are calls to
      `@lds_coop_barrier()` (private declarations the pass adds; the GPU
      target defines them);
    - each top-level op that writes memory is split over the threads: an
      `scf.for` without iter_args whose iterations write disjoint slices
      (every store at the loop's index, plus an invariant offset, into a
      buffer the loop does not read: the loop nests that fill a buffer)
      runs iterations `tid, tid + ntid, ...` in each thread; a
      `memref.copy` becomes such a loop nest; anything else (a rank-0
      store or copy, a loop that fails the check) runs in thread 0 under
      `scf.if`. A barrier follows each writing op (its writes are then
      visible to every thread, and to the caller after the last one) and
      precedes one that may overwrite memory read since the last barrier
      (write after read: a buffer that ShareBuffers reuses, an
      out-parameter that aliases an input; at entry, the caller's reads);
      buffers are told apart by their ranges of the scratch;
    - the rest (index arithmetic, loads, scalar folds that only load) is
      computed redundantly by every thread.

    A writing op with results, a buffer outside the entry block or a heap
    buffer is an error.

    ```mlir
    func.func @f(%x: memref<4xf32>, %out: memref<4xf32>)
        attributes {lds.cooperative} {
      %buf = memref.alloca() : memref<4xf32>
      scf.for %i = %c0 to %c4 step %c1 {
        ... memref.store %t, %buf[%i] : memref<4xf32>
      }
      memref.copy %buf, %out : memref<4xf32> to memref<4xf32>
      return
    }
    // becomes
    func.func @f(%x: memref<4xf32>, %out: memref<4xf32>,
                 %scratch: memref<64xi8> {llvm.noalias, ...})
        attributes {lds.cooperative, lds.scratch_bytes = 64 : i64} {
      %tid = call @lds_coop_tid() : () -> index
      %ntid = call @lds_coop_ntid() : () -> index
      %buf = memref.view %scratch[%c0][] : memref<64xi8> to memref<4xf32>
      call @lds_coop_barrier() : () -> ()
      %lb = arith.addi %c0, (%tid * %c1)
      %step = arith.muli %c1, %ntid : index
      scf.for %i = %lb to %c4 step %step { ... }
      call @lds_coop_barrier() : () -> ()
      scf.for %i = %lb2 to %c4 step %step2 {
        %v = memref.load %buf[%i] : memref<4xf32>
        memref.store %v, %out[%i] : memref<4xf32>
      }
      call @lds_coop_barrier() : () -> ()
      return
    }
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
}

def LDSCPUFastMath : Pass<"lds-cpu-fast-math", "mlir::ModuleOp"> {
  let summary = "vectorisable math for the CPU: f32 polynomial approximations "
                "and the fast-math flags that keep NaN and Inf";
  let description = [{
    Runs on the scalar loops of `lds-lower-to-loops`, before they leave the
    `math` and `arith` dialects:

    - every f32 `math` op with a polynomial approximation in MLIR (`tanh`,
      `exp`, `log`, `log1p`, `expm1`, `erf`, `sin`, `cos`, `atan`, ...)
      becomes that approximation: arith ops LLVM can vectorise, instead of a
      call to the C library (a few ulp from libm; f64 keeps libm, exact);
    - every floating-point `arith` op gets `contract` (FMA formation);
    - an `arith.addf` or `arith.mulf` that folds a loop-carried value of an
      `scf.for` (a sum, a dot product, a mat-vec row) also gets `reassoc`,
      so that LLVM's loop vectoriser may split the accumulator.

    Unlike `-ffast-math`, no flag assumes the absence of NaN or Inf
    (`nnan`, `ninf`): the stopping test and the fallbacks rely on them.

    ```mlir
    %s = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %p = arith.mulf %a, %b : f32
      %n = arith.addf %acc, %p : f32
      scf.yield %n : f32
    }
    // becomes
      %p = arith.mulf %a, %b fastmath<contract> : f32
      %n = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect",
  ];
}

def LDSLimitStack : Pass<"lds-limit-stack", "mlir::ModuleOp"> {
  let summary = "Keep each function's stack buffers within a limit (CPU)";
  let description = [{
    The largest stack buffers of each function (the allocas of its entry
    block, after lds-lower-to-loops' sharing) go to the heap until those
    left take at most `max-stack-bytes` in all. They share one 64-byte
    aligned i8 block (`memref.alloc`, freed before every return) that each
    views at its own offset; the views of a moved shared byte buffer view
    the block directly. The rest of the function runs only if the block
    was allocated; otherwise it stores the block's size in the module's
    thread-local `lds.alloc_failure` (an `llvm.mlir.global`, for the
    runtime to report out of memory) and returns. Functions tagged
    `lds.cooperative` or `lds.lanes` are left alone.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
  let options = [
    Option<"maxStackBytes", "max-stack-bytes", "int64_t",
           /*default=*/"262144",
           "Stack buffers a function may keep, in bytes; 0: no limit">,
  ];
}

def LDSRowOrderTransposes : Pass<"lds-row-order-transposes",
                                  "mlir::ModuleOp"> {
  let summary = "Mat-vecs over transposed params in row order (CPU)";
  let description = [{
    grad's reverse pass multiplies by transposed params (Langevin's
    `L^T (x - mu)`), which lds-lower-to-loops copies into a buffer T so that
    each row's sum `sum_k T[i, k] * V[k]` reads contiguous values. This
    removes the copy, a D x D load and store a call: where every load of a
    transposed copy T of a read-only argument P is in such a row sum, each
    sum becomes `S = 0; for k { for i { S[i] += P[k, i] * V[k] } }` before
    its row loop (contiguous in i, vectorised over it) and the row loop
    reads `S[i]`. Each S[i] adds its products in the order the row sum did.
    Functions with lanes (`lds.lanes`, which lds-widen-lanes already read
    in place) and cooperative ones are left alone.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
}

def LDSWidenLanes : Pass<"lds-widen-lanes", "mlir::ModuleOp"> {
  let summary = "f for several sequences at once: each `@M_f` of the scalar "
                "loops gains `@M_f_lanes`, whose state- and input-dependent "
                "values are vectors with one lane per sequence";
  let description = [{
    Runs on the scalar loops of `lds-lower-to-loops`. For every step
    function `@M_f` (`lds.derived = "f"`) it adds `@M_f_lanes`
    (`lds.derived = "f_lanes"`, `lds.lanes = L`): f for L sequences at once,
    L = lane-bytes / the float's size (8 f32 or 4 f64 values for 32 bytes).

    A value that depends on the state or an input (it is *varying*) becomes
    a `vector<L x F>`, lane l holding sequence l's value; a value that does
    not (a param, a constant, a loop index) stays a scalar, broadcast where
    it meets a varying one. Buffers that hold varying values get vector
    elements. So the mat-vec `W @ h` of a recurrent cell reads each weight
    once for L sequences and multiplies it into L of them with one vector
    FMA, where `@M_f` reduces each row of W horizontally, one sequence at a
    time.

    The arguments are those of `@M_f` with the state, every input and `out`
    repeated L times in a row (`x_0 .. x_{L-1}, u_0 .. u_{L-1}, ...,
    params, out_0 .. out_{L-1}`); the entry gathers the lanes into vectors,
    each return scatters them. `out_l` may alias `x_l`.

    A view of a shared byte buffer (`share-buffers-from`) that holds
    varying values becomes a buffer of its own; the uniform views keep
    sharing theirs. A row loop around a sum over varying values (a mat-vec) is
    jammed 8 rows a step, so that the rows share each load of the vector
    and their sums are independent FMA chains; other such sums are split
    over 8 partial sums.

    A step function it cannot widen gets no `@M_f_lanes` (the runtime then
    steps each sequence alone): an integer input, a varying memref index or
    loop bound, an `scf.if` on a varying condition, a uniform buffer copied
    into a varying one, or an op it does not know with a varying operand.
    Nor does one without a sum over varying values whose state has 16
    values or more (vectorised over its channels already), nor one whose
    buffers would take more than 2 MiB of stack. `@M_f` gets
    `lds.lanes_note`, which says what became of it and why
    (`lds-compile --verbose` prints it).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"laneBytes", "lane-bytes", "int64_t", /*default=*/"32",
           "Bytes of one vector of lanes: L = lane-bytes / the float's size">,
  ];
}

#endif // LDS_CONVERSION_PASSES_TD
