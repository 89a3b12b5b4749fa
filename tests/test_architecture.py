"""The layering of DESIGN.md and the head spec's one serialised form."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import mobile_decoder
from mobile_decoder.heads import Layout
from personlab import spec
from personlab.decoder_config import DEFAULT_CONFIG, DecoderConfig

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "tf_keras", "onnx", "onnx2tf", "matplotlib", "h5py")


def layered_modules() -> set[str]:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}


def test_every_module_of_the_core_is_placed_in_a_layer():
    named = layered_modules()
    modules = {f"personlab.{p.stem}" for p in (ROOT / "personlab").glob("*.py") if p.stem != "__init__"}
    modules |= {"personlab.app"} if (ROOT / "personlab/app").is_dir() else set()
    assert modules - named == set(), "add these modules to a layer in pyproject.toml's import contracts"


def test_import_contracts_hold():
    out = subprocess.run([Path(sys.executable).parent / "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-2000:]
    assert "0 broken" in out.stdout


def test_spec_survives_the_metadata_round_trip():
    for stride in spec.STRIDES:
        meta = json.loads(json.dumps(spec.float_metadata(stride, (65, 97))))
        assert spec.Spec.from_dict(meta["spec"]) == spec.SPEC.with_stride(stride)
        assert DecoderConfig(**meta["decoder"]) == DEFAULT_CONFIG
        layout = Layout.from_metadata(meta)  # what the on-device decoder makes of it
        assert layout.channels == {h.name: h.channels for h in spec.HEADS}
        assert layout.groups == {h.name: h.group for h in spec.HEADS}
        assert layout.stride == stride and layout.flip_index == spec.FLIP_INDEX
        assert layout.directed_edges == spec.DIRECTED_EDGES
        assert mobile_decoder.Settings.from_metadata(meta).to_dict() == DEFAULT_CONFIG.to_dict()


def test_spec_heads_are_consistent():
    k, e = spec.NUM_KEYPOINTS, spec.NUM_EDGES
    assert [h.channels for h in spec.HEADS] == [k, 2 * k, 4 * e, 1, 2 * k]
    assert {h.group for h in spec.HEADS} == set(spec.GROUPS) and {h.kind for h in spec.HEADS} <= set(spec.KINDS)
    assert all(spec.FLIP_INDEX[spec.FLIP_INDEX[i]] == i for i in range(k))
    assert len(spec.OKS_SIGMAS) == k


def test_predict_on_a_tflite_loads_no_tensorflow(int8_artifact, val_dataset, tmp_path):
    image = val_dataset.image_path(val_dataset.image_ids[0])
    out = tmp_path / "results.json"
    code = (
        "import json, sys; from personlab.app.cli import main; "
        f"rc = main(['predict', {str(image)!r}, '--model', {str(int8_artifact)!r}, '--out', {str(out)!r}]); "
        "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    rc, modules = json.loads(run.stdout.strip().splitlines()[-1])
    assert rc == 0 and json.loads(out.read_text())
    assert sorted(set(HEAVY) & set(modules)) == []
    assert "ai_edge_litert" in modules  # it did run the artifact
    assert "oneDNN" not in run.stderr and "XNNPACK" not in run.stderr, run.stderr


def test_the_stderr_filter_drops_library_start_up_lines_only():
    from personlab.app.quiet import NOISE

    noise = [
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        b"I0000 00:00:1796174209.623412   14519 port.cc:153] oneDNN custom operations are on. You may see...\n",
        b"I0000 00:00:1796174337.464589   15786 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n",
        b"To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow\n",
        b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n",
    ]
    kept = [
        b"personlab predict: error: no such image or folder: x.jpg\n",
        b"predict:  40%|####      | 2/5 [00:01<00:01,  2.0img/s]\r",
        b"E0000 00:00:1796174209.623412   14519 op.cc:1] a real error\n",
        b"INFO quantize.build: quantize: wrote artifacts/x.tflite\n",
    ]
    assert all(NOISE.match(line) for line in noise) and not any(NOISE.match(line) for line in kept)


def test_python_m_personlab_is_the_cli():
    run = subprocess.run([sys.executable, "-m", "personlab", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and "predict" in run.stdout and run.stderr == ""
