"""The lookup tables both hand scripts here use: initializers by name, the node writing each tensor, the nodes reading it."""
from collections import defaultdict


def index(g):
    readers = defaultdict(list)
    for n in g.node:
        for i in n.input:
            readers[i].append(n)
    return {i.name: i for i in g.initializer}, {o: n for n in g.node for o in n.output}, readers
