// RUN: lds-opt %s --split-input-file --lds-widen-lanes --canonicalize --cse \
// RUN:   | FileCheck %s
// RUN: lds-opt %s --split-input-file --lds-widen-lanes=lane-bytes=64 \
// RUN:   | FileCheck %s --check-prefix=WIDE

// lds-widen-lanes adds @M_f_lanes next to each step function @M_f of the
// scalar loops: f for L sequences at once (L = 32 bytes / the float's size),
// whose state- and input-dependent values are vectors, one lane a sequence.

// A mat-vec W @ x + u: the state, the input and out are taken once per lane
// and gathered into buffers of vectors; W stays a scalar buffer, each weight
// broadcast. The row loop is jammed 8 rows a step: one load of x[k] serves
// eight weights and eight independent sums.
// CHECK-LABEL: func.func @mv_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps 8 sequences at once (@mv_f_lanes)"
// CHECK-LABEL: func.func @mv_f_lanes(
// CHECK-SAME:    %[[X0:[^:]*]]: memref<16xf32> {lds.kind = "state"
// CHECK-COUNT-7: memref<16xf32> {lds.kind = "state"
// CHECK-SAME:    %[[U0:[^:]*]]: memref<16xf32> {lds.kind = "input"
// CHECK-COUNT-7: memref<16xf32> {lds.kind = "input"
// CHECK-SAME:    %[[W:[^:]*]]: memref<16x16xf32> {lds.kind = "param"
// CHECK-SAME:    %[[O0:[^:]*]]: memref<16xf32> {lds.kind = "out"
// CHECK-COUNT-6: memref<16xf32> {lds.kind = "out"
// CHECK-SAME:    %[[O7:[^:]*]]: memref<16xf32> {lds.kind = "out"
// CHECK-SAME:    lds.derived = "f_lanes", lds.lanes = 8 : i64
// CHECK:         %[[XB:.*]] = memref.alloca() : memref<16xvector<8xf32>>
// CHECK:         %[[UB:.*]] = memref.alloca() : memref<16xvector<8xf32>>
// CHECK:         %[[OB:.*]] = memref.alloca() : memref<16xvector<8xf32>>
// The gathers: lane 0 broadcast, lanes 1..7 inserted.
// CHECK:         scf.for %[[K:.*]] =
// CHECK:           %[[L0:.*]] = memref.load %[[X0]][%[[K]]] : memref<16xf32>
// CHECK:           %[[V0:.*]] = vector.broadcast %[[L0]] : f32 to vector<8xf32>
// CHECK:           vector.insert %{{.*}}, %[[V0]] [1] : f32 into vector<8xf32>
// CHECK:           %[[V7:.*]] = vector.insert %{{.*}} [7] : f32 into vector<8xf32>
// CHECK:           memref.store %[[V7]], %[[XB]][%[[K]]] : memref<16xvector<8xf32>>
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %[[UB]][%{{.*}}] : memref<16xvector<8xf32>>
// The jammed rows.
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c8 {
// CHECK:           %[[SUMS:.*]]:8 = scf.for %[[J:.*]] = {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:             %[[WIJ:.*]] = memref.load %[[W]][%[[I]], %[[J]]] : memref<16x16xf32>
// CHECK:             %[[XJ:.*]] = memref.load %[[XB]][%[[J]]] : memref<16xvector<8xf32>>
// CHECK:             %[[WB:.*]] = vector.broadcast %[[WIJ]] : f32 to vector<8xf32>
// CHECK:             arith.mulf %[[WB]], %[[XJ]] : vector<8xf32>
// CHECK-NOT:         memref.load %[[XB]]
// CHECK:             scf.yield
// CHECK:           memref.load %[[UB]][%[[I]]] : memref<16xvector<8xf32>>
// CHECK:           memref.store %{{.*}}, %[[OB]][%[[I]]] : memref<16xvector<8xf32>>
// The scatter at the return.
// CHECK:         scf.for %[[K2:.*]] =
// CHECK:           %[[R:.*]] = memref.load %[[OB]][%[[K2]]] : memref<16xvector<8xf32>>
// CHECK:           %[[E0:.*]] = vector.extract %[[R]][0] : f32 from vector<8xf32>
// CHECK:           memref.store %[[E0]], %[[O0]][%[[K2]]] : memref<16xf32>
// CHECK:           %[[E7:.*]] = vector.extract %[[R]][7] : f32 from vector<8xf32>
// CHECK:           memref.store %[[E7]], %[[O7]][%[[K2]]] : memref<16xf32>
// CHECK:         return
// 64 bytes: 16 lanes.
// WIDE-LABEL: func.func @mv_f_lanes(
// WIDE-SAME:    lds.lanes = 16 : i64
// WIDE:         memref.alloca() : memref<16xvector<16xf32>>
func.func @mv_f(%x: memref<16xf32> {lds.kind = "state", lds.name = "x"},
                %u: memref<16xf32> {lds.kind = "input", lds.name = "u"},
                %w: memref<16x16xf32> {lds.kind = "param", lds.name = "W"},
                %out: memref<16xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    %s = scf.for %j = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
      %a = memref.load %w[%i, %j] : memref<16x16xf32>
      %b = memref.load %x[%j] : memref<16xf32>
      %p = arith.mulf %a, %b : f32
      %n = arith.addf %acc, %p : f32
      scf.yield %n : f32
    }
    %v = memref.load %u[%i] : memref<16xf32>
    %r = arith.addf %s, %v : f32
    memref.store %r, %out[%i] : memref<16xf32>
  }
  return
}

