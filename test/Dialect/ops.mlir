// RUN: lds-opt %s | lds-opt | FileCheck %s
// RUN: lds-opt %s --mlir-print-op-generic | lds-opt | FileCheck %s

// Every lds op parses, verifies and prints, and the printed form (custom and
// generic) parses back to the same IR. Inside an lds.model the printer elides
// the `lds.` prefix (lds is the model's default dialect).

// Declarations: states and inputs of rank 0 and 1, an i32 input, params of
// rank 0 to 3; the yield lists the next state values in declaration order.

// CHECK-LABEL: lds.model @decls {
// CHECK-NEXT:    %[[H:.*]] = state "h" : tensor<4xf32>
// CHECK-NEXT:    %[[C:.*]] = state "c" : tensor<f32>
// CHECK-NEXT:    %[[U:.*]] = input "u" : tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = input "s" : tensor<f32>
// CHECK-NEXT:    %[[W:.*]] = input "w" : tensor<i32>
// CHECK-NEXT:    %[[P0:.*]] = param "p0" : tensor<f32>
// CHECK-NEXT:    %[[P1:.*]] = param "p1" : tensor<4xf32>
// CHECK-NEXT:    %[[P2:.*]] = param "p2" : tensor<4x4xf32>
// CHECK-NEXT:    %[[P3:.*]] = param "p3" : tensor<3x4x4xf32>
// CHECK-NEXT:    %[[M:.*]] = gather %[[P3]][%[[W]]] : tensor<3x4x4xf32>, tensor<i32> -> tensor<4x4xf32>
// CHECK-NEXT:    %[[MU:.*]] = matmul %[[M]], %[[U]] : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[A:.*]] = matmul %[[P2]], %[[H]] : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[B:.*]] = add %[[A]], %[[MU]] : tensor<4xf32>
// CHECK-NEXT:    %[[HN:.*]] = add %[[B]], %[[P1]] : tensor<4xf32>
// CHECK-NEXT:    %[[CS:.*]] = mul %[[C]], %[[S]] : tensor<f32>
// CHECK-NEXT:    %[[CN:.*]] = add %[[CS]], %[[P0]] : tensor<f32>
// CHECK-NEXT:    yield %[[HN]], %[[CN]] : tensor<4xf32>, tensor<f32>
// CHECK-NEXT:  }
lds.model @decls {
  %h = lds.state "h" : tensor<4xf32>
  %c = lds.state "c" : tensor<f32>
  %u = lds.input "u" : tensor<4xf32>
  %s = lds.input "s" : tensor<f32>
  %w = lds.input "w" : tensor<i32>
  %p0 = lds.param "p0" : tensor<f32>
  %p1 = lds.param "p1" : tensor<4xf32>
  %p2 = lds.param "p2" : tensor<4x4xf32>
  %p3 = lds.param "p3" : tensor<3x4x4xf32>
  %m = lds.gather %p3 [%w] : tensor<3x4x4xf32>, tensor<i32> -> tensor<4x4xf32>
  %mu = lds.matmul %m, %u : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %a = lds.matmul %p2, %h : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %b = lds.add %a, %mu : tensor<4xf32>
  %hn = lds.add %b, %p1 : tensor<4xf32>
  %cs = lds.mul %c, %s : tensor<f32>
  %cn = lds.add %cs, %p0 : tensor<f32>
  lds.yield %hn, %cn : tensor<4xf32>, tensor<f32>
}

// Constants and shape ops.

