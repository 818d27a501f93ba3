"""Checks on the project as a whole: the nbdev round trip, README.md against the home page, the wheel, the docs config."""
import io, json, os, re, shutil, site, subprocess, sys, tokenize, venv, zipfile
from configparser import ConfigParser
from pathlib import Path
import pytest
from readme import render, test_command as readme_test_command
from test_notebooks import NBS

ROOT = Path(__file__).resolve().parents[1]
CFG = ConfigParser(); CFG.read(ROOT/'settings.ini'); CFG = CFG['DEFAULT']
_NOT_SOURCE = shutil.ignore_patterns('.git', '.venv', 'venv', '_proc', '_docs', '__pycache__', '*.egg-info', 'build', 'dist',
                                     '.pytest_cache', '.ipynb_checkpoints', 'models')

def copy_project(dest):
    "Copy the project's sources (no git data, environments or build outputs) to `dest`, for checks that write into the tree."
    shutil.copytree(ROOT, dest, ignore=_NOT_SOURCE)
    return dest

def _files(d): return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file()}

def test_export_and_clean_change_nothing(tmp_path):
    "What GitHub's nbdev CI checks: the committed package is what the notebooks export, and the notebooks are clean."
    copy = copy_project(tmp_path/'copy')
    before = {d: _files(copy/d) for d in ('lmstate', 'nbs')}
    for cmd in ('nbdev_export', 'nbdev_clean'):
        exe = Path(sys.executable).parent/cmd          # this environment's own, whether or not it is on PATH
        res = subprocess.run([str(exe)], cwd=copy, capture_output=True, text=True)
        assert res.returncode == 0, f'{cmd} failed: {res.stderr}'
    for d, files in before.items():
        after = _files(copy/d)
        assert sorted(after) == sorted(files), f'nbdev_export and nbdev_clean added or removed files in {d}/: {sorted(set(after) ^ set(files))}'
        changed = [str(k) for k in files if after[k] != files[k]]
        assert not changed, f'run nbdev_export and nbdev_clean, then commit: they change {changed}'

def test_readme_is_the_home_page():
    assert (ROOT/'README.md').read_text() == render(), 'README.md is stale: run `python tests/readme.py` after editing nbs/index.ipynb'

def test_readme_picture_is_of_the_current_explorer():
    "README.md shows the explorer as a picture; it was made from the page code the package has now."
    from explorer_picture import PICTURE, read_fingerprint, fingerprint
    from readme import PICTURE as shown
    assert f']({shown})]' in (ROOT/'README.md').read_text() and (ROOT/shown) == PICTURE
    assert read_fingerprint() == fingerprint(), 'the README picture is stale: run `python tests/explorer_picture.py`'

def test_readme_commands():
    "The README's two commands install with torch pinned first, then open the course or run this suite with the slow cells."
    txt = (ROOT/'README.md').read_text()
    cmd = readme_test_command(txt)
    assert cmd.index('pip install torch==') < cmd.index('pip install -e ".[dev]"') and cmd.endswith('pytest tests --flags slow')
    assert 'jupyter lab nbs' in txt
    with pytest.raises(ValueError, match='no ```sh block'): readme_test_command('nothing here')

def test_ci_runs_the_readme_command():
    "CI here and GitHub's workflow run one script, and it runs the README's test command: the three cannot drift."
    assert 'bash -c "$cmd"' in (ROOT/'.ci'/'run').read_text() and 'readme.py --test-command' in (ROOT/'.ci'/'run').read_text()
    steps = [l.strip() for l in (ROOT/'.github'/'workflows'/'test.yaml').read_text().splitlines() if l.strip().startswith('run:')]
    assert steps == ['run: bash .ci/run'], steps

def _rel(p): return str(p.relative_to(ROOT/'nbs'))

CHAPTERS = [p for p in NBS if p.parent == ROOT/'nbs' and p.name != 'index.ipynb']    # the course, in order
REFERENCE = [p for p in NBS if p.parent == ROOT/'nbs'/'api']                        # the package's reference

