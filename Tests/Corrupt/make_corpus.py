#!/usr/bin/env python3
"""Writes the corpus of malformed and malicious model files in Tests/Corrupt/files and its manifest
Tests/Corrupt/expected.tsv (file, exit status, a substring the one-line error must contain).

Every file starts from one valid tiny generator (the same as ModelBuilder in
Tests/GanModelTests/ModelValidationTests.swift):

    node 0  input_z                        (4)
    node 1  linear 4 -> 12, with bias      (12)     node.1.weight (12, 4), node.1.bias (12)
    node 2  reshape [3, 2, 2]              (3,2,2)
    node 3  tanh                           output 3x2x2, range tanh

and breaks exactly one rule. The GGUF bytes are written here by hand with struct (no gguf package), so each
file is exactly what its comment says, down to the byte.

    python3 Tests/Corrupt/make_corpus.py                       # (re)write files/ and expected.tsv
    python3 Tests/Corrupt/make_corpus.py --table BINARY        # also print README's table, from BINARY's errors

Only numpy (for the float bit patterns) and the standard library are used.
"""

import os
import struct
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
MANIFEST = os.path.join(HERE, "expected.tsv")
BASE = os.path.join(HERE, "base.gguf")  # the valid model every case starts from; the tests check it loads
BAD_MODEL = 65  # sysexits EX_DATAERR, gansynth's "model file rejected"

# GGUF value types (gguf.h gguf_type)
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
# ggml tensor types
T_F32, T_F16, T_Q8_0 = 0, 1, 8


# ---------------------------------------------------------------------------------------------------------
# Byte-level helpers: each returns the little-endian bytes of one GGUF field.

def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def i64(v):
    return struct.pack("<q", v)


def gstr(s, length=None):
    """A GGUF string: u64 length + bytes. `length` overrides the stored length (for lies about it)."""
    b = s.encode() if isinstance(s, str) else s
    return u64(len(b) if length is None else length) + b


def v_u32(v):
    return (U32, u32(v))


def v_u64(v):
    return (U64, u64(v))


def v_i32(v):
    return (I32, struct.pack("<i", v))


def v_f32(v):
    return (F32, np.float32(v).tobytes())


def v_str(s):
    return (STR, gstr(s))


def v_bool(byte):
    return (BOOL, bytes([byte]))


def v_arr_u32(values, count=None):
    return (ARR, u32(U32) + u64(len(values) if count is None else count) + b"".join(u32(v) for v in values))


def v_arr_str(values):
    return (ARR, u32(STR) + u64(len(values)) + b"".join(gstr(v) for v in values))


def f32_bytes(values):
    return np.asarray(values, dtype="<f4").tobytes()


def f16_bytes(values):
    return np.asarray(values, dtype="<f2").tobytes()


# ---------------------------------------------------------------------------------------------------------
# The model: ordered key/value pairs and tensors, serialized with every field overridable.

class Tensor:
    def __init__(self, name, shape, data, ttype=T_F32, ne=None, offset=None, n_dims=None, raw_name=None):
        self.name = name
        self.ne = list(reversed(shape)) if ne is None else ne  # GGUF order: fastest first
        self.data = data
        self.ttype = ttype
        self.offset = offset  # None: placed after the previous tensor, aligned
        self.n_dims = n_dims  # None: len(ne)
        self.raw_name = raw_name  # bytes written instead of name (for invalid UTF-8)


class Model:
    def __init__(self):
        self.kvs = [
            ("general.architecture", v_str("gansynth")),
            ("general.name", v_str("tiny")),
            ("gansynth.format_version", v_u32(1)),
            ("gansynth.z.dim", v_u32(4)),
            ("gansynth.z.distribution", v_str("normal")),
            ("gansynth.output.channels", v_u32(3)),
            ("gansynth.output.height", v_u32(2)),
            ("gansynth.output.width", v_u32(2)),
            ("gansynth.output.range", v_str("tanh")),
            ("gansynth.graph.node_count", v_u32(4)),
            ("gansynth.node.0.op", v_str("input_z")),
            ("gansynth.node.1.op", v_str("linear")),
            ("gansynth.node.1.in_features", v_u32(4)),
            ("gansynth.node.1.out_features", v_u32(12)),
            ("gansynth.node.2.op", v_str("reshape")),
            ("gansynth.node.2.shape", v_arr_u32([3, 2, 2])),
            ("gansynth.node.3.op", v_str("tanh")),
        ]
        w = np.arange(48, dtype=np.float32) / 48 - 0.5
        b = np.arange(12, dtype=np.float32) / 12
        self.tensors = [
            Tensor("node.1.weight", [12, 4], f32_bytes(w)),
            Tensor("node.1.bias", [12], f32_bytes(b)),
        ]
        self.alignment = 32  # how the writer lays out data; general.alignment is only a key
        # Header overrides.
        self.magic = b"GGUF"
        self.version = u32(3)
        self.tensor_count = None
        self.kv_count = None

    # Key helpers --------------------------------------------------------------------------------------
    def set(self, key, value):
        """Replace `key` in place (keeping its position) or append it; value None removes it."""
        for i, (k, _) in enumerate(self.kvs):
            if k == key:
                if value is None:
                    del self.kvs[i]
                else:
                    self.kvs[i] = (key, value)
                return self
        if value is not None:
            self.kvs.append((key, value))
        return self

    def tensor(self, name):
        return next(t for t in self.tensors if t.name == name)

    # Serialization ------------------------------------------------------------------------------------
    def layout(self):
        """Offsets each tensor gets when not overridden: packed in order, each aligned."""
        offsets, pos = [], 0
        for t in self.tensors:
            pos = (pos + self.alignment - 1) // self.alignment * self.alignment
            offsets.append(pos if t.offset is None else t.offset)
            pos += len(t.data)
        return offsets

    def to_bytes(self):
        out = bytearray()
        out += self.magic + self.version
        out += u64(len(self.tensors) if self.tensor_count is None else self.tensor_count)
        out += u64(len(self.kvs) if self.kv_count is None else self.kv_count)
        for key, (vtype, payload) in self.kvs:
            out += (gstr(key) if isinstance(key, str) else key) + u32(vtype) + payload
        offsets = self.layout()
        for t, off in zip(self.tensors, offsets):
            out += gstr(t.raw_name if t.raw_name is not None else t.name)
            out += u32(len(t.ne) if t.n_dims is None else t.n_dims)
            for d in t.ne:
                out += u64(d & 0xFFFF_FFFF_FFFF_FFFF)
            out += u32(t.ttype) + u64(off)
        if self.tensors:
            out += bytes(-len(out) % self.alignment)
        # Data: each tensor's bytes at its *packed* position (overridden offsets only change the info).
        data = bytearray()
        pos = 0
        for t in self.tensors:
            pos = (pos + self.alignment - 1) // self.alignment * self.alignment
            data += bytes(pos - len(data)) + t.data
            pos += len(t.data)
        return bytes(out + data)


