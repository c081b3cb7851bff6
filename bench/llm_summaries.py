"""bench/summarize (LLM part): 50 feed items summarized through the loopback OpenAI-protocol
server of the tests, answering after 1 s, with concurrency 8. Ideal: ceil(50 / 8) x 1 s.

Usage: llm_summaries.py NEWSBRIEF_BINARY   Prints: items wall_seconds ideal requests peak."""
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ITEMS, CONCURRENCY, LATENCY = 50, 8, 1.0

data = tempfile.TemporaryDirectory(prefix="nb-bench-")
os.makedirs(os.path.join(data.name, "feeds"))
entries = "".join(
    "<item><title>第 %d 条：模型发布与行业动态</title><link>https://bench.example/%d</link>"
    "<guid>bench-%d</guid><pubDate>Mon, 07 Apr 2025 09:%02d:00 +0800</pubDate>"
    "<description>&lt;p&gt;第 %d 篇文章的正文。某公司发布了新模型，并公布了评测成绩。"
    "&lt;/p&gt;</description></item>" % (i, i, i, i % 60, i) for i in range(ITEMS))
with open(os.path.join(data.name, "feeds", "bench.xml"), "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>%s'
            "</channel></rss>" % entries)
os.environ["NB_TEST_DATA"] = data.name
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from loopback import LLMServer, SiteServer  # noqa: E402

with SiteServer() as site, LLMServer(latency=LATENCY) as llm, \
        tempfile.TemporaryDirectory(prefix="nb-bench-") as work:
    config = os.path.join(work, "newsbrief.yaml")
    with open(config, "w") as f:
        f.write("newsbrief:\n  database: %s/nb.db\n  window: 72h\n  max_items: %d\n"
                "  items_per_page: 50\n"
                "sources:\n  bench:\n    type: feed\n    url: %s/feeds/bench.xml\n"
                "summarizer:\n  type: llm\n  api_base: %s\n  api_key: test-key\n"
                "  model: bench\n  concurrency: %d\n  min_chars: 40\n"
                "channels:\n  out:\n    type: file\n    path: %s/out.md\n"
                % (work, ITEMS, site.base, llm.api_base, CONCURRENCY, work))
    env = dict(os.environ, NEWSBRIEF_NOW="2025-04-07T10:45:00+08:00")
    start = time.monotonic()
    subprocess.run([sys.argv[1], "run", "-q", "--config", config], env=env, check=True)
    wall = time.monotonic() - start
    ideal = math.ceil(ITEMS / CONCURRENCY) * LATENCY
    print("%d %.2f %.2f %d %d" % (ITEMS, wall, ideal, len(llm.requests), llm.peak))
data.cleanup()
