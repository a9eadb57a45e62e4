// RUN: lds-opt %s --lds-lower-to-loops --split-input-file | FileCheck %s
// RUN: lds-opt %s --lds-lower-to-loops=drop-models=1 --split-input-file \
// RUN:   | FileCheck %s --check-prefix=DROP
// RUN: lds-opt %s --lds-lower-to-llvm --split-input-file \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: lds-opt %s --lds-lower-to-llvm | mlir-translate --mlir-to-llvmir \
// RUN:   | FileCheck %s --check-prefix=IR
// RUN: lds-opt %s --lds-lower-to-loops=max-alloca-bytes=16 --split-input-file \
// RUN:   | FileCheck %s --check-prefix=HEAP
// RUN: lds-opt %s --split-input-file \
// RUN:   --lds-lower-to-llvm=max-alloca-bytes=16 \
// RUN:   | FileCheck %s --check-prefix=HEAP-LLVM
// RUN: lds-opt %s --lds-lower-to-loops --split-input-file \
// RUN:   | FileCheck %s --check-prefix=SHARE
// RUN: lds-opt %s --lds-lower-to-loops --lds-limit-stack=max-stack-bytes=1100 \
// RUN:   --split-input-file | FileCheck %s --check-prefix=STACK
// RUN: lds-opt %s --lds-lower-to-loops --lds-limit-stack=max-stack-bytes=3072 \
// RUN:   --split-input-file | FileCheck %s --check-prefix=STACK-FITS
// RUN: lds-opt %s --lds-lower-to-llvm=max-stack-bytes=1100 \
// RUN:   --split-input-file | FileCheck %s --check-prefix=STACK-LLVM
// RUN: lds-opt %s --lds-lower-to-loops=share-buffers-from=0 \
// RUN:   --split-input-file | FileCheck %s --check-prefix=NOSHARE
// RUN: lds-opt %s --lds-lower-to-llvm=fuse-loops-from=0 --split-input-file \
// RUN:   | FileCheck %s --check-prefix=SHARE-LLVM
// RUN: lds-opt %s --lds-lower-to-loops=fold-transposes=1 --canonicalize \
// RUN:   --split-input-file | FileCheck %s --check-prefix=FOLD
// RUN: lds-opt %s --lds-lower-to-loops --split-input-file \
// RUN:   | FileCheck %s --check-prefix=NOFOLD

// lds-lower-to-loops turns the derived step functions into scalar loops on
// memrefs: tensor arguments become memrefs, tensor results trailing
// out-parameters; lds.model ops are left alone (or dropped with
// drop-models). The LLVM and IR prefixes check that the result goes through
// the whole CPU pipeline to LLVM IR with the bare-pointer C signature.

lds.model @m {
  %h = lds.state "h" : tensor<4xf32>
  %0 = lds.tanh %h : tensor<4xf32>
  lds.yield %0 : tensor<4xf32>
}

// CHECK:       lds.model @m
// DROP-NOT:    lds.model @
// LLVM-NOT:    lds.model @

// A unary op: one loop over the shape; the result is copied to the
// out-parameter at the end. Allocas sit at the top of the entry block.
// CHECK-LABEL: func.func @m_f(
// CHECK-SAME:      %[[X:.*]]: memref<4xf32> {lds.kind = "state", lds.name = "h"},
// CHECK-SAME:      %[[OUT:.*]]: memref<4xf32> {lds.kind = "out", lds.name = "out"})
// CHECK-SAME:      attributes {lds.derived = "f", lds.model = @m} {
// CHECK-NEXT:    %[[BUF:.*]] = memref.alloca() : memref<4xf32>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[X]][%[[I]]] : memref<4xf32>
// CHECK-NEXT:      %[[T:.*]] = math.tanh %[[V]] : f32
// CHECK-NEXT:      memref.store %[[T]], %[[BUF]][%[[I]]] : memref<4xf32>
// CHECK:         memref.copy %[[BUF]], %[[OUT]]
// CHECK-NEXT:    return
// CHECK-NOT:     lds.