def base():
    return Model()


# ---------------------------------------------------------------------------------------------------------
# The cases: (short name, what is wrong, bytes, substring of the expected error). Substrings were copied from
# real `gansynth info` runs; each names the field, key, node or tensor and a number.

CASES = []


def case(name, wrong, expect, known=None):
    """`known`: gansynth currently fails this case (crash, vague message); the manifest's 4th column says how,
    and the Swift test expects the failure (withKnownIssue) until it is fixed."""
    def register(build):
        CASES.append((name, wrong, build, expect, known))
        return build
    return register


def header_only(magic=b"GGUF", version=3, tensors=0, kvs=0):
    return magic + u32(version) + u64(tensors) + u64(kvs)


# --- Header ------------------------------------------------------------------------------------------------

@case("truncated-header", "file is 10 bytes: shorter than the 24-byte header", "file is 10 bytes, too small")
def _():
    return base().to_bytes()[:10]


@case("empty-file", "file is 0 bytes", "file is 0 bytes")
def _():
    return b""


@case("bad-magic", "magic is 'GGML' instead of 'GGUF'", "magic is 'GGML' (47 47 4d 4c)")
def _():
    m = base()
    m.magic = b"GGML"
    return m.to_bytes()


@case("version-2", "GGUF version 2", "version is 2, only GGUF version 3")
def _():
    m = base()
    m.version = u32(2)
    return m.to_bytes()


@case("version-4", "GGUF version 4", "version is 4, only GGUF version 3")
def _():
    m = base()
    m.version = u32(4)
    return m.to_bytes()


@case("big-endian", "header written big-endian (version bytes 00 00 00 03)",
      "version reads 50331648, which is version 3 byte-swapped")
def _():
    return b"GGUF" + struct.pack(">I", 3) + struct.pack(">Q", 2) + struct.pack(">Q", 17) + base().to_bytes()[24:]


@case("tensor-count-2e63", "tensor_count is 2^63", "tensor_count is 9223372036854775808")
def _():
    m = base()
    m.tensor_count = 1 << 63
    return m.to_bytes()


@case("kv-count-2e63", "metadata_kv_count is 2^63", "metadata_kv_count is 9223372036854775808")
def _():
    m = base()
    m.kv_count = 1 << 63
    return m.to_bytes()


@case("tensor-count-too-large", "tensor_count is 3 but 2 tensor infos follow (the zero padding is read as a third: empty name)",
      "name of tensor #2 is empty")
def _():
    m = base()
    m.tensor_count = 3
    return m.to_bytes()


@case("truncated-tensor-infos", "file ends inside the second tensor info",
      "file ends while reading n_dims of tensor 'node.1.bias'")
def _():
    b = base().to_bytes()
    return b[: b.index(b"node.1.bias") + len("node.1.bias")]


# --- Metadata ----------------------------------------------------------------------------------------------

@case("key-length-2e62", "the first key's string length is 2^62",
      "the key of key/value pair #0 at offset 24 has length 4611686018427387904")
def _():
    m = base()
    m.kvs[0] = (gstr("general.architecture", length=1 << 62), m.kvs[0][1])
    return m.to_bytes()


@case("value-length-2e62", "general.name's string value has length 2^62",
      "the value of key 'general.name'")
def _():
    return base().set("general.name", (STR, gstr("tiny", length=1 << 62))).to_bytes()


@case("array-count-2e61", "gansynth.node.2.shape is an array[u32] of 2^61 elements",
      "array of 2305843009213693952 u32")
def _():
    return base().set("gansynth.node.2.shape", v_arr_u32([3, 2, 2], count=1 << 61)).to_bytes()


@case("array-bytes-overflow", "array[u64] of 2^61 elements: count x 8 overflows u64",
      "array of 2305843009213693952 u64")
def _():
    return base().set("gansynth.node.2.shape", (ARR, u32(U64) + u64(1 << 61) + u64(3))).to_bytes()


@case("string-array-count-huge", "gansynth.labels is an array[string] of 2^60 elements",
      "array of 1152921504606846976 string")
def _():
    return base().set("gansynth.labels", (ARR, u32(STR) + u64(1 << 60) + gstr("cat"))).to_bytes()


@case("unknown-value-type", "gansynth.z.dim has value type 13", "key 'gansynth.z.dim': value type is 13")
def _():
    return base().set("gansynth.z.dim", (13, u32(4))).to_bytes()


@case("unknown-array-element-type", "gansynth.node.2.shape is an array of type 99",
      "key 'gansynth.node.2.shape': value type is 99")
def _():
    return base().set("gansynth.node.2.shape", (ARR, u32(99) + u64(3) + u32(3) + u32(2) + u32(2))).to_bytes()


@case("nested-array", "gansynth.node.2.shape is an array of arrays",
      "key 'gansynth.node.2.shape': arrays of arrays")