// -----

// f64: 4 lanes. A sum outside a row loop, x . x, is split over 8 partial
// sums added pairwise after the loop.
// CHECK-LABEL: func.func @dot_f_lanes(
// CHECK-SAME:    lds.lanes = 4 : i64
// CHECK:         %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<4xf64>
// CHECK:         %[[S:.*]]:8 = scf.for {{.*}} step %c8 iter_args(%{{.*}} = %[[Z]], {{.*}}) -> (vector<4xf64>, vector<4xf64>, vector<4xf64>, vector<4xf64>, vector<4xf64>, vector<4xf64>, vector<4xf64>, vector<4xf64>)
// CHECK:         %[[A:.*]] = arith.addf %[[S]]#0, %[[S]]#1 : vector<4xf64>
// CHECK:         %[[B:.*]] = arith.addf %[[S]]#2, %[[S]]#3 : vector<4xf64>
// CHECK:         arith.addf %[[A]], %[[B]] : vector<4xf64>
func.func @dot_f(%x: memref<64xf64> {lds.kind = "state", lds.name = "x"},
                 %out: memref<64xf64> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f64
  %s = scf.for %j = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f64) {
    %b = memref.load %x[%j] : memref<64xf64>
    %p = arith.mulf %b, %b : f64
    %n = arith.addf %acc, %p : f64
    scf.yield %n : f64
  }
  scf.for %i = %c0 to %c64 step %c1 {
    %b = memref.load %x[%i] : memref<64xf64>
    %r = arith.mulf %b, %s : f64
    memref.store %r, %out[%i] : memref<64xf64>
  }
  return
}

// -----

