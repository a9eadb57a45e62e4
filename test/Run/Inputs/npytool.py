#!/usr/bin/env python3
# ===- npytool.py - .npy/.npz files for lds-run's tests, without numpy ---=== #
#
# Writes and reads NumPy's array formats with only the standard library
# (struct, zipfile), the way numpy.save / numpy.savez / savez_compressed
# write them, so the tests run where numpy is not installed.
#
#   npytool.py make-tiny DIR       data and broken files for Inputs/tiny.lds
#   npytool.py check-tiny P U X0 STATES
#                                  compares lds-run's states with a float64
#                                  evaluation of tiny.lds in Python
#   npytool.py show FILE...        prints each array's name, dtype and shape
#   npytool.py compare A B         max |a - b| / max(1, max |b|) of two .npy
#   npytool.py perms FILE NAME     checks that array NAME of an .npz holds
#                                  all k! permutation matrices of size k, in
#                                  lexicographic order
#
# ===--------------------------------------------------------------------=== #

import math
import random
import struct
import sys
import zipfile

CODES = {"<f4": "f", "<f8": "d", "<i4": "i", "<i8": "q", ">f4": "f",
         "<c8": "ff"}
NAMES = {"<f4": "float32", "<f8": "float64", "<i4": "int32", "<i8": "int64"}


def npy_bytes(descr, shape, values, version=1, fortran=False,
              drop_bytes=0):
    """The bytes of a .npy file holding `values` (flat, C order)."""
    shape_text = "(" + "".join("%d, " % d for d in shape)
    shape_text = (shape_text[:-2] + ("," if len(shape) == 1 else "")
                  if shape else "(") + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    out = b"\x93NUMPY" + bytes([version, 0])
    out += struct.pack("<H" if version == 1 else "<I", len(header))
    out += header.encode("latin1" if version < 3 else "utf8")
    order = ">" if descr.startswith(">") else "<"
    if descr == "<c8":
        flat = [v for x in values for v in (x, 0.0)]
        out += struct.pack("<%df" % len(flat), *flat)
    else:
        out += struct.pack(order + "%d%s" % (len(values), CODES[descr]),
                           *values)
    return out[:len(out) - drop_bytes] if drop_bytes else out


