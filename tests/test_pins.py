"""The pinned requirements: compiled from their .in files, torch pinned for CPU and CUDA builds alike."""

from pathlib import Path

from tools.pins import PIN_FILES, drop_local_labels


def test_local_version_labels_are_dropped_from_torch_only():
    pinned = "torch==2.13.0+cpu\n    # via x\ntorchvision==0.28.0+cu126\nfoo==1.0+local\n"
    assert drop_local_labels(pinned) == "torch==2.13.0\n    # via x\ntorchvision==0.28.0\nfoo==1.0+local\n"


def test_pinned_files_are_compiled_and_consistent():
    pins = {}
    for source, target in PIN_FILES.items():
        text = Path(target).read_text()
        assert Path(source).is_file() and "python -m tools.pins" in text
        assert "+cpu" not in text and "file:///" not in text and "--find-links" not in text
        pins[target] = dict(line.split("==") for line in text.splitlines() if "==" in line)
    base, ci = pins["requirements.txt"], pins["requirements-ci.txt"]
    assert all(ci.get(name) == version for name, version in base.items() if not name.startswith("urllib3"))
    assert "selenium" in ci and "selenium" not in base and "jupyterlab" in base