def _():
    inner = u32(U32) + u64(3) + u32(3) + u32(2) + u32(2)
    return base().set("gansynth.node.2.shape", (ARR, u32(ARR) + u64(1) + inner)).to_bytes()


@case("bool-2", "a bool value byte is 2", "key 'gansynth.flag': bool at offset")
def _():
    return base().set("gansynth.flag", v_bool(2)).to_bytes()


@case("empty-key", "key/value pair #3 has an empty key", "key of key/value pair #3 is empty")
def _():
    m = base()
    m.kvs.insert(3, ("", v_u32(1)))
    return m.to_bytes()


@case("key-invalid-utf8", "a key holds the bytes ff fe (not UTF-8)", "the key of key/value pair #2 at offset")
def _():
    m = base()
    m.kvs.insert(2, (gstr(b"general.\xff\xfe"), v_u32(1)))
    return m.to_bytes()


@case("duplicate-key", "general.name appears twice", "key 'general.name' appears twice, as key/value pairs #1 and #17")
def _():
    m = base()
    m.kvs.append(("general.name", v_str("again")))
    return m.to_bytes()


@case("alignment-0", "general.alignment is 0", "general.alignment is 0, it must be a non-zero power of two")
def _():
    return base().set("general.alignment", v_u32(0)).to_bytes()


@case("alignment-48", "general.alignment is 48 (not a power of two)", "general.alignment is 48")
def _():
    return base().set("general.alignment", v_u32(48)).to_bytes()


@case("alignment-u64", "general.alignment is stored as u64 32", "general.alignment is u64, it must be u32")
def _():
    return base().set("general.alignment", v_u64(32)).to_bytes()


# --- Tensor infos ------------------------------------------------------------------------------------------

@case("tensor-name-64-bytes", "a tensor name is 64 bytes (ggml allows 63)", "name is 64 bytes, at most 63")
def _():
    m = base()
    m.tensors[1].name = "node.1.bias." + "x" * 52
    return m.to_bytes()


@case("tensor-name-empty", "tensor #1 has an empty name", "name of tensor #1 is empty")
def _():
    m = base()
    m.tensors[1].name = ""
    return m.to_bytes()


@case("duplicate-tensor-name", "node.1.weight appears twice", "tensor 'node.1.weight' appears twice")
def _():
    m = base()
    m.tensors[1].name = "node.1.weight"
    m.tensors[1].ne = [4, 12]
    m.tensors[1].data = m.tensors[0].data
    return m.to_bytes()


@case("n-dims-0", "node.1.weight has n_dims 0", "tensor 'node.1.weight': n_dims is 0")
def _():
    m = base()
    m.tensors[0].n_dims = 0
    m.tensors[0].ne = []
    return m.to_bytes()


@case("n-dims-5", "node.1.weight has n_dims 5", "tensor 'node.1.weight': n_dims is 5, at most 4")
def _():
    m = base()
    m.tensors[0].ne = [4, 12, 1, 1, 1]
    return m.to_bytes()


@case("dim-0", "node.1.weight has ne [4, 0]", "tensor 'node.1.weight': ne[1] is 0")
def _():
    m = base()
    m.tensors[0].ne = [4, 0]
    return m.to_bytes()


@case("dim-negative", "node.1.bias has ne[0] = 2^64-1 (-1 as i64)", "tensor 'node.1.bias': ne[0] is -1")
def _():
    m = base()
    m.tensors[1].ne = [-1]
    return m.to_bytes()


@case("dims-product-overflow", "node.1.weight has ne [2^32, 2^32]: the product overflows 64 bits",
      "ne [4294967296, 4294967296] has more than 9223372036854775807 elements")
def _():
    m = base()
    m.tensors[0].ne = [1 << 32, 1 << 32]
    return m.to_bytes()


@case("elements-over-2e31", "node.1.weight has ne [65536, 32769]: 2147549184 elements",
      "has 2147549184 elements, at most 2147483648")
def _():
    m = base()
    m.tensors[0].ne = [65536, 32769]
    return m.to_bytes()


@case("tensor-type-q4_0", "node.1.weight has type 2 (q4_0)", "tensor 'node.1.weight': type is 2 (q4_0)")
def _():
    m = base()
    m.tensors[0].ttype = 2
    return m.to_bytes()


@case("tensor-type-99", "node.1.weight has type 99", "tensor 'node.1.weight': type is 99, supported types")
def _():
    m = base()
    m.tensors[0].ttype = 99
    return m.to_bytes()


@case("q8_0-block-mismatch", "node.1.weight is q8_0 with ne[0] = 4, not a multiple of 32",
      "ne[0] is 4, not a multiple of q8_0's block size 32")
def _():
    m = base()
    m.tensors[0].ttype = T_Q8_0
    return m.to_bytes()


@case("misaligned-offset", "node.1.bias is at offset 196, not a multiple of 32",
      "tensor 'node.1.bias': offset 196 is not a multiple of the alignment 32")
def _():
    m = base()
    m.tensors[1].offset = 196
    return m.to_bytes()


@case("misaligned-custom-alignment", "general.alignment 64, node.1.bias at offset 224 (a multiple of 32 only)",
      "offset 224 is not a multiple of the alignment 64")
def _():
    m = base().set("general.alignment", v_u32(64))
    m.alignment = 64
    m.tensors[1].offset = 224
    return m.to_bytes()


@case("offset-out-of-bounds", "node.1.bias is at offset 4096, past the end of the 240-byte data section",
      "tensor 'node.1.bias': 48 bytes at offset 4096")
def _():
    m = base()
    m.tensors[1].offset = 4096
    return m.to_bytes()


@case("offset-size-overflow", "node.1.bias is at offset 2^64-32: offset + 48 bytes overflows u64",
      "48 bytes at offset 18446744073709551584")
def _():
    m = base()
    m.tensors[1].offset = (1 << 64) - 32
    return m.to_bytes()