def savez(path, arrays, compress=False):
    """numpy.savez (or savez_compressed): {name: npy bytes}."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method,
                         allowZip64=True) as z:
        for name, data in arrays.items():
            # numpy.savez always forces ZIP64 local headers (gh-10776).
            with z.open(name + ".npy", "w", force_zip64=True) as f:
                f.write(data)


def parse_npy(data):
    assert data[:6] == b"\x93NUMPY", "bad magic"
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        pos = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        pos = 12
    header = eval(data[pos:pos + hlen].decode("utf8"))
    pos += hlen
    assert (pos % 64) == 0, "data not 64-byte aligned"
    shape = header["shape"]
    count = 1
    for d in shape:
        count *= d
    code = CODES[header["descr"]]
    values = list(struct.unpack("<%d%s" % (count, code), data[pos:]))
    assert not header["fortran_order"]
    return header["descr"], shape, values


def load(path):
    """{name: (descr, shape, values)} of an .npz, or {"": ...} of a .npy."""
    if path.endswith(".npz"):
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, "bad CRC"
            return {n[:-4]: parse_npy(z.read(n)) for n in z.namelist()}
    with open(path, "rb") as f:
        return {"": parse_npy(f.read())}


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def make_tiny(d):
    rnd = random.Random(7)
    B, T, D = 2, 4, 3

    def floats(n, scale=1.0):
        return [f32(rnd.uniform(-scale, scale)) for _ in range(n)]

    W, b = floats(9, 0.6), floats(3, 0.5)
    P = [1, 0, 0, 0, 1, 0, 0, 0, 1,  # identity
         0, 1, 0, 0, 0, 1, 1, 0, 0]  # a cyclic shift
    u, k = floats(B * T * D), [rnd.randrange(2) for _ in range(B * T)]
    x0 = floats(B * D)
    good = {"W": npy_bytes("<f4", [3, 3], W), "b": npy_bytes("<f4", [3], b),
            "P": npy_bytes("<f4", [2, 3, 3], P)}
    savez(d + "/p.npz", good)
    savez(d + "/p64.npz", {"W": npy_bytes("<f8", [3, 3], W),
                           "b": npy_bytes("<f4", [3], b),
                           "P": npy_bytes("<f8", [2, 3, 3], P)})
    savez(d + "/u.npz", {"u": npy_bytes("<f4", [B, T, D], u),
                         "k": npy_bytes("<i8", [B, T], k)})
    savez(d + "/u1.npz", {"u": npy_bytes("<f8", [T, D], u[:T * D]),
                          "k": npy_bytes("<i4", [T], k[:T])})
    for v in (1, 2, 3):
        with open(d + "/x0-v%d.npy" % v, "wb") as f:
            f.write(npy_bytes("<f4", [B, D], x0, version=v))
    with open(d + "/x0-d.npy", "wb") as f:
        f.write(npy_bytes("<f8", [D], x0[:D]))

    # Broken files, one problem each.
    def params_with(**changes):
        arrays = dict(good)
        for name, data in changes.items():
            if data is None:
                del arrays[name]
            else:
                arrays[name] = data
        return arrays

    savez(d + "/p-missing.npz", params_with(P=None))
    savez(d + "/p-extra.npz", params_with(Q=npy_bytes("<f4", [1], [0])))
    savez(d + "/p-shape.npz", params_with(W=npy_bytes("<f4", [3, 4],
                                                      [0] * 12)))
    savez(d + "/p-int.npz", params_with(W=npy_bytes("<i4", [3, 3], [0] * 9)))
    savez(d + "/p-fortran.npz",
          params_with(W=npy_bytes("<f4", [3, 3], W, fortran=True)))
    savez(d + "/p-bigendian.npz",
          params_with(W=npy_bytes(">f4", [3, 3], W)))
    savez(d + "/p-complex.npz", params_with(W=npy_bytes("<c8", [3, 3], W)))
    savez(d + "/p-truncated.npz",
          params_with(W=npy_bytes("<f4", [3, 3], W, drop_bytes=4)))
    savez(d + "/p-compressed.npz", good, compress=True)
    savez(d + "/p-nan.npz", params_with(b=npy_bytes("<f4", [3],
                                                    [math.nan, 0, 0])))
    with open(d + "/p-empty.npz", "wb") as f:
        pass
    with open(d + "/p-text.npz", "w") as f:
        f.write("W = [[1, 2, 3]]\n")
    with open(d + "/p-cut.npz", "wb") as f:
        with open(d + "/p.npz", "rb") as g:
            f.write(g.read()[:200])
    savez(d + "/u-shape.npz", {"u": npy_bytes("<f4", [T, 2], [0] * (T * 2)),
                               "k": npy_bytes("<i4", [T], [0] * T)})
    savez(d + "/u-steps.npz", {"u": npy_bytes("<f4", [T, D], [0] * (T * D)),
                               "k": npy_bytes("<i4", [T + 1], [0] * (T + 1))})
    savez(d + "/u-range.npz", {"u": npy_bytes("<f4", [T, D], [0] * (T * D)),
                               "k": npy_bytes("<i4", [T], [0, 1, 2, 0])})
    savez(d + "/u-float-k.npz",
          {"u": npy_bytes("<f4", [T, D], [0] * (T * D)),
           "k": npy_bytes("<f8", [T], [0] * T)})
    savez(d + "/u-nan.npz",
          {"u": npy_bytes("<f4", [T, D], [0] * 4 + [math.nan] + [0] * 7),
           "k": npy_bytes("<i4", [T], [0] * T)})
    with open(d + "/x0-shape.npy", "wb") as f:
        f.write(npy_bytes("<f4", [4], [0] * 4))
    with open(d + "/x0-batch.npy", "wb") as f:
        f.write(npy_bytes("<f4", [3, D], [0] * (3 * D)))
    with open(d + "/x0-int.npy", "wb") as f:
        f.write(npy_bytes("<i8", [D], [0] * D))
    with open(d + "/x0-version.npy", "wb") as f:
        f.write(b"\x93NUMPY\x04\x00" + b"\x00" * 80)


def check_tiny(p_path, u_path, x0_path, states_path):
    """Evaluates tiny.lds in float64 and compares with lds-run's states."""
    p, u, x0 = load(p_path), load(u_path), load(x0_path)[""]
    W, b, P = p["W"][2], p["b"][2], p["P"][2]
    descr, shape, states = load(states_path)[""]
    us, ks = u["u"], u["k"]
    D = 3
    T = ks[1][-1]
    B = ks[1][0] if len(ks[1]) == 2 else 1
    assert tuple(shape) == (B, T, D), "states have shape %s" % (shape,)
    x0v = x0[2]
    if len(x0[1]) == 1:
        x0v = x0v * B
    worst = 0.0
    for bb in range(B):
        x = x0v[bb * D:(bb + 1) * D]
        for t in range(T):
            uu = us[2][(bb * T + t) * D:(bb * T + t + 1) * D]
            k = ks[2][bb * T + t]
            Pk = P[k * 9:(k + 1) * 9]
            x = [0.5 * math.tanh(sum(W[i * 3 + j] * x[j] for j in range(3)) +
                                 b[i]) +
                 sum(Pk[i * 3 + j] * uu[j] for j in range(3))
                 for i in range(D)]
            got = states[(bb * T + t) * D:(bb * T + t + 1) * D]
            worst = max(worst, max(abs(g - e) for g, e in zip(got, x)))
    print("states %s %s: max error %s" % (NAMES[descr], tuple(shape),
                                         "< 1e-5" if worst < 1e-5 else worst))
    return 0 if worst < 1e-5 else 1


def main(argv):
    if argv[1] == "make-tiny":
        make_tiny(argv[2])
        return 0
    if argv[1] == "check-tiny":
        return check_tiny(*argv[2:6])
    if argv[1] == "show":
        for path in argv[2:]:
            for name, (descr, shape, values) in load(path).items():
                print("%s%s %s %s" % (path.split("/")[-1],
                                      ":" + name if name else "",
                                      NAMES[descr], tuple(shape)))
        return 0
    if argv[1] == "compare":
        a, b = load(argv[2])[""], load(argv[3])[""]
        assert a[1] == b[1], "shapes differ: %s %s" % (a[1], b[1])
        scale = max([1.0] + [abs(v) for v in b[2]])
        err = max([0.0] + [abs(x - y) for x, y in zip(a[2], b[2])]) / scale
        print("max error %.2g" % err)
        return 0
    if argv[1] == "perms":
        descr, shape, values = load(argv[2])[argv[3]]
        n, k = shape[0], shape[1]
        perms = []
        for p in range(n):
            m = values[p * k * k:(p + 1) * k * k]
            rows = [m[i * k:(i + 1) * k] for i in range(k)]
            assert all(sorted(r) == [0] * (k - 1) + [1] for r in rows)
            perms.append(tuple(r.index(1) for r in rows))
        assert sorted(set(perms)) == perms, "not distinct and sorted"
        assert n == math.factorial(k), "not all permutations"
        print("%d distinct permutation matrices of size %d in "
              "lexicographic order" % (n, k))
        return 0
    raise SystemExit("unknown command " + argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