def test_sidebar_lists_every_chapter():
    "The home page, the chapters in order, then the reference notebooks under their own heading."
    sidebar = (ROOT/'nbs'/'sidebar.yml').read_text()
    listed = [l.strip()[2:] for l in sidebar.splitlines() if l.strip().startswith('- ')]
    assert listed == ['index.ipynb'] + [_rel(p) for p in CHAPTERS] + ['section: Package reference'] + \
                     [_rel(p) for p in REFERENCE]
    assert REFERENCE and sorted(NBS) == sorted([ROOT/'nbs'/'index.ipynb'] + CHAPTERS + REFERENCE)

def test_version_matches_settings():
    import lmstate
    assert lmstate.__version__ == CFG['version']

def _package_snippet(readme):
    "The README's package example: the code blocks under 'Use the package from Python' and the output printed last."
    part = readme.split('## Use the package from Python', 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'^```(\w*)\n(.*?)\n```$', part, re.S | re.M)
    code = [b for lang, b in blocks if lang == 'python']
    out = [b for lang, b in blocks if not lang]
    assert code and out, 'README.md has no package example with its output'
    return '\n'.join(code), out[-1]

def _deps_only(dest):
    "A folder of links to what this environment has installed, minus lmstate itself: the wheel's dependencies, nothing more."
    dest.mkdir()
    for sp in site.getsitepackages():
        for p in Path(sp).iterdir():
            if p.name.startswith(('lmstate', '__editable__', '_lmstate')) or p.suffix == '.pth': continue
            if not (dest/p.name).exists(): (dest/p.name).symlink_to(p)
    return dest