@case("overlapping-tensors", "node.1.bias at offset 160 overlaps node.1.weight (bytes 0..<192)",
      "tensors 'node.1.weight' (data bytes 0..<192) and 'node.1.bias' (data bytes 160..<208) overlap")
def _():
    m = base()
    m.tensors[1].offset = 160
    return m.to_bytes()


@case("truncated-tensor-data", "the file is cut 16 bytes before the end of node.1.bias",
      "tensor 'node.1.bias': 48 bytes at offset 192")
def _():
    return base().to_bytes()[:-16]


@case("no-data-section", "the file ends right after the tensor infos (no padding, no data)",
      "tensor 'node.1.weight': 192 bytes at offset 0")
def _():
    b = base().to_bytes()
    return b[: b.index(b"node.1.bias") + len("node.1.bias") + 4 + 8 + 4 + 8]


# --- Model metadata ----------------------------------------------------------------------------------------

@case("architecture-llama", "general.architecture is 'llama'", "general.architecture is 'llama', expected 'gansynth'")
def _():
    return base().set("general.architecture", v_str("llama")).to_bytes()


@case("architecture-missing", "no general.architecture", "general.architecture is missing")
def _():
    return base().set("general.architecture", None).to_bytes()


@case("format-version-2", "gansynth.format_version is 2", "gansynth.format_version is 2")
def _():
    return base().set("gansynth.format_version", v_u32(2)).to_bytes()


@case("name-missing", "no general.name", "metadata key 'general.name' is missing")
def _():
    return base().set("general.name", None).to_bytes()


@case("z-dim-missing", "no gansynth.z.dim", "metadata key 'gansynth.z.dim' is missing")
def _():
    return base().set("gansynth.z.dim", None).to_bytes()


@case("z-dim-string", "gansynth.z.dim is the string '4'", "'gansynth.z.dim' must be an integer, found string")
def _():
    return base().set("gansynth.z.dim", v_str("4")).to_bytes()


@case("z-dim-0", "gansynth.z.dim is 0", "'gansynth.z.dim' is 0; allowed: 1 to 65536")
def _():
    return base().set("gansynth.z.dim", v_u32(0)).to_bytes()


@case("z-dim-2e40", "gansynth.z.dim is u64 2^40", "'gansynth.z.dim' is 1099511627776; allowed: 1 to 65536")
def _():
    return base().set("gansynth.z.dim", v_u64(1 << 40)).to_bytes()


@case("z-dim-2e63", "gansynth.z.dim is u64 2^63 (does not fit in Int)",
      "'gansynth.z.dim' is 9223372036854775808")
def _():
    return base().set("gansynth.z.dim", v_u64(1 << 63)).to_bytes()


@case("z-dim-negative", "gansynth.z.dim is i32 -1", "'gansynth.z.dim' is -1; allowed: 1 to 65536")
def _():
    return base().set("gansynth.z.dim", v_i32(-1)).to_bytes()


@case("z-distribution-cauchy", "gansynth.z.distribution is 'cauchy'", "'gansynth.z.distribution' is 'cauchy'")
def _():
    return base().set("gansynth.z.distribution", v_str("cauchy")).to_bytes()


@case("output-channels-2", "gansynth.output.channels is 2", "'gansynth.output.channels' is 2; allowed: 1 (gray) or 3")
def _():
    return base().set("gansynth.output.channels", v_u32(2)).to_bytes()


@case("output-height-5000", "gansynth.output.height is 5000", "'gansynth.output.height' is 5000; allowed: 1 to 4096")
def _():
    return base().set("gansynth.output.height", v_u32(5000)).to_bytes()


@case("labels-duplicate", "gansynth.labels is ['cat', 'dog', 'Cat']", "'gansynth.labels' is 'Cat'")
def _():
    return base().set("gansynth.labels", v_arr_str(["cat", "dog", "Cat"])).to_bytes()


@case("labels-one", "gansynth.labels has one name", "'gansynth.labels' is 1 name; allowed: 2 to 100000")
def _():
    return base().set("gansynth.labels", v_arr_str(["cat"])).to_bytes()


@case("labels-not-strings", "gansynth.labels is an array[u32]",
      "'gansynth.labels' must be an array of strings, found array[u32]")
def _():
    return base().set("gansynth.labels", v_arr_u32([0, 1])).to_bytes()


# --- Graph -------------------------------------------------------------------------------------------------

@case("node-count-0", "gansynth.graph.node_count is 0", "'gansynth.graph.node_count' is 0; allowed: 1 to 1024")
def _():
    return base().set("gansynth.graph.node_count", v_u32(0)).to_bytes()


@case("node-count-100000", "gansynth.graph.node_count is 100000",
      "'gansynth.graph.node_count' is 100000; allowed: 1 to 1024")
def _():
    return base().set("gansynth.graph.node_count", v_u32(100000)).to_bytes()


@case("node-count-5", "node_count is 5 but only nodes 0-3 are described", "'gansynth.node.4.op' is missing")
def _():
    return base().set("gansynth.graph.node_count", v_u32(5)).to_bytes()


@case("unknown-op", "node 3's op is 'gelu'", "graph node 3 has unknown op 'gelu'")
def _():
    return base().set("gansynth.node.3.op", v_str("gelu")).to_bytes()


@case("op-not-string", "node 3's op is u32 7", "'gansynth.node.3.op' must be a string, found u32")
def _():
    return base().set("gansynth.node.3.op", v_u32(7)).to_bytes()


@case("input-forward", "node 1's inputs are [2] (a later node)", "graph node 1 (linear): input 2 does not come before node 1")
def _():
    return base().set("gansynth.node.1.inputs", v_arr_u32([2])).to_bytes()


@case("input-self", "node 2's inputs are [2] (itself)", "graph node 2 (reshape): input 2 does not come before node 2")
def _():
    return base().set("gansynth.node.2.inputs", v_arr_u32([2])).to_bytes()


