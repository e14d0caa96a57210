"""Read one AI-FSM log in md, html and docx as lists of table rows (cells as plain text), independently of Quantrace."""
import re, zipfile, html, html.parser
from xml.etree import ElementTree as ET

def norm(s):
    s = s.replace('\\|', '|').replace('<br>', ' / ').replace('\n', ' / ')
    s = re.sub(r'\*\*|<a id="[^"]*"></a>', '', s)
    s = html.unescape(s)
    return re.sub(r'\s+', ' ', s).strip()

def md_rows(path):
    rows = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('|') and not re.match(r'^\|[-:| ]+\|$', line):
            cells = re.split(r'(?<!\\)\|', line)[1:-1]
            rows.append([norm(c) for c in cells])
    return rows

def md_paragraphs(path):
    return [norm(l) for l in open(path, encoding='utf-8') if l.strip() and not l.startswith('|')]

class _H(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = []; s.row = None; s.cell = None; s.skip = 0
    def handle_starttag(s, t, a):
        if t in ('style', 'script'): s.skip += 1
        if t == 'tr': s.row = []
        elif t in ('td', 'th') and s.row is not None: s.cell = []
        elif t in ('br', 'div', 'p', 'li') and s.cell is not None and s.cell: s.cell.append('\n')
    def handle_startendtag(s, t, a): s.handle_starttag(t, a)
    def handle_endtag(s, t):
        if t in ('style', 'script'): s.skip -= 1
        if t in ('td', 'th') and s.cell is not None:
            s.row.append(norm(''.join(s.cell))); s.cell = None
        elif t == 'tr' and s.row is not None:
            s.rows.append(s.row); s.row = None
    def handle_data(s, d):
        if s.cell is not None and not s.skip: s.cell.append(d)

def html_rows(path):
    p = _H(); p.feed(open(path, encoding='utf-8').read()); return p.rows

W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
def docx_rows(path):
    z = zipfile.ZipFile(path); root = ET.fromstring(z.read('word/document.xml'))
    rows = []
    for tr in root.iter(W + 'tr'):
        cells = []
        for tc in tr.findall(W + 'tc'):
            paras = []
            for p in tc.iter(W + 'p'):
                t = []
                for el in p.iter():
                    if el.tag == W + 't': t.append(el.text or '')
                    elif el.tag == W + 'br': t.append('\n')
                    elif el.tag == W + 'tab': t.append('\t')
                paras.append(''.join(t))
            cells.append(norm('\n'.join(paras)))
        rows.append(cells)
    return rows

def docx_paragraphs(path):
    z = zipfile.ZipFile(path); root = ET.fromstring(z.read('word/document.xml'))
    body = root.find(W + 'body'); out = []
    for p in body.findall(W + 'p'):
        t = ''.join(el.text or '' for el in p.iter(W + 't'))
        if t.strip(): out.append(norm(t))
    return out