// CHECK-LABEL: lds.model @shapes {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<8xf32>
// CHECK-NEXT:    %[[M:.*]] = param "m" : tensor<6x3xf32>
// CHECK-NEXT:    %[[T:.*]] = param "t" : tensor<5x2x3xf32>
// CHECK-NEXT:    %[[IDX:.*]] = input "idx" : tensor<i32>
// CHECK-NEXT:    %[[ONE:.*]] = constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[V:.*]] = constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-NEXT:    %[[BC:.*]] = broadcast %[[ONE]] : tensor<f32> -> tensor<8xf32>
// CHECK-NEXT:    %[[BC2:.*]] = broadcast %[[ONE]] : tensor<f32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[S1:.*]] = slice %[[X]][0 : 3] : tensor<8xf32> -> tensor<3xf32>
// CHECK-NEXT:    %[[S2:.*]] = slice %[[X]][3 : 8] : tensor<8xf32> -> tensor<5xf32>
// CHECK-NEXT:    %[[SM:.*]] = slice %[[M]][2 : 4] : tensor<6x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[E0:.*]] = extract %[[X]][7] : tensor<8xf32> -> tensor<f32>
// CHECK-NEXT:    %[[ROW:.*]] = extract %[[M]][5] : tensor<6x3xf32> -> tensor<3xf32>
// CHECK-NEXT:    %[[G:.*]] = gather %[[T]][%[[IDX]]] : tensor<5x2x3xf32>, tensor<i32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[C1:.*]] = concat %[[S1]] : tensor<3xf32> -> tensor<3xf32>
// CHECK-NEXT:    %[[C3:.*]] = concat %[[C1]], %[[ROW]], %[[V]] : tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<9xf32>
// CHECK-NEXT:    %[[TR:.*]] = transpose %[[M]] : tensor<6x3xf32> -> tensor<3x6xf32>
// CHECK:         yield %{{.*}} : tensor<8xf32>
lds.model @shapes {
  %x = lds.state "x" : tensor<8xf32>
  %m = lds.param "m" : tensor<6x3xf32>
  %t = lds.param "t" : tensor<5x2x3xf32>
  %idx = lds.input "idx" : tensor<i32>
  %one = lds.constant dense<1.0> : tensor<f32>
  %v = lds.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %bc = lds.broadcast %one : tensor<f32> -> tensor<8xf32>
  %bc2 = lds.broadcast %one : tensor<f32> -> tensor<2x3xf32>
  %s1 = lds.slice %x [0 : 3] : tensor<8xf32> -> tensor<3xf32>
  %s2 = lds.slice %x [3 : 8] : tensor<8xf32> -> tensor<5xf32>
  %sm = lds.slice %m [2 : 4] : tensor<6x3xf32> -> tensor<2x3xf32>
  %e0 = lds.extract %x [7] : tensor<8xf32> -> tensor<f32>
  %row = lds.extract %m [5] : tensor<6x3xf32> -> tensor<3xf32>
  %g = lds.gather %t [%idx] : tensor<5x2x3xf32>, tensor<i32> -> tensor<2x3xf32>
  %c1 = lds.concat %s1 : tensor<3xf32> -> tensor<3xf32>
  %c3 = lds.concat %c1, %row, %v : tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<9xf32>
  %tr = lds.transpose %m : tensor<6x3xf32> -> tensor<3x6xf32>
  // Use the results so that the model reads like a real one.
  %gs = lds.add %g, %sm : tensor<2x3xf32>
  %gs2 = lds.add %gs, %bc2 : tensor<2x3xf32>
  %c9 = lds.sum %c3 : tensor<9xf32> -> tensor<f32>
  %trs = lds.sum %tr : tensor<3x6xf32> -> tensor<f32>
  %gss = lds.sum %gs2 : tensor<2x3xf32> -> tensor<f32>
  %k0 = lds.add %c9, %trs : tensor<f32>
  %k1 = lds.add %k0, %gss : tensor<f32>
  %k = lds.add %k1, %e0 : tensor<f32>
  %kb = lds.broadcast %k : tensor<f32> -> tensor<5xf32>
  %s2k = lds.mul %s2, %kb : tensor<5xf32>
  %next = lds.concat %s1, %s2k : tensor<3xf32>, tensor<5xf32> -> tensor<8xf32>
  %xn = lds.add %next, %bc : tensor<8xf32>
  lds.yield %xn : tensor<8xf32>
}

// Linear algebra and reductions, in an f64 model.

