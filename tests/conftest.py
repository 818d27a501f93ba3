import os, shutil
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def pytest_addoption(parser):
    parser.addoption('--flags', default='', help="space-separated nbdev test flags to run anyway, as `nbdev_test --flags` (e.g. 'slow')")

@pytest.fixture(scope='session')
def nb_flags(request): return request.config.getoption('--flags').split()

def chromium_path():
    "The Chromium the browser tests drive: `LMSTATE_CHROMIUM`, else /usr/bin/chromium, else one on PATH."
    for p in (os.environ.get('LMSTATE_CHROMIUM'), '/usr/bin/chromium', shutil.which('chromium'), shutil.which('chromium-browser')):
        if p and Path(p).exists(): return p

@pytest.fixture(scope='session')
def chromium():
    "Path to Chromium; skips with a reason where there is none, fails instead when LMSTATE_REQUIRE_BROWSER is set."
    p = chromium_path()
    try: import playwright  # noqa: F401
    except ImportError: p, why = None, 'playwright is not installed (pip install -e ".[dev]")'
    else: why = 'no Chromium found: install it (Debian: apt-get install chromium) or set LMSTATE_CHROMIUM'
    if p is None:
        if os.environ.get('LMSTATE_REQUIRE_BROWSER'): pytest.fail(f'browser tests are required here but cannot run: {why}')
        pytest.skip(why)
    return p