@case("input-out-of-range", "node 3's inputs are [5000]", "'gansynth.node.3.inputs' is 5000; allowed: 0 to 1023")
def _():
    return base().set("gansynth.node.3.inputs", v_arr_u32([5000])).to_bytes()


@case("first-node-not-input", "node 0 is a tanh with no inputs",
      "graph node 0 (tanh): the first node must be an input node")
def _():
    return base().set("gansynth.node.0.op", v_str("tanh")).to_bytes()


@case("input-node-with-inputs", "input_z node 0 lists inputs [0]", "graph node 0 (input_z): an input node takes no inputs")
def _():
    return base().set("gansynth.node.0.inputs", v_arr_u32([0])).to_bytes()


@case("tanh-two-inputs", "tanh node 3 has inputs [1, 2]", "graph node 3 (tanh): takes 1 input, has 2")
def _():
    return base().set("gansynth.node.3.inputs", v_arr_u32([1, 2])).to_bytes()


@case("linear-in-features", "linear in_features is 5, its input has 4 values",
      "graph node 1 (linear) does not type-check: in_features is 5 but its input [4] has 4 values")
def _():
    return base().set("gansynth.node.1.in_features", v_u32(5)).to_bytes()


@case("linear-out-features-2e24", "linear out_features is 2^24+1", "'gansynth.node.1.out_features' is 16777217")
def _():
    return base().set("gansynth.node.1.out_features", v_u32((1 << 24) + 1)).to_bytes()


@case("reshape-product", "reshape [5, 2, 2] of 12 values",
      "graph node 2 (reshape) does not type-check: cannot view [12] (12 values) as [5, 2, 2]")
def _():
    return base().set("gansynth.node.2.shape", v_arr_u32([5, 2, 2])).to_bytes()


@case("reshape-product-overflow", "reshape [2^24, 2^24, 2^24]: the product (2^72) overflows Int",
      "[16777216, 16777216, 16777216]")
def _():
    return base().set("gansynth.node.2.shape", v_arr_u32([1 << 24, 1 << 24, 1 << 24])).to_bytes()


@case("reshape-dim-0", "reshape shape [0, 12]", "'gansynth.node.2.shape' is 0; allowed: 1 to 16777216")
def _():
    return base().set("gansynth.node.2.shape", v_arr_u32([0, 12])).to_bytes()


@case("reshape-4-dims", "reshape shape [3, 2, 2, 1]", "'gansynth.node.2.shape' is 4 elements; allowed: 1 to 3")
def _():
    return base().set("gansynth.node.2.shape", v_arr_u32([3, 2, 2, 1])).to_bytes()


@case("reshape-shape-missing", "reshape node 2 has no shape", "'gansynth.node.2.shape' is missing")
def _():
    return base().set("gansynth.node.2.shape", None).to_bytes()


def conv_model(**params):
    """The base model with node 3 a conv2d 3 -> 3 (parameters given; tensors left as they are)."""
    m = base().set("gansynth.node.3.op", v_str("conv2d"))
    for k, v in {"in_channels": 3, "out_channels": 3, **params}.items():
        m.set(f"gansynth.node.3.{k}", v_u32(v))
    return m


@case("conv-kernel-0", "conv2d kernel_size 0", "'gansynth.node.3.kernel_size' is 0; allowed: 1 to 15")
def _():
    return conv_model(kernel_size=0).to_bytes()


@case("conv-kernel-99", "conv2d kernel_size 99", "'gansynth.node.3.kernel_size' is 99; allowed: 1 to 15")
def _():
    return conv_model(kernel_size=99).to_bytes()


@case("conv-padding-ge-kernel", "conv2d kernel_size 3, padding 3", "'gansynth.node.3.padding' is 3; allowed: 0 to 2")
def _():
    return conv_model(kernel_size=3, padding=3).to_bytes()


@case("conv-stride-0", "conv2d stride 0", "'gansynth.node.3.stride' is 0; allowed: 1 to 8")
def _():
    return conv_model(kernel_size=1, stride=0).to_bytes()


@case("conv-kernel-too-big", "conv2d kernel 5 on a 2x2 input, no padding",
      "graph node 3 (conv2d) does not type-check: kernel 5, stride 1, padding 0 on input [3, 2, 2] give an output of 0x0")
def _():
    return conv_model(kernel_size=5).to_bytes()


@case("conv-in-channels", "conv2d in_channels 4 on a (3, 2, 2) input",
      "graph node 3 (conv2d) does not type-check: expects (4, H, W) input, got [3, 2, 2]")
def _():
    return conv_model(kernel_size=1, in_channels=4).to_bytes()


@case("conv-transpose-output-padding", "conv_transpose2d stride 2, output_padding 2",
      "'gansynth.node.3.output_padding' is 2; allowed: 0 to 1")
def _():
    m = conv_model(kernel_size=3, stride=2, output_padding=2)
    return m.set("gansynth.node.3.op", v_str("conv_transpose2d")).to_bytes()


@case("upsample-activation-2e24", "four upsample_nearest x8 nodes: node 6 makes 3x8192x8192 values per image",
      "graph node 6 makes 201326592 values per image, more than the limit of 67108864")
def _():
    m = base().set("gansynth.graph.node_count", v_u32(8))
    m.set("gansynth.node.3.op", None)
    for i in range(3, 7):
        m.set(f"gansynth.node.{i}.op", v_str("upsample_nearest"))
        m.set(f"gansynth.node.{i}.scale_factor", v_u32(8))
    m.set("gansynth.node.7.op", v_str("tanh"))
    m.set("gansynth.output.height", v_u32(4096)).set("gansynth.output.width", v_u32(4096))
    return m.to_bytes()


@case("upsample-scale-0", "upsample_nearest scale_factor 0", "'gansynth.node.3.scale_factor' is 0; allowed: 1 to 8")
def _():
    m = base().set("gansynth.node.3.op", v_str("upsample_nearest"))
    return m.set("gansynth.node.3.scale_factor", v_u32(0)).to_bytes()


