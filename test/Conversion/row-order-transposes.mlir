// RUN: lds-opt %s --split-input-file --lds-row-order-transposes | FileCheck %s

// Two transposed copies of params into one shared view, each read by the
// row sums of a mat-vec (the second fused with an add, as
// lds-lower-to-loops' merged nests are): each sum becomes a row-order
// mat-vec into a buffer of its own before its row loop, reading the param
// it copied, and the copies are gone.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME:    %[[X:[^:]*]]: memref<8xf32> {lds.kind = "state"
// CHECK-SAME:    %[[P:[^:]*]]: memref<8x4xf32> {lds.kind = "param"
// CHECK-SAME:    %[[Q:[^:]*]]: memref<4x8xf32> {lds.kind = "param"
// CHECK-SAME:    %[[OUT:[^:]*]]: memref<8xf32> {lds.kind = "out"
// CHECK-DAG:     %[[S2:.*]] = memref.alloca() : memref<8xf32>
// CHECK-DAG:     %[[S1:.*]] = memref.alloca() : memref<4xf32>
// CHECK-DAG:     %[[Y:.*]] = memref.alloca() : memref<4xf32>
// CHECK-NOT:     memref.view
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      memref.store %{{.*}}, %[[S1]][%[[I]]] : memref<4xf32>
// CHECK:         scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[X]][%[[K]]] : memref<8xf32>
// CHECK-NEXT:      scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        %[[W:.*]] = memref.load %[[P]][%[[K]], %[[J]]] : memref<8x4xf32>
// CHECK-NEXT:        %[[M:.*]] = arith.mulf %[[W]], %[[V]] : f32
// CHECK-NEXT:        %[[OLD:.*]] = memref.load %[[S1]][%[[J]]] : memref<4xf32>
// CHECK-NEXT:        %[[NEW:.*]] = arith.addf %[[OLD]], %[[M]] : f32
// CHECK-NEXT:        memref.store %[[NEW]], %[[S1]][%[[J]]] : memref<4xf32>
// CHECK:         scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[SUM:.*]] = memref.load %[[S1]][%[[R]]] : memref<4xf32>
// CHECK-NEXT:      memref.store %[[SUM]], %[[Y]][%[[R]]] : memref<4xf32>
// CHECK:         memref.load %[[Q]][%{{.*}}, %{{.*}}] : memref<4x8xf32>
// CHECK:         scf.for %[[R2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %[[SUM2:.*]] = memref.load %[[S2]][%[[R2]]] : memref<8xf32>
// CHECK-NEXT:      %[[X2:.*]] = memref.load %[[X]][%[[R2]]] : memref<8xf32>
// CHECK-NEXT:      %[[T:.*]] = arith.addf %[[SUM2]], %[[X2]] : f32
// CHECK-NEXT:      memref.store %[[T]], %[[OUT]][%[[R2]]] : memref<8xf32>
// CHECK-NOT:     memref.store %{{.*}} : memref<4x8xf32>
// CHECK-NOT:     memref.store %{{.*}} : memref<8x4xf32>
// CHECK:         return
func.func @rows(%x: memref<8xf32> {lds.kind = "state", lds.name = "x"},
                %p: memref<8x4xf32> {lds.kind = "param", lds.name = "p"},
                %q: memref<4x8xf32> {lds.kind = "param", lds.name = "q"},
                %out: memref<8xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %arena = memref.alloca() {alignment = 64 : i64} : memref<128xi8>
  %t1 = memref.view %arena[%c0][] : memref<128xi8> to memref<4x8xf32>
  %t2 = memref.view %arena[%c0][] : memref<128xi8> to memref<8x4xf32>
  %y = memref.alloca() : memref<4xf32>
  // t1 = p^T (4 x 8); y = t1 @ x
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %p[%j, %i] : memref<8x4xf32>
      memref.store %v, %t1[%i, %j] : memref<4x8xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t1[%i, %k] : memref<4x8xf32>
      %v = memref.load %x[%k] : memref<8xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %y[%i] : memref<4xf32>
  }
  // t2 = q^T (8 x 4); out = t2 @ y + x
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %q[%j, %i] : memref<4x8xf32>
      memref.store %v, %t2[%i, %j] : memref<8x4xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %y[%k] : memref<4xf32>
      %w = memref.load %t2[%i, %k] : memref<8x4xf32>
      %m = arith.mulf %v, %w : f32
      %n = arith.addf %m, %acc : f32
      scf.yield %n : f32
    }
    %xi = memref.load %x[%i] : memref<8xf32>
    %r = arith.addf %s, %xi : f32
    memref.store %r, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// Left alone: a copy also read outside a row sum (its diagonal); a row sum
