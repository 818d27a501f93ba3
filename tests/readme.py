"""Render `nbs/index.ipynb` as README.md, the way the docs home page reads, without Quarto.

`python tests/readme.py` rewrites README.md; `tests/test_project.py` checks that README.md is what this renders."""
import json, re, sys
from pathlib import Path
from configparser import ConfigParser

ROOT = Path(__file__).resolve().parents[1]

def _cfg():
    p = ConfigParser(); p.read(ROOT/'settings.ini'); return p['DEFAULT']

def _text(v): return ''.join(v) if isinstance(v, list) else v

WIDGET = 'application/vnd.jupyter.widget-view+json'
PICTURE = 'nbs/images/explorer.png'     # made by tests/explorer_picture.py

def _explorer_picture(cell, site):
    "GitHub runs no widget: under a cell that shows the state explorer, a picture of it linking to the live page."
    if not any('class="lm-explorer"' in _text(o.get('data', {}).get('text/html', '')) for o in cell.get('outputs', [])):
        return None
    return (f'[![The state explorer: LMModel4\'s state beside the book\'s LMModel5\'s, drawn, with every tensor of '
            f'the forward pass and its shape]({PICTURE})]({site}/)\n\n'
            f'*A picture of the explorer: it responds on the [docs site]({site}/) and in a notebook.*')

def _outputs(cell):
    "The text a reader sees under a code cell: streams and plain-text results, in order (a widget has no text form)."
    for o in cell.get('outputs', []):
        if o['output_type'] == 'stream': yield _text(o['text'])
        elif WIDGET in o.get('data', {}): continue
        elif o['output_type'] in ('execute_result', 'display_data') and 'text/plain' in o['data']:
            yield _text(o['data']['text/plain']) + '\n'
        elif o['output_type'] == 'error': raise ValueError(f'index.ipynb has an error output: {o["ename"]}')

def page_name(stem):
    "The docs page nbdev makes of notebook `stem`, by nbdev's own rule: `00_data` -> `data.html`."
    from nbdev.doclinks import _nbpath2html     # here, not at the top: `--test-command` runs where nbdev is not installed
    return str(_nbpath2html(Path(stem + '.ipynb')))

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "README.md text for the notebook at `nb_path`: markdown verbatim, code fenced, outputs fenced below it."
    cfg = _cfg()
    site = f"{cfg['doc_host'].replace('%(user)s', cfg['user'])}{cfg['doc_baseurl'].replace('%(repo)s', cfg['repo'])}"
    parts = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = _text(cell['source']).strip()
        if not src: continue
        if cell['cell_type'] == 'markdown':
            parts.append(re.sub(r'\]\(([\w-]+)\.ipynb\)', lambda m: f']({site}/{page_name(m[1])})', src))
        elif cell['cell_type'] == 'code':
            if src.startswith('#| hide') or '\n#| hide' in src: continue
            parts.append(f'```python\n{src}\n```')
            out = ''.join(_outputs(cell)).rstrip('\n')
            if out: parts.append(f'```\n{out}\n```')
            picture = _explorer_picture(cell, site)
            if picture: parts.append(picture)
    return '<!-- Generated from nbs/index.ipynb by tests/readme.py: edit the notebook, not this file. -->\n\n' + '\n\n'.join(parts) + '\n'

def test_command(readme=None):
    "The README's test command: the shell line in the block that follows the words 'runs every test'."
    txt = readme if readme is not None else (ROOT/'README.md').read_text()
    m = re.search(r'runs every test.*?```sh\n(.+?)\n```', txt, re.S)
    if m is None: raise ValueError('README.md has no ```sh block after "runs every test"')
    return m.group(1).strip()

if __name__ == '__main__':
    if sys.argv[1:] == ['--test-command']: print(test_command())
    else: (ROOT/'README.md').write_text(render()); print('README.md written')
