import subprocess
import sys


def test_zennit_imports_after_xaiaudio_in_a_fresh_interpreter():
    code = ("import xaiaudio, zennit.composites, zennit.canonizers, zennit.attribution;"
            "from xaiaudio.core.compat import scattering1d;"
            "import torch; s = scattering1d(J=4, shape=256, Q=(8, 2));"
            "print(tuple(s(torch.zeros(1, 256)).shape))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("(1, ")


def test_stand_in_only_replaces_a_broken_torchvision():
    from xaiaudio.core import compat

    compat.ensure_torchvision_importable()  # what importing zennit does
    try:
        import torchvision.ops  # noqa: F401  (a real torchvision has ops)
        real = True
    except Exception:
        real = False
    assert compat.TORCHVISION_STUBBED is not real


def test_importing_the_package_does_not_import_torch_and_zennit_still_imports():
    code = ("import sys, xaiaudio; assert 'torch' not in sys.modules, 'torch imported';"
            "import zennit.composites; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
