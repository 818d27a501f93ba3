"""The course as a learner meets it: JupyterLab and Notebook 7, driven in a real Chromium, run the notebooks."""
import json, socket, subprocess, sys, time, secrets, urllib.request
import pytest
from test_project import copy_project

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
                 '--disable-component-update', '--disable-sync']

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def server(tmp_path_factory, chromium):
    "A Jupyter server on 127.0.0.1 with a token, serving a copy of the project (a browser session may autosave or export)."
    copy = copy_project(tmp_path_factory.mktemp('lab')/'project')
    root = copy/'nbs'
    for nb in root.glob('*.ipynb'):   # no stored outputs: what the tests find on the page, the browser's run produced
        d = json.loads(nb.read_text())
        for c in d['cells']:
            if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        nb.write_text(json.dumps(d))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(root.parent/'server.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', '--allow-root', f'--ServerApp.root_dir={root}',
                             '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
                             # no workspace or settings from earlier sessions: each run opens only the notebook it asks for
                             f'--LabApp.workspaces_dir={root.parent/"workspaces"}', f'--LabApp.user_settings_dir={root.parent/"settings"}'],
                            stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try:
            urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=2); break
        except OSError:
            if proc.poll() is not None: break
            time.sleep(0.5)
    else: proc.kill(); pytest.fail(f'Jupyter did not start: {(root.parent/"server.log").read_text()[-2000:]}')
    if proc.poll() is not None: pytest.fail(f'Jupyter exited: {(root.parent/"server.log").read_text()[-2000:]}')
    yield base, token
    proc.terminate()
    try: proc.wait(15)
    except subprocess.TimeoutExpired: proc.kill()
    log.close()

@pytest.fixture(scope='module')
def browser(chromium):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()

# every code cell of the open notebook has run: its prompt shows a number, not [*] or [ ]
_ALL_RAN = """() => { const ps = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
                      return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }"""

@pytest.fixture
def page(server, browser):
    "A fresh page; afterwards its kernels are shut down, so the next test starts its own."
    base, token = server
    pg = browser.new_page()
    yield pg
    pg.close()
    for s in json.load(urllib.request.urlopen(f'{base}/api/sessions?token={token}', timeout=5)):
        urllib.request.urlopen(urllib.request.Request(f'{base}/api/sessions/{s["id"]}?token={token}', method='DELETE'), timeout=10)

def _wait_kernel_idle(base, token, nb, timeout=60):
    "Wait until the server reports a kernel session for notebook `nb` whose kernel is idle (same check for Lab and Notebook 7)."
    end = time.time() + timeout
    while time.time() < end:
        sessions = json.load(urllib.request.urlopen(f'{base}/api/sessions?token={token}', timeout=5))
        if any(s['path'].endswith(nb) and s['kernel']['execution_state'] == 'idle' for s in sessions): return
        time.sleep(0.5)
    pytest.fail(f'no idle kernel for {nb} after {timeout}s')

def _run_all(page, server, path, nb, expected, timeout=180_000):
    "Open `nb` at `path`, run every cell from the Run menu, wait for each text in `expected`; return the text of all outputs."
    base, token = server
    page.goto(f'{base}/{path}{"&" if "?" in path else "?"}token={token}')
    page.locator('.jp-Notebook .jp-Cell').first.wait_for(timeout=60_000)
    _wait_kernel_idle(base, token, nb)
    page.get_by_role('menuitem', name='Run', exact=True).click()
    page.get_by_role('menuitem', name='Run All Cells', exact=True).click()
    for text in expected: page.locator('.jp-OutputArea-output', has_text=text).first.wait_for(timeout=timeout)
    page.wait_for_function(_ALL_RAN, timeout=timeout)
    return '\n'.join(page.locator('.jp-OutputArea-output').all_inner_texts())

def test_home_page_runs_in_jupyterlab(server, page):
    out = _run_all(page, server, 'lab/workspaces/home/tree/index.ipynb?reset', 'index.ipynb',
                   ["h = 0 fails: 'int' object has no attribute 'dim'", 'a tensor state works: (2, 64, 64)',
                    'LMModel5: None: nn.RNN and nn.LSTM start from zeros of the right size -> tensor (2, 64, 64)'])
    assert 'Traceback' not in out, out[-3000:]

def test_data_chapter_runs_in_jupyterlab_and_draws_its_picture(server, page):
    out = _run_all(page, server, 'lab/workspaces/data/tree/00_data.ipynb?reset', '00_data.ipynb',
                   ['49 training and 12 validation batches of 64 rows x 16 tokens', 'row 3 starts at token'])
    assert 'Traceback' not in out, out[-3000:]
    img = page.locator('.jp-OutputArea-output img').first
    img.wait_for()
    assert img.bounding_box()['width'] > 300        # the batch picture is drawn, not a broken image

def test_home_page_runs_in_notebook_7(server, page):
    out = _run_all(page, server, 'notebooks/index.ipynb', 'index.ipynb', ['a tensor state works: (2, 64, 64)'])
    assert 'Traceback' not in out, out[-3000:]