// LLVM-LABEL:  llvm.func @m_f(
// Every memref argument is aligned to its element (llvm.align), so that
// LLVM knows the alignment of what memref.copy's memcpy moves.
// LLVM-SAME:       %{{.*}}: !llvm.ptr {lds.kind = "state", lds.name = "h", llvm.align = 4 : i64},
// LLVM-SAME:       %{{.*}}: !llvm.ptr {lds.kind = "out", lds.name = "out", llvm.align = 4 : i64})
// f32 tanh is lds-cpu-fast-math's polynomial (FMAs), not a call to libm.
// LLVM-NOT:      llvm.call
// LLVM:          llvm.intr.fma
// LLVM-NOT:      llvm.call
// LLVM:          llvm.return

// IR-LABEL:    define void @m_f(ptr align 4 %0, ptr align 4 %1)
// IR-NOT:      @tanhf
// IR:          call float @llvm.fma.f32(float
// IR:          call void @llvm.memcpy
func.func @m_f(%x: tensor<4xf32> {lds.name = "h", lds.kind = "state"})
    -> tensor<4xf32> attributes {lds.model = @m, lds.derived = "f"} {
  %0 = lds.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Binary ops share one pattern; max/min propagate NaN; pow is math.powf.
// CHECK-LABEL: func.func @binary(
// CHECK-SAME:      %[[A:.*]]: memref<2x3xf64>, %[[B:.*]]: memref<2x3xf64>, %[[OUT:.*]]: memref<2x3xf64>
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK-NEXT:        %[[L:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK-NEXT:        %[[R:.*]] = memref.load %[[B]][%[[I]], %[[J]]]
// CHECK-NEXT:        arith.addf %[[L]], %[[R]] : f64
// CHECK:         arith.maximumf
// CHECK:         arith.minimumf
// CHECK:         math.powf
// LLVM-LABEL:  llvm.func @binary(
// LLVM-SAME:       %{{.*}}: !llvm.ptr {llvm.align = 8 : i64}, %{{.*}}: !llvm.ptr {llvm.align = 8 : i64}, %{{.*}}: !llvm.ptr {lds.kind = "out", lds.name = "out", llvm.align = 8 : i64})
// LLVM:          llvm.intr.maximum
// LLVM:          llvm.intr.minimum
// LLVM:          llvm.call @pow(
func.func @binary(%a: tensor<2x3xf64>, %b: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %0 = lds.add %a, %b : tensor<2x3xf64>
  %1 = lds.max %0, %b : tensor<2x3xf64>
  %2 = lds.min %1, %a : tensor<2x3xf64>
  %3 = lds.pow %2, %b : tensor<2x3xf64>
  return %3 : tensor<2x3xf64>
}

// -----

// Rank 0: no loops; splat constants are stored, broadcast replicates along
// the trailing dimension (prefix semantics).
// CHECK-LABEL: func.func @scalar_broadcast(
// CHECK-SAME:      %[[S:.*]]: memref<f64>, %[[V:.*]]: memref<3xf64>, %[[OUT:.*]]: memref<3x2xf64>
// CHECK-DAG:     %[[HALF:.*]] = arith.constant 5.000000e-01 : f64
// CHECK:         memref.store %[[HALF]], %[[CBUF:.*]][] : memref<f64>
// CHECK:         %[[SV:.*]] = memref.load %[[S]][] : memref<f64>
// CHECK-NEXT:    %[[CV:.*]] = memref.load %[[CBUF]][] : memref<f64>
// CHECK-NEXT:    %[[MUL:.*]] = arith.mulf %[[SV]], %[[CV]] : f64
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK-NEXT:        %[[E:.*]] = memref.load %[[V]][%[[I]]] : memref<3xf64>
// CHECK-NEXT:        memref.store %[[E]], %{{.*}}[%[[I]], %[[J]]] : memref<3x2xf64>
func.func @scalar_broadcast(%s: tensor<f64>, %v: tensor<3xf64>) -> tensor<3x2xf64> {
  %c = lds.constant dense<0.5> : tensor<f64>
  %0 = lds.mul %s, %c : tensor<f64>
  %1 = lds.broadcast %v : tensor<3xf64> -> tensor<3x2xf64>
  %2 = lds.broadcast %0 : tensor<f64> -> tensor<3x2xf64>
  %3 = lds.mul %1, %2 : tensor<3x2xf64>
  return %3 : tensor<3x2xf64>
}

// -----

// Gather reads its i32 index, clamps it to [0, dim0) and copies one row of a
// rank-3 table.
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:      %[[P:.*]]: memref<4x2x3xf32>, %[[W:.*]]: memref<i32>, %[[OUT:.*]]: memref<2x3xf32>
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK:             %[[RAW:.*]] = memref.load %[[W]][] : memref<i32>
// CHECK-NEXT:        %[[IDX:.*]] = arith.index_cast %[[RAW]] : i32 to index
// CHECK:             %[[LO:.*]] = arith.maxsi %[[IDX]], %{{.*}} : index
// CHECK-NEXT:        %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:        %[[HI:.*]] = arith.minsi %[[LO]], %[[C3]] : index
// CHECK-NEXT:        memref.load %[[P]][%[[HI]], %[[I]], %[[J]]] : memref<4x2x3xf32>
// LLVM-LABEL:  llvm.func @gather(
func.func @gather(%P: tensor<4x2x3xf32>, %w: tensor<i32>) -> tensor<2x3xf32> {
  %0 = lds.gather %P [%w] : tensor<4x2x3xf32>, tensor<i32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Slice, extract, transpose and concat are copies at shifted indices.
// Several results: one out-parameter each, in order.
// CHECK-LABEL: func.func @movement(
// CHECK-SAME:      %[[M:.*]]: memref<3x4xf32>, %[[V:.*]]: memref<6xf32>,
// CHECK-SAME:      %{{.*}}: memref<3xf32> {lds.kind = "out", lds.name = "out0"}
// CHECK-SAME:      %{{.*}}: memref<4xf32> {lds.kind = "out", lds.name = "out1"}
// CHECK-SAME:      %{{.*}}: memref<4x3xf32> {lds.kind = "out", lds.name = "out2"}
// CHECK-SAME:      %{{.*}}: memref<7xf32> {lds.kind = "out", lds.name = "out3"})
// CHECK:         %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT:    %[[SI:.*]] = arith.addi %{{.*}}, %[[C2]] : index
// CHECK-NEXT:    memref.load %[[V]][%[[SI]]] : memref<6xf32>
// CHECK:         scf.for
// CHECK-NEXT:      %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:      memref.load %[[M]][%[[C1]], %{{.*}}] : memref<3x4xf32>
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK-NEXT:        memref.load %[[M]][%[[J]], %[[I]]] : memref<3x4xf32>
// CHECK-NEXT:        memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]] : memref<4x3xf32>
// Concat: the second operand lands at offset 4.
// CHECK:         memref.load %{{.*}} : memref<3xf32>
// CHECK-NEXT:    %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT:    %[[CI:.*]] = arith.addi %{{.*}}, %[[C4]] : index
// CHECK-NEXT:    memref.store %{{.*}}, %{{.*}}[%[[CI]]] : memref<7xf32>
func.func @movement(%m: tensor<3x4xf32>, %v: tensor<6xf32>)
    -> (tensor<3xf32>, tensor<4xf32>, tensor<4x3xf32>, tensor<7xf32>) {
  %0 = lds.slice %v [2 : 5] : tensor<6xf32> -> tensor<3xf32>
  %1 = lds.extract %m [1] : tensor<3x4xf32> -> tensor<4xf32>
  %2 = lds.transpose %m : tensor<3x4xf32> -> tensor<4x3xf32>
  %3 = lds.concat %1, %0 : tensor<4xf32>, tensor<3xf32> -> tensor<7xf32>
  return %0, %1, %2, %3 : tensor<3xf32>, tensor<4xf32>, tensor<4x3xf32>, tensor<7xf32>
}

// -----

// diag writes 0 off the diagonal; diag_part clamps the column it loads and
// masks it when the shifted diagonal leaves the matrix; concat of matrices
// shifts the leading index only.
// CHECK-LABEL: func.func @diagonals(
// CHECK-SAME:      %[[V:.*]]: memref<3xf32>, %[[M:.*]]: memref<3x2xf32>
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK-NEXT:        %[[E:.*]] = memref.load %[[V]][%[[I]]] : memref<3xf32>
// CHECK-NEXT:        %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:        %[[ON:.*]] = arith.cmpi eq, %[[I]], %[[J]] : index
// CHECK-NEXT:        %[[D:.*]] = arith.select %[[ON]], %[[E]], %[[Z]] : f32
// CHECK-NEXT:        memref.store %[[D]], %{{.*}}[%[[I]], %[[J]]] : memref<3x3xf32>
// CHECK:         scf.for %[[R:.*]] =
// CHECK:           %[[COL:.*]] = arith.subi %[[R]], %{{.*}} : index
// CHECK:           %[[LO:.*]] = arith.maxsi %[[COL]]
// CHECK:           %[[CL:.*]] = arith.minsi %[[LO]]
// CHECK-NEXT:      %[[X:.*]] = memref.load %[[M]][%[[R]], %[[CL]]] : memref<3x2xf32>
// CHECK:           arith.cmpi sge
// CHECK:           arith.cmpi slt
// CHECK:           %[[IN:.*]] = arith.andi
// CHECK-NEXT:      arith.select %[[IN]], %[[X]], %{{.*}} : f32
// The second operand of concat lands at row 3.
// CHECK:         memref.store %{{.*}} : memref<6x2xf32>
// CHECK:         scf.for %[[CI:.*]] =
// CHECK-NEXT:      scf.for %[[CJ:.*]] =
// CHECK-NEXT:        %[[CE:.*]] = memref.load %[[M]][%[[CI]], %[[CJ]]] : memref<3x2xf32>
// CHECK-NEXT:        %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:        %[[ROW:.*]] = arith.addi %[[CI]], %[[C3]] : index
// CHECK-NEXT:        memref.store %[[CE]], %{{.*}}[%[[ROW]], %[[CJ]]] : memref<6x2xf32>
func.func @diagonals(%v: tensor<3xf32>, %m: tensor<3x2xf32>)
    -> (tensor<3x3xf32>, tensor<3xf32>, tensor<6x2xf32>) {
  %0 = lds.diag %v : tensor<3xf32> -> tensor<3x3xf32>
  %1 = lds.diag_part %m [1] : tensor<3x2xf32> -> tensor<3xf32>
  %2 = lds.concat %m, %m : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<6x2xf32>
  return %0, %1, %2 : tensor<3x3xf32>, tensor<3xf32>, tensor<6x2xf32>
}

// -----

// Matmul (matrix-matrix) and dot: an inner scf.for with an accumulator.
// CHECK-LABEL: func.func @contractions(
// CHECK-SAME:      %[[A:.*]]: memref<2x3xf64>, %[[B:.*]]: memref<3x4xf64>, %[[U:.*]]: memref<3xf64>
// CHECK:         scf.for %[[I:.*]] =
// CHECK-NEXT:      scf.for %[[J:.*]] =
// CHECK:             %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK:             %[[SUM:.*]] = scf.for %[[K:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f64) {
// CHECK-NEXT:          %[[L:.*]] = memref.load %[[A]][%[[I]], %[[K]]]
// CHECK-NEXT:          %[[R:.*]] = memref.load %[[B]][%[[K]], %[[J]]]
// CHECK-NEXT:          %[[P:.*]] = arith.mulf %[[L]], %[[R]] : f64
// CHECK-NEXT:          %[[N:.*]] = arith.addf %[[ACC]], %[[P]] : f64
// CHECK-NEXT:          scf.yield %[[N]] : f64
// CHECK:             memref.store %[[SUM]], %{{.*}}[%[[I]], %[[J]]] : memref<2x4xf64>
// CHECK:         scf.for %[[K2:.*]] = {{.*}} iter_args
// CHECK-NEXT:      memref.load %[[U]][%[[K2]]]
// CHECK-NEXT:      memref.load %[[U]][%[[K2]]]
func.func @contractions(%a: tensor<2x3xf64>, %b: tensor<3x4xf64>, %u: tensor<3xf64>)
    -> (tensor<2x4xf64>, tensor<f64>) {
  %0 = lds.matmul %a, %b : tensor<2x3xf64>, tensor<3x4xf64> -> tensor<2x4xf64>
  %1 = lds.dot %u, %u : tensor<3xf64> -> tensor<f64>
  return %0, %1 : tensor<2x4xf64>, tensor<f64>
}

// -----

// Reductions fold over every element; logsumexp shifts by the maximum and
// returns the maximum itself when it is infinite.
// CHECK-LABEL: func.func @reductions(
// CHECK:         %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[MAX:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[NINF]])
// CHECK:           arith.maximumf
// CHECK:         %[[S:.*]] = scf.for {{.*}} iter_args
// CHECK:           %[[D:.*]] = arith.subf %{{.*}}, %[[MAX]] : f32
// CHECK-NEXT:      math.exp %[[D]]
// CHECK:         %[[LOG:.*]] = math.log %[[S]] : f32
// CHECK-NEXT:    %[[STABLE:.*]] = arith.addf %[[MAX]], %[[LOG]] : f32
// CHECK-NEXT:    %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:    %[[ABS:.*]] = math.absf %[[MAX]] : f32
// CHECK-NEXT:    %[[ISINF:.*]] = arith.cmpf oeq, %[[ABS]], %[[INF]] : f32
// CHECK-NEXT:    arith.select %[[ISINF]], %[[MAX]], %[[STABLE]] : f32
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:         arith.minimumf
// CHECK:         arith.addf
func.func @reductions(%v: tensor<2x3xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = lds.logsumexp %v : tensor<2x3xf32> -> tensor<f32>
  %1 = lds.reduce_min %v : tensor<2x3xf32> -> tensor<f32>
  %2 = lds.sum %v : tensor<2x3xf32> -> tensor<f32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// Stable scalar formulas, ordered comparisons, select; a non-splat constant
// becomes a private read-only global.
// CHECK:       memref.global "private" constant @[[G:.*]] : memref<3xf32> = dense<[1.000000e+00, -2.000000e+00, 3.000000e+00]>
// CHECK-LABEL: func.func @scalar_rules(
// CHECK:         memref.get_global @[[G]] : memref<3xf32>
// sigmoid: 1 / (1 + exp(-x))
// CHECK:         %[[NX:.*]] = arith.negf %[[X:.*]] : f32
// CHECK-NEXT:    %[[E:.*]] = math.exp %[[NX]] : f32
// CHECK-NEXT:    %[[D:.*]] = arith.addf %[[ONE:.*]], %[[E]] : f32
// CHECK-NEXT:    arith.divf %[[ONE]], %[[D]] : f32
// softplus: max(x, 0) + log1p(exp(-|x|))
// CHECK:         %[[POS:.*]] = arith.maximumf %[[Y:.*]], %[[Z:.*]] : f32
// CHECK-NEXT:    %[[AY:.*]] = math.absf %[[Y]] : f32
// CHECK-NEXT:    %[[NAY:.*]] = arith.negf %[[AY]] : f32
// CHECK-NEXT:    %[[EY:.*]] = math.exp %[[NAY]] : f32
// CHECK-NEXT:    %[[L1P:.*]] = math.log1p %[[EY]] : f32
// CHECK-NEXT:    arith.addf %[[POS]], %[[L1P]] : f32
// relu: x < 0 ? 0 : x
// CHECK:         %[[NEG:.*]] = arith.cmpf olt, %[[R:.*]], %[[RZ:.*]] : f32
// CHECK-NEXT:    arith.select %[[NEG]], %[[RZ]], %[[R]] : f32
// cmp ne is ordered; select on an i1 buffer.
// CHECK:         %[[C:.*]] = arith.cmpf one, {{.*}} : f32
// CHECK-NEXT:    memref.store %[[C]], %{{.*}} : memref<3xi1>
// CHECK:         %[[CV:.*]] = memref.load %{{.*}} : memref<3xi1>
// CHECK:         arith.select %[[CV]], {{.*}} : f32
// CHECK:         arith.cmpf ole
func.func @scalar_rules(%x: tensor<3xf32>) -> tensor<3xf32> {
  %k = lds.constant dense<[1.0, -2.0, 3.0]> : tensor<3xf32>
  %0 = lds.sigmoid %x : tensor<3xf32>
  %1 = lds.softplus %0 : tensor<3xf32>
  %2 = lds.relu %1 : tensor<3xf32>
  %c = lds.cmp ne, %2, %k : tensor<3xf32> -> tensor<3xi1>
  %3 = lds.select %c, %2, %k : tensor<3xi1>, tensor<3xf32>
  %c2 = lds.cmp le, %3, %k : tensor<3xf32> -> tensor<3xi1>
  %4 = lds.select %c2, %3, %x : tensor<3xi1>, tensor<3xf32>
  return %4 : tensor<3xf32>
}

// -----

// A function that only passes an argument through still gets the
// out-parameter convention; one without tensors or lds ops is untouched.
// CHECK-LABEL: func.func @identity(
// CHECK-SAME:      %[[X:.*]]: memref<2xf32>, %[[OUT:.*]]: memref<2xf32> {lds.kind = "out", lds.name = "out"}) {
// CHECK-NEXT:    memref.copy %[[X]], %[[OUT]]
// CHECK-NEXT:    return
// CHECK-LABEL: func.func @untouched(%{{.*}}: f32) -> f32
func.func @identity(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @untouched(%a: f32) -> f32 {
  return %a : f32
}

// -----

// With max-alloca-bytes, a buffer above the limit (24 bytes here) is
// heap-allocated and freed after the copy into the out-parameter; smaller
// ones stay on the stack.
// HEAP-LABEL:  func.func @heap(
// HEAP-DAG:      %[[BIG:.*]] = memref.alloc() : memref<2x3xf32>
// HEAP-DAG:      %[[SMALL:.*]] = memref.alloca() : memref<f32>
// HEAP:          memref.copy %[[BIG]], %{{.*}}
// HEAP-NEXT:     memref.copy %[[SMALL]], %{{.*}}
// HEAP-NEXT:     memref.dealloc %[[BIG]] : memref<2x3xf32>
// HEAP-NEXT:     return
// HEAP-LLVM-LABEL: llvm.func @heap(
// HEAP-LLVM:       llvm.call @malloc
// HEAP-LLVM:       llvm.call @free
func.func @heap(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<f32>) {
  %0 = lds.exp %a : tensor<2x3xf32>
  %1 = lds.sum %a : tensor<2x3xf32> -> tensor<f32>
  return %0, %1 : tensor<2x3xf32>, tensor<f32>
}

// -----

// Stack buffers of at least share-buffers-from bytes (1 KiB by default)
// whose lifetimes do not overlap share one 64-byte aligned i8 alloca that
// each views. Here the tanh results (A, C) share one and the exp results
// (B, D) the other: each buffer is dead once the next-but-one op has run.
// The 4-byte sum stays on its own.
// SHARE-LABEL:  func.func @share(
// SHARE-DAG:      %[[C0:.*]] = arith.constant 0 : index
// SHARE-DAG:      %[[S0:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1024xi8>
// SHARE-DAG:      %[[S1:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1024xi8>
// SHARE:          %[[A:.*]] = memref.view %[[SA:.*]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[B:.*]] = memref.view %[[SB:.*]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[C:.*]] = memref.view %[[SA]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[D:.*]] = memref.view %[[SB]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     memref.alloca() : memref<f32>
// SHARE-NOT:      memref.alloca() : memref<16x16xf32>
// SHARE:          memref.copy %[[D]], %{{.*}}
// NOSHARE-LABEL:  func.func @share(
// NOSHARE-COUNT-4: memref.alloca() : memref<16x16xf32>
// NOSHARE-NOT:    memref.view
// SHARE-LLVM-LABEL: llvm.func @share(
// SHARE-LLVM-COUNT-2: llvm.alloca %{{.*}} x i8 {alignment = 64 : i64}
// SHARE-LLVM-NOT:   llvm.alloca %{{.*}} x i8
// SHARE-LLVM:       llvm.alloca %{{.*}} x f32 : (i64) -> !llvm.ptr
// SHARE-LLVM-NOT:   llvm.alloca
func.func @share(%x: tensor<16x16xf32>) -> (tensor<16x16xf32>, tensor<f32>) {
  %a = lds.tanh %x : tensor<16x16xf32>
  %b = lds.exp %a : tensor<16x16xf32>
  %c = lds.tanh %b : tensor<16x16xf32>
  %d = lds.exp %c : tensor<16x16xf32>
  %s = lds.sum %x : tensor<16x16xf32> -> tensor<f32>
  return %d, %s : tensor<16x16xf32>, tensor<f32>
}

// A buffer read again at the end (A) keeps its own alloca. B and C overlap
// (C is computed from B), so D takes B's memory once B is dead and E takes
// C's.
// SHARE-LABEL:  func.func @overlap(
// SHARE-DAG:      %[[C0:.*]] = arith.constant 0 : index
// SHARE-DAG:      memref.alloca() {alignment = 64 : i64} : memref<1024xi8>
// SHARE-DAG:      memref.alloca() {alignment = 64 : i64} : memref<1024xi8>
// SHARE-DAG:      %[[A:.*]] = memref.alloca() : memref<16x16xf32>
// SHARE:          %[[B:.*]] = memref.view %[[SB:.*]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[C:.*]] = memref.view %[[SC:.*]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[D:.*]] = memref.view %[[SB]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE-NEXT:     %[[E:.*]] = memref.view %[[SC]][%[[C0]]][] : memref<1024xi8> to memref<16x16xf32>
// SHARE:          memref.load %[[A]]
// SHARE:          memref.copy %[[E]], %{{.*}}
// SHARE-NEXT:     return
// SHARE-LLVM-LABEL: llvm.func @overlap(
// SHARE-LLVM-COUNT-2: llvm.alloca %{{.*}} x i8 {alignment = 64 : i64}
// lds-limit-stack: the largest stack buffers left after sharing go to one
// heap block until the rest take at most max-stack-bytes: of 3 KiB
// here, the two shared buffers (first of the equal sizes) move at 1100, and
// the views of each now view the block at its offset (0 or 1024); nothing
// moves at 3072.
// STACK-LABEL:  func.func @overlap(
// STACK-NEXT:     %[[A:.*]] = memref.alloca() : memref<16x16xf32>
// STACK-NEXT:     %[[BLK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// STACK-NEXT:     %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[BLK]]
// STACK-NEXT:     %[[NULL:.*]] = arith.constant 0 : index
// STACK-NEXT:     %[[OK:.*]] = arith.cmpi ne, %[[ADDR]], %[[NULL]] : index
// STACK-NEXT:     scf.if %[[OK]] {
// STACK-DAG:        %[[AT0:.*]] = arith.constant 0 : index
// STACK-DAG:        %[[AT1:.*]] = arith.constant 1024 : index
// STACK:            %[[OB:.*]] = arith.addi %[[AT1]], %{{.*}} : index
// STACK-NEXT:       memref.view %[[BLK]][%[[OB]]][] : memref<2048xi8> to memref<16x16xf32>
// STACK-NEXT:       %[[OC:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// STACK-NEXT:       memref.view %[[BLK]][%[[OC]]][] : memref<2048xi8> to memref<16x16xf32>
// STACK-COUNT-2:    memref.view %[[BLK]]
// STACK-NOT:        memref.alloca() {alignment
// STACK:            memref.load %[[A]]
// STACK:            memref.copy %{{.*}}, %{{.*}}
// STACK-NEXT:       memref.dealloc %[[BLK]] : memref<2048xi8>
// STACK-NEXT:     } else {
// STACK-NEXT:       %[[SLOT:.*]] = llvm.mlir.addressof @lds.alloc_failure_hook : !llvm.ptr
// STACK-NEXT:       %[[HOOK:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// STACK-NEXT:       %[[UNSET:.*]] = llvm.mlir.zero : !llvm.ptr
// STACK-NEXT:       %[[SET:.*]] = llvm.icmp "ne" %[[HOOK]], %[[UNSET]] : !llvm.ptr
// STACK-NEXT:       scf.if %[[SET]] {
// STACK-NEXT:         %[[BYTES:.*]] = arith.constant 2048 : i64
// STACK-NEXT:         llvm.call %[[HOOK]](%[[BYTES]]) : !llvm.ptr, (i64) -> ()
// STACK-NEXT:       }
// STACK-NEXT:     }
// STACK-NEXT:     return
// STACK-FITS-LABEL: func.func @overlap(
// STACK-FITS-NOT:   memref.alloc(
// STACK-FITS-NOT:   memref.dealloc
// STACK-FITS:       return
// STACK-LLVM-LABEL: llvm.func @overlap(
// STACK-LLVM:       llvm.call @malloc
// STACK-LLVM-NOT:   llvm.call @malloc
// STACK-LLVM:       llvm.call @free
// STACK-LLVM:       llvm.call %{{.*}}(%{{.*}}) : !llvm.ptr, (i64) -> ()
func.func @overlap(%x: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %a = lds.tanh %x : tensor<16x16xf32>
  %b = lds.exp %a : tensor<16x16xf32>
  %c = lds.tanh %b : tensor<16x16xf32>
  %d = lds.exp %c : tensor<16x16xf32>
  %e = lds.add %d, %a : tensor<16x16xf32>
  return %e : tensor<16x16xf32>
}

// -----

// With fold-transposes (the GPU pipeline's choice), a matmul whose left
// operand is a transpose reads the transpose's operand with swapped indices;
// a transpose nothing else reads is not materialised at all (its copy loop,
// left with loads only, goes to the canonicalizer). By default the copy is
// made (contiguous, vectorisable rows on the CPU).
// FOLD-LABEL:  func.func @fold(
// FOLD-SAME:       %[[M:[a-z0-9]+]]: memref<3x4xf32>, %[[V:[a-z0-9]+]]: memref<3xf32>, %[[N:[a-z0-9]+]]: memref<3x2xf32>
// FOLD-NOT:      memref.alloca() : memref<4x3xf32>
// FOLD:          scf.for %[[I:.*]] = 
// FOLD:            scf.for %[[K:.*]] = {{.*}} iter_args
// FOLD-NEXT:         memref.load %[[M]][%[[K]], %[[I]]] : memref<3x4xf32>
// FOLD-NEXT:         memref.load %[[V]][%[[K]]] : memref<3xf32>
// FOLD:          scf.for %[[I2:.*]] = 
// FOLD:            scf.for %[[J2:.*]] = 
// FOLD:              scf.for %[[K2:.*]] = {{.*}} iter_args
// FOLD-NEXT:           memref.load %[[M]][%[[K2]], %[[I2]]] : memref<3x4xf32>
// FOLD-NEXT:           memref.load %[[N]][%[[K2]], %[[J2]]] : memref<3x2xf32>
// FOLD-LABEL:  func.func @kept(
// FOLD:          %[[T:.*]] = memref.alloca() : memref<4x3xf32>
// FOLD:          memref.copy %[[T]]
// NOFOLD-LABEL: func.func @fold(
// NOFOLD:        memref.alloca() : memref<4x3xf32>
func.func @fold(%m: tensor<3x4xf32>, %v: tensor<3xf32>, %n: tensor<3x2xf32>)
    -> (tensor<4xf32>, tensor<4x2xf32>) {
  %t = lds.transpose %m : tensor<3x4xf32> -> tensor<4x3xf32>
  %y = lds.matmul %t, %v : tensor<4x3xf32>, tensor<3xf32> -> tensor<4xf32>
  %z = lds.matmul %t, %n : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  return %y, %z : tensor<4xf32>, tensor<4x2xf32>
}
// A transpose that is also returned is still materialised.
func.func @kept(%m: tensor<3x4xf32>, %v: tensor<3xf32>)
    -> (tensor<4xf32>, tensor<4x3xf32>) {
  %t = lds.transpose %m : tensor<3x4xf32> -> tensor<4x3xf32>
  %y = lds.matmul %t, %v : tensor<4x3xf32>, tensor<3xf32> -> tensor<4xf32>
  return %y, %t : tensor<4xf32>, tensor<4x3xf32>
}

// -----

// lds-limit-stack leaves cooperative functions (their buffers go to the
// block's scratch) and the lanes' (capped by lds-widen-lanes) alone.
// STACK-LABEL:  func.func @coop(
// STACK-NOT:      memref.alloc(
// STACK:          return
// STACK-LABEL:  func.func @lanes(
// STACK-NOT:      memref.alloc(
// STACK:          return
func.func @coop(%x: tensor<16x16xf32>) -> tensor<16x16xf32>
    attributes {lds.cooperative} {
  %a = lds.tanh %x : tensor<16x16xf32>
  %b = lds.exp %a : tensor<16x16xf32>
  %c = lds.add %b, %a : tensor<16x16xf32>
  return %c : tensor<16x16xf32>
}
func.func @lanes(%x: tensor<16x16xf32>) -> tensor<16x16xf32>
    attributes {lds.lanes = 8 : i64} {
  %a = lds.tanh %x : tensor<16x16xf32>
  %b = lds.exp %a : tensor<16x16xf32>
  %c = lds.add %b, %a : tensor<16x16xf32>
  return %c : tensor<16x16xf32>
}
