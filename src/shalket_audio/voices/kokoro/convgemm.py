"""Kokoro's convolutions as integer matrix products: the same sums, on the CPU's fast int8 kernel.

Why: the int8 export runs its convolutions as ``ConvInteger`` with uint8
weights, which ONNX Runtime computes through its u8 x u8 GEMM; they take
about 60% of Kokoro's time. Written as im2col (shifted slices of the input,
side by side) and one ``MatMulInteger`` with the weights moved to int8
(``w - 128`` with zero point ``z - 128``: the same differences, so the same
int32 sums), they run on the u8 x s8 kernel, which VNNI speeds up: on this
project's machine Kokoro took a third less CPU per second of speech, with
bit-identical audio (README, "Benchmark").

u8 x s8 is exact only on CPUs with VNNI (without it, the kernel adds pairs of
products in 16 bits, which can saturate), so the new graph is used only on
x86-64 with VNNI, and only after a probe: a subprocess derives it from the
checked model, runs both graphs on the same tokens and keeps it only if the
audio is bit-identical. The result is stamped with the versions it was probed
with. Identical audio means the clip cache's keys stay as they are.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from ...fileio import atomic_write_bytes

#: Part of the derived file's name and stamp: a change to the rewrite derives the graph again.
REWRITE_VERSION = "2"
#: ``plain`` keeps onnxruntime's own ConvInteger (the benchmark compares the two).
GRAPH_ENV = "SHALKET_KOKORO_GRAPH"
_PROBE_PHONEMES = "ðə bˈɔːdɚ wʌz kləʊzd, ænd ðə ɡˈæs pɹˈaɪs ɹˈoʊz."


def fast_model(packaged: Path, sha256: str) -> Path:
    """The rewritten graph where it was derived and probed on this machine, else ``packaged`` itself."""
    if os.environ.get(GRAPH_ENV) == "plain" or not cpu_has_vnni():
        return packaged
    target = packaged.with_name(f"{packaged.stem}-convgemm{REWRITE_VERSION}.onnx")
    stamp = target.with_suffix(".probe.json")
    expected = _stamp_record(sha256)
    if expected is None:
        return packaged  # onnx or onnxruntime not installed: the plain graph needs neither rewrite nor probe
    recorded = _read_stamp(stamp)
    if recorded is None or {k: recorded.get(k) for k in expected} != expected:
        command = [sys.executable, "-m", __name__, str(packaged), str(target), str(stamp), sha256]
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(command, check=False, capture_output=True, timeout=300)
        recorded = _read_stamp(stamp)
        if recorded is None or {k: recorded.get(k) for k in expected} != expected:
            # The derivation failed without a verdict: say so once, or every build would try again.
            recorded = {**expected, "identical": False, "failed": True}
            atomic_write_bytes(stamp, json.dumps(recorded).encode())
    if recorded.get("identical") is not True or not _file_matches(target, recorded):
        return packaged
    return target


def cpu_has_vnni() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    flags = _cpuinfo().get("flags", "").split()
    return "avx512_vnni" in flags or "avx_vnni" in flags


@functools.cache
def _cpuinfo() -> dict[str, str]:
    """The first CPU's ``model name`` and ``flags`` lines from ``/proc/cpuinfo`` (empty where there is none)."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
        for line in info:
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "flags"):
                found.setdefault(key.strip(), value.strip())
            if len(found) == 2:
                break
    return found


