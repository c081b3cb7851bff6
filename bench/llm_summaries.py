# SPDX-License-Identifier: MIT
"""bench/summarize (LLM part): 50 feed items summarized through the loopback OpenAI-protocol
server of the tests, answering after 1 s, with concurrency 8. Ideal: ceil(50 / 8) x 1 s.

Usage: llm_summaries.py NEWSBRIEF_BINARY [confirm]   Prints: items wall_seconds ideal
requests peak. With "confirm", the LLM also settles grey-zone story pairs first (up to 20
questions), which the ideal does not count."""
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
# 50 distinct stories: each names its own company, product and figures
companies = ["阿里", "腾讯", "百度", "字节", "华为", "小米", "京东", "美团", "网易", "快手"]
things = ["芯片", "大模型", "机器人", "智能体", "搜索", "眼镜", "汽车", "音箱", "平板", "手表"]
entries = "".join(
    "<item><title>%s发布%s新品%s-%d</title><link>https://bench.example/%d</link>"
    "<guid>bench-%d</guid><pubDate>Mon, 07 Apr 2025 09:%02d:00 +0800</pubDate>"
    "<description>&lt;p&gt;%s今天推出%s产品线的第%d代型号，售价%d元，首批%d台。&lt;/p&gt;"
    "</description></item>"
    % (companies[i % 10], things[i // 5 % 10], chr(65 + i % 26), i, i, i, i % 60,
       companies[i % 10], things[i // 5 % 10], i + 2, 999 + 37 * i, 1000 + 91 * i)
    for i in range(ITEMS))
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
                "  model: bench\n  concurrency: %d\n  min_chars: 40\n  confirm_stories: %s\n"
                "channels:\n  out:\n    type: file\n    path: %s/out.md\n"
                % (work, ITEMS, site.base, llm.api_base, CONCURRENCY,
                   "true" if "confirm" in sys.argv[2:] else "false", work))
    env = dict(os.environ, NEWSBRIEF_NOW="2025-04-07T10:45:00+08:00")
    start = time.monotonic()
    subprocess.run([sys.argv[1], "run", "-q", "--config", config], env=env, check=True)
    wall = time.monotonic() - start
    ideal = math.ceil(ITEMS / CONCURRENCY) * LATENCY
    print("%d %.2f %.2f %d %d %d" % (ITEMS, wall, ideal, len(llm.requests), llm.peak,
                                     len(llm.questions)))
data.cleanup()