// CHECK-LABEL: lds.model @linalg {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<3xf64>
// CHECK-NEXT:    %[[A:.*]] = param "A" : tensor<3x4xf64>
// CHECK-NEXT:    %[[B:.*]] = param "B" : tensor<4x3xf64>
// CHECK-NEXT:    %[[V:.*]] = param "v" : tensor<4xf64>
// CHECK-NEXT:    %[[MV:.*]] = matmul %[[A]], %[[V]] : tensor<3x4xf64>, tensor<4xf64> -> tensor<3xf64>
// CHECK-NEXT:    %[[MM:.*]] = matmul %[[A]], %[[B]] : tensor<3x4xf64>, tensor<4x3xf64> -> tensor<3x3xf64>
// CHECK-NEXT:    %[[MMV:.*]] = matmul %[[MM]], %[[X]] : tensor<3x3xf64>, tensor<3xf64> -> tensor<3xf64>
// CHECK-NEXT:    %[[D:.*]] = dot %[[X]], %[[MV]] : tensor<3xf64> -> tensor<f64>
// CHECK-NEXT:    %[[SV:.*]] = sum %[[X]] : tensor<3xf64> -> tensor<f64>
// CHECK-NEXT:    %[[SM:.*]] = sum %[[MM]] : tensor<3x3xf64> -> tensor<f64>
// CHECK-NEXT:    %[[SS:.*]] = sum %[[D]] : tensor<f64> -> tensor<f64>
// CHECK-NEXT:    %[[MAX:.*]] = reduce_max %[[X]] : tensor<3xf64> -> tensor<f64>
// CHECK-NEXT:    %[[MIN:.*]] = reduce_min %[[B]] : tensor<4x3xf64> -> tensor<f64>
// CHECK-NEXT:    %[[LSE:.*]] = logsumexp %[[MMV]] : tensor<3xf64> -> tensor<f64>
// CHECK:         yield %{{.*}} : tensor<3xf64>
lds.model @linalg {
  %x = lds.state "x" : tensor<3xf64>
  %A = lds.param "A" : tensor<3x4xf64>
  %B = lds.param "B" : tensor<4x3xf64>
  %v = lds.param "v" : tensor<4xf64>
  %mv = lds.matmul %A, %v : tensor<3x4xf64>, tensor<4xf64> -> tensor<3xf64>
  %mm = lds.matmul %A, %B : tensor<3x4xf64>, tensor<4x3xf64> -> tensor<3x3xf64>
  %mmv = lds.matmul %mm, %x : tensor<3x3xf64>, tensor<3xf64> -> tensor<3xf64>
  %d = lds.dot %x, %mv : tensor<3xf64> -> tensor<f64>
  %sv = lds.sum %x : tensor<3xf64> -> tensor<f64>
  %sm = lds.sum %mm : tensor<3x3xf64> -> tensor<f64>
  %ss = lds.sum %d : tensor<f64> -> tensor<f64>
  %max = lds.reduce_max %x : tensor<3xf64> -> tensor<f64>
  %min = lds.reduce_min %B : tensor<4x3xf64> -> tensor<f64>
  %lse = lds.logsumexp %mmv : tensor<3xf64> -> tensor<f64>
  %t0 = lds.add %sv, %sm : tensor<f64>
  %t1 = lds.add %t0, %ss : tensor<f64>
  %t2 = lds.sub %t1, %max : tensor<f64>
  %t3 = lds.add %t2, %min : tensor<f64>
  %t4 = lds.sub %t3, %lse : tensor<f64>
  %b = lds.broadcast %t4 : tensor<f64> -> tensor<3xf64>
  %xn = lds.add %mmv, %b : tensor<3xf64>
  lds.yield %xn : tensor<3xf64>
}

// Every unary elementwise op, chained.

