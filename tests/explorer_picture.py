"""A picture of the state explorer for README.md, where GitHub runs no widget.

`python tests/explorer_picture.py` opens the explorer's kernel-free page (`lmstate.explorer.explorer_html()`, the
form the docs site shows) in a headless Chromium and saves a screenshot of it as `nbs/images/explorer.png`. The PNG
records a fingerprint of the page code it was made from, so a test can tell when the picture is older than the code.
"""
import hashlib, struct, sys, zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT/'nbs'/'images'/'explorer.png'
KEY = 'lmstate-page-code'

def page_code() -> str:
    "What the picture shows, as code: the page's script, its stylesheet and the first view at the default settings."
    from lmstate.explorer import _EXPLORER_JS, _CSS, view_html, explore_state
    return _EXPLORER_JS + _CSS + view_html(explore_state())

def fingerprint() -> str: return hashlib.sha256(page_code().encode()).hexdigest()[:16]

def _chunks(png: bytes):
    "(type, data) of every chunk of a PNG."
    i = 8
    while i < len(png):
        n, kind = struct.unpack('>I4s', png[i:i + 8])
        yield kind, png[i + 8:i + 8 + n]
        i += 12 + n

def read_fingerprint(path=PICTURE):
    "The page-code fingerprint a picture was made from, or None."
    for kind, data in _chunks(Path(path).read_bytes()):
        if kind == b'tEXt' and data.startswith(KEY.encode() + b'\0'): return data.split(b'\0', 1)[1].decode()

def with_fingerprint(png: bytes, value: str) -> bytes:
    "`png` with a tEXt chunk holding `value` after its header."
    data = KEY.encode() + b'\0' + value.encode()
    chunk = struct.pack('>I', len(data)) + b'tEXt' + data + struct.pack('>I', zlib.crc32(b'tEXt' + data))
    end = 8 + 25                                              # the signature and the IHDR chunk
    return png[:end] + chunk + png[end:]

def make(chromium, dest=PICTURE):
    "Screenshot the explorer's page form in `chromium` and save it to `dest` with its fingerprint."
    from playwright.sync_api import sync_playwright
    from lmstate.explorer import explorer_html
    page = f'<!doctype html><html lang="en"><body style="margin:12px;max-width:760px">{explorer_html()}</body></html>'
    args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=args)
        pg = b.new_page(viewport={'width': 800, 'height': 600}, device_scale_factor=1)
        pg.set_content(page)
        png = pg.locator('.lm-explorer').screenshot()
        b.close()
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    Path(dest).write_bytes(with_fingerprint(png, fingerprint()))
    return dest

if __name__ == '__main__':
    sys.path.insert(0, str(ROOT/'tests'))
    from conftest import chromium_path
    where = chromium_path() or sys.exit('no Chromium found: install it or set LMSTATE_CHROMIUM')
    print(f'{make(where)} written, from page code {fingerprint()}')
