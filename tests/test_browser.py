"""The course as a learner meets it: JupyterLab and Notebook 7, driven in a real Chromium, run the notebooks."""
import json, re, socket, subprocess, sys, time, secrets, urllib.request
import pytest
from pathlib import Path
from test_project import copy_project, ROOT

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
    for nb in root.rglob('*.ipynb'):   # no stored outputs: what the tests find on the page, the browser's run produced
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

# every code cell of the open notebook has run: its prompt shows a number, not [*] or [ ]. A cell whose source is
# folded (an exercise's solution) shows a placeholder instead of its input area, and no execution count: those count
# through the kernel going idle after them (see _run_all), and through the cells after them, which run only if they did
_ALL_RAN = """() => { const ps = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea .jp-InputPrompt')];
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
    _wait_kernel_idle(base, token, nb, timeout=timeout / 1000)
    return '\n'.join(page.locator('.jp-OutputArea-output').all_inner_texts())

def test_home_page_runs_in_jupyterlab(server, page):
    out = _run_all(page, server, 'lab/workspaces/home/tree/index.ipynb?reset', 'index.ipynb',
                   ["h = 0 fails: 'int' object has no attribute 'dim'", 'a tensor state works: (2, 64, 64)',
                    'LMModel5: None: no tensor yet; nn.RNN and nn.LSTM read it as zeros of the right size, a hand-written loop cannot -> tensor (2, 64, 64)'])
    assert 'Traceback' not in out, out[-3000:]

def test_data_chapter_runs_in_jupyterlab_and_draws_its_picture(server, page):
    out = _run_all(page, server, 'lab/workspaces/data/tree/00_data.ipynb?reset', '00_data.ipynb',
                   ['49 training and 12 validation batches of 64 rows x 16 tokens', 'row 3 starts at token'])
    assert 'Traceback' not in out, out[-3000:]
    img = page.locator('.jp-OutputArea-output img').first
    img.wait_for()
    assert img.bounding_box()['width'] > 300        # the batch picture is drawn, not a broken image

def test_home_page_runs_in_notebook_7_and_its_explorer_responds(server, page, tmp_path):
    "Notebook 7 runs the home page; its state explorer, a kernel widget there, follows the n_layers slider."
    out = _run_all(page, server, 'notebooks/index.ipynb', 'index.ipynb', ['a tensor state works: (2, 64, 64)'])
    assert 'Traceback' not in out, out[-3000:]
    _explorer_responds(page, tmp_path, 'notebook7')

# --- the widgets chapter: live in JupyterLab and Notebook 7, and on a static page with no kernel ---

_EXPLORER = '.widget-vbox:has(.lm-shape-rnn):has(.widget-slider)'   # a kernel-side StateExplorer

def _until_shown(box, expected, act):
    "Do `act()`, then wait until `box`'s RNN state reads `expected`; return the milliseconds it took."
    start = time.perf_counter()
    act()
    box.locator('.lm-shape-rnn', has_text=expected).first.wait_for(timeout=20_000)
    return (time.perf_counter() - start) * 1000

def _set_slider(page, slider, value):
    "Type `value` into an ipywidgets slider's readout, as a user can; pressing Enter then sets it."
    slider.locator('.widget-readout').first.click()
    page.keyboard.press('Control+A')
    page.keyboard.type(str(value))

def _explorer_responds(page, tmp_path, name):
    "Set the first kernel explorer's n_layers slider from 2 to 3 and back; the shown state must follow."
    box = page.locator(_EXPLORER).first
    box.wait_for(timeout=60_000)
    box.scroll_into_view_if_needed()                     # the notebook may not draw cells out of view
    box.locator('.lm-shape-rnn', has_text='(2, 64, 64)').wait_for(timeout=20_000)
    slider = box.locator('.widget-slider', has_text='n_layers').first
    _set_slider(page, slider, 3)
    up = _until_shown(box, '(3, 64, 64)', lambda: page.keyboard.press('Enter'))
    box.screenshot(path=str(tmp_path/f'{name}-explorer-3-layers.png'))
    _set_slider(page, slider, 2)
    down = _until_shown(box, '(2, 64, 64)', lambda: page.keyboard.press('Enter'))
    print(f'{name}: Enter in the n_layers readout to redrawn view {up:.0f} ms and {down:.0f} ms (kernel round trip included)')
    page.screenshot(path=str(tmp_path/f'{name}-page.png'), full_page=False)

def test_widgets_chapter_runs_in_jupyterlab_and_the_explorer_responds(server, page, tmp_path):
    out = _run_all(page, server, 'lab/workspaces/widgets/tree/04_widgets.ipynb?reset', '04_widgets.ipynb',
                   ['448 of 448 rows continue', 'accuracy'], timeout=300_000)
    assert 'Traceback' not in out, out[-3000:]
    _explorer_responds(page, tmp_path, 'jupyterlab')


@pytest.fixture(scope='module')
def static_site(tmp_path_factory):
    """The docs site as Quarto writes it, without Quarto: nbdev's processing of a copy of the notebooks, each processed
    notebook rendered with Quarto's choice of output formats (tests/quarto_pages.py) under the page name nbdev gives it,
    links between notebooks pointed at those pages (as Quarto does), served on 127.0.0.1 by a thread."""
    import functools, http.server, threading
    from nbdev.doclinks import _nbpath2html
    from test_project import _PROC
    from quarto_pages import render
    copy = copy_project(tmp_path_factory.mktemp('docs')/'project')
    res = subprocess.run([sys.executable, '-c', _PROC], cwd=copy, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    site, proc = copy/'site', copy/'_proc'
    page = lambda rel: str(_nbpath2html(Path(rel)))
    saved = {}                                   # page -> how many of each lmstate form its notebook saved
    for nb in sorted(proc.rglob('*.ipynb')):
        rel = nb.relative_to(proc)
        out = site/page(str(rel))
        out.parent.mkdir(parents=True, exist_ok=True)
        render(nb, out)
        html = ''.join(''.join(o.get('data', {}).get('text/html', '')) for c in json.loads(nb.read_text())['cells']
                       for o in c.get('outputs', []))
        saved[page(str(rel))] = {k: html.count(f'class="{k}"') for k in ('lm-explorer', 'lm-whatif', 'lm-static', 'lm-shapes')}
        up = '../' * (len(rel.parts) - 1)
        link = lambda m: f'href="{page(m[1])}{m[2] or ""}"'
        html = re.sub(r'href="((?:\.\./)?[\w/-]+\.ipynb)(#[^"]*)?"', link, out.read_text())
        out.write_text(html.replace('href="styles.css"', f'href="{up}styles.css"'))
    (site/'styles.css').write_text((ROOT/'nbs'/'styles.css').read_text())     # the site's own stylesheet
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}', sorted(saved), saved
    httpd.shutdown()

# elements of the page's content that are wider than the box they sit in, so a reader scrolls sideways to see them
_SIDEWAYS = """() => [...document.querySelectorAll('.jp-Cell *')].filter(e => {
    const st = getComputedStyle(e), r = e.getBoundingClientRect();
    const scrolls = ['auto', 'scroll'].includes(st.overflowX) && e.scrollWidth > e.clientWidth + 1;
    return e.offsetParent !== null && (scrolls || r.right > document.body.getBoundingClientRect().right + 1);
  }).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${Math.round(e.scrollWidth)}px: `
              + e.textContent.trim().slice(0, 60))"""

def _offline_page(browser, blocked):
    "A page that may reach 127.0.0.1 only: every other request is aborted and noted in `blocked`."
    pg = browser.new_page()
    def route(r):
        if r.request.url.startswith(('http://127.0.0.1', 'data:')): r.continue_()
        else: blocked.append(r.request.url); r.abort()
    pg.route('**/*', route)
    return pg

def test_static_page_explorer_responds_without_a_kernel(static_site, browser, tmp_path):
    blocked = []
    pg = _offline_page(browser, blocked)
    pg.goto(f'{static_site[0]}/widgets.html', wait_until='load')
    assert 'Traceback' not in pg.inner_text('body')
    box = pg.locator('.lm-explorer').first
    assert box.locator('.lm-shape-rnn').inner_text() == '(2, 64, 64)'
    slider = box.locator('input[data-k="n_layers"]')
    slider.focus()
    up = _until_shown(box, '(3, 64, 64)', lambda: slider.press('ArrowRight'))
    box.screenshot(path=str(tmp_path/'static-explorer-3-layers.png'))
    bs = box.locator('input[data-k="bs"]')
    bs.fill('sixty four')
    assert box.locator('.lm-msg').inner_text() == "bs must be a whole number, got 'sixty four'"
    bs.fill('8')                                          # and it works again
    assert box.locator('.lm-shape-rnn').inner_text() == '(3, 8, 64)'
    box.locator('select[data-k="moment"]').select_option('last batch, fewer rows')
    box.locator('input[data-k="last_bs"]').fill('4')
    assert 'Expected hidden size (3, 4, 64), got [3, 8, 64]' in box.locator('.lm-err').first.inner_text()
    card = pg.locator('.lm-whatif').first
    card.locator('select').select_option(index=4)
    assert 'Expected hidden size (2, 32, 64), got [2, 64, 64]' in card.locator('[data-i]:visible').inner_text()
    print(f'static page: key press to redrawn view {up:.0f} ms; requests blocked: {len(blocked)}')
    imgs = pg.eval_on_selector_all('img', 'els => els.map(e => e.complete && e.naturalWidth > 0)')
    assert imgs and all(imgs), 'an image on the page did not load'

def _grid():
    "Settings for comparing the page's formulas with the kernel: every model and moment, small and book sizes, bad input."
    import itertools
    from lmstate.explorer import RNN_MODELS, MOMENTS, DEFAULTS
    for model, moment, bs, sl, H, L in itertools.product(RNN_MODELS, MOMENTS, (1, 3, 64), (1, 16), (1, 64), (1, 2, 4)):
        for t in ({0, sl - 1} if moment == 'after step t' else {0}):
            for last_bs in ({1, bs - 1} if moment.startswith('last') else {1}):
                yield dict(model=model, moment=moment, bs=bs, sl=sl, n_hidden=H, n_layers=L, vocab_sz=30, t=t,
                           last_bs=last_bs, row=5)
    for k, v in [('bs', 'abc'), ('bs', ''), ('bs', '0'), ('bs', '-0'), ('bs', '-3'), ('bs', ' 12 '), ('bs', '+5'),
                 ('bs', '2.5'), ('bs', '5000'), ('bs', '1' * 10), ('bs', '10000000000'), ('bs', '1' * 16), ('row', '9' * 15), ('bs', '\u200312'), ('bs', "it's"), ('n_layers', 0),
                 ('n_layers', 5), ('t', 16), ('row', '-1'), ('row', '99'), ('vocab_sz', '100001'), ('n_hidden', '8192'),
                 ('sl', '1024'), ('size', 3)]:
        yield dict(DEFAULTS, **{k: v})
    yield dict(DEFAULTS, bs=4096, sl=1024, n_hidden=8192)
    yield dict(DEFAULTS, moment='last batch, fewer rows', last_bs=64)
    yield dict(DEFAULTS, moment='after step t', t=16)
    yield dict(DEFAULTS, moment='last batch, fewer rows', last_bs=2, row=40)
    yield dict(bs='8')                                     # the rest from the defaults

def _page_agrees_with_kernel(pg, url, selector, grid, spec, view):
    "On the page at `url`, the form `selector` computes and draws each setting of `grid` as the kernel does."
    import json
    specs = [spec(**s) for s in grid]
    py = [json.loads(json.dumps(sp)) for sp in specs]          # as the page gets them: tuples become lists
    pg.goto(url, wait_until='load')
    js = pg.evaluate(f'grid => grid.map(s => document.querySelector("{selector}").lmstate.spec(s))', grid)
    diffs = [(s, a, b) for s, a, b in zip(grid, py, js) if a != b]
    assert not diffs, f'{len(diffs)} of {len(grid)} settings differ; the first: {diffs[0]}'
    drawn = pg.evaluate(f'specs => specs.map(s => document.querySelector("{selector}").lmstate.view(s))', py)
    diffs = [(s, a, b) for s, a, b in zip(grid, (view(sp) for sp in specs), drawn) if a != b]
    assert not diffs, f'{len(diffs)} of {len(grid)} views are drawn differently; the first: {diffs[0]}'
    return specs

def test_static_page_shapes_equal_the_kernels_over_a_grid(static_site, browser):
    "The page computes shapes and messages by formula and draws them: all must be what the kernel gives, setting by setting."
    from lmstate.explorer import explore_state, view_html
    grid = list(_grid())
    _page_agrees_with_kernel(_offline_page(browser, []), f'{static_site[0]}/widgets.html', '.lm-explorer', grid,
                             explore_state, view_html)
    print(f'{len(grid)} settings: the page and the kernel agree on every shape, message and drawing')

def _shapes_grid():
    "Settings for comparing the shapes explorer's page formulas with the kernel: a product of the choices, bad input."
    import itertools
    from lmstate.shapes import SHAPE_DEFAULTS
    for cell, L, bi, proj, bf, batched in itertools.product(('RNN', 'GRU', 'LSTM'), (1, 2, 3), (False, True),
                                                          ('0', '4'), (False, True), (False, True)):
        yield dict(cell=cell, num_layers=L, bidirectional=bi, proj_size=proj, batch_first=bf, batched=batched,
                   bs='3', sl='5', input_size='7', hidden_size='8')
    for k, v in [('bs', 'abc'), ('bs', ''), ('bs', '0'), ('bs', '-0'), ('bs', ' 12 '), ('bs', '+5'), ('bs', '2.5'),
                 ('bs', '1000001'), ('bs', '1' * 16), ('sl', '129'), ('sl', '128'), ('num_layers', 17),
                 ('num_layers', 0), ('hidden_size', '1000000'), ('input_size', "it's"), ('proj_size', '-1'),
                 ('proj_size', '64'), ('proj_size', '63'), ('cell', 'LSTMCell'), ('bidirectional', 'yes'),
                 ('size', 3)]:
        yield dict(SHAPE_DEFAULTS, **{k: v})
    yield dict(cell='GRU', proj_size='2', bs='x')              # the first bad setting is named, as in the kernel
    yield dict(bidirectional=True)                              # the rest from the defaults

def test_static_page_shapes_explorer_equals_the_kernel_over_a_grid(static_site, browser):
    "The shapes explorer's page computes by PyTorch's formulas what the kernel gets from the real module: all equal."
    from lmstate.shapes import shapes_spec, shapes_view
    grid = list(_shapes_grid())
    specs = _page_agrees_with_kernel(_offline_page(browser, []), f'{static_site[0]}/api/shapes.html', '.lm-shapes',
                                     grid, shapes_spec, shapes_view)
    errors = sum('error' in sp for sp in specs)
    print(f'{len(grid)} settings ({errors} refused): page and kernel agree on every shape, message and drawing')

def test_shapes_explorer_responds_in_jupyterlab(server, page):
    out = _run_all(page, server, 'lab/workspaces/shapes/tree/api/01_shapes.ipynb?reset', '01_shapes.ipynb',
                   ['100 random settings: each slot of h_n'])
    assert 'Traceback' not in out, out[-3000:]
    box = page.locator('.widget-vbox:has(.lm-flow3)').last
    box.scroll_into_view_if_needed()
    h_n = box.locator('[data-t="h_n"]')
    assert h_n.inner_text() == '(4, 64, 64)'
    start = time.perf_counter()
    box.locator('.widget-checkbox:has-text("bidirectional") input').click()
    box.locator('[data-t="h_n"]', has_text='(2, 64, 64)').wait_for(timeout=20_000)
    ms = (time.perf_counter() - start) * 1000
    box.locator('.widget-dropdown select').select_option('GRU')
    box.locator('[data-t="c_n"]').wait_for(state='detached', timeout=20_000)     # a GRU keeps one tensor
    assert box.locator('[data-t="h_n"]').inner_text() == '(2, 64, 64)'
    print(f'JupyterLab: click to the redrawn shapes through the kernel {ms:.0f} ms')

def test_static_home_page_opens_with_the_explorer(static_site, browser):
    pg = _offline_page(browser, [])
    pg.goto(f'{static_site[0]}/index.html', wait_until='load')
    box = pg.locator('.lm-explorer').first
    start = pg.get_by_role('heading', name='Start here').first
    answer = pg.get_by_role('heading', name='The short answer').first
    assert answer.bounding_box()['y'] < box.bounding_box()['y'] < start.bounding_box()['y'], \
        'the home page does not answer the question, then show the explorer, before any install step'
    assert box.locator('.lm-shape-loop').inner_text() == '(64, 64)'
    box.locator('input[data-k="n_layers"]').press('ArrowRight')
    assert box.locator('.lm-shape-rnn').inner_text() == '(3, 64, 64)'

def _resolve(name, href):
    "The site page and anchor a link on page `name` points at; None for a link off the site."
    import posixpath
    if '://' in href or href.startswith(('mailto:', 'data:')): return None
    path, _, anchor = href.partition('#')
    if path and not path.endswith('.html'): return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), path)) if path else name, anchor

def test_every_static_page_reads_without_a_kernel(static_site, browser, tmp_path):
    """Each page of the site as Quarto writes it: no traceback, every image loaded, every link to the site resolves
    (anchors too), every explorer and what-if card its notebook saved is there and responds, each widget that needs a
    kernel shows its saved view and says what a kernel adds, no output block scrolls sideways at 1280 px, and nothing
    is fetched from outside 127.0.0.1 for any of that."""
    base, pages, saved = static_site
    assert {'index.html', 'data.html', 'state.html', 'lmmodel4.html', 'lmmodel5.html', 'widgets.html',
            'fastai.html', 'experiments.html', 'api/site.html'} <= set(pages)
    assert all(saved[p]['lm-explorer'] for p in ('index.html', 'lmmodel4.html', 'lmmodel5.html', 'widgets.html'))
    assert all(saved[p]['lm-shapes'] for p in ('beyond.html', 'api/shapes.html'))
    blocked, ids, links, timings = [], {}, {}, []
    pg = _offline_page(browser, blocked)
    pg.set_viewport_size({'width': 1280, 'height': 900})
    for name in pages:
        pg.goto(f'{base}/{name}', wait_until='load')
        text = pg.inner_text('body')
        assert 'Traceback' not in text and 'Error displaying widget' not in text, name
        imgs = pg.eval_on_selector_all('img', 'els => els.map(e => [e.complete && e.naturalWidth > 0, e.naturalWidth])')
        assert all(ok for ok, _ in imgs), f'{name}: an image did not load'
        ids[name] = set(pg.eval_on_selector_all('[id]', 'els => els.map(e => e.id)'))
        links[name] = pg.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')
        boxes = pg.locator('.lm-explorer').all()
        assert len(boxes) == saved[name]['lm-explorer'], f'{name}: {len(boxes)} explorers shown, {saved[name]} saved'
        for box in boxes:
            box.scroll_into_view_if_needed()
            layers = int(box.locator('input[data-k="n_layers"]').input_value())
            key, want = ('ArrowRight', layers + 1) if layers < 4 else ('ArrowLeft', layers - 1)
            start = time.perf_counter()
            box.locator('input[data-k="n_layers"]').press(key)
            shape = box.locator('.lm-shape-rnn').inner_text()
            timings.append((time.perf_counter() - start) * 1000)
            assert shape.lstrip('(').startswith(f'{want},') or shape.startswith(f'(({want},'), (name, shape)
        cards = pg.locator('.lm-whatif').all()
        assert len(cards) == saved[name]['lm-whatif'], f'{name}: {len(cards)} what-if cards shown, {saved[name]} saved'
        for card in cards:
            n = card.locator('option').count()
            card.locator('select').select_option(index=n - 1)
            assert card.locator('[data-i]:visible').get_attribute('data-i') == str(n - 1), name
        shapes = pg.locator('.lm-shapes').all()
        assert len(shapes) == saved[name]['lm-shapes'], f'{name}: {len(shapes)} shapes explorers, {saved[name]} saved'
        for box in shapes:
            box.scroll_into_view_if_needed()
            first = lambda: int(box.locator('[data-t="h_n"]').inner_text().strip('(').split(',')[0])
            before, bi = first(), box.locator('input[data-k="bidirectional"]')
            was = bi.is_checked()
            bi.click()
            assert first() == (before // 2 if was else before * 2), (name, before, first())
        statics = pg.locator('.lm-static').all()
        assert len(statics) == saved[name]['lm-static'], name
        for st in statics:
            assert 'With a running kernel this widget' in st.inner_text(), name
        wide = pg.evaluate(_SIDEWAYS)
        assert not wide, f'{name}: {len(wide)} elements scroll sideways at 1280 px, e.g. {wide[:3]}'
        pg.screenshot(path=str(tmp_path/name.replace('/', '-').replace('.html', '.png')), full_page=True)
    for name, hrefs in links.items():
        for href in hrefs:
            to = _resolve(name, href)
            if to is None: continue
            assert to[0] in pages, f'{name} links to {href}, which the site does not have'
            assert not to[1] or to[1] in ids[to[0]], f'{name} links to {href}: {to[0]} has no such anchor'
    print(f'{len(pages)} pages, {sum(s["lm-explorer"] for s in saved.values())} explorers and '
          f'{sum(s["lm-whatif"] for s in saved.values())} what-if cards; n_layers key press to redrawn shape: '
          f'{min(timings):.0f} to {max(timings):.0f} ms; requests blocked: {sorted(set(blocked))}')

# what makes a page wider than the phone's screen: the elements that stick out past its right edge
_PAST_EDGE = """() => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return e.offsetParent !== null && r.width > 0 && r.right > window.innerWidth + 1 &&
      ![...document.querySelectorAll('*')].some(a => a !== e && a.contains(e) && a.scrollWidth > a.clientWidth + 1 &&
                                                ['auto', 'scroll'].includes(getComputedStyle(a).overflowX));
  }).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} to ${Math.round(e.getBoundingClientRect().right)}px`)"""

def test_no_static_page_scrolls_sideways_on_a_phone(static_site, browser):
    "At 390 px, the width of a phone, no page is wider than the screen; a wide table scrolls inside itself."
    base, pages, _ = static_site
    pg = _offline_page(browser, [])
    pg.set_viewport_size({'width': 390, 'height': 844})
    for name in pages:
        pg.goto(f'{base}/{name}', wait_until='load')
        width = pg.evaluate('document.documentElement.scrollWidth')
        assert width <= 390, f'{name} is {width} px wide on a 390 px screen: {pg.evaluate(_PAST_EDGE)[:5]}'

# What axe judges here is what the project puts on a page: the outputs, the widgets, the figures, the prose. The code
# cells' syntax colours and the links' underline come from the page's theme, which on the site is Quarto's (cosmo with
# nbs/theme.scss), not the nbconvert theme these test pages carry: so the code cells and that one rule are left out.
_AXE_CONTEXT = {'exclude': [['.jp-InputArea']]}
_AXE_OPTIONS = {'resultTypes': ['violations'], 'rules': {'link-in-text-block': {'enabled': False}}}

def test_static_pages_have_no_serious_accessibility_violation(static_site, browser):
    """axe-core on every page: nothing serious or critical in what the project writes (images without alt text,
    unnamed controls, low contrast, scrolling regions a keyboard cannot reach...)."""
    from axe_playwright_python.sync_playwright import Axe
    base, pages, _ = static_site
    pg = _offline_page(browser, [])
    pg.set_viewport_size({'width': 1280, 'height': 900})
    found, minor = {}, {}
    for name in pages:
        pg.goto(f'{base}/{name}', wait_until='load')
        for v in Axe().run(pg, context=_AXE_CONTEXT, options=_AXE_OPTIONS).response['violations']:
            bucket = found if v['impact'] in ('serious', 'critical') else minor
            bucket.setdefault(name, []).append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): "
                                               + ' | '.join(n['html'][:90] for n in v['nodes'][:4]))
    print(f'axe on {len(pages)} pages; moderate or minor: {minor}')
    assert not found, f'serious or critical accessibility violations: {found}'
