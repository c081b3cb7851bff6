# SPDX-License-Identifier: MIT
"""End to end: `newsbrief summarize` on text, HTML, standard input and a loopback URL, through
the offline summarizer and a loopback LLM; option errors; and no offline summary of the demo
briefing or of the articles of tests/data/summarize ends inside a sentence."""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from loopback import DATA, LLMServer, SiteServer, Workdir, expect, run, run_tests  # noqa: E402

ARTICLES = os.path.join(DATA, "summarize", "articles")
SENTENCE_END = re.compile(r"[。！？!?.][”’」』）)\"']*$")


def ends_well(text):
    return bool(SENTENCE_END.search(text))


def article(name):
    """(title, min, max, text) of an article of tests/data/summarize/articles."""
    with open(os.path.join(ARTICLES, name), encoding="utf-8") as f:
        head, text = f.read().split("\n\n", 1)
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    low, high = (int(v) for v in fields["budget"].split())
    return fields["title"], low, high, text.strip()


def summarize(args, stdin=None, env=None):
    """Runs summarize with an empty working directory (no configuration file there)."""
    with Workdir() as work:
        if stdin is None:
            return run(["summarize"] + args, cwd=work.path, env=env)
        path = work.write("stdin.txt", stdin)
        import subprocess
        from loopback import BINARY, time_scale
        with open(path, "rb") as f:
            proc = subprocess.run([BINARY, "summarize"] + args, stdin=f, capture_output=True,
                                  cwd=work.path, timeout=60 * time_scale())
        return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_text_file_with_title_line():
    title, low, high, text = article("en-02-company.txt")
    with Workdir() as work:
        path = work.write("a.txt", title + "\n\n" + text + "\n")
        code, out, err = summarize(["--json", "--max-chars", str(high), "--min-chars", str(low),
                                    path])
    expect(code == 0, err)
    o = json.loads(out)
    expect(o["title"] == title, o)
    expect(o["method"] == "extractive", o)
    expect(o["max_chars"] == high and o["chars"] == len(o["summary"]) <= high, o)
    expect(o["summary"].startswith("Norwegian artificial intelligence start-up Nordlys AI"), o)
    for furniture in ("By Claire", "OSLO", "Newswire", "Advertisement", "Reporting by"):
        expect(furniture not in o["summary"], o)
    expect(ends_well(o["summary"]), o)


def test_plain_output_and_budget():
    title, _, _, text = article("zh-07-future.txt")
    with Workdir() as work:
        path = work.write("a.txt", title + "\n\n" + text + "\n")
        code, out, err = summarize(["--max-chars", "100", path])
        expect(code == 0, err)
        summary = out.rstrip("\n")
        expect("\n" not in summary and len(summary) <= 100, summary)
        # the first sentence alone is longer: cut where a clause ends, with a full stop
        expect(summary.startswith("工业和信息化部、教育部、科学技术部等七部门"), summary)
        expect(summary.endswith("。") and summary[:-1] + "，" in text, summary)
        code, wide, err = summarize(["--max-chars", "400", path])
        expect(code == 0 and len(wide.strip()) > len(summary), wide)


def test_html_file_goes_through_the_extractor():
    page = os.path.join(DATA, "sites", "articles", "en-news.html")
    code, out, err = summarize(["--json", page])
    expect(code == 0, err)
    o = json.loads(out)
    expect(o["title"] == "Tidal power plant opens on the Orkney coast", o)
    expect(o["summary"].startswith("A tidal array off the Orkney coast began sending"), o)
    for furniture in ("Advertisement", "Share on", "Most read", "Comments", "Great news"):
        expect(furniture not in o["summary"], o)
    expect(ends_well(o["summary"]) and o["chars"] <= 200, o)


def test_standard_input_and_gbk_page():
    with open(os.path.join(DATA, "sites", "articles", "zh-gbk.html"), "rb") as f:
        page = f.read()
    with Workdir() as work:
        path = os.path.join(work.path, "page.html")
        with open(path, "wb") as f:
            f.write(page)
        import subprocess
        from loopback import BINARY, time_scale
        with open(path, "rb") as f:
            proc = subprocess.run([BINARY, "summarize", "--json", "--max-chars", "60", "-"],
                                  stdin=f, capture_output=True, cwd=work.path,
                                  timeout=60 * time_scale())
    expect(proc.returncode == 0, proc.stderr)
    o = json.loads(proc.stdout.decode("utf-8"))
    expect(o["title"].startswith("城市地铁新线今日开通"), o)
    expect(o["summary"].startswith("经过五年建设"), o)  # "本报讯" is a dateline
    expect(ends_well(o["summary"]) and o["chars"] <= 60, o)