// CHECK-LABEL: lds.model @unary {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<6xf32>
// CHECK-NEXT:    %[[U0:.*]] = neg %[[X]] : tensor<6xf32>
// CHECK-NEXT:    %[[U1:.*]] = tanh %[[U0]] : tensor<6xf32>
// CHECK-NEXT:    %[[U2:.*]] = sigmoid %[[U1]] : tensor<6xf32>
// CHECK-NEXT:    %[[U3:.*]] = exp %[[U2]] : tensor<6xf32>
// CHECK-NEXT:    %[[U4:.*]] = log %[[U3]] : tensor<6xf32>
// CHECK-NEXT:    %[[U5:.*]] = log1p %[[U4]] : tensor<6xf32>
// CHECK-NEXT:    %[[U6:.*]] = softplus %[[U5]] : tensor<6xf32>
// CHECK-NEXT:    %[[U7:.*]] = relu %[[U6]] : tensor<6xf32>
// CHECK-NEXT:    %[[U8:.*]] = sqrt %[[U7]] : tensor<6xf32>
// CHECK-NEXT:    %[[U9:.*]] = abs %[[U8]] : tensor<6xf32>
// CHECK-NEXT:    %[[U10:.*]] = sin %[[U9]] : tensor<6xf32>
// CHECK-NEXT:    %[[U11:.*]] = cos %[[U10]] : tensor<6xf32>
// CHECK-NEXT:    yield %[[U11]] : tensor<6xf32>
lds.model @unary {
  %x = lds.state "x" : tensor<6xf32>
  %0 = lds.neg %x : tensor<6xf32>
  %1 = lds.tanh %0 : tensor<6xf32>
  %2 = lds.sigmoid %1 : tensor<6xf32>
  %3 = lds.exp %2 : tensor<6xf32>
  %4 = lds.log %3 : tensor<6xf32>
  %5 = lds.log1p %4 : tensor<6xf32>
  %6 = lds.softplus %5 : tensor<6xf32>
  %7 = lds.relu %6 : tensor<6xf32>
  %8 = lds.sqrt %7 : tensor<6xf32>
  %9 = lds.abs %8 : tensor<6xf32>
  %10 = lds.sin %9 : tensor<6xf32>
  %11 = lds.cos %10 : tensor<6xf32>
  lds.yield %11 : tensor<6xf32>
}

// Every binary elementwise op, on scalars.

// CHECK-LABEL: lds.model @binary {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<f32>
// CHECK-NEXT:    %[[Y:.*]] = param "y" : tensor<f32>
// CHECK-NEXT:    %[[B0:.*]] = add %[[X]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B1:.*]] = sub %[[B0]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B2:.*]] = mul %[[B1]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B3:.*]] = div %[[B2]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B4:.*]] = max %[[B3]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B5:.*]] = min %[[B4]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    %[[B6:.*]] = pow %[[B5]], %[[Y]] : tensor<f32>
// CHECK-NEXT:    yield %[[B6]] : tensor<f32>
lds.model @binary {
  %x = lds.state "x" : tensor<f32>
  %y = lds.param "y" : tensor<f32>
  %0 = lds.add %x, %y : tensor<f32>
  %1 = lds.sub %0, %y : tensor<f32>
  %2 = lds.mul %1, %y : tensor<f32>
  %3 = lds.div %2, %y : tensor<f32>
  %4 = lds.max %3, %y : tensor<f32>
  %5 = lds.min %4, %y : tensor<f32>
  %6 = lds.pow %5, %y : tensor<f32>
  lds.yield %6 : tensor<f32>
}

// Comparisons with every predicate, and select.

