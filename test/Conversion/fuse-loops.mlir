// RUN: lds-opt %s --split-input-file \
// RUN:   --lds-lower-to-loops="fuse-loops-from=1 store-results-in-place=1" \
// RUN:   | FileCheck %s
// RUN: lds-opt %s --lds-lower-to-loops=fuse-loops-from=8 --split-input-file \
// RUN:   | FileCheck %s --check-prefix=SMALL
// RUN: lds-opt %s --lds-lower-to-loops --split-input-file \
// RUN:   | FileCheck %s --check-prefix=OFF

// lds-lower-to-loops=fuse-loops-from=N merges each loop nest of at least N
// iterations into the next when both visit the same indices and share
// buffers only element by element; the loads of what the merged body stored
// become the stored values, and buffers nothing reads any more disappear.

// A chain of elementwise ops (a splat constant, a broadcast scalar, binary
// and unary ops): one loop, no intermediate buffer. As the loop is the last
// and reads the arguments of the result's type only at its own index, it
// stores the result into the out-parameter itself, after reading them (the
// out-parameter may be the same buffer as %a).
// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[A:[^:]*]]: memref<4xf32>, %[[S:[^:]*]]: memref<f32>,
// CHECK-SAME:      %[[OUT:[^:]*]]: memref<4xf32> {lds.kind = "out"
// CHECK-NOT:     memref.alloca
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-DAG:       %[[X:.*]] = memref.load %[[A]][%[[I]]]
// CHECK-DAG:       %[[SV:.*]] = memref.load %[[S]][]
// CHECK:           %[[M:.*]] = arith.mulf %[[X]], %[[SV]] : f32
// CHECK:           %[[P:.*]] = arith.addf %[[M]], %{{.*}} : f32
// CHECK-NEXT:      %[[T:.*]] = math.tanh %[[P]] : f32
// CHECK-NEXT:      memref.store %[[T]], %[[OUT]][%[[I]]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return
// Below the threshold, and by default, one loop per op.
// SMALL-LABEL: func.func @chain(
// SMALL-COUNT-5: scf.for
// OFF-LABEL:   func.func @chain(
// OFF-COUNT-5: scf.for
func.func @chain(%a: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  %one = lds.constant dense<1.0> : tensor<4xf32>
  %b = lds.broadcast %s : tensor<f32> -> tensor<4xf32>
  %0 = lds.mul %a, %b : tensor<4xf32>
  %1 = lds.add %0, %one : tensor<4xf32>
  %2 = lds.tanh %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// A value the merged loop computes but a matrix-vector product also reads
// (at every index, so the product is a nest apart) keeps its buffer: the
// merged loop stores it, the product's nest loads it.
// CHECK-LABEL: func.func @shared(
// CHECK-SAME:      %[[M:[^:]*]]: memref<4x4xf32>, %[[V:[^:]*]]: memref<4xf32>,
// CHECK:         %[[E:.*]] = memref.alloca() : memref<4xf32>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      %[[X:.*]] = memref.load %[[V]][%[[I]]]
// CHECK-NEXT:      %[[EX:.*]] = math.exp %[[X]] : f32
// CHECK-NEXT:      memref.store %[[EX]], %[[E]][%[[I]]]
// CHECK-NEXT:    }
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           scf.for %[[K:.*]] = {{.*}} iter_args
// CHECK:             memref.load %[[E]][%[[K]]]
// The sum's loop absorbed the product's nest (it reads the exponentials
// at its own index, and the product's buffer only there).
// CHECK:           %[[EJ:.*]] = memref.load %[[E]][%[[J]]]
// CHECK:           arith.addf %{{.*}}, %[[EJ]] : f32
// CHECK-NOT:     scf.for
func.func @shared(%m: tensor<4x4xf32>, %v: tensor<4xf32>) -> tensor<4xf32> {
  %e = lds.exp %v : tensor<4xf32>
  %p = lds.matmul %m, %e : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %s = lds.add %p, %e : tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// A reduction absorbs the elementwise nest before it: one loop with the
// accumulator, and no store inside it.
// CHECK-LABEL: func.func @reduce(
// CHECK:         %[[R:.*]] = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      %[[D:.*]] = arith.subf
// CHECK-NEXT:      %[[ABS:.*]] = math.absf %[[D]] : f32
// CHECK-NEXT:      %[[MAX:.*]] = arith.maximumf %[[ACC]], %[[ABS]] : f32
// CHECK-NEXT:      scf.yield %[[MAX]] : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    memref.store %[[R]]
func.func @reduce(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<f32> {
  %0 = lds.sub %a, %b : tensor<8xf32>
  %1 = lds.abs %0 : tensor<8xf32>
  %2 = lds.reduce_max %1 : tensor<8xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// ... but not when something after the reduction reads the elements too:
// they stay in their own nest, and the reduction keeps no store.
// CHECK-LABEL: func.func @reduce_and_return(
// CHECK:         scf.for
// CHECK:           memref.store
// CHECK:         scf.for {{.*}} iter_args
// CHECK-NOT:       memref.store
// CHECK:           scf.yield
func.func @reduce_and_return(%a: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<f32>) {
  %0 = lds.exp %a : tensor<8xf32>
  %1 = lds.sum %0 : tensor<8xf32> -> tensor<f32>
  return %0, %1 : tensor<8xf32>, tensor<f32>
}

// -----

// A transpose reads the sum at [j, i], which a later iteration of the
// sum's nest writes: the nests stay apart. The elementwise op after the
// transpose reads it at its own indices and merges into its nest.
// CHECK-LABEL: func.func @transposed(
// CHECK:         %[[SUM:.*]] = memref.alloca() : memref<4x4xf32>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             memref.store %{{.*}}, %[[SUM]][%[[I]], %[[J]]]
// CHECK:         scf.for %[[I2:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:      scf.for %[[J2:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:        %[[T:.*]] = memref.load %[[SUM]][%[[J2]], %[[I2]]]
// CHECK-NEXT:        %[[N:.*]] = arith.negf %[[T]] : f32
// CHECK-NEXT:        memref.store %[[N]]
// CHECK-NOT:     scf.for
func.func @transposed(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>)
    -> tensor<4x4xf32> {
  %0 = lds.add %a, %b : tensor<4x4xf32>
  %1 = lds.transpose %0 : tensor<4x4xf32> -> tensor<4x4xf32>
  %2 = lds.neg %1 : tensor<4x4xf32>
  return %2 : tensor<4x4xf32>
}

// -----

// Concatenation writes its result at a shifted index: its nests merge with
// nothing, and the chain after it reads the whole result in its own nest.
// CHECK-LABEL: func.func @concat(
// CHECK-COUNT-3: scf.for
// CHECK-NOT:     scf.for
func.func @concat(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<8xf32> {
  %0 = lds.concat %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<8xf32>
  %1 = lds.neg %0 : tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// Hand-written memref code in a lowered function: a buffer read through a
// view (here a cast) at an index other than the loop's is a second name the
// checks would not see, so a viewed buffer is never merged.
// CHECK-LABEL: func.func @viewed(
// CHECK:         scf.for
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.store
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.for
// CHECK-NEXT:      memref.load %{{.*}}[%c3]
func.func @viewed(%x: memref<4xf32>, %out: memref<4xf32>, %t: tensor<4xf32>)
    -> tensor<4xf32> {
  %a = memref.alloca() : memref<4xf32>
  %v = memref.cast %a : memref<4xf32> to memref<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %x[%i] : memref<4xf32>
    memref.store %e, %a[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %v[%c3] : memref<?xf32>
    memref.store %e, %a[%i] : memref<4xf32>
  }
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  %n = lds.neg %t : tensor<4xf32>
  return %n : tensor<4xf32>
}

// -----

// Only index loops merge (an i32 loop's variable cannot index a memref).
// The first loop's store goes (its buffer is write-only), its load stays.
// CHECK-LABEL: func.func @i32_loop(
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      memref.load
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.for %{{.*}} iter_args({{.*}}) -> (f32) : i32 {
func.func @i32_loop(%x: memref<4xf32>, %out: memref<f32>, %t: tensor<4xf32>)
    -> tensor<4xf32> {
  %y = memref.alloca() : memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0 : i32
  %o = arith.constant 1 : i32
  %f = arith.constant 4 : i32
  %f0 = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %e = memref.load %x[%i] : memref<4xf32>
    memref.store %e, %y[%i] : memref<4xf32>
  }
  %r = scf.for %k = %z to %f step %o iter_args(%acc = %f0) -> (f32) : i32 {
    %j = arith.index_cast %k : i32 to index
    %e = memref.load %x[%j] : memref<4xf32>
    %s = arith.addf %acc, %e : f32
    scf.yield %s : f32
  }
  memref.store %r, %out[] : memref<f32>
  %n = lds.neg %t : tensor<4xf32>
  return %n : tensor<4xf32>
}

// -----

// In a function whose work lds-distribute-over-block splits over a thread
// block, the elementwise nests still merge, but a reduction (run whole by
// every thread) absorbs nothing.
// CHECK-LABEL: func.func @cooperative(
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           math.exp
// CHECK:           arith.mulf
// CHECK:           memref.store
// CHECK:         scf.for {{.*}} iter_args
// CHECK-NOT:       math.exp
// CHECK:           scf.yield
func.func @cooperative(%a: tensor<64xf32>) -> tensor<f32>
    attributes {lds.cooperative} {
  %0 = lds.exp %a : tensor<64xf32>
  %1 = lds.mul %0, %a : tensor<64xf32>
  %2 = lds.sum %1 : tensor<64xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// The last loop reads an argument of the result's type at another index
// (a transpose): were it to store into the out-parameter, which may be
// that argument's buffer, it would read elements it had already
// overwritten. The result stays in its buffer and is copied at the end.
// CHECK-LABEL: func.func @transposed_argument(
// CHECK-SAME:      %[[A:[^:]*]]: memref<4x4xf32>,
// CHECK-SAME:      %[[OUT:[^:]*]]: memref<4x4xf32> {lds.kind = "out"
// CHECK:         %[[BUF:.*]] = memref.alloca() : memref<4x4xf32>
// CHECK:           memref.load %[[A]][%[[J:.*]], %[[I:.*]]]
// CHECK:           memref.store %{{.*}}, %[[BUF]][%[[I]], %[[J]]]
// CHECK:         memref.copy %[[BUF]], %[[OUT]]
func.func @transposed_argument(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = lds.transpose %a : tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = lds.neg %0 : tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}

// -----

// Two results stored in place: every argument is read before the first
// store, since either out-parameter may be %a's or %b's buffer (a chunk's
// running map combined into itself).
// CHECK-LABEL: func.func @two_results(
// CHECK:         scf.for
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NOT:       memref.load
// CHECK:           memref.store
// CHECK:           memref.store
// CHECK-NEXT:    }
// CHECK-NEXT:    return
func.func @two_results(%a: tensor<64xf32>, %b: tensor<64xf32>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %0 = lds.mul %a, %b : tensor<64xf32>
  %1 = lds.add %a, %b : tensor<64xf32>
  return %0, %1 : tensor<64xf32>, tensor<64xf32>
}
