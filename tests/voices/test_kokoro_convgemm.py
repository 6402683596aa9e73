"""Kokoro's ConvInteger rewritten as MatMulInteger: exactly the same sums, the same audio, used only where probed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from audio_tools import wav_samples
from shalket_audio.voices import VoiceRef
from shalket_audio.voices.kokoro import KokoroEngine, convgemm
from shalket_audio.voices.kokoro.assets import MODEL_SHA256, packaged_model

SENTENCE = "Putin massed his army on the Ukrainian border."


def _conv_model(weights: np.ndarray, zero: int, **attrs: object) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], **attrs)],
        "conv",
        [
            helper.make_tensor_value_info("x", TensorProto.UINT8, [1, weights.shape[1], None]),
            helper.make_tensor_value_info("xz", TensorProto.UINT8, []),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
        [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(np.array(np.uint8(zero)), "wz")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    return model


def _run(model: onnx.ModelProto, x: np.ndarray, x_zero: int) -> np.ndarray:
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x, "xz": np.array(np.uint8(x_zero))})[0])


@pytest.mark.parametrize(
    ("kernel", "dilation", "pads"),
    [(11, 1, (5, 5)), (7, 3, (9, 9)), (3, 5, (5, 5)), (1, 1, (0, 0)), (5, 1, (0, 4)), (3, 1, (0, 0))],
)
def test_the_rewrite_gives_conv_integers_exact_sums(kernel: int, dilation: int, pads: tuple[int, int]) -> None:
    """Random uint8 data and zero points at the extremes: the int32 outputs are equal element for element."""
    rng = np.random.default_rng(kernel * 100 + dilation)
    weights = rng.integers(0, 256, (6, 5, kernel), dtype=np.uint8)
    x = rng.integers(0, 256, (1, 5, 97), dtype=np.uint8)
    for w_zero, x_zero in ((0, 255), (255, 0), (131, 97)):
        attrs = {"kernel_shape": [kernel], "dilations": [dilation], "pads": list(pads), "strides": [1]}
        plain = _conv_model(weights, w_zero, **attrs)
        rewritten = _conv_model(weights, w_zero, **attrs)
        assert convgemm.rewrite(rewritten) == 1
        assert [n.op_type for n in rewritten.graph.node].count("ConvInteger") == 0
        expected, actual = _run(plain, x, x_zero), _run(rewritten, x, x_zero)
        assert expected.shape == actual.shape == (1, 6, 97 + sum(pads) - dilation * (kernel - 1))
        assert np.array_equal(expected, actual)


def test_strided_and_grouped_convolutions_are_left_as_they_are() -> None:
    weights = np.zeros((4, 2, 3), dtype=np.uint8)
    model = _conv_model(weights, 0, kernel_shape=[3], strides=[2], pads=[1, 1], group=2)
    assert convgemm.rewrite(model) == 0
    assert [n.op_type for n in model.graph.node] == ["ConvInteger"]


def test_the_build_uses_the_rewritten_graph_where_the_cpu_has_vnni_and_the_audio_is_identical() -> None:
    """Real Kokoro: the engine's worker speaks through the rewritten graph, and a plain onnxruntime session on
    the checked upstream model gives the same samples, bit for bit. Without VNNI the engine keeps the model."""
    engine = KokoroEngine()
    try:
        voice = engine.resolve(VoiceRef("kokoro", "am_echo"))
        plain = packaged_model()
        if not convgemm.cpu_has_vnni():
            assert voice.model == plain
            return
        assert voice.model.name.endswith(f"-convgemm{convgemm.REWRITE_VERSION}.onnx")
        assert voice.model_sha256 == MODEL_SHA256  # the same audio, so the same cache keys
        stamp = json.loads(voice.model.with_suffix(".probe.json").read_text(encoding="utf-8"))
        assert stamp["identical"] is True and stamp["convolutions"] == 84 and stamp["cpu"]
        fast = wav_samples(engine.synthesize(SENTENCE, VoiceRef("kokoro", "am_echo")).data)[0]
    finally:
        engine.release()
    reference = subprocess.run(
        [sys.executable, "-c", _PLAIN_SESSION, str(plain), SENTENCE], capture_output=True, check=True
    ).stdout
    assert np.array_equal(fast, np.frombuffer(reference, dtype="<i2"))


_PLAIN_SESSION = """
import sys, numpy as np, onnxruntime as ort
from shalket_audio.voices.kokoro.assets import voice_file, vocab
from shalket_audio.voices.phonemes import batches, phonemize
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
styles = np.fromfile(voice_file("am_echo")[0], dtype=np.float32).reshape(-1, 1, 256)
pieces = []
for tokens in batches(phonemize(sys.argv[2], "en-us"), vocab()):
    inputs = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": styles[min(len(tokens), len(styles)) - 1],
              "speed": np.array([1.0], dtype=np.float32)}
    pieces.append(session.run(None, inputs)[0].ravel())
audio = np.concatenate(pieces)
sys.stdout.buffer.write((np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes())
"""


def test_plain_keeps_onnxruntimes_own_convolutions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(convgemm.GRAPH_ENV, "plain")
    model = tmp_path / "model.onnx"
    assert convgemm.fast_model(model, MODEL_SHA256) == model


def test_a_stamp_that_matches_is_used_without_deriving_again(monkeypatch: pytest.MonkeyPatch) -> None:
    if not convgemm.cpu_has_vnni():
        assert convgemm.fast_model(packaged_model(), MODEL_SHA256) == packaged_model()
        return
    first = convgemm.fast_model(packaged_model(), MODEL_SHA256)

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("derived again")

    monkeypatch.setattr(convgemm.subprocess, "run", no_subprocess)
    assert convgemm.fast_model(packaged_model(), MODEL_SHA256) == first


def test_a_probe_that_fails_keeps_the_checked_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stamp whose verdict is 'not identical' (a CPU whose kernel saturates) means the upstream model."""
    monkeypatch.setattr(convgemm, "cpu_has_vnni", lambda: True)
    source = tmp_path / "kokoro.onnx"
    source.write_bytes(b"\x08")
    target = tmp_path / f"kokoro-convgemm{convgemm.REWRITE_VERSION}.onnx"
    target.write_bytes(b"\x08")
    record = convgemm._stamp_record(MODEL_SHA256)
    assert record is not None
    info = target.stat()
    record |= {"identical": False, "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    target.with_suffix(".probe.json").write_text(json.dumps(record), encoding="utf-8")
    monkeypatch.setattr(convgemm.subprocess, "run", lambda *a, **k: None)
    assert convgemm.fast_model(source, MODEL_SHA256) == source


def test_a_derivation_that_fails_is_not_tried_again_on_every_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A subprocess that dies without a verdict (no onnx, out of memory): the upstream model, and a stamp so
    the next build does not pay for the attempt again; new versions would try once more."""
    monkeypatch.setattr(convgemm, "cpu_has_vnni", lambda: True)
    source = tmp_path / "kokoro.onnx"
    source.write_bytes(b"\x08")
    attempts: list[object] = []
    monkeypatch.setattr(convgemm.subprocess, "run", lambda *a, **k: attempts.append(a))
    assert convgemm.fast_model(source, MODEL_SHA256) == source
    assert convgemm.fast_model(source, MODEL_SHA256) == source
    assert len(attempts) == 1
