"""Docs pages as Quarto writes them, for tests on a machine without Quarto.

nbdev's processed notebooks (`_proc/`) are rendered by nbconvert, but with Quarto's choices instead of nbconvert's:
- each output shows the first format it carries in Quarto's order (`lmstate.site.QUARTO_ORDER`), whether or not any
  widget state was saved (nbconvert would skip a widget view without state; Quarto does not);
- nothing is added that Quarto does not add: no alt text on an image unless its cell says `#| fig-alt:`, no
  `tabindex` on output areas (nbconvert adds both on its own), no `In [ ]:` prompts;
- outputs get Quarto's markup (`div.cell-output-stdout > pre > code`, `div.cell-output-display`), and the page Quarto's
  rules that decide whether an output scrolls (`pre { overflow: auto }`, `pre code { white-space: pre }`), in the
  site's column of about 800 px, with the site's own `styles.css` on top.
"""
import re
from pathlib import Path
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.exporters import TemplateExporter
from nbconvert.filters import DataTypeFilter, Highlight2HTML
import nbformat
from traitlets.config import Config
from lmstate.site import QUARTO_ORDER

# What Quarto's theme does to an output block (Bootstrap's `pre`, Quarto's `pre code`), and the page's text column
QUARTO_CSS = """<style>
pre { display: block; overflow: auto; }
pre code { white-space: pre; }
body.lm-quarto { max-width: 800px; margin: 0 auto; padding: 0 12px; box-sizing: border-box; }
table.table { width: 100%; }
.jp-InputArea pre { white-space: pre-wrap; }   /* code-overflow: wrap in _quarto.yml */
</style>
<link rel="stylesheet" href="styles.css">"""

class QuartoOrderExporter(HTMLExporter):
    "nbconvert's HTML export choosing each output's format as Quarto does, and adding nothing Quarto does not add."
    def __init__(self, **kw):
        super().__init__(config=Config(NbConvertBase=dict(display_data_priority=list(QUARTO_ORDER))), **kw)
    def from_notebook_node(self, nb, resources=None, **kw):
        resources = self._init_resources(resources)
        self.register_filter('highlight_code', Highlight2HTML(pygments_lexer='ipython3', parent=self))
        self.register_filter('filter_data_type', DataTypeFilter(parent=self))   # no skipping of widget views
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)   # not HTMLExporter's: no alt, no tabindex

_OPT = re.compile(r'^#\|\s*fig-alt:\s*(.+)$', re.M)

def _quarto_markup(soup, nb):
    "Quarto's markup for outputs, and each figure's alt text from its cell's `#| fig-alt:` option."
    cells, shown = soup.select('div.jp-Cell'), [c for c in nb.cells if c.cell_type != 'raw']   # raw: front matter
    assert len(cells) == len(shown), (len(cells), len(shown))
    for div, cell in zip(cells, shown):
        if cell.cell_type != 'code': continue
        if re.search(r'^#\|\s*echo:\s*false', cell.source, re.M):                   # Quarto shows no code
            for inp in div.select('div.jp-Cell-inputWrapper'): inp.decompose()
        alt = _OPT.search(cell.source)
        for img in div.select('div.jp-RenderedImage img'):
            if alt: img['alt'] = alt[1].strip()
        for out in div.select('div.jp-OutputArea-output'):
            stream = 'jp-OutputArea-executeResult' not in out.get('class', []) and out.find('pre', recursive=False)
            out['class'] = out.get('class', []) + ['cell-output', 'cell-output-stdout' if stream else 'cell-output-display']
            for pre in out.find_all('pre', recursive=False):
                code = soup.new_tag('code')
                for child in list(pre.contents): code.append(child.extract())
                pre.append(code)
    for t in soup.select('.jp-RenderedMarkdown table'): t['class'] = t.get('class', []) + ['table']
    for prompt in soup.select('.jp-InputPrompt, .jp-OutputPrompt'): prompt.decompose()      # Quarto shows no prompts

def render(nb_path, dest):
    "Write the page Quarto would make of processed notebook `nb_path` to `dest`."
    nb = nbformat.read(str(nb_path), as_version=4)
    html, _ = QuartoOrderExporter().from_notebook_node(nb)
    soup = BeautifulSoup(html, 'html.parser')
    _quarto_markup(soup, nb)
    soup.body['class'] = soup.body.get('class', []) + ['lm-quarto']
    soup.head.append(BeautifulSoup(QUARTO_CSS, 'html.parser'))
    Path(dest).write_text(str(soup))
