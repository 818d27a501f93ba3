"""Every notebook in nbs/ is a test: each runs top to bottom in its own process with nbdev's own test machinery."""
import json, os, subprocess, sys, textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.doclinks import nbglob

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(path=ROOT)

def notebooks(path=CFG.nbs_path):
    "The notebooks nbdev_test would run: nbdev's glob (no names starting with `_` or `.`), minus folders holding a `.notest` file."
    return sorted(Path(p) for p in nbglob(path, as_path=True) if not (Path(p).parent/'.notest').exists())

# runs in a fresh interpreter, so that no notebook sees another's imports, globals or torch settings
_RUNNER = textwrap.dedent('''
    import sys
    from pathlib import Path
    from nbdev.test import test_nb
    fn, root, skip, force = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
    ok, secs = test_nb(fn, skip_flags=skip, force_flags=force, basepath=root)
    print(f'{fn.name}: {"passed" if ok else "FAILED"} in {secs:.1f}s')
    sys.exit(0 if ok else 1)
''')

def run_notebook(fn, flags=(), skip_flags=None, timeout=1200, threads=None):
    """Run notebook `fn` as `nbdev_test` would, in a subprocess; returns the CompletedProcess (returncode 0 when every
    cell ran). `threads` caps torch's threads in it (None: torch's default)."""
    skip = CFG.tst_flags.split() if skip_flags is None else list(skip_flags)
    env = dict(os.environ, **({} if threads is None else {'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)}))
    return subprocess.run([sys.executable, '-c', _RUNNER, str(fn), str(ROOT), ' '.join(skip), ' '.join(flags)],
                          capture_output=True, text=True, timeout=timeout, env=env)

NBS = notebooks()

def test_the_home_page_is_collected(): assert 'index.ipynb' in [p.name for p in NBS]

# The course's models are small: training one uses a single core whatever torch's thread count (measured: the same
# seconds, and the same figures to the last digit, on one thread and on two). So the notebooks run two at a time, one
# thread each, the slowest first; each test below then reports its own notebook's run.
SLOWEST_FIRST = ['05_fastai', '06_experiments', '07_beyond', '02_lmmodel4', '03_lmmodel5', 'api/06_experiments', '04_widgets']

def _name(p): return Path(p).relative_to(CFG.nbs_path).with_suffix('').as_posix()   # 'api/06_experiments'

@pytest.fixture(scope='module')
def notebook_runs(request, nb_flags):
    "The notebooks this session selected, run in two worker processes; name -> CompletedProcess."
    chosen = [i.callspec.params['fn'] for i in request.session.items
              if getattr(i, 'originalname', None) == 'test_notebook']
    order = sorted(chosen, key=lambda p: SLOWEST_FIRST.index(_name(p)) if _name(p) in SLOWEST_FIRST else len(SLOWEST_FIRST))
    workers = min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        runs = dict(zip(order, pool.map(lambda fn: run_notebook(fn, nb_flags, threads=1 if workers > 1 else None), order)))
    return runs

@pytest.mark.parametrize('fn', NBS, ids=[p.stem for p in NBS])
def test_notebook(fn, notebook_runs):
    res = notebook_runs[fn]
    if res.returncode != 0: pytest.fail(f'{fn.name} failed:\n{res.stderr[-6000:]}', pytrace=False)

# The runner itself is tested: a suite that cannot fail would prove nothing.
def _write_nb(path, *sources):
    cells = [dict(cell_type='code', metadata={}, execution_count=None, outputs=[], source=s) for s in sources]
    path.write_text(json.dumps(dict(cells=cells, metadata=dict(kernelspec=dict(name='python3', language='python', display_name='python3')),
                                    nbformat=4, nbformat_minor=5)))
    return path

def test_runner_fails_on_a_failing_cell(tmp_path):
    fn = _write_nb(tmp_path/'bad.ipynb', 'x = 1', 'from fastcore.test import test_eq\ntest_eq(x, 2)', 'print("never reached")')
    res = run_notebook(fn)
    assert res.returncode == 1 and 'AssertionError' in res.stderr and 'FAILED' in res.stdout

def test_runner_passes_a_good_notebook(tmp_path):
    res = run_notebook(_write_nb(tmp_path/'good.ipynb', 'x = 1', 'assert x == 1'))
    assert res.returncode == 0, res.stderr

def test_runner_honours_flags(tmp_path):
    fn = _write_nb(tmp_path/'flags.ipynb', '#| slow\nraise RuntimeError("slow cell ran")', '#| notest\nraise RuntimeError("notest cell ran")')
    assert run_notebook(fn).returncode == 0                      # both flagged cells skipped by settings.ini's tst_flags
    res = run_notebook(fn, flags=['slow'])                        # --flags slow runs the slow cell
    assert res.returncode == 1 and 'slow cell ran' in res.stderr

def test_glob_skips_what_nbdev_skips(tmp_path):
    for n in ('01_a.ipynb', '_draft.ipynb', '.hidden.ipynb', 'wip/02_b.ipynb'):
        (tmp_path/n).parent.mkdir(exist_ok=True); _write_nb(tmp_path/n, 'x = 1')
    (tmp_path/'wip'/'.notest').touch()
    assert [p.name for p in notebooks(tmp_path)] == ['01_a.ipynb']
