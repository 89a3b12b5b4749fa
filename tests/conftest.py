"""Shared fixtures (the real COCO val split from COCO_DIR, default ../shared/coco_person, and the
shipped checkpoint's full-integer artifact) and the guard that tests never write into the repository."""

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# BodyPix's own stride-8 graph (bodypix.run_graph, the exactness reference) has dilated depthwise
# convolutions, which only TensorFlow's oneDNN kernels run; TensorFlow turns oneDNN on by itself only on
# CPUs with AVX-512 VNNI/BF16 or AMX, so the suite asks for it everywhere.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from personlab import checkpoint, spec  # noqa: E402
from personlab.data import COCO_DIR, CocoPersons  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_IMAGES = 64


def repository_state() -> dict[str, str] | None:
    """sha256 of every file git sees (tracked, and untracked but not ignored); None outside a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    state = {}
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        state[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"
    return state


def pytest_sessionstart(session):
    session.config.stash[STATE] = repository_state()


def pytest_sessionfinish(session, exitstatus):
    before = session.config.stash.get(STATE, None)
    if before is None:
        return
    after = repository_state() or {}
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    if changed:
        print(f"\nERROR: the tests wrote into the repository (tests must write under tmp_path): {', '.join(changed)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


STATE = pytest.StashKey[dict | None]()


@pytest.fixture(scope="session")
def val_dataset() -> CocoPersons:
    return CocoPersons(split="val")


@pytest.fixture(scope="session")
def val_sample(val_dataset):
    """A val image with several labelled people."""
    for image_id in val_dataset.image_ids:
        sample = val_dataset.sample(image_id)
        if sample.has_keypoints.sum() >= 3:
            return sample
    raise AssertionError("no val image with three labelled people")


@pytest.fixture(scope="session")
def int8_artifact(tmp_path_factory) -> Path:
    """The full-integer artifact of the shipped checkpoint at 513x513 (64 random train images calibrate it)."""
    from calibration import representative
    from quantize.build import quantize

    images, manifest = representative.build(COCO_DIR, size=CALIBRATION_IMAGES, input_hw=spec.DEFAULT_INPUT_SIZE)
    calibration = representative.write(tmp_path_factory.mktemp("calibration"), images, manifest)
    (path,) = quantize(
        checkpoint.SHIPPED, calibration, ["full_int8"], spec.DEFAULT_INPUT_SIZE, tmp_path_factory.mktemp("int8"),
        sqnr_images=0,
    )  # fmt: skip
    return path
