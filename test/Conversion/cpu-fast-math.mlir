// RUN: lds-opt %s --lds-lower-to-loops --canonicalize --lds-cpu-fast-math | FileCheck %s --enable-var-scope

// A mat-vec row over 20 contiguous f32 values: 16 lanes in one vector step
// (unrolled, so no inner loop is left), one reduction, then the scalar loop
// for the last 4, which starts from the vector's sum.
// CHECK-LABEL: func.func @matvec
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C20:.*]] = arith.constant 20 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: %[[R:.*]] = vector.load %arg1[%[[C0]]] : memref<20xf32>, vector<16xf32>
// CHECK-NEXT: %[[L:.*]] = vector.load %arg0[%[[I]], %[[C0]]] : memref<3x20xf32>, vector<16xf32>
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[L]], %[[R]] fastmath<reassoc,contract> : vector<16xf32>
// CHECK-NEXT: %[[N:.*]] = arith.addf %[[P]], %[[ZERO]] fastmath<reassoc,contract> : vector<16xf32>
// CHECK-NEXT: %[[S:.*]] = vector.reduction <add>, %[[N]], %{{.*}} fastmath<reassoc,contract> : vector<16xf32> into f32
// CHECK-NEXT: scf.for %{{.*}} = %[[C16]] to %[[C20]] step %{{.*}} iter_args(%[[A2:.*]] = %[[S]]) -> (f32) {
// CHECK: arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK: arith.addf %[[A2]], %{{.*}} fastmath<reassoc,contract> : f32
func.func @matvec(%w: tensor<3x20xf32>, %x: tensor<20xf32>) -> tensor<3xf32> {
  %0 = lds.matmul %w, %x : tensor<3x20xf32>, tensor<20xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// A dot product too short to split stays scalar, with the flags.
// CHECK-LABEL: func.func @short_dot
// CHECK-NOT: vector
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,contract> : f64
func.func @short_dot(%a: tensor<3xf64>, %b: tensor<3xf64>) -> tensor<f64> {
  %0 = lds.dot %a, %b : tensor<3xf64> -> tensor<f64>
  return %0 : tensor<f64>
}

// f32 tanh becomes a polynomial approximation (no math op, no call); fma and
// floor inside approximations go to LLVM's intrinsics. f64 keeps math.tanh
// (the C library's, exact). Elementwise arithmetic gets `contract` only.
// CHECK-LABEL: func.func @tanh_f32
// CHECK-NOT: math.tanh
// CHECK: arith.mulf {{.*}} fastmath<contract> : f32
// CHECK-NOT: math.tanh
// CHECK: return
func.func @tanh_f32(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = lds.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @exp_f32
// CHECK-NOT: math.exp
// CHECK: llvm.intr.floor
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp_f32(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = lds.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @tanh_f64
// CHECK: math.tanh %{{.*}} fastmath<contract> : f64
func.func @tanh_f64(%x: tensor<4xf64>) -> tensor<4xf64> {
  %0 = lds.tanh %x : tensor<4xf64>
  return %0 : tensor<4xf64>
}