@case("batch-norm-eps-nan", "batch_norm eps is NaN", "'gansynth.node.3.eps' is nan")
def _():
    m = base().set("gansynth.node.3.op", v_str("batch_norm"))
    return m.set("gansynth.node.3.eps", v_f32(float("nan"))).to_bytes()


@case("leaky-relu-slope-inf", "leaky_relu negative_slope is +Inf", "'gansynth.node.3.negative_slope' is inf")
def _():
    m = base().set("gansynth.node.3.op", v_str("leaky_relu"))
    return m.set("gansynth.node.3.negative_slope", v_f32(float("inf"))).to_bytes()


@case("embedding-input-not-label", "embedding node 1 reads input_z",
      "graph node 1 (embedding) does not type-check: its input must be an input_label node")
def _():
    m = base().set("gansynth.node.1.op", v_str("embedding"))
    m.set("gansynth.node.1.num_embeddings", v_u32(10)).set("gansynth.node.1.embedding_dim", v_u32(12))
    return m.to_bytes()


@case("embedding-without-labels", "embedding num_embeddings 10 reading input_label, no gansynth.labels",
      "graph node 0 (input_label) does not type-check: the model declares no gansynth.labels")
def _():
    m = base().set("gansynth.node.0.op", v_str("input_label"))
    m.set("gansynth.node.1.op", v_str("embedding"))
    m.set("gansynth.node.1.num_embeddings", v_u32(10)).set("gansynth.node.1.embedding_dim", v_u32(12))
    return m.to_bytes()


@case("embedding-count-mismatch", "embedding num_embeddings 10, gansynth.labels has 2 names",
      "num_embeddings is 10 but the model has 2 labels")
def _():
    m = base().set("gansynth.labels", v_arr_str(["cat", "dog"]))
    m.set("gansynth.node.0.op", v_str("input_label"))
    m.set("gansynth.node.1.op", v_str("embedding"))
    m.set("gansynth.node.1.num_embeddings", v_u32(10)).set("gansynth.node.1.embedding_dim", v_u32(12))
    return m.to_bytes()


@case("input-label-no-labels", "node 0 is input_label, the model has no gansynth.labels",
      "graph node 0 (input_label) does not type-check: the model declares no gansynth.labels")
def _():
    return base().set("gansynth.node.0.op", v_str("input_label")).to_bytes()


@case("categorical-undeclared", "node 0 is input_categorical index 0, no gansynth.codes.categorical",
      "categorical code 0 is not declared; gansynth.codes.categorical has 0")
def _():
    m = base().set("gansynth.node.0.op", v_str("input_categorical"))
    return m.set("gansynth.node.0.index", v_u32(0)).to_bytes()


@case("concat-mismatch", "concat of (12) and (3, 2, 2)", "graph node 3 (concat) does not type-check: inputs [[12], [3, 2, 2]]")
def _():
    m = base().set("gansynth.node.3.op", v_str("concat"))
    return m.set("gansynth.node.3.inputs", v_arr_u32([1, 2])).to_bytes()


@case("output-shape-mismatch", "gansynth.output.height is 3, the graph makes (3, 2, 2)",
      "the graph's last node makes [3, 2, 2] per image, but gansynth.output.* declares [3, 3, 2]")
def _():
    return base().set("gansynth.output.height", v_u32(3)).to_bytes()


# --- Tensors against the graph -----------------------------------------------------------------------------

@case("tensor-missing", "node.1.weight is absent", "tensor 'node.1.weight' needed by graph node 1 (linear) is missing")
def _():
    m = base()
    del m.tensors[0]
    return m.to_bytes()


@case("tensor-unused", "an extra tensor node.9.weight (2)", "tensor 'node.9.weight' is not used by the graph")
def _():
    m = base()
    m.tensors.append(Tensor("node.9.weight", [2], f32_bytes([0, 0])))
    return m.to_bytes()


@case("tensor-wrong-shape", "node.1.weight is (4, 12) instead of (12, 4)",
      "tensor 'node.1.weight' has shape [4, 12], the graph needs [12, 4]")
def _():
    m = base()
    m.tensors[0].ne = [12, 4]
    return m.to_bytes()


@case("tensor-wrong-rank", "node.1.bias is (12, 1) instead of (12)",
      "tensor 'node.1.bias' has shape [12, 1], the graph needs [12]")
def _():
    m = base()
    m.tensors[1].ne = [1, 12]
    return m.to_bytes()


@case("nan-weight", "node.1.weight element 5 is NaN", "tensor 'node.1.weight': element 5 is nan")
def _():
    m = base()
    w = np.frombuffer(m.tensors[0].data, dtype="<f4").copy()
    w[5] = np.nan
    m.tensors[0].data = w.tobytes()
    return m.to_bytes()


@case("inf-bias", "node.1.bias element 3 is +Inf", "tensor 'node.1.bias': element 3 is inf")
def _():
    m = base()
    b = np.frombuffer(m.tensors[1].data, dtype="<f4").copy()
    b[3] = np.inf
    m.tensors[1].data = b.tobytes()
    return m.to_bytes()


@case("f16-neg-inf-weight", "node.1.weight stored as f16, element 47 is -Inf",
      "tensor 'node.1.weight': element 47 is -inf")
def _():
    m = base()
    w = np.arange(48, dtype=np.float32) / 48 - 0.5
    w[47] = -np.inf
    m.tensors[0].data = f16_bytes(w)
    m.tensors[0].ttype = T_F16
    return m.to_bytes()


# ---------------------------------------------------------------------------------------------------------