// CHECK-LABEL: lds.model @cmp_select {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = input "y" : tensor<4xf32>
// CHECK-NEXT:    %[[LT:.*]] = cmp lt, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[LE:.*]] = cmp le, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[GT:.*]] = cmp gt, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[GE:.*]] = cmp ge, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[EQ:.*]] = cmp eq, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[NE:.*]] = cmp ne, %[[X]], %[[Y]] : tensor<4xf32> -> tensor<4xi1>
// CHECK-NEXT:    %[[S0:.*]] = select %[[LT]], %[[X]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[S1:.*]] = select %[[LE]], %[[S0]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[S2:.*]] = select %[[GT]], %[[S1]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[S3:.*]] = select %[[GE]], %[[S2]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[S4:.*]] = select %[[EQ]], %[[S3]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[S5:.*]] = select %[[NE]], %[[S4]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[A:.*]] = extract %[[X]][0] : tensor<4xf32> -> tensor<f32>
// CHECK-NEXT:    %[[B:.*]] = extract %[[Y]][0] : tensor<4xf32> -> tensor<f32>
// CHECK-NEXT:    %[[SC:.*]] = cmp gt, %[[A]], %[[B]] : tensor<f32> -> tensor<i1>
// CHECK-NEXT:    %[[SS:.*]] = select %[[SC]], %[[A]], %[[B]] : tensor<i1>, tensor<f32>
// CHECK-NEXT:    %[[BS:.*]] = broadcast %[[SS]] : tensor<f32> -> tensor<4xf32>
// CHECK-NEXT:    %[[BC:.*]] = broadcast %[[SC]] : tensor<i1> -> tensor<4xi1>
// CHECK-NEXT:    %[[SB:.*]] = select %[[BC]], %[[S5]], %[[BS]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = add %[[SB]], %[[BS]] : tensor<4xf32>
// CHECK-NEXT:    yield %[[R]] : tensor<4xf32>
lds.model @cmp_select {
  %x = lds.state "x" : tensor<4xf32>
  %y = lds.input "y" : tensor<4xf32>
  %lt = lds.cmp lt, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %le = lds.cmp le, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %gt = lds.cmp gt, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %ge = lds.cmp ge, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %eq = lds.cmp eq, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %ne = lds.cmp ne, %x, %y : tensor<4xf32> -> tensor<4xi1>
  %s0 = lds.select %lt, %x, %y : tensor<4xi1>, tensor<4xf32>
  %s1 = lds.select %le, %s0, %y : tensor<4xi1>, tensor<4xf32>
  %s2 = lds.select %gt, %s1, %y : tensor<4xi1>, tensor<4xf32>
  %s3 = lds.select %ge, %s2, %y : tensor<4xi1>, tensor<4xf32>
  %s4 = lds.select %eq, %s3, %y : tensor<4xi1>, tensor<4xf32>
  %s5 = lds.select %ne, %s4, %y : tensor<4xi1>, tensor<4xf32>
  %a = lds.extract %x [0] : tensor<4xf32> -> tensor<f32>
  %b = lds.extract %y [0] : tensor<4xf32> -> tensor<f32>
  %sc = lds.cmp gt, %a, %b : tensor<f32> -> tensor<i1>
  %ss = lds.select %sc, %a, %b : tensor<i1>, tensor<f32>
  %bs = lds.broadcast %ss : tensor<f32> -> tensor<4xf32>
  %bc = lds.broadcast %sc : tensor<i1> -> tensor<4xi1>
  %sb = lds.select %bc, %s5, %bs : tensor<4xi1>, tensor<4xf32>
  %r = lds.add %sb, %bs : tensor<4xf32>
  lds.yield %r : tensor<4xf32>
}

// Gradient of a scalar with respect to a state (Langevin-style update).

// CHECK-LABEL: lds.model @grad {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<3xf32>
// CHECK-NEXT:    %[[V:.*]] = state "v" : tensor<f32>
// CHECK-NEXT:    %[[SQ:.*]] = mul %[[X]], %[[X]] : tensor<3xf32>
// CHECK-NEXT:    %[[S:.*]] = sum %[[SQ]] : tensor<3xf32> -> tensor<f32>
// CHECK-NEXT:    %[[LOGP:.*]] = neg %[[S]] : tensor<f32>
// CHECK-NEXT:    %[[G:.*]] = grad %[[LOGP]] wrt %[[X]] : tensor<f32>, tensor<3xf32>
// CHECK-NEXT:    %[[GV:.*]] = grad %[[LOGP]] wrt %[[V]] : tensor<f32>, tensor<f32>
// CHECK-NEXT:    %[[XN:.*]] = add %[[X]], %[[G]] : tensor<3xf32>
// CHECK-NEXT:    yield %[[XN]], %[[GV]] : tensor<3xf32>, tensor<f32>
lds.model @grad {
  %x = lds.state "x" : tensor<3xf32>
  %v = lds.state "v" : tensor<f32>
  %sq = lds.mul %x, %x : tensor<3xf32>
  %s = lds.sum %sq : tensor<3xf32> -> tensor<f32>
  %logp = lds.neg %s : tensor<f32>
  %g = lds.grad %logp wrt %x : tensor<f32>, tensor<3xf32>
  %gv = lds.grad %logp wrt %v : tensor<f32>, tensor<f32>
  %xn = lds.add %x, %g : tensor<3xf32>
  lds.yield %xn, %gv : tensor<3xf32>, tensor<f32>
}

// Two models in one module; attributes on a model.

// CHECK-LABEL: lds.model @attrs attributes {lds.note = "kept"} {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<f64>
// CHECK-NEXT:    yield %[[X]] : tensor<f64>
lds.model @attrs attributes {lds.note = "kept"} {
  %x = lds.state "x" : tensor<f64>
  lds.yield %x : tensor<f64>
}
