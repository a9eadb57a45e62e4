// RUN: lds-opt %s --split-input-file --lds-lower-to-loops \
// RUN:   --lds-distribute-over-block | FileCheck %s
// RUN: lds-opt %s --split-input-file \
// RUN:   --lds-lower-to-loops=share-buffers-from=4 --lds-distribute-over-block \
// RUN:   | FileCheck %s --check-prefix=SHARE
// RUN: lds-opt %s --split-input-file --lds-lower-to-nvvm \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: lds-opt %s --split-input-file --lds-lower-to-nvvm \
// RUN:   | mlir-translate --mlir-to-llvmir --split-input-file \
// RUN:   | FileCheck %s --check-prefix=IR
// RUN: lds-opt %s --split-input-file --lds-lower-to-llvm="share-buffers-from=4 fold-transposes=1 cpu-fast-math=0 distribute-over-block=1" \
// RUN:   | mlir-translate --mlir-to-llvmir --split-input-file \
// RUN:   | FileCheck %s --check-prefix=SHARE-IR

// lds-distribute-over-block splits the work of the functions tagged
// lds.cooperative over the threads of a GPU thread block: buffers become views
// of a trailing block-scratch argument, the outer loop of each buffer-filling
// nest runs iterations tid, tid + ntid, ..., other writes run in thread 0,
// and barriers separate the writes from the accesses around them. The input
// is real lds ops, lowered by lds-lower-to-loops first. The LLVM and IR
// prefixes run the GPU pipeline (lds-lower-to-nvvm, LowerToNVVM.cpp) to the
// LLVM dialect and LLVM IR.