// Without a sum, a state of 16 values or more is vectorised over its
// channels already: no lanes. A smaller one gets them; a comparison and a
// select on lane values become vector ones, the uniform operand broadcast.
// CHECK-LABEL: func.func @wide_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps one sequence at a time: f sums no values that differ by sequence, and its 16 state values are vectorised one sequence at a time already"
// CHECK-NOT:   func.func @wide_f_lanes
// CHECK-LABEL: func.func @relu_f_lanes(
// CHECK:         %[[ZV:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK:         %[[XV:.*]] = memref.load %{{.*}} : memref<4xvector<8xf32>>
// CHECK:         %[[C:.*]] = arith.cmpf ogt, %[[XV]], %[[ZV]] : vector<8xf32>
// CHECK:         arith.select %[[C]], %[[XV]], %[[ZV]] : vector<8xi1>, vector<8xf32>
func.func @wide_f(%x: memref<16xf32> {lds.kind = "state", lds.name = "x"},
                  %out: memref<16xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %c16 step %c1 {
    %b = memref.load %x[%i] : memref<16xf32>
    %t = math.tanh %b : f32
    memref.store %t, %out[%i] : memref<16xf32>
  }
  return
}
func.func @relu_f(%x: memref<4xf32> {lds.kind = "state", lds.name = "x"},
                  %out: memref<4xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %b = memref.load %x[%i] : memref<4xf32>
    %c = arith.cmpf ogt, %b, %zero : f32
    %r = arith.select %c, %b, %zero : f32
    memref.store %r, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// What the lanes cannot express leaves f alone, and its lds.lanes_note
// says why (lds-compile --verbose prints it): an integer input (an index
// read per sequence), an scf.if on a lane value, a uniform buffer copied
// into out.
// CHECK-LABEL: func.func @gather_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps one sequence at a time: input 'w' holds integers"
// CHECK-NOT:   func.func @gather_f_lanes
// CHECK-LABEL: func.func @branch_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps one sequence at a time: 'scf.if' branches on a value that differs by sequence"
// CHECK-NOT:   func.func @branch_f_lanes
// CHECK-LABEL: func.func @constant_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps one sequence at a time: 'memref.copy' copies a buffer of constants into one of a sequence's values"
// CHECK-NOT:   func.func @constant_f_lanes
func.func @gather_f(%x: memref<4xf32> {lds.kind = "state", lds.name = "x"},
                    %w: memref<i32> {lds.kind = "input", lds.name = "w"},
                    %p: memref<3x4xf32> {lds.kind = "param", lds.name = "P"},
                    %out: memref<4xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %k = memref.load %w[] : memref<i32>
  %row = arith.index_cast %k : i32 to index
  scf.for %i = %c0 to %c4 step %c1 {
    %a = memref.load %p[%row, %i] : memref<3x4xf32>
    %b = memref.load %x[%i] : memref<4xf32>
    %r = arith.mulf %a, %b : f32
    memref.store %r, %out[%i] : memref<4xf32>
  }
  return
}
func.func @branch_f(%x: memref<4xf32> {lds.kind = "state", lds.name = "x"},
                    %out: memref<4xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %b = memref.load %x[%i] : memref<4xf32>
    %c = arith.cmpf ogt, %b, %zero : f32
    %r = scf.if %c -> (f32) {
      scf.yield %b : f32
    } else {
      scf.yield %zero : f32
    }
    memref.store %r, %out[%i] : memref<4xf32>
  }
  return
}
func.func @constant_f(%x: memref<4xf32> {lds.kind = "state", lds.name = "x"},
                      %out: memref<4xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  %buf = memref.alloca() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %one, %buf[%i] : memref<4xf32>
  }
  memref.copy %buf, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// Buffers that share a byte buffer (lds-lower-to-loops' share-buffers-from):
// a view that holds values of the sequences becomes a buffer of its own, of
// vectors; a view of uniform values (here 2 * p) stays where it was.
// CHECK-LABEL: func.func @arena_f_lanes(
// CHECK-DAG:     %[[A:.*]] = memref.alloca() {alignment = 64 : i64} : memref<384xi8>
// CHECK-DAG:     %[[C:.*]] = memref.view %[[A]][%c256][] : memref<384xi8> to memref<32xf32>
// CHECK-DAG:     %[[VA:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32xvector<8xf32>>
// CHECK-DAG:     %[[VB:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32xvector<8xf32>>
// CHECK-NOT:     memref.view
// CHECK:         return
func.func @arena_f(%x: memref<32xf32> {lds.kind = "state", lds.name = "x"},
                   %p: memref<32xf32> {lds.kind = "param", lds.name = "p"},
                   %out: memref<32xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %arena = memref.alloca() {alignment = 64 : i64} : memref<384xi8>
  %a = memref.view %arena[%c0][] : memref<384xi8> to memref<32xf32>
  %b = memref.view %arena[%c128][] : memref<384xi8> to memref<32xf32>
  %c = memref.view %arena[%c256][] : memref<384xi8> to memref<32xf32>
  scf.for %i = %c0 to %c32 step %c1 {
    %v = memref.load %x[%i] : memref<32xf32>
    %q = memref.load %p[%i] : memref<32xf32>
    %p2 = arith.mulf %v, %v : f32
    %q2 = arith.mulf %q, %two : f32
    memref.store %p2, %a[%i] : memref<32xf32>
    memref.store %q2, %c[%i] : memref<32xf32>
  }
  %s = scf.for %i = %c0 to %c32 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %a[%i] : memref<32xf32>
    %n = arith.addf %acc, %v : f32
    scf.yield %n : f32
  }
  scf.for %i = %c0 to %c32 step %c1 {
    %v = memref.load %a[%i] : memref<32xf32>
    %w = memref.load %c[%i] : memref<32xf32>
    %r = arith.addf %v, %s : f32
    %r2 = arith.mulf %r, %w : f32
    memref.store %r2, %b[%i] : memref<32xf32>
  }
  memref.copy %b, %out : memref<32xf32> to memref<32xf32>
  return
}

