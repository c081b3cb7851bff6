# SPDX-License-Identifier: MIT
"""End to end: the briefing's header in its language (newsbrief.language) or from the
`header` template, in the Markdown output and in the chat platforms' messages."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402
from platforms import PlatformServer  # noqa: E402

NOW = "2025-04-07T10:45:00+08:00"
NOW_EPOCH = 1743993900
FAST = "    retry_floor: 0s\n    per_minute: 0\n    per_second: 0\n"


def briefing(general, channels=""):
    with SiteServer() as site, Workdir() as work:
        path = work.write("newsbrief.yaml", (
            "newsbrief:\n  database: %s/nb.db\n  timezone: Asia/Shanghai\n  window: 24h\n%s"
            "sources:\n  lab:\n    type: feed\n    url: %s/feeds/atom-utc.xml\n%s")
            % (work.path, general, site.base, channels))
        return run(["run", "--config", path, "--now", NOW])


def test_default_is_chinese():
    code, out, err = briefing("")
    expect(code == 0 and out.startswith("# 新闻简报 (更新时间: 2025-04-07 10:45)\n"), out[:200] + err)


def test_english_label():
    code, out, err = briefing("  language: en\n  title: AI News\n")
    expect(code == 0 and out.startswith("# AI News (Updated: 2025-04-07 10:45)\n"), out[:200] + err)
    expect("更新时间" not in out, out[:200])


def test_header_template_in_every_channel():
    with PlatformServer(NOW_EPOCH) as platforms:
        channels = platforms.channels_yaml(only=("wecom", "telegram", "slack"), wecom=FAST,
                                           telegram=FAST, slack=FAST)
        channels += "  out:\n    type: stdout\n"
        code, out, err = briefing("  language: en\n  title: AI News\n"
                                  "  header: \"{title} · {time} (Beijing)\"\n", channels)
        expect(code == 0, err)
        want = "AI News · 2025-04-07 10:45 (Beijing)"
        expect(out.startswith("# %s\n" % want), out[:200])
        wecom = platforms.accepted("wecom")
        expect(wecom and wecom[0]["markdown"]["content"].startswith("# " + want), wecom[:1])
        telegram = platforms.accepted("telegram")
        expect(telegram and telegram[0]["text"].startswith("<b>%s</b>" % want), telegram[:1])
        slack = platforms.accepted("slack")
        expect(slack and slack[0]["text"] == want, slack[:1])


def test_bad_language_is_a_configuration_error():
    code, out, err = briefing("  language: fr\n")
    expect(code == 2 and "newsbrief.language: \"fr\" is not zh or en" in err, err)


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