// An elementwise op, a matrix-vector product, a reduction to a scalar that a
// later op reads, and two results (rank 1 and rank 0) copied out.
// CHECK-LABEL: func.func private @lds_coop_tid() -> index
// CHECK-NEXT:  func.func private @lds_coop_ntid() -> index
// CHECK-NEXT:  func.func private @lds_coop_barrier()
// CHECK-LABEL: func.func @coop(
// CHECK-SAME:      %[[M:[a-z0-9]+]]: memref<3x4xf32>, %[[X:[a-z0-9]+]]: memref<4xf32>,
// CHECK-SAME:      %[[OUT0:[a-z0-9]+]]: memref<3xf32> {lds.kind = "out", lds.name = "out0"},
// CHECK-SAME:      %[[OUT1:[a-z0-9]+]]: memref<f32> {lds.kind = "out", lds.name = "out1"},
// CHECK-SAME:      %[[S:[a-z0-9]+]]: memref<320xi8> {lds.kind = "scratch", lds.name = "scratch", llvm.noalias})
// CHECK-SAME:      attributes {lds.cooperative, lds.scratch_bytes = 320 : i64} {
// CHECK-NEXT:    %[[TID:.*]] = call @lds_coop_tid() : () -> index
// CHECK-NEXT:    %[[NTID:.*]] = call @lds_coop_ntid() : () -> index
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %[[Z]] : index
// Each buffer has its own 64-byte aligned range of the scratch: tanh (16
// bytes) at 0, the matmul at 64, the sum (rank 0) at 128, the broadcast at
// 192, the product at 256; 320 bytes in all.
// CHECK-NEXT:    %[[O0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[T:.*]] = memref.view %[[S]][%[[O0]]][] : memref<320xi8> to memref<4xf32>
// CHECK-NEXT:    %[[O64:.*]] = arith.constant 64 : index
// CHECK-NEXT:    %[[Y:.*]] = memref.view %[[S]][%[[O64]]][] : memref<320xi8> to memref<3xf32>
// CHECK-NEXT:    %[[O128:.*]] = arith.constant 128 : index
// CHECK-NEXT:    %[[SUM:.*]] = memref.view %[[S]][%[[O128]]][] : memref<320xi8> to memref<f32>
// CHECK-NEXT:    %[[O192:.*]] = arith.constant 192 : index
// CHECK-NEXT:    %[[B:.*]] = memref.view %[[S]][%[[O192]]][] : memref<320xi8> to memref<3xf32>
// CHECK-NEXT:    %[[O256:.*]] = arith.constant 256 : index
// CHECK-NEXT:    %[[P:.*]] = memref.view %[[S]][%[[O256]]][] : memref<320xi8> to memref<3xf32>
// tanh: a barrier first (the caller may still read what the function
// writes), thread t from lb + t * step by step * ntid, a barrier after.
// CHECK-NEXT:    %[[LB0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[ST0:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[UB0:.*]] = arith.constant 4 : index
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    %[[SH0:.*]] = arith.muli %[[TID]], %[[ST0]] : index
// CHECK-NEXT:    %[[FROM0:.*]] = arith.addi %[[LB0]], %[[SH0]] : index
// CHECK-NEXT:    %[[BY0:.*]] = arith.muli %[[ST0]], %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I0:.*]] = %[[FROM0]] to %[[UB0]] step %[[BY0]] {
// CHECK-NEXT:      %[[V0:.*]] = memref.load %[[X]][%[[I0]]] : memref<4xf32>
// CHECK-NEXT:      %[[H0:.*]] = math.tanh %[[V0]] : f32
// CHECK-NEXT:      memref.store %[[H0]], %[[T]][%[[I0]]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// The matmul: its rows are distributed, each row's dot product is not. No
// barrier before it: nothing was read since the last one.
// CHECK-NEXT:    %[[LB1:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[ST1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[UB1:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[SH1:.*]] = arith.muli %[[TID]], %[[ST1]] : index
// CHECK-NEXT:    %[[FROM1:.*]] = arith.addi %[[LB1]], %[[SH1]] : index
// CHECK-NEXT:    %[[BY1:.*]] = arith.muli %[[ST1]], %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I1:.*]] = %[[FROM1]] to %[[UB1]] step %[[BY1]] {
// CHECK-NEXT:      %[[K0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[K1:.*]] = arith.constant 1 : index
// CHECK-NEXT:      %[[K4:.*]] = arith.constant 4 : index
// CHECK-NEXT:      %[[KZ:.*]] = arith.constant 0 : index
// CHECK-NEXT:      %[[DOT:.*]] = scf.for %[[K:.*]] = %[[KZ]] to %[[K4]] step %[[K1]] iter_args(%{{.*}} = %[[K0]]) -> (f32) {
// CHECK-NEXT:        memref.load %[[M]][%[[I1]], %[[K]]] : memref<3x4xf32>
// CHECK-NEXT:        memref.load %[[T]][%[[K]]] : memref<4xf32>
// CHECK:           }
// CHECK-NEXT:      memref.store %[[DOT]], %[[Y]][%[[I1]]] : memref<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// The sum: every thread folds the whole vector (it only reads: no barrier
// after the fold, whose reads do not touch the sum's buffer), thread 0 stores
// the result, and the barrier after lets every thread read it.
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[R0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[R1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[R3:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[TOTAL:.*]] = scf.for %[[J:.*]] = %[[R0]] to %[[R3]] step %[[R1]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:      %[[E:.*]] = memref.load %[[Y]][%[[J]]] : memref<3xf32>
// CHECK-NEXT:      %[[ADD:.*]] = arith.addf %[[ACC]], %[[E]] : f32
// CHECK-NEXT:      scf.yield %[[ADD]] : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.if %[[FIRST]] {
// CHECK-NEXT:      memref.store %[[TOTAL]], %[[SUM]][] : memref<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// The broadcast reads the scalar, the product reads the broadcast.
// CHECK:         scf.for %[[I2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[SV:.*]] = memref.load %[[SUM]][] : memref<f32>
// CHECK-NEXT:      memref.store %[[SV]], %[[B]][%[[I2]]] : memref<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK:         %[[BY3:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I3:.*]] = %{{.*}} to %{{.*}} step %[[BY3]] {
// CHECK-NEXT:      memref.load %[[Y]][%[[I3]]] : memref<3xf32>
// CHECK-NEXT:      memref.load %[[B]][%[[I3]]] : memref<3xf32>
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      memref.store %{{.*}}, %[[P]][%[[I3]]] : memref<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// The copies into the out-parameters: the rank-1 one becomes a distributed
// loop, the rank-0 one runs in thread 0; the last barrier lets the caller
// read the results.
// CHECK-NEXT:    %[[LB4:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[ST4:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[UB4:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[SH4:.*]] = arith.muli %[[TID]], %[[ST4]] : index
// CHECK-NEXT:    %[[FROM4:.*]] = arith.addi %[[LB4]], %[[SH4]] : index
// CHECK-NEXT:    %[[BY4:.*]] = arith.muli %[[ST4]], %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I4:.*]] = %[[FROM4]] to %[[UB4]] step %[[BY4]] {
// CHECK-NEXT:      %[[C4:.*]] = memref.load %[[P]][%[[I4]]] : memref<3xf32>
// CHECK-NEXT:      memref.store %[[C4]], %[[OUT0]][%[[I4]]] : memref<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    scf.if %[[FIRST]] {
// CHECK-NEXT:      memref.copy %[[SUM]], %[[OUT1]] : memref<f32> to memref<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    return
// CHECK-NEXT:  }

// The trailing pointer argument and the scratch size survive func-to-llvm;
// the thread index is an i64 with the bare-pointer convention.
// LLVM-LABEL: llvm.func @lds_coop_tid() -> i64
// LLVM:       llvm.func @lds_coop_ntid() -> i64
// LLVM:       llvm.func @lds_coop_barrier()
// LLVM-LABEL: llvm.func @coop(
// LLVM-SAME:      %{{.*}}: !llvm.ptr {llvm.align = 4 : i64}, %{{.*}}: !llvm.ptr {llvm.align = 4 : i64},
// LLVM-SAME:      %{{.*}}: !llvm.ptr {lds.kind = "out", lds.name = "out0", llvm.align = 4 : i64},
// LLVM-SAME:      %{{.*}}: !llvm.ptr {lds.kind = "out", lds.name = "out1", llvm.align = 4 : i64},
// LLVM-SAME:      %{{.*}}: !llvm.ptr {lds.kind = "scratch", lds.name = "scratch", llvm.align = 8 : i64, llvm.noalias})
// LLVM-SAME:      attributes {lds.cooperative, lds.scratch_bytes = 320 : i64} {
// LLVM:         llvm.call @lds_coop_tid() : () -> i64
// LLVM-NEXT:    llvm.call @lds_coop_ntid() : () -> i64
// LLVM:         llvm.call @lds_coop_barrier() : () -> ()
// LLVM-NOT:     llvm.alloca
// LLVM:         llvm.return

// IR:         declare i64 @lds_coop_tid()
// IR:         declare i64 @lds_coop_ntid()
// IR:         declare void @lds_coop_barrier()
// IR-LABEL:   define void @coop(ptr align 4 %0, ptr align 4 %1, ptr align 4 %2, ptr align 4 %3, ptr noalias align 8 %4)
// IR:           call i64 @lds_coop_tid()
// IR:           call i64 @lds_coop_ntid()
// IR:           call void @lds_coop_barrier()
func.func @coop(%m: tensor<3x4xf32>, %x: tensor<4xf32>)
    -> (tensor<3xf32>, tensor<f32>) attributes {lds.cooperative} {
  %t = lds.tanh %x : tensor<4xf32>
  %y = lds.matmul %m, %t : tensor<3x4xf32>, tensor<4xf32> -> tensor<3xf32>
  %s = lds.sum %y : tensor<3xf32> -> tensor<f32>
  %b = lds.broadcast %s : tensor<f32> -> tensor<3xf32>
  %z = lds.mul %y, %b : tensor<3xf32>
  return %z, %s : tensor<3xf32>, tensor<f32>
}

// -----

// A function without lds.cooperative is left as lds-lower-to-loops made it,
// and a module without one gets no declarations.
// CHECK:       module {
// CHECK-NEXT:    func.func @plain(
// CHECK-SAME:      %{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32> {lds.kind = "out", lds.name = "out"}) {
// CHECK-NEXT:    %[[BUF:.*]] = memref.alloca() : memref<4xf32>
// CHECK-NEXT:    %[[LB:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[ST:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[UB:.*]] = arith.constant 4 : index
// CHECK-NEXT:    scf.for %{{.*}} = %[[LB]] to %[[UB]] step %[[ST]] {
// CHECK-NOT:     lds_coop
// CHECK:         memref.copy %[[BUF]], %{{.*}} : memref<4xf32> to memref<4xf32>
// CHECK-NEXT:    return
// CHECK-NEXT:  }
// CHECK-NEXT:  }
// LLVM-LABEL:  llvm.func @plain(
// LLVM-SAME:       %{{.*}}: !llvm.ptr {llvm.align = 4 : i64}, %{{.*}}: !llvm.ptr {lds.kind = "out", lds.name = "out", llvm.align = 4 : i64}) {
// LLVM:          llvm.alloca
// IR-LABEL:    define void @plain(ptr align 4 %0, ptr align 4 %1)
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = lds.tanh %x : tensor<4xf32>
  return %t : tensor<4xf32>
}

// -----

// No buffer: the scratch still has 64 bytes, so that its type is valid. The
// result is the argument, copied by a loop nest whose two loops become one
// distributed loop over the 6 elements, the column varying fastest; the
// barrier before it guards an out-parameter that aliases the argument, which
// other threads of the caller may still read.
// CHECK-LABEL: func.func @copy_only(
// CHECK-SAME:      %[[X:[a-z0-9]+]]: memref<2x3xf64>,
// CHECK-SAME:      %[[OUT:[a-z0-9]+]]: memref<2x3xf64> {lds.kind = "out", lds.name = "out"},
// CHECK-SAME:      %{{.*}}: memref<64xi8> {lds.kind = "scratch", lds.name = "scratch", llvm.noalias})
// CHECK-SAME:      attributes {lds.cooperative, lds.scratch_bytes = 64 : i64} {
// CHECK-NEXT:    %[[TID:.*]] = call @lds_coop_tid() : () -> index
// CHECK-NEXT:    %[[NTID:.*]] = call @lds_coop_ntid() : () -> index
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK:         %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[C6:.*]] = arith.constant 6 : index
// CHECK-NEXT:    scf.for %[[T:.*]] = %[[TID]] to %[[C6]] step %[[NTID]] {
// CHECK-NEXT:      %[[J:.*]] = arith.remui %[[T]], %[[C3]] : index
// CHECK-NEXT:      %[[I:.*]] = arith.divui %[[T]], %[[C3]] : index
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[X]][%[[I]], %[[J]]] : memref<2x3xf64>
// CHECK-NEXT:      memref.store %[[V]], %[[OUT]][%[[I]], %[[J]]] : memref<2x3xf64>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    return
// LLVM-LABEL:  llvm.func @copy_only(
// LLVM-SAME:       attributes {lds.cooperative, lds.scratch_bytes = 64 : i64} {
// IR-LABEL:    define void @copy_only(ptr align 8 %0, ptr align 8 %1, ptr noalias align 8 %2)
func.func @copy_only(%x: tensor<2x3xf64>) -> tensor<2x3xf64>
    attributes {lds.cooperative} {
  return %x : tensor<2x3xf64>
}

