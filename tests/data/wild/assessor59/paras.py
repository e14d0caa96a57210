import sys, os, glob, re
sys.path.insert(0, os.path.dirname(__file__))
from formats import *
import html.parser
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.out = []; s.cur = None; s.depth = 0; s.skip = 0
    def handle_starttag(s, t, a):
        if t in ('style', 'script', 'table', 'nav'): s.skip += 1
        if t in ('p', 'h1', 'h2', 'h3', 'li', 'figcaption', 'caption') and not s.skip: s.cur = []
    def handle_endtag(s, t):
        if t in ('style', 'script', 'table', 'nav'): s.skip -= 1
        if t in ('p', 'h1', 'h2', 'h3', 'li', 'figcaption', 'caption') and s.cur is not None:
            x = norm(''.join(s.cur)); s.cur = None
            if x: s.out.append(x)
    def handle_data(s, d):
        if s.cur is not None: s.cur.append(d)
for md in sorted(glob.glob(sys.argv[1] + '/logs/*.md')):
    b = md[:-3]
    m = [re.sub(r'^#+ |^- |^\[\d+\] ', '', x).replace('*', '').replace('[', '').strip() for x in md_paragraphs(md)]
    m = [re.sub(r'\]\(#[^)]*\)', '', x) for x in m]
    d = docx_paragraphs(b + '.docx'); p = P(); p.feed(open(b + '.html').read()); h = p.out
    key = lambda s: re.sub(r'[^a-z0-9]', '', s.lower())
    for name, X in (('docx', d), ('html', h)):
        ks = {key(x) for x in X}; km = {key(x) for x in m}
        miss = [x for x in m if key(x) not in ks]; extra = [x for x in X if key(x) not in km]
        print(os.path.basename(b), name, 'md paragraphs not in', name, len(miss), '| in', name, 'not md', len(extra))
        for x in miss[:8]: print('   md only:', x[:200])
        for x in extra[:8]: print('   ', name, 'only:', x[:200])
