// RUN: lds-opt %s --lds-lower-to-loops=products-by-rows=1 | FileCheck %s
// RUN: lds-opt %s --lds-lower-to-loops | FileCheck %s --check-prefix=DOT

// The CPU pipeline's matrix-matrix products update rows of the result: it is
// zeroed, then for each row i and each k in order, lhs[i, k] times row k of
// rhs is added to row i, along contiguous rows. Each element still sums its
// products from 0 in the order of k.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[A:.*]]: memref<2x3xf32>, %[[B:.*]]: memref<3x4xf32>
// CHECK:         %[[C:.*]] = memref.alloca() : memref<2x4xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         scf.for %[[ZI:.*]] =
// CHECK-NEXT:      scf.for %[[ZJ:.*]] =
// CHECK-NEXT:        memref.store %[[ZERO]], %[[C]][%[[ZI]], %[[ZJ]]]
// CHECK:         scf.for %[[I:.*]] =
// CHECK:           scf.for %[[K:.*]] =
// CHECK-NEXT:        %[[L:.*]] = memref.load %[[A]][%[[I]], %[[K]]]
// CHECK:             scf.for %[[J:.*]] =
// CHECK-NEXT:          %[[R:.*]] = memref.load %[[B]][%[[K]], %[[J]]]
// CHECK-NEXT:          %[[ACC:.*]] = memref.load %[[C]][%[[I]], %[[J]]]
// CHECK-NEXT:          %[[P:.*]] = arith.mulf %[[L]], %[[R]] : f32
// CHECK-NEXT:          %[[N:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:          memref.store %[[N]], %[[C]][%[[I]], %[[J]]]
// CHECK-NOT:     iter_args
// CHECK:         return
// Without the option: a dot product per element, in a register.
// DOT-LABEL: func.func @product(
// DOT:         scf.for {{.*}} iter_args
func.func @product(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>)
    -> tensor<2x4xf32> {
  %0 = lds.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// A matrix-vector product stays a dot product per element (its rows of lhs
// are contiguous already).
// CHECK-LABEL: func.func @mat_vec(
// CHECK:         scf.for {{.*}} iter_args
func.func @mat_vec(%a: tensor<2x3xf32>, %v: tensor<3xf32>) -> tensor<2xf32> {
  %0 = lds.matmul %a, %v : tensor<2x3xf32>, tensor<3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// So do products in functions split over a GPU block (lds.cooperative:
// lds-distribute-over-block would run a loop that reads what it writes in
// one thread).
// CHECK-LABEL: func.func @cooperative(
// CHECK:         scf.for {{.*}} iter_args
func.func @cooperative(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>)
    -> tensor<2x4xf32> attributes {lds.cooperative} {
  %0 = lds.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