def test_wheel_builds_and_imports(tmp_path):
    """Build the wheel, install it into a new environment that inherits nothing from the base interpreter,
    import every module from it and run the README's package example there."""
    dist = tmp_path/'dist'
    src = copy_project(tmp_path/'src')        # build from a copy, so no build/ or egg-info lands in the work tree
    res = subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(dist), str(src)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    whl, = dist.glob('lmstate-*.whl')
    names = zipfile.ZipFile(whl).namelist()
    modules = sorted(p.stem for p in (ROOT/'lmstate').glob('*.py') if not p.name.startswith('_'))
    assert {'lmstate/__init__.py', 'lmstate/_modidx.py'} | {f'lmstate/{m}.py' for m in modules} <= set(names)
    assert not [n for n in names if n.endswith('.ipynb')]
    env = tmp_path/'env'
    venv.create(env, system_site_packages=False, with_pip=True)
    py = env/'bin'/'python'
    clean = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV')}
    def run(*args, **kw): return subprocess.run([str(py), *args], capture_output=True, text=True, cwd=tmp_path, env=clean, **kw)
    # the new environment sees nothing of the base interpreter's packages (nor of this one's) ...
    res = run('-c', 'import torch')
    assert res.returncode == 1 and "No module named 'torch'" in res.stderr, 'the new environment can import torch on its own'
    # ... until it is given this environment's third-party packages (not lmstate): the wheel's dependencies must be there
    env_site, = [Path(p) for p in run('-c', 'import site; print(*site.getsitepackages())').stdout.split()]
    run('-m', 'pip', 'uninstall', '-y', '-q', 'setuptools')    # Python < 3.12 seeds an old one that would shadow torch's
    (env_site/'deps.pth').write_text(str(_deps_only(tmp_path/'deps')) + '\n')
    # pip installs the wheel with its declared dependencies, offline: each must already be satisfied, or this fails
    res = run('-m', 'pip', 'install', '--no-index', '--no-cache-dir', str(whl))
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert 'Successfully installed lmstate' in res.stdout and 'Collecting' not in res.stdout.replace('Processing', ''), res.stdout
    code = ('import importlib, lmstate\n'
            f'mods = [importlib.import_module("lmstate." + m) for m in {modules!r}]\n'
            'print(lmstate.__version__, lmstate.__file__)')
    res = run('-c', code)
    assert res.returncode == 0, res.stderr[-3000:]
    version, where = res.stdout.split()
    assert version == CFG['version'] and Path(where).is_relative_to(env_site), where
    snippet, expected = _package_snippet((ROOT/'README.md').read_text())
    res = run('-c', snippet, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == expected.strip(), f'the README promises:\n{expected}\nthe installed wheel prints:\n{res.stdout}'
    # the wheel installs the `lmstate` command, and it answers
    cmd = subprocess.run([str(env/'bin'/'lmstate'), 'run', '--help'], capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert cmd.returncode == 0 and '--seeds' in cmd.stdout and '(default: 0-4)' in cmd.stdout, cmd.stderr[-2000:]
    bad = subprocess.run([str(env/'bin'/'lmstate'), 'run', '--models', 'LMModel9', '--out', str(tmp_path/'r')],
                         capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert bad.returncode == 2 and "invalid choice: 'LMModel9'" in bad.stderr and not (tmp_path/'r').exists(), bad.stderr

LAYERS = ['data', 'state', 'models', 'site', 'explorer', 'whatif', 'viewers', 'shapes', 'widgets', 'experiments',
          'cli']   # each may import only from the ones before it

def _lmstate_imports(src):
    "The lmstate modules that Python source `src` imports, written either way: `from .models` or `from lmstate.models`."
    import ast
    used = set()
    for n in ast.walk(ast.parse(src)):
        if isinstance(n, ast.ImportFrom):
            if n.level == 1:          # `from . import __version__` reads the package, not a module
                used |= {n.module.split('.')[0]} if n.module else {a.name for a in n.names if not a.name.startswith('__')}
            elif n.level == 0 and n.module and n.module.split('.')[0] == 'lmstate':
                used |= {n.module.split('.')[1]} if '.' in n.module else {a.name for a in n.names if not a.name.startswith('__')}
        elif isinstance(n, ast.Import):
            used |= {a.name.split('.')[1] for a in n.names if a.name.startswith('lmstate.')}
    return used

def test_import_check_sees_both_ways_of_writing_an_import():
    src = 'import torch\nfrom .models import LMModel4\nfrom lmstate.state import x\nfrom . import data\nimport lmstate.widgets'
    assert _lmstate_imports(src) == {'models', 'state', 'data', 'widgets'}

def test_imports_go_one_way():
    for i, mod in enumerate(LAYERS):
        used = _lmstate_imports((ROOT/'lmstate'/f'{mod}.py').read_text())
        assert used <= set(LAYERS[:i]), f'lmstate.{mod} imports {sorted(used - set(LAYERS[:i]))}, which come after it'
    assert sorted(p.stem for p in (ROOT/'lmstate').glob('[!_]*.py')) == sorted(LAYERS)
    assert 'models' in _lmstate_imports((ROOT/'lmstate'/'explorer.py').read_text())   # it does see the imports

def test_a_backward_import_fails_the_layering_check():
    "On a copy of data.py that imports from experiments, the check above names the import."
    src = (ROOT/'lmstate'/'data.py').read_text() + '\nfrom .experiments import run_one\n'
    used = _lmstate_imports(src)
    assert used - set(LAYERS[:0]) == {'experiments'}

# nbdev_proc_nbs would also try to install Quarto and `pip install -e` the project; this runs only its processing steps
_PROC = '''
import nbdev.doclinks
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs
refresh_quarto_yml()
nbdev.doclinks._build_modidx()
proc_nbs(n_workers=0)
'''

@pytest.fixture(scope='module')
def processed(tmp_path_factory):
    "nbdev's docs processing of a copy of the project: (the copy, nbdev's stderr)."
    copy = copy_project(tmp_path_factory.mktemp('proc')/'copy')
    res = subprocess.run([sys.executable, '-c', _PROC], cwd=copy, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-4000:]
    return copy, res.stderr

def test_docs_processing(processed):
    "The docs step before Quarto: every notebook processes without error, and each exported symbol gets its doc entry."
    import importlib, json
    copy, stderr = processed
    assert 'containing imports and other code' not in stderr, 'a cell mixes imports with other code: nbdev runs it while building the docs'
    for yml in ('nbdev.yml', '_quarto.yml', 'sidebar.yml'):       # the committed docs config is what nbdev would write
        assert (copy/'nbs'/yml).read_text() == (ROOT/'nbs'/yml).read_text(), yml
    proc = copy/'_proc'
    assert sorted(str(p.relative_to(proc)) for p in proc.rglob('*.ipynb')) == sorted(_rel(p) for p in NBS)
    docs = ''.join(json.dumps(c.get('outputs', [])) for p in proc.rglob('*.ipynb') for c in json.loads(p.read_text())['cells'])
    for mod in LAYERS:
        m = importlib.import_module(f'lmstate.{mod}')
        names = [n for n in m.__all__ if callable(getattr(m, n))]    # functions and classes; constants get no doc entry
        missing = [n for n in names if f'### {n}' not in docs]
        assert not missing, f'no doc entry in the processed notebooks for lmstate.{mod}: {missing}'

def test_docs_show_what_quarto_would_show(processed):
    """Quarto's rules, applied to every output of nbdev's processed notebooks: each output that carries lmstate's
    kernel-free HTML shows that HTML (no format Quarto ranks above it is left) and holds no table for Quarto to take
    apart; no output anywhere would show as a widget view, an empty spot without a kernel; no widget state is saved."""
    from lmstate.site import quarto_choice, has_html_table, is_page_form
    copy, _ = processed
    forms, shown = {}, {}
    for nb in sorted((copy/'_proc').rglob('*.ipynb')):
        d = json.loads(nb.read_text())
        assert 'widgets' not in d['metadata'], f'{nb.name} still saves widget state for the site'
        for c in d['cells']:
            for o in c.get('outputs', []):
                if 'data' not in o: continue
                choice = quarto_choice(o['data'])
                assert 'widget' not in choice, f'{nb.name}: Quarto would show {choice} for {c["source"][:60]!r}'
                if is_page_form(o['data']):
                    forms[nb.name] = forms.get(nb.name, 0) + 1
                    assert choice == 'text/html', (nb.name, choice)
                    assert not has_html_table(o['data']['text/html']), f'{nb.name}: Quarto would parse a table in it'
                shown[choice] = shown.get(choice, 0) + 1
    assert {'index.ipynb', '02_lmmodel4.ipynb', '03_lmmodel5.ipynb', '04_widgets.ipynb'} <= set(forms), forms
    print(f'lmstate page forms per notebook: {forms}; formats Quarto shows: {shown}')

def test_the_site_check_sees_the_unprocessed_notebooks_fail():
    "The check above can fail: on the notebooks as committed (the live widget kept), Quarto would show widget views."
    from lmstate.site import quarto_choice, is_page_form
    choices = [quarto_choice(d) for nb in NBS for d in _output_data(nb) if is_page_form(d)]
    assert choices and set(choices) == {'application/vnd.jupyter.widget-view+json'}, set(choices)

def test_notebooks_save_no_widget_state():
    """A notebook opened with a kernel makes its widgets anew; saved ipywidgets state (nbconvert's execute stores it)
    would only make the notebook larger, and the site drops it anyway."""
    saved = [nb.name for nb in NBS if 'widgets' in json.loads(nb.read_text())['metadata']]
    assert not saved, f'widget state saved in {saved}: drop metadata.widgets'

def test_every_figure_has_alt_text():
    "Each cell that shows a matplotlib figure says what it shows (`#| fig-alt:`), for a reader who cannot see it."
    missing = []
    for nb in NBS:
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            if any('image/png' in o.get('data', {}) for o in c.get('outputs', [])):
                if not re.search(r'^#\|\s*fig-alt:\s*\S', ''.join(c['source']), re.M): missing.append(f'{nb.name} cell {i}')
    assert not missing, f'figures without alt text: {missing}'

def test_page_code_ships_as_package_data(tmp_path):
    "The explorer's JavaScript and the widgets' CSS are files in the package; node finds no syntax error in the script."
    from importlib.resources import files
    js, css = files('lmstate')/'explorer.js', files('lmstate')/'widgets.css'
    assert js.is_file() and css.is_file()
    assert {'*.js', '*.css'} <= set(CFG['package_data'].split())
    node = shutil.which('node')
    if node is None:
        if os.environ.get('LMSTATE_REQUIRE_NODE'): pytest.fail('node is required here (LMSTATE_REQUIRE_NODE) but missing')
        pytest.skip('node is not installed: the JavaScript syntax check needs it')
    res = subprocess.run([node, '--check', str(js)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (tmp_path/'bad.js').write_text(js.read_text().replace('function view(sp) {', 'function view(sp) {{', 1))
    assert subprocess.run([node, '--check', str(tmp_path/'bad.js')], capture_output=True).returncode != 0

def _output_data(nb):
    "The data of every output saved in notebook `nb`, cell after cell."
    import json
    for c in json.loads(nb.read_text())['cells']:
        for o in c.get('outputs', []): yield o.get('data', {})

def test_saved_explorers_carry_the_current_page_code():
    "Every explorer saved in a notebook's outputs runs the page code the package has now; if not, re-run that notebook."
    from lmstate.explorer import _EXPLORER_JS
    found = []
    for nb in NBS:
        for data in _output_data(nb):
            page = ''.join(data.get('text/html', ''))
            if 'class="lm-explorer"' in page:
                found.append(nb.name)
                assert _EXPLORER_JS in page, f'{nb.name} holds an explorer saved with older page code: re-run it'
    assert {'index.ipynb', '02_lmmodel4.ipynb', '03_lmmodel5.ipynb', '04_widgets.ipynb'} <= set(found), found

def test_readme_links_are_pages_nbdev_makes():
    "The chapter links in README.md point at the page names nbdev gives the notebooks (`00_data` -> `data.html`)."
    from nbdev.doclinks import _nbpath2html
    site = f"https://{CFG['user']}.github.io/{CFG['repo']}/"
    links = re.findall(re.escape(site) + r'([^)\s]+)\)', (ROOT/'README.md').read_text())
    pages = {str(_nbpath2html(Path(p.name))) for p in NBS}
    assert links and set(links) <= pages, f'links to pages nbdev does not make: {sorted(set(links) - pages)}'

def _pngs(nb):
    "Width and height of every PNG a notebook shows, whether a plain image output or one inside an HTML output."
    import base64, struct
    for data in _output_data(nb):
        found = [''.join(data['image/png'])] if 'image/png' in data else []
        found += re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)', ''.join(data.get('text/html', '')))
        for b64 in found: yield struct.unpack('>II', base64.b64decode(b64)[16:24])   # the PNG header's size

def test_figures_fit_the_page_column():
    "A docs page's column is about 800 px wide: a wider figure is shrunk, and its labels with it."
    sizes = {nb.name: list(_pngs(nb)) for nb in NBS}
    assert sum(map(len, sizes.values())) >= 6
    wide = {n: [w for w, _ in s if w > 900] for n, s in sizes.items()}
    assert not any(wide.values()), f'figures wider than 900 px: {wide}'

def test_docs_config_wraps_code_and_offers_no_raw_markdown():
    quarto = (ROOT/'nbs'/'_quarto.yml').read_text()
    assert 'code-overflow: wrap' in quarto and 'commonmark' not in quarto
    css = (ROOT/'nbs'/'styles.css').read_text()
    # Quarto's theme sets `white-space: pre` on the code inside an output's pre: the site's rule must reach that code
    assert re.search(r'\.cell-output pre code[^{]*\{[^}]*white-space: pre-wrap !important', css), css

def test_docs_theme_reads_offline_and_names_its_links():
    "No Google Fonts (cosmo loads them unless `$web-font-path` is false); the navbar's GitHub icon has a name."
    quarto = (ROOT/'nbs'/'_quarto.yml').read_text()
    assert 'theme: [cosmo, theme.scss]' in quarto
    scss = (ROOT/'nbs'/'theme.scss').read_text()
    assert scss.startswith('/*-- scss:defaults --*/') and '$web-font-path: false;' in scss
    assert re.search(r'- icon: github\n\s+href: .*\n\s+aria-label: "\w', quarto), quarto

def test_each_chapter_ends_with_a_link_to_the_next():
    import json
    chapters = CHAPTERS
    for nb, nxt in zip(chapters, chapters[1:] + [ROOT/'nbs'/'index.ipynb']):
        last = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown'][-1]
        assert f']({nxt.name})' in last, f'{nb.name} does not end with a link to {nxt.name}'

def test_nbdev_leaves_the_readme_alone(tmp_path):
    "nbdev_docs and nbdev_prepare call nbdev_readme(chk_time=True): with README.md older than every notebook, it must not touch it."
    copy = copy_project(tmp_path/'copy')
    readme = copy/'README.md'
    os.utime(readme, (0, 0))                                   # older than anything: nbdev would rebuild it if it could
    code = 'from nbdev.quarto import nbdev_readme; nbdev_readme.__wrapped__(chk_time=True)'
    res = subprocess.run([sys.executable, '-c', code], cwd=copy, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'Could not find' in res.stdout and readme.read_text() == (ROOT/'README.md').read_text()

def _long_lines(src, limit=120):
    """(line number, line) of each line of Python `src` over `limit`, except lines inside a multi-line string (CSS, JS)
    and a figure's alt text (`#| fig-alt:`, one line of prose that Quarto takes off the code it shows)."""
    inside = set()
    try:
        for t in tokenize.generate_tokens(io.StringIO(src).readline):
            if t.type == tokenize.STRING and t.end[0] > t.start[0]: inside.update(range(t.start[0], t.end[0] + 1))
    except (tokenize.TokenError, SyntaxError): pass
    return [(n, l) for n, l in enumerate(src.split('\n'), 1)
            if len(l) > limit and n not in inside and not l.startswith('#| fig-alt: ')]

def test_long_lines_are_found():
    src = 'x = 1\n' + 'y = ' + '1 + ' * 40 + '1\n' + 'css = """\n' + 'a' * 200 + '\n"""\n'
    assert [n for n, _ in _long_lines(src)] == [2]

def test_lines_fit_the_page():
    "Code written by hand stays within 120 characters a line: every notebook's code cells and every exported module."
    bad = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            if c['cell_type'] != 'code': continue
            bad += [f'{nb.name} cell {i} line {n}: {l[:70]}...' for n, l in _long_lines(''.join(c['source']))]
    for py in sorted((ROOT/'lmstate').glob('*.py')):
        if py.name == '_modidx.py': continue                           # nbdev's symbol index, generated
        src = py.read_text()
        made_by_nbdev = {n for n, l in enumerate(src.split('\n'), 1)     # the page description and __all__
                         if l.startswith('__all__ = ') or (n == 1 and l.startswith('"""'))}
        bad += [f'{py.name} line {n}: {l[:70]}...' for n, l in _long_lines(src) if n not in made_by_nbdev]
    assert not bad, 'lines over 120 characters:\n' + '\n'.join(bad)

# --- The chapter pages: what a learner's page may show -------------------------------------------------------------
CHAPTERS = sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
SOLUTION = '::: {.callout-tip collapse="true" title="Solution"}'
MAX_CELL, MAX_PAGE = 40, {'04_widgets': 400, '06_experiments': 400}

def _src(c): return ''.join(c['source'])

def shown_code(cell):
    "The code lines a cell shows on its page (nbdev and Quarto drop the `#|` lines), or None when it shows no code."
    src = _src(cell)
    opts = dict(re.findall(r'^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*?)\s*$', src, re.M))
    if cell['cell_type'] != 'code' or 'hide' in opts or opts.get('include') == 'false' or opts.get('echo') == 'false':
        return None
    return [l for l in src.splitlines() if not re.match(r'\s*#\s*\|', l)]

def _solutions(cells):
    "Indexes of solution cells: the code cell that follows a markdown cell ending with the folded callout's opening."
    return [i for i in range(1, len(cells)) if cells[i]['cell_type'] == 'code' and
            cells[i-1]['cell_type'] == 'markdown' and _src(cells[i-1]).rstrip().endswith(SOLUTION)]

def page_problems(nb, max_lines=None):
    "What keeps a chapter page from reading as a course page; empty when nothing does."
    cells, problems = nb['cells'], []
    shown = [(i, shown_code(c)) for i, c in enumerate(cells)]
    shown = [(i, s) for i, s in shown if s is not None]
    problems += [f'cell {i} shows {len(s)} lines of code' for i, s in shown if len(s) > MAX_CELL]
    total = sum(len([l for l in s if l.strip()]) for _, s in shown)
    if max_lines is not None and total > max_lines: problems.append(f'the page shows {total} lines of code')
    found = [(i, l.strip()) for i, c in enumerate(cells) if c['cell_type'] == 'markdown' for l in _src(c).splitlines()
             if l.strip() in ('## Summary', '## Exercises')]
    heads, names = [i for i, _ in found], [n for _, n in found]
    if names != ['## Summary', '## Exercises']: problems.append(f'no summary, then exercises: {names}')
    sols = [i for i in _solutions(cells) if not heads or i > heads[-1]]
    if len(sols) < 3: problems.append(f'{len(sols)} folded solutions')
    for i in sols:
        c, nxt = cells[i], cells[i+1] if i + 1 < len(cells) else None
        if c['metadata'].get('jupyter') != dict(source_hidden=True, outputs_hidden=True):
            problems.append(f'solution {i}: its code and output are not folded in Jupyter')
        if nxt is None or nxt['cell_type'] != 'markdown' or not _src(nxt).startswith(':::'):
            problems.append(f'solution {i}: the callout does not close after it')
        if 'test_' not in _src(c): problems.append(f'solution {i} checks nothing')
        if not any(o.get('output_type') == 'stream' or 'text/plain' in o.get('data', {}) for o in c.get('outputs', [])):
            problems.append(f'solution {i} does not print its answer')
    unfolded = [i for i, c in enumerate(cells) if 'code-summary: Solution' in _src(c)]
    problems += [f'cell {i} is a solution outside a folded callout' for i in unfolded]
    return problems

def test_chapter_pages_read_as_a_course():
    "No chapter shows a cell over 40 lines of code; 04 and 06 show at most 400; each ends with a summary and folded exercises."
    found = {p.stem: page_problems(json.loads(p.read_text()), MAX_PAGE.get(p.stem)) for p in CHAPTERS}
    assert len(found) == 8 and not any(found.values()), {k: v for k, v in found.items() if v}
    cells = json.loads((ROOT/'nbs'/'04_widgets.ipynb').read_text())['cells']
    first = next(i for i, c in enumerate(cells) if c['cell_type'] == 'code' and _src(c).strip() == 'StateExplorer()')
    assert first / len(cells) <= 0.25, f"04's first widget is cell {first} of {len(cells)}: past the first quarter"

def test_the_page_check_finds_each_problem():
    "The check above on a page built to fail it: each fault is named."
    code = lambda s, **meta: dict(cell_type='code', source=s, metadata=meta, outputs=[])
    md = lambda s: dict(cell_type='markdown', source=s, metadata={})
    good_sol = lambda: code('test_eq(1, 1)\nprint(1)', jupyter=dict(source_hidden=True, outputs_hidden=True))
    for c in (sol := good_sol(),): c['outputs'] = [dict(output_type='stream', name='stdout', text='1\n')]
    nb = dict(cells=[code('x = 1\n' * 41), md('## Summary'), md('## Exercises\n\n' + SOLUTION), code('print(2)'),
                     md('next ' + SOLUTION), sol, md(':::'), code('#| code-summary: Solution\ntest_eq(1, 1)')])
    got = page_problems(nb, max_lines=10)
    for want in ('cell 0 shows 41 lines of code', 'the page shows 45 lines', '2 folded solutions',
                 'solution 3: its code and output are not folded', 'solution 3: the callout does not close',
                 'solution 3 checks nothing', 'solution 3 does not print', 'cell 7 is a solution outside'):
        assert any(g.startswith(want) for g in got), (want, got)
    assert page_problems(dict(cells=[md('## Summary'), md('## Exercises')] + [md(SOLUTION), good_sol(), md(':::')] * 3)) \
        == [f'solution {i} does not print its answer' for i in (3, 6, 9)]