// -----

// A buffer that ShareBuffers lets share memory stays an i8 arena, now a view
// of the scratch, that its buffers view in turn. Here the tanh result and the
// sum share it (the tanh result is dead once the fold has read it), so the
// store of the sum must wait until every thread has folded: a barrier between
// the fold and the store (write after read). Without sharing there is none.
// SHARE-LABEL: func.func @war(
// SHARE-SAME:      %[[S:[a-z0-9]+]]: memref<64xi8> {lds.kind = "scratch", lds.name = "scratch", llvm.noalias})
// SHARE-SAME:      attributes {lds.cooperative, lds.scratch_bytes = 64 : i64} {
// SHARE:         %[[ARENA:.*]] = memref.view %[[S]][%{{.*}}][] : memref<64xi8> to memref<16xi8>
// SHARE-NEXT:    %[[T:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<16xi8> to memref<4xf32>
// SHARE-NEXT:    %[[SUM:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<16xi8> to memref<f32>
// SHARE:         memref.store %{{.*}}, %[[T]][%{{.*}}] : memref<4xf32>
// SHARE:         call @lds_coop_barrier() : () -> ()
// SHARE:         %[[TOTAL:.*]] = scf.for {{.*}} iter_args
// SHARE-NEXT:      memref.load %[[T]]
// SHARE:         }
// SHARE-NEXT:    call @lds_coop_barrier() : () -> ()
// SHARE-NEXT:    scf.if %{{.*}} {
// SHARE-NEXT:      memref.store %[[TOTAL]], %[[SUM]][] : memref<f32>
// SHARE-NEXT:    }
// SHARE-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-LABEL: func.func @war(
// CHECK:         %[[TOTAL:.*]] = scf.for {{.*}} iter_args
// CHECK:         }
// CHECK-NEXT:    scf.if %{{.*}} {
// CHECK-NEXT:      memref.store %[[TOTAL]]
// Apart, the two buffers take 128 bytes; shared, 64. A view of a view of the
// scratch lowers to LLVM IR.
// LLVM-LABEL:  llvm.func @war(
// LLVM-SAME:       attributes {lds.cooperative, lds.scratch_bytes = 128 : i64} {
// SHARE-IR-LABEL: define void @war(ptr align 4 %0, ptr align 4 %1, ptr noalias align 8 %2)
// SHARE-IR:         call void @lds_coop_barrier()
func.func @war(%x: tensor<4xf32>) -> tensor<f32> attributes {lds.cooperative} {
  %a = lds.tanh %x : tensor<4xf32>
  %s = lds.sum %a : tensor<4xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// Concat fills its result with one loop per operand, each storing at the
// loop's index plus the operand's offset: both are distributed.
// CHECK-LABEL: func.func @concat(
// CHECK-SAME:      %[[X:[a-z0-9]+]]: memref<2xf32>, %[[Y:[a-z0-9]+]]: memref<3xf32>,
// CHECK-NEXT:    %[[TID:.*]] = call @lds_coop_tid() : () -> index
// CHECK-NEXT:    %[[NTID:.*]] = call @lds_coop_ntid() : () -> index
// CHECK-NOT:     scf.if
// CHECK:         %[[BUF:.*]] = memref.view {{.*}} to memref<5xf32>
// CHECK-NOT:     scf.if
// CHECK:         arith.muli %[[TID]], %{{.*}} : index
// CHECK-NEXT:    arith.addi
// CHECK-NEXT:    %[[BY0:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %[[BY0]] {
// CHECK-NEXT:      memref.load %[[X]][%[[I]]]
// CHECK-NEXT:      %[[OFF0:.*]] = arith.constant 0 : index
// CHECK-NEXT:      %[[AT0:.*]] = arith.addi %[[I]], %[[OFF0]] : index
// CHECK-NEXT:      memref.store %{{.*}}, %[[BUF]][%[[AT0]]] : memref<5xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NOT:     scf.if
// CHECK:         arith.muli %[[TID]], %{{.*}} : index
// CHECK-NEXT:    arith.addi
// CHECK-NEXT:    %[[BY1:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %[[BY1]] {
// CHECK-NEXT:      memref.load %[[Y]][%[[J]]]
// CHECK-NEXT:      %[[OFF1:.*]] = arith.constant 2 : index
// CHECK-NEXT:      %[[AT1:.*]] = arith.addi %[[J]], %[[OFF1]] : index
// CHECK-NEXT:      memref.store %{{.*}}, %[[BUF]][%[[AT1]]] : memref<5xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NOT:     scf.if
// CHECK:         return
func.func @concat(%x: tensor<2xf32>, %y: tensor<3xf32>) -> tensor<5xf32>
    attributes {lds.cooperative} {
  %c = lds.concat %x, %y : tensor<2xf32>, tensor<3xf32> -> tensor<5xf32>
  return %c : tensor<5xf32>
}

// -----

// Scalar loops written by hand: a loop whose iterations all write one element,
// and one that reads what an earlier iteration wrote, are not distributed but
// run in thread 0. The module's own declaration of @lds_coop_tid is reused.
// CHECK-LABEL: func.func private @lds_coop_tid() -> index
// CHECK-NOT:   func.func private @lds_coop_tid
// CHECK-LABEL: func.func @fallback(
// CHECK:         %[[FIRST:.*]] = arith.cmpi eq,
// CHECK:         %[[ACC:.*]] = memref.view {{.*}} to memref<1xf32>
// CHECK-NEXT:    %[[O64:.*]] = arith.constant 64 : index
// CHECK-NEXT:    %[[BUF:.*]] = memref.view %{{.*}}[%[[O64]]][] : memref<128xi8> to memref<4xf32>
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    scf.if %[[FIRST]] {
// CHECK-NEXT:      scf.for %[[I:.*]] = %[[C0:.*]] to %[[C4:.*]] step %[[C1:.*]] {
// CHECK-NEXT:        memref.load
// CHECK-NEXT:        memref.store %{{.*}}, %[[ACC]][%[[C0]]] : memref<1xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// CHECK-NEXT:    scf.if %[[FIRST]] {
// CHECK-NEXT:      scf.for %[[I:.*]] = %[[C1]] to %[[C4]] step %[[C1]] {
// CHECK:             memref.store %{{.*}}, %[[BUF]][%[[I]]] : memref<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
// Stores at i and i + 1: iterations i and i + 1 both write element i + 1.
// CHECK-NEXT:    scf.if %[[FIRST]] {
// CHECK-NEXT:      scf.for %[[I:.*]] = %[[C0]] to %[[C1]] step %[[C1]] {
// CHECK:             memref.store %{{.*}}, %[[BUF]][%[[I]]] : memref<4xf32>
// CHECK:             memref.store %{{.*}}, %[[BUF]][%{{.*}}] : memref<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
func.func private @lds_coop_tid() -> index

func.func @fallback(%x: memref<4xf32>, %out: memref<4xf32>)
    attributes {lds.cooperative} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %acc = memref.alloca() : memref<1xf32>
  %buf = memref.alloca() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %acc[%c0] : memref<1xf32>
  }
  scf.for %i = %c1 to %c4 step %c1 {
    %j = arith.subi %i, %c1 : index
    %v = memref.load %buf[%j] : memref<4xf32>
    memref.store %v, %buf[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c1 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    %next = arith.addi %i, %c1 : index
    memref.store %v, %buf[%i] : memref<4xf32>
    memref.store %v, %buf[%next] : memref<4xf32>
  }
  memref.copy %buf, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// A matrix product: the (row, column) band of its nest is one distributed
// loop over the 2 x 4 results, the column fastest, so that a warp's threads
// read one element of %a (the same for all) and consecutive elements of %b,
// and store consecutive results; each result's dot product stays in its
// thread.
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:[a-z0-9]+]]: memref<2x3xf32>, %[[B:[a-z0-9]+]]: memref<3x4xf32>,
// CHECK-NEXT:    %[[TID:.*]] = call @lds_coop_tid() : () -> index
// CHECK-NEXT:    %[[NTID:.*]] = call @lds_coop_ntid() : () -> index
// CHECK:         %[[BUF:.*]] = memref.view {{.*}} to memref<2x4xf32>
// CHECK:         %[[C4:.*]] = arith.constant 4 : index
// CHECK:         %[[C8:.*]] = arith.constant 8 : index
// CHECK-NEXT:    scf.for %[[T:.*]] = %[[TID]] to %[[C8]] step %[[NTID]] {
// CHECK-NEXT:      %[[J:.*]] = arith.remui %[[T]], %[[C4]] : index
// CHECK-NEXT:      %[[I:.*]] = arith.divui %[[T]], %[[C4]] : index
// CHECK:           %[[DOT:.*]] = scf.for %[[K:.*]] = {{.*}} iter_args
// CHECK-NEXT:        memref.load %[[A]][%[[I]], %[[K]]] : memref<2x3xf32>
// CHECK-NEXT:        memref.load %[[B]][%[[K]], %[[J]]] : memref<3x4xf32>
// CHECK:           }
// CHECK-NEXT:      memref.store %[[DOT]], %[[BUF]][%[[I]], %[[J]]] : memref<2x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    call @lds_coop_barrier() : () -> ()
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32>
    attributes {lds.cooperative} {
  %c = lds.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %c : tensor<2x4xf32>
}