def rewrite(model: Any) -> int:
    """Replace each stride-1, ungrouped 1-D ``ConvInteger`` of an ONNX ``ModelProto`` in place; the count."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    added: set[str] = set()

    def constant(name: str, value: Any) -> str:
        if name not in added:
            added.add(name)
            graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    constant("convgemm/axis0", np.array([0], np.int64))
    constant("convgemm/one", np.array([1], np.int64))
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if (
            node.op_type != "ConvInteger"
            or attrs.get("group", 1) != 1
            or list(attrs.get("strides", [1])) != [1]
            or len(attrs.get("kernel_shape", [])) != 1
            or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")
            or len(node.input) != 4
        ):
            nodes.append(node)
            continue
        x, w, x_zero, w_zero = node.input
        weights = numpy_helper.to_array(initializers[w])
        w_zero_point = numpy_helper.to_array(initializers[w_zero])
        if weights.dtype != np.uint8 or w_zero_point.ndim != 0:
            nodes.append(node)
            continue
        (kernel,) = attrs["kernel_shape"]
        (dilation,) = attrs.get("dilations", [1])
        pad_start, pad_end = attrs.get("pads", [0, 0])
        out_channels, in_channels, _ = weights.shape
        # Rows tap-major then input channel, as the slices are laid side by side below.
        matrix = (weights.astype(np.int16) - 128).astype(np.int8).transpose(2, 1, 0).reshape(-1, out_channels)
        w_matrix = constant(f"{w}/convgemm", np.ascontiguousarray(matrix))
        w_matrix_zero = constant(f"{w_zero}/convgemm", np.array(np.int8(int(w_zero_point) - 128)))
        p = f"convgemm/{count}/"
        nodes += [
            helper.make_node("Squeeze", [x, "convgemm/axis0"], [p + "x"]),
            helper.make_node("Transpose", [p + "x"], [p + "rows"], perm=[1, 0]),  # (length, channels)
        ]
        columns = p + "rows"
        if kernel > 1 or pad_start or pad_end:
            # Padding with the input's zero point: a padded tap then adds nothing, as in ConvInteger.
            pads = constant(p + "pads", np.array([pad_start, 0, pad_end, 0], np.int64))
            span = constant(p + "span", np.array([dilation * (kernel - 1)], np.int64))
            nodes += [
                helper.make_node("Pad", [p + "rows", pads, x_zero], [p + "padded"], mode="constant"),
                helper.make_node("Shape", [p + "padded"], [p + "shape"]),
                helper.make_node("Slice", [p + "shape", "convgemm/axis0", "convgemm/one"], [p + "padded_length"]),
                helper.make_node("Sub", [p + "padded_length", span], [p + "length"]),
            ]
            taps = []
            for tap in range(kernel):
                start = constant(f"convgemm/offset{tap * dilation}", np.array([tap * dilation], np.int64))
                nodes += [
                    helper.make_node("Add", [p + "length", start], [f"{p}end{tap}"]),
                    helper.make_node(
                        "Slice", [p + "padded", start, f"{p}end{tap}", "convgemm/axis0"], [f"{p}tap{tap}"]
                    ),
                ]
                taps.append(f"{p}tap{tap}")
            nodes.append(helper.make_node("Concat", taps, [p + "columns"], axis=1))
            columns = p + "columns"
        assert matrix.shape[0] == kernel * in_channels
        nodes += [
            helper.make_node("MatMulInteger", [columns, w_matrix, x_zero, w_matrix_zero], [p + "product"]),
            helper.make_node("Transpose", [p + "product"], [p + "channels"], perm=[1, 0]),
            helper.make_node("Unsqueeze", [p + "channels", "convgemm/axis0"], [node.output[0]]),
        ]
        count += 1
    used = {name for node in nodes for name in node.input}
    kept = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return count


def derive(packaged: Path, target: Path, stamp: Path, sha256: str) -> None:
    """In a subprocess: rewrite, let onnxruntime optimise and save the graph, probe it against the upstream
    model on the same tokens, stamp the verdict."""
    import onnx
    import onnxruntime

    model = onnx.load(str(packaged))
    rewritten = rewrite(model)
    unoptimized = target.with_name(f".{target.name}.{os.getpid()}.rewritten")
    optimized = target.with_name(f".{target.name}.{os.getpid()}.optimized")
    try:
        unoptimized.write_bytes(model.SerializeToString())
        del model
        # Saved after onnxruntime's own graph optimisations, so a worker loads it in a fraction of the time
        # (they are specific to this CPU: the stamp names it, and another CPU derives its own).
        options = onnxruntime.SessionOptions()
        options.optimized_model_filepath = str(optimized)
        options.log_severity_level = 3  # its warning says what the stamp's CPU line is for
        onnxruntime.InferenceSession(str(unoptimized), sess_options=options, providers=["CPUExecutionProvider"])
        os.replace(optimized, target)
    finally:
        unoptimized.unlink(missing_ok=True)
        optimized.unlink(missing_ok=True)
    identical = rewritten > 0 and _probe(packaged, target)
    for older in target.parent.glob(f"{packaged.stem}-convgemm*"):  # an earlier rewrite's graph and stamp
        if older.name not in (target.name, stamp.name):
            older.unlink(missing_ok=True)
    info = target.stat()
    record = {**(_stamp_record(sha256) or {}), "identical": identical, "convolutions": rewritten}
    record |= {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
    atomic_write_bytes(stamp, json.dumps(record).encode())


def session_options(model: Path, threads: int = 1) -> Any:
    """onnxruntime options for a worker's session: single-threaded unless a lone request has the machine to
    itself (one worker per core), and no second pass of graph optimisation over a graph saved optimised."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if model.name.endswith(f"-convgemm{REWRITE_VERSION}.onnx"):
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    return options


def _probe(plain: Path, rewritten: Path) -> bool:
    import numpy as np
    import onnxruntime

    from .assets import DATA_DIR, vocab

    table = vocab()
    tokens = np.array([[0, *(table[c] for c in _PROBE_PHONEMES if c in table), 0]], dtype=np.int64)
    style = np.fromfile(DATA_DIR / "af_heart.bin", dtype=np.float32).reshape(-1, 1, 256)[tokens.shape[1] - 3]
    inputs = {"tokens": tokens, "style": style, "speed": np.array([1.0], dtype=np.float32)}
    outputs = []
    for path in (plain, rewritten):
        options = session_options(path)
        session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        outputs.append(session.run(None, inputs)[0])
        del session
    return bool(outputs[0].size > 0 and np.array_equal(outputs[0], outputs[1]))


def _stamp_record(sha256: str) -> dict[str, Any] | None:
    try:
        versions = {name: importlib.metadata.version(name) for name in ("onnx", "onnxruntime")}
    except importlib.metadata.PackageNotFoundError:
        return None
    return {"source_sha256": sha256, "rewrite": REWRITE_VERSION, **versions, "cpu": _cpu_line()}


def _cpu_line() -> str:
    """The CPU's model and flags, which onnxruntime's saved optimisations depend on."""
    info = _cpuinfo() or {"processor": platform.processor()}
    return hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()[:16]


def _read_stamp(stamp: Path) -> dict[str, Any] | None:
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def _file_matches(target: Path, recorded: dict[str, Any]) -> bool:
    try:
        info = target.stat()
    except OSError:
        return False
    return bool(recorded.get("size") == info.st_size and recorded.get("mtime_ns") == info.st_mtime_ns)


if __name__ == "__main__":
    derive(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