// -----

// Transposed copies of params (grad's L^T @ v, which lds-lower-to-loops
// copies on the CPU): the lanes read each param in place, with the indices
// swapped, from the copy each load would have read (two copies share one
// view here, as shared byte buffers do), and the copies are gone, with the
// shared byte buffer left without views; the scalar function keeps them. A copy whose buffer is also written
// elsewhere stays.
// CHECK-LABEL: func.func @tr_f(
// CHECK-COUNT-2: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x8xf32>
// CHECK-LABEL: func.func @tr_f_lanes(
// CHECK-SAME:    %[[P:[^:]*]]: memref<8x8xf32> {lds.kind = "param", lds.name = "p"}
// CHECK-SAME:    %[[Q:[^:]*]]: memref<8x8xf32> {lds.kind = "param", lds.name = "q"}
// CHECK-NOT:     memref<256xi8>
// CHECK-NOT:     memref.view
// CHECK-NOT:     memref.store %{{.*}} : memref<8x8xf32>
// CHECK:         scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(
// CHECK:           memref.load %[[P]][%[[K]], %c0] : memref<8x8xf32>
// CHECK:           memref.load %[[P]][%[[K]], %c7] : memref<8x8xf32>
// CHECK-NOT:     memref.store %{{.*}} : memref<8x8xf32>
// CHECK:         scf.for %[[K2:.*]] = %c0 to %c8 step %c1 iter_args(
// CHECK:           memref.load %[[Q]][%[[K2]], %c0] : memref<8x8xf32>
// CHECK-NOT:     memref.store %{{.*}} : memref<8x8xf32>
// CHECK:         return
// CHECK-LABEL: func.func @trw_f_lanes(
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x8xf32>
// CHECK:         memref.store %{{.*}}, %{{.*}}[%c0, %c0] : memref<8x8xf32>
func.func @tr_f(%x: memref<8xf32> {lds.kind = "state", lds.name = "x"},
                %p: memref<8x8xf32> {lds.kind = "param", lds.name = "p"},
                %q: memref<8x8xf32> {lds.kind = "param", lds.name = "q"},
                %out: memref<8xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %arena = memref.alloca() {alignment = 64 : i64} : memref<256xi8>
  %t = memref.view %arena[%c0][] : memref<256xi8> to memref<8x8xf32>
  %y = memref.alloca() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %p[%j, %i] : memref<8x8xf32>
      memref.store %v, %t[%i, %j] : memref<8x8xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<8x8xf32>
      %v = memref.load %x[%k] : memref<8xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %y[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %q[%j, %i] : memref<8x8xf32>
      memref.store %v, %t[%i, %j] : memref<8x8xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<8x8xf32>
      %v = memref.load %y[%k] : memref<8xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}
func.func @trw_f(%x: memref<8xf32> {lds.kind = "state", lds.name = "x"},
                 %p: memref<8x8xf32> {lds.kind = "param", lds.name = "p"},
                 %out: memref<8xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloca() : memref<8x8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %p[%j, %i] : memref<8x8xf32>
      memref.store %v, %t[%i, %j] : memref<8x8xf32>
    }
  }
  memref.store %zero, %t[%c0, %c0] : memref<8x8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %s = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %t[%i, %k] : memref<8x8xf32>
      %v = memref.load %x[%k] : memref<8xf32>
      %m = arith.mulf %w, %v : f32
      %n = arith.addf %acc, %m : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// Not jammed: rows whose sums run over different ranges (a triangular