def batch_norm_model(variance, eps=None):
    """Node 3 a batch norm over the 3 channels, with running variances `variance`."""
    m = base().set("gansynth.node.3.op", v_str("batch_norm"))
    if eps is not None:
        m.set("gansynth.node.3.eps", v_f32(eps))
    for name, values in (("weight", [1, 1, 1]), ("bias", [0, 0, 0]), ("running_mean", [0, 0, 0]),
                         ("running_var", variance)):
        m.tensors.append(Tensor(f"node.3.{name}", [3], f32_bytes(np.array(values, dtype=np.float32))))
    return m


@case("batch-norm-negative-variance", "node.3.running_var element 1 is -0.5",
      "tensor 'node.3.running_var' element 1 is -0.5: a variance must be ≥ 0")
def _():
    return batch_norm_model([1.0, -0.5, 1.0]).to_bytes()


@case("batch-norm-zero-variance-eps-0", "node.3.running_var element 2 is 0 and eps is 0",
      "tensor 'node.3.running_var' element 2 is 0.0: a variance must be ≥ 0 and variance + eps (0.0) > 0")
def _():
    return batch_norm_model([1.0, 2.0, 0.0], eps=0.0).to_bytes()


@case("op-name-with-control-characters", "node 3's op is 'tanh', a newline, a forged error line and ESC [2J",
      "unknown op 'tanh\\ngansynth: error: forged\\u{1b}[2J'")
def _():
    return base().set("gansynth.node.3.op", v_str("tanh\ngansynth: error: forged\x1b[2J")).to_bytes()


@case("reshape-shape-u64-above-int-max", "node 2's shape is a u64 array holding 2^63",
      "'gansynth.node.2.shape' is 9223372036854775808; allowed: 1 to")
def _():
    value = (ARR, u32(U64) + u64(3) + u64(3) + u64(2**63) + u64(2))
    return base().set("gansynth.node.2.shape", value).to_bytes()


@case("name-with-nul", "general.name is 'tiny' NUL 'gan'",
      "metadata key 'general.name' holds a NUL byte (byte 4)")
def _():
    return base().set("general.name", v_str("tiny\0gan")).to_bytes()


@case("label-with-nul", "gansynth.labels is ['cat', 'do' NUL 'g']",
      "metadata key 'gansynth.labels' element 1 holds a NUL byte (byte 2)")
def _():
    return base().set("gansynth.labels", v_arr_str(["cat", "do\0g"])).to_bytes()


@case("op-name-with-nul", "node 3's op is 'tanh' NUL",
      "metadata key 'gansynth.node.3.op' holds a NUL byte (byte 4)")
def _():
    return base().set("gansynth.node.3.op", v_str("tanh\0")).to_bytes()


@case("add-shapes-differ", "node 3 adds node 2 (3,2,2) and node 1 (12)",
      "graph node 3 (add) does not type-check: inputs [[3, 2, 2], [12]] differ in shape")
def _():
    return base().set("gansynth.node.3.op", v_str("add")).set("gansynth.node.3.inputs", v_arr_u32([2, 1])).to_bytes()


@case("add-one-input", "node 3 is an add with one input",
      "graph node 3 (add): takes at least 2 inputs, has 1")
def _():
    return base().set("gansynth.node.3.op", v_str("add")).to_bytes()


@case("conditional-batch-norm-condition-not-a-vector", "node 3 conditions (3,2,2) on node 2's (3,2,2)",
      "graph node 3 (conditional_batch_norm) does not type-check: expects the condition as a vector (D), got [3, 2, 2]")
def _():
    return (base().set("gansynth.node.3.op", v_str("conditional_batch_norm"))
            .set("gansynth.node.3.inputs", v_arr_u32([2, 2])).to_bytes())


@case("self-attention-odd-size", "node 2 reshapes to (1,3,4); node 3 attends over it (H = 3 is odd)",
      "graph node 3 (self_attention) does not type-check: expects (C, H, W) with H and W even")
def _():
    return (base().set("gansynth.node.2.shape", v_arr_u32([1, 3, 4])).set("gansynth.node.3.op", v_str("self_attention"))
            .set("gansynth.node.3.key_channels", v_u32(1)).set("gansynth.node.3.value_channels", v_u32(1)).to_bytes())


@case("channel-slice-past-the-end", "node 3 takes channels 2..<4 of node 2's (3,2,2)",
      "graph node 3 (channel_slice) does not type-check: takes channels 2..<4 of an input [3, 2, 2]")
def _():
    return (base().set("gansynth.node.3.op", v_str("channel_slice")).set("gansynth.node.3.start", v_u32(2))
            .set("gansynth.node.3.channels", v_u32(2)).to_bytes())



# StyleGAN2's ops: each attribute and shape check once.
def node3(op, **params):
    """The base model with node 3 replaced by `op` (u32 parameters given)."""
    m = base().set("gansynth.node.3.op", v_str(op))
    for k, v in params.items():
        m.set(f"gansynth.node.3.{k}", v_u32(v))
    return m


@case("modulated-conv-even-kernel", "modulated_conv2d kernel_size 2", "'gansynth.node.3.kernel_size' is 2; allowed: an odd size from 1 to 7")
def _():
    return node3("modulated_conv2d", in_channels=3, out_channels=3, kernel_size=2).set("gansynth.node.3.inputs", v_arr_u32([2, 1])).to_bytes()


@case("modulated-conv-styles-shape", "modulated_conv2d 3 -> 3 whose styles input is node 1's (12)",
      "graph node 3 (modulated_conv2d) does not type-check: its styles must be (3), got [12]")
def _():
    return node3("modulated_conv2d", in_channels=3, out_channels=3, kernel_size=1).set("gansynth.node.3.inputs", v_arr_u32([2, 1])).to_bytes()


@case("upfirdn2d-no-output", "upfirdn2d with an 8x8 filter on (3,2,2), no padding",
      "graph node 3 (upfirdn2d) does not type-check: a 8x8 filter on [3, 2, 2] upsampled 1x leaves no output")
def _():
    return node3("upfirdn2d", filter_size=8).to_bytes()