def test_url_through_the_http_engine():
    with SiteServer() as site:
        site.override("/story.html", "articles/en-news.html", kind="text/html; charset=utf-8")
        code, out, err = summarize(["--json", site.base + "/story.html"])
        expect(code == 0, err)
        o = json.loads(out)
        expect(o["title"] == "Tidal power plant opens on the Orkney coast", o)
        expect(any(p == "/story.html" for p, _ in site.requests), site.requests)
        code, out, err = summarize([site.base + "/status/404"])
        expect(code == 1 and "404" in err, (code, err))


def test_configured_llm_is_used():
    title, _, _, text = article("zh-08-unitree.txt")
    with LLMServer() as llm, Workdir() as work:
        config = work.write("newsbrief.yaml",
                            "summarizer:\n  type: llm\n  api_base: %s\n  api_key: test-key\n"
                            "  model: test-model\n  timeout: 5s\n  max_retries: 0\n"
                            "  min_chars: 40\n  max_chars: 200\n" % llm.api_base)
        path = work.write("a.txt", title + "\n\n" + text + "\n")
        code, out, err = run(["summarize", "--json", "--language", "en", "--config", config,
                              path], cwd=work.path)
        expect(code == 0, err)
        o = json.loads(out)
        expect(o["method"] == "llm:test-model" and o["language"] == "en", o)
        expect(len(llm.requests) == 1, llm.requests)
        prompt = llm.requests[0][2].decode("utf-8")
        expect(json.dumps(title)[1:-1] in prompt or title in prompt, prompt)
        expect(o["summary"] and o["chars"] <= 200, o)
        # the LLM failing: the chain falls back to the offline summarizer
    with LLMServer(mode="500") as llm, Workdir() as work:
        config = work.write("newsbrief.yaml",
                            "summarizer:\n  type: llm\n  api_base: %s\n  api_key: test-key\n"
                            "  model: test-model\n  timeout: 5s\n  max_retries: 0\n" % llm.api_base)
        path = work.write("a.txt", title + "\n\n" + text + "\n")
        code, out, err = run(["summarize", "--json", "--config", config, path], cwd=work.path)
        expect(code == 0, err)
        o = json.loads(out)
        expect(o["method"] == "extractive" and o["summary"].startswith("杭州人形机器人企业宇树科技"),
               o)


def test_option_and_input_errors():
    code, out, err = summarize(["/no/such/file.txt"])
    expect(code == 2 and "/no/such/file.txt" in err, (code, err))
    code, out, err = summarize(["--max-chars", "ten", "x"])
    expect(code == 2 and "--max-chars" in err, (code, err))
    code, out, err = summarize(["--max-chars", "50", "--min-chars", "80", "x"])
    expect(code == 2 and "--min-chars" in err, (code, err))
    code, out, err = summarize(["--language", "fr", "x"])
    expect(code == 2 and "zh or en" in err, (code, err))
    code, out, err = summarize([])
    expect(code == 2 and "missing argument" in err, (code, err))
    code, out, err = summarize(["-"], stdin="")
    expect(code == 1 and "no sentence" in err, (code, err))
    code, out, err = run(["extract", "--max-chars", "10", "x"])
    expect(code == 2 and "unknown option" in err, (code, err))
    code, out, err = run(["summarize", "--help"])
    expect(code == 0 and "--max-chars" in out and "--language" in out, out)


def test_test_articles_end_at_a_sentence_end():
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ARTICLES, "*.txt")))
    expect(len(names) >= 16, names)
    with Workdir() as work:
        for name in names:
            title, low, high, text = article(name)
            path = work.write(name, title + "\n\n" + text + "\n")
            for budget in ((low, high), (100, 200)):
                code, out, err = summarize(["--min-chars", str(budget[0]), "--max-chars",
                                            str(budget[1]), path])
                summary = out.rstrip("\n")
                expect(code == 0 and summary, (name, err))
                expect(len(summary) <= budget[1], (name, summary))
                expect(ends_well(summary), "%s ends inside a sentence: %s" % (name, summary))


def demo_summaries(briefing):
    """The summary paragraph of every item of a briefing."""
    summaries = []
    for block in briefing.split("\n## ")[1:]:
        lines = [l for l in block.split("\n")[1:] if l.strip()]
        text = [l for l in lines if not l.startswith(("![", "---", "相关报道", "#"))]
        if text:
            summaries.append(text[0])
    return summaries


def test_demo_summaries_end_at_a_sentence_end():
    code, out, err = run(["demo", "-v"], timeout=120)
    expect(code == 0, err)
    summaries = demo_summaries(out)
    expect(len(summaries) == 30, len(summaries))
    extractive = len(re.findall(r"path=extractive", err))
    expect(extractive >= 10, "only %d offline summaries in the demo" % extractive)
    for s in summaries:
        expect(ends_well(s), "demo summary ends inside a sentence: %s" % s)
        expect(len(s) <= 200, s)


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