// loop); not split: a running sum that is also stored at every step.
// CHECK-LABEL: func.func @tri_f_lanes(
// CHECK:         scf.for %[[I:.*]] = %c0 to %c16 step %c1 {
// CHECK:           scf.for %{{.*}} = %[[I]] to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>) {
// CHECK-LABEL: func.func @prefix_f_lanes(
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>) {
// CHECK:           memref.store %{{.*}} : memref<16xvector<8xf32>>
func.func @tri_f(%x: memref<16xf32> {lds.kind = "state", lds.name = "x"},
                 %out: memref<16xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    %s = scf.for %j = %i to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
      %b = memref.load %x[%j] : memref<16xf32>
      %n = arith.addf %acc, %b : f32
      scf.yield %n : f32
    }
    memref.store %s, %out[%i] : memref<16xf32>
  }
  return
}
func.func @prefix_f(%x: memref<16xf32> {lds.kind = "state", lds.name = "x"},
                    %out: memref<16xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %s = scf.for %j = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
    %b = memref.load %x[%j] : memref<16xf32>
    %n = arith.addf %acc, %b : f32
    memref.store %n, %out[%j] : memref<16xf32>
    scf.yield %n : f32
  }
  return
}

// -----

// Not jammed: two stores into one buffer, which rows could interleave
// differently (row 1's first store overwrites row 0's second at A[1, 0]).
// CHECK-LABEL: func.func @waw_f_lanes(
// CHECK:         scf.for %[[I:.*]] = %c0 to %c16 step %c1 {
// CHECK:           memref.store %{{.*}}, %{{.*}}[%[[I]], %{{.*}}] : memref<16x16xvector<8xf32>>
// CHECK:           memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[I]]] : memref<16x16xvector<8xf32>>
func.func @waw_f(%x: memref<16xf32> {lds.kind = "state", lds.name = "x"},
                 %w: memref<16x16xf32> {lds.kind = "param", lds.name = "W"},
                 %out: memref<16xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %A = memref.alloca() : memref<16x16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %s = scf.for %j = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
      %a = memref.load %w[%i, %j] : memref<16x16xf32>
      %b = memref.load %x[%j] : memref<16xf32>
      %p = arith.mulf %a, %b : f32
      %n = arith.addf %acc, %p : f32
      scf.yield %n : f32
    }
    %i1 = arith.addi %i, %c1 : index
    %ip1 = arith.remui %i1, %c16 : index
    %i15 = arith.addi %i, %c15 : index
    %im1 = arith.remui %i15, %c16 : index
    %t = arith.addf %s, %one : f32
    memref.store %s, %A[%i, %im1] : memref<16x16xf32>
    memref.store %t, %A[%ip1, %i] : memref<16x16xf32>
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %i15 = arith.addi %i, %c15 : index
    %im1 = arith.remui %i15, %c16 : index
    %v = memref.load %A[%i, %im1] : memref<16x16xf32>
    memref.store %v, %out[%i] : memref<16xf32>
  }
  return
}

// -----

// A function whose lanes' buffers would overflow a worker's stack keeps to
// one sequence at a time: 8 lanes of a 65536 x f32 state take 2 MiB (the
// gathered state and out: 4 MiB).
// CHECK-LABEL: func.func @huge_f(
// CHECK-SAME:    lds.lanes_note = "the sequential pass steps one sequence at a time: its buffers would take 4096 KiB of stack for 8 sequences (at most 2048 KiB)"
// CHECK-NOT:   func.func @huge_f_lanes
func.func @huge_f(%x: memref<65536xf32> {lds.kind = "state", lds.name = "x"},
                  %out: memref<65536xf32> {lds.kind = "out", lds.name = "out"})
    attributes {lds.derived = "f"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c65536 = arith.constant 65536 : index
  %zero = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %c65536 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %x[%i] : memref<65536xf32>
    %n = arith.addf %acc, %v : f32
    scf.yield %n : f32
  }
  scf.for %i = %c0 to %c65536 step %c1 {
    %v = memref.load %x[%i] : memref<65536xf32>
    %r = arith.mulf %v, %s : f32
    memref.store %r, %out[%i] : memref<65536xf32>
  }
  return
}