@case("w-truncation-num-ws-0", "w_truncation num_ws 0", "'gansynth.node.3.num_ws' is 0; allowed: 1 to 64")
def _():
    return node3("w_truncation", num_ws=0).to_bytes()


@case("w-truncation-on-a-map", "w_truncation on node 2's (3,2,2)",
      "graph node 3 (w_truncation) does not type-check: takes a (w_dim) input, got [3, 2, 2]")
def _():
    return node3("w_truncation", num_ws=2).to_bytes()


@case("noise-on-features", "noise on node 1's (12) features",
      "graph node 3 (noise) does not type-check: takes (C, H, W), got [12]")
def _():
    return node3("noise").set("gansynth.node.3.inputs", v_arr_u32([1])).to_bytes()


@case("noise-without-its-plane", "noise on (3,2,2) with no node.3.const tensor", "node.3.const")
def _():
    return node3("noise").to_bytes()


@case("constant-2e48", "constant of shape [65536, 65536, 65536]", "makes 281474976710656 values per image")
def _():
    return node3("constant").set("gansynth.node.3.shape", v_arr_u32([65536, 65536, 65536])).to_bytes()


@case("bias-act-clamp-negative", "bias_act clamp -5", "'gansynth.node.3.clamp' is -5")
def _():
    return node3("bias_act").set("gansynth.node.3.clamp", v_f32(-5.0)).to_bytes()

# --- The encoder graph (gansynth.encoder.*) ---------------------------------------------------------------

def with_encoder(first_op="input_image", out_features=4):
    """The base model plus an encoder: input_image (3, 2, 2) -> reshape (12) -> linear 12 -> out_features."""
    m = base()
    for k, v in [("gansynth.encoder.graph.node_count", v_u32(3)), ("gansynth.encoder.node.0.op", v_str(first_op)),
                 ("gansynth.encoder.node.1.op", v_str("reshape")), ("gansynth.encoder.node.1.shape", v_arr_u32([12])),
                 ("gansynth.encoder.node.2.op", v_str("linear")), ("gansynth.encoder.node.2.in_features", v_u32(12)),
                 ("gansynth.encoder.node.2.out_features", v_u32(out_features))]:
        m.set(k, v)
    w = np.arange(12 * out_features, dtype=np.float32) / 48 - 0.5
    m.tensors.append(Tensor("encoder.node.2.weight", [out_features, 12], f32_bytes(w)))
    return m


@case("encoder-reads-z", "the encoder's input node is input_z",
      "encoder: graph node 0 (input_z): the encoder's input op is input_image")
def _():
    return with_encoder("input_z").to_bytes()


@case("input-image-in-the-generator", "the generator's node 0 is input_image",
      "graph node 0 (input_image): input_image belongs to the encoder graph")
def _():
    return base().set("gansynth.node.0.op", v_str("input_image")).to_bytes()


@case("encoder-output-not-z", "the encoder makes 12 values for a z of 4",
      "encoder: the encoder's last node makes [12] per image, but gansynth.z.dim is 4")
def _():
    return with_encoder(out_features=12).to_bytes()


@case("encoder-tensor-missing", "the encoder's linear weight is absent",
      "encoder.node.2.weight' needed by graph node 2 (linear) is missing")
def _():
    m = with_encoder()
    m.tensors = [t for t in m.tensors if t.name != "encoder.node.2.weight"]
    return m.to_bytes()


@case("encoder-node-count-0", "gansynth.encoder.graph.node_count is 0",
      "'gansynth.encoder.graph.node_count' is 0; allowed: 1 to 1024")
def _():
    return with_encoder().set("gansynth.encoder.graph.node_count", v_u32(0)).to_bytes()


def main():
    os.makedirs(FILES, exist_ok=True)
    for old in os.listdir(FILES):
        if old.endswith(".gguf"):
            os.remove(os.path.join(FILES, old))
    with open(BASE, "wb") as f:
        f.write(base().to_bytes())
    names = set()
    rows = []
    for n, (name, wrong, build, expect, known) in enumerate(CASES, start=1):
        assert name not in names, name
        names.add(name)
        assert "\t" not in expect and "\n" not in expect
        file = f"{n:03d}-{name}.gguf"
        data = build()
        assert len(data) < 4096, (file, len(data))
        with open(os.path.join(FILES, file), "wb") as f:
            f.write(data)
        rows.append((file, wrong, expect, known))
    with open(MANIFEST, "w") as f:
        f.write("# file\texit status\tthe one-line error contains\t[known issue: how gansynth fails it today]"
                " (written by make_corpus.py)\n")
        for file, _, expect, known in rows:
            f.write(f"{file}\t{BAD_MODEL}\t{expect}" + (f"\t{known}" if known else "") + "\n")
    print(f"wrote {len(rows)} files to {os.path.relpath(FILES)} and {os.path.relpath(MANIFEST)}")

    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        # README's evidence table: what each file breaks and the line the given gansynth binary printed.
        print("\n| file | what is wrong | `gansynth info` printed (exit status) |\n| --- | --- | --- |")
        for file, wrong, _, known in rows:
            path = os.path.join("Tests/Corrupt/files", file)
            r = subprocess.run([sys.argv[2], "info", path], capture_output=True, text=True,
                               cwd=os.path.dirname(os.path.dirname(HERE)))
            lines = r.stderr.rstrip("\n").split("\n")
            if len(lines) == 1:
                line = lines[0]
            else:
                shown = [l for l in lines if "crashed" in l or "Fatal error" in l] or [l for l in lines if l][:1]
                line = f"{len(lines)} lines, including: " + " / ".join(shown)
            line = line.replace("|", "\\|")
            status = str(r.returncode) if r.returncode >= 0 else f"killed by signal {-r.returncode}"
            if known:
                wrong += f" **(known issue: {known})**"
            print(f"| `{file}` | {wrong} | `{line}` ({status}) |")


if __name__ == "__main__":
    main()
