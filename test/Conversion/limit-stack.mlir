// RUN: lds-opt %s --lds-limit-stack=max-stack-bytes=1000 | FileCheck %s
// RUN: lds-opt %s --lds-lower-to-llvm=max-stack-bytes=1000 \
// RUN:   | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR

// A function whose heap block cannot be allocated calls the module's
// alloc-failure hook (one pointer global, NULL until the runtime sets it)
// with the block's size and returns zeros, without running its body. The
// buffer that stays on the stack stays in the entry block, ahead of the
// branch.

// CHECK:       llvm.mlir.global internal @lds.alloc_failure_hook() {{.*}} : !llvm.ptr {
// CHECK-NEXT:    %[[Z:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    llvm.return %[[Z]] : !llvm.ptr
// CHECK-NOT:   llvm.mlir.global
// CHECK-LABEL: func.func @ret(
// CHECK-NEXT:    %[[SMALL:.*]] = memref.alloca() : memref<16xf32>
// CHECK-NEXT:    %[[BLK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4096xi8>
// CHECK-NEXT:    %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[BLK]]
// CHECK-NEXT:    %[[NULL:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[OK:.*]] = arith.cmpi ne, %[[ADDR]], %[[NULL]] : index
// CHECK-NEXT:    %[[R:.*]]:2 = scf.if %[[OK]] -> (f32, i32) {
// CHECK:           %[[BIG:.*]] = memref.view %[[BLK]][%{{.*}}][] : memref<4096xi8> to memref<1024xf32>
// CHECK-NEXT:      memref.store %{{.*}}, %[[BIG]][%{{.*}}] : memref<1024xf32>
// CHECK-NEXT:      memref.store %{{.*}}, %[[SMALL]][%{{.*}}] : memref<16xf32>
// CHECK-NEXT:      %[[V:.*]] = memref.load %[[BIG]]
// CHECK-NEXT:      %[[N:.*]] = arith.constant 7 : i32
// CHECK-NEXT:      memref.dealloc %[[BLK]] : memref<4096xi8>
// CHECK-NEXT:      scf.yield %[[V]], %[[N]] : f32, i32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[SLOT:.*]] = llvm.mlir.addressof @lds.alloc_failure_hook : !llvm.ptr
// CHECK-NEXT:      %[[HOOK:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:      %[[UNSET:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:      %[[SET:.*]] = llvm.icmp "ne" %[[HOOK]], %[[UNSET]] : !llvm.ptr
// CHECK-NEXT:      scf.if %[[SET]] {
// CHECK-NEXT:        %[[BYTES:.*]] = arith.constant 4096 : i64
// CHECK-NEXT:        llvm.call %[[HOOK]](%[[BYTES]]) : !llvm.ptr, (i64) -> ()
// CHECK-NEXT:      }
// CHECK-NEXT:      %[[F0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[I0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      scf.yield %[[F0]], %[[I0]] : f32, i32
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]#0, %[[R]]#1 : f32, i32

// IR:      @lds.alloc_failure_hook = internal global ptr null, align 8
// IR-LABEL: define { float, i32 } @ret(
// IR:        call ptr @malloc(
// IR:        %[[OK:.*]] = icmp ne i64 %{{.*}}, 0
// IR-NEXT:   br i1 %[[OK]], label %{{.*}}, label %[[FAIL:.*]]
// IR:        call void @free(
// IR:      [[FAIL]]:
// IR-NEXT:   %[[H:.*]] = load ptr, ptr @lds.alloc_failure_hook
// IR-NEXT:   %[[S:.*]] = icmp ne ptr %[[H]], null
// IR-NEXT:   br i1 %[[S]]
// IR:        call void %[[H]](i64 4096)
func.func @ret(%x: f32, %i: index) -> (f32, i32) {
  %c0 = arith.constant 0 : index
  %a = memref.alloca() : memref<1024xf32>
  %b = memref.alloca() : memref<16xf32>
  memref.store %x, %a[%i] : memref<1024xf32>
  memref.store %x, %b[%c0] : memref<16xf32>
  %v = memref.load %a[%c0] : memref<1024xf32>
  %n = arith.constant 7 : i32
  return %v, %n : f32, i32
}

// A second function shares the module's hook; one under the limit is left
// alone.
// CHECK-LABEL: func.func @void(
// CHECK:         memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// CHECK:         scf.if
// CHECK:           llvm.mlir.addressof @lds.alloc_failure_hook
// CHECK-LABEL: func.func @fits(
// CHECK-NOT:     memref.alloc(
// CHECK-NOT:     scf.if
// CHECK:         return
func.func @void(%x: f32) {
  %c0 = arith.constant 0 : index
  %a = memref.alloca() : memref<512xf32>
  memref.store %x, %a[%c0] : memref<512xf32>
  return
}

func.func @fits(%x: f32) {
  %c0 = arith.constant 0 : index
  %a = memref.alloca() : memref<250xf32>
  memref.store %x, %a[%c0] : memref<250xf32>
  return
}