// -----

// Nests written by hand whose inner loop stays in each thread, its outer
// loop distributed as before: the inner loop's stores do not index the
// second dimension with its induction variable (every iteration writes row
// i's first element: it must run in one thread, in order); the inner loop's
// bounds vary with the outer index (a triangle); the outer body writes
// outside the inner loop; two stores a column apart.
// CHECK-LABEL: func.func @partial_bands(
// CHECK:         %[[TID:.*]] = call @lds_coop_tid() : () -> index
// CHECK-NEXT:    %[[NTID:.*]] = call @lds_coop_ntid() : () -> index
// CHECK:         %[[BY0:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I0:.*]] = %{{.*}} to %{{.*}} step %[[BY0]] {
// CHECK-NEXT:      scf.for %[[J0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        memref.store %{{.*}}, %{{.*}}[%[[I0]], %{{.*}}] : memref<4x4xf32>
// CHECK:         call @lds_coop_barrier() : () -> ()
// CHECK:         %[[BY1:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I1:.*]] = %{{.*}} to %{{.*}} step %[[BY1]] {
// CHECK-NEXT:      scf.for %[[J1:.*]] = %{{.*}} to %[[I1]] step %{{.*}} {
// CHECK:         call @lds_coop_barrier() : () -> ()
// CHECK:         %[[BY2:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I2:.*]] = %{{.*}} to %{{.*}} step %[[BY2]] {
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      scf.for %[[J2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:         call @lds_coop_barrier() : () -> ()
// Stores at (i, j) and (i, j + 1): the rows are distributed, each row's
// columns run in order.
// CHECK:         %[[BY3:.*]] = arith.muli %{{.*}}, %[[NTID]] : index
// CHECK-NEXT:    scf.for %[[I3:.*]] = %{{.*}} to %{{.*}} step %[[BY3]] {
// CHECK-NEXT:      scf.for %[[J3:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        arith.addi %[[J3]]
// CHECK-NEXT:        memref.store %{{.*}}, %{{.*}}[%[[I3]], %[[J3]]] : memref<4x4xf32>
// CHECK-NEXT:        memref.store
// CHECK:         call @lds_coop_barrier() : () -> ()
// CHECK-NOT:     arith.remui
// CHECK:         return
func.func @partial_bands(%x: memref<4x4xf32>, %y: memref<4x4xf32>,
                         %z: memref<4x4xf32>, %w: memref<4x4xf32>)
    attributes {lds.cooperative} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      memref.store %one, %x[%i, %c0] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %i step %c1 {
      memref.store %one, %y[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %one, %z[%i, %c0] : memref<4x4xf32>
    scf.for %j = %c1 to %c4 step %c1 {
      memref.store %one, %z[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c1 step %c1 {
      %next = arith.addi %j, %c1 : index
      memref.store %one, %w[%i, %j] : memref<4x4xf32>
      memref.store %one, %w[%i, %next] : memref<4x4xf32>
    }
  }
  return
}
