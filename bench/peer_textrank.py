# SPDX-License-Identifier: MIT
"""The usual Python way to summarize Chinese offline (the textrank4zh recipe): jieba words,
sentence similarity graph, networkx PageRank, best sentences up to 200 characters.

Usage: peer_textrank.py TEXTS_JSONL ROUNDS   (run by /usr/bin/python3, which has Debian's
python3-jieba and python3-networkx). Prints: articles rounds seconds."""
import json
import math
import re
import sys
import time

import jieba
import networkx

jieba.setLogLevel(60)
texts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
rounds = int(sys.argv[2])


def summarize(text, budget=200):
    sentences = [s for s in re.split(r"(?<=[。！？；])|\n+", text) if s and s.strip()]
    words = [set(w for w in jieba.cut(s) if w.strip()) for s in sentences]
    graph = networkx.Graph()
    graph.add_nodes_from(range(len(sentences)))
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            common = len(words[i] & words[j])
            if common and len(words[i]) > 1 and len(words[j]) > 1:
                graph.add_edge(i, j, weight=common / (math.log(len(words[i])) +
                                                      math.log(len(words[j]))))
    scores = networkx.pagerank(graph) if graph.number_of_edges() else {i: 1 for i in graph}
    chosen, total = [], 0
    for i in sorted(scores, key=scores.get, reverse=True):
        if total + len(sentences[i]) <= budget:
            chosen.append(i)
            total += len(sentences[i])
    return "".join(sentences[i] for i in sorted(chosen))


for t in texts:  # the untimed warm-up round every summarizer gets (jieba loads here)
    summarize(t["text"])
start = time.monotonic()
for _ in range(rounds):
    for t in texts:
        summarize(t["text"])
print("%d %d %.6f" % (len(texts), rounds, time.monotonic() - start))