// whose vector the row loop writes; a sum that does not start at 0; and a
// function with lanes (lds-widen-lanes reads its params in place itself).
// CHECK-LABEL: func.func @diag(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-LABEL: func.func @written(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-LABEL: func.func @biased(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-LABEL: func.func @lanes(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
func.func @diag(%x: memref<4xf32>, %p: memref<4x4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %x[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    %d = memref.load %t[%i, %i] : memref<4x4xf32>
    %r = arith.addf %s, %d : f32
    memref.store %r, %out[%i] : memref<4xf32>
  }
  return
}
func.func @written(%x: memref<4xf32>, %p: memref<4x4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  %v0 = memref.alloca() : memref<4xf32>
  memref.copy %x, %v0 : memref<4xf32> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %v0[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %v0[%i] : memref<4xf32>
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}
func.func @biased(%x: memref<4xf32>, %p: memref<4x4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %one) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %x[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}
func.func @lanes(%x: memref<4xf32>, %p: memref<4x4xf32>, %out: memref<4xf32>)
    attributes {lds.lanes = 8 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %x[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// Two copies into one buffer: each row sum reads the param of the last copy
// before it (p for y, q for out).
// CHECK-LABEL: func.func @recopied(
// CHECK-SAME:    %[[X:[^:]*]]: memref<4xf32>, %[[P:[^:]*]]: memref<4x4xf32>, %[[Q:[^:]*]]: memref<4x4xf32>
// CHECK-NOT:     memref.store %{{.*}} : memref<4x4xf32>
// CHECK:         memref.load %[[P]][%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-NOT:     memref.load %[[Q]]
// CHECK:         memref.store %{{.*}}, %[[Y:.*]][%{{.*}}] : memref<4xf32>
// CHECK:         memref.load %[[Q]][%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-NOT:     memref.load %[[P]]
// CHECK-NOT:     memref.store %{{.*}} : memref<4x4xf32>
// CHECK:         return
func.func @recopied(%x: memref<4xf32>, %p: memref<4x4xf32>, %q: memref<4x4xf32>,
                    %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  %y = memref.alloca() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %x[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %y[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %q[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %y[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// Left alone: a copy into an out-parameter (the function's result, not a
// buffer of its own); a vector written in the row loop through a cast of
// it; a vector and a 0 the row loop defines itself (a row's view).
// CHECK-LABEL: func.func @to_out(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-LABEL: func.func @through_cast(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
// CHECK-LABEL: func.func @row_view(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xf32>
func.func @to_out(%p: memref<4x4xf32> {lds.kind = "param", lds.name = "p"},
                  %out: memref<4x4xf32> {lds.kind = "out", lds.name = "out"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %out[%i, %j] : memref<4x4xf32>
    }
  }
  return
}
func.func @through_cast(%x: memref<4xf32>, %p: memref<4x4xf32>,
                        %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<4x4xf32>
  %v0 = memref.alloca() : memref<4xf32>
  %alias = memref.cast %v0 : memref<4xf32> to memref<?xf32>
  memref.copy %x, %v0 : memref<4xf32> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %v0[%k] : memref<4xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %alias[%i] : memref<?xf32>
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}
func.func @row_view(%a: memref<4x4xf32>, %p: memref<4x4xf32>,
                    %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloca() : memref<4x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %p[%j, %i] : memref<4x4xf32>
      memref.store %v, %t[%i, %j] : memref<4x4xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %zero = arith.constant 0.0 : f32
    %row = memref.subview %a[%i, 0] [1, 4] [1, 1]
        : memref<4x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<4x4xf32>
      %v = memref.load %row[%k] : memref<4xf32, strided<[1], offset: ?>>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}
