# SPDX-License-Identifier: MIT
"""End to end: a feed entry whose title and summary try to mention everyone, colour text,
inject tags, format, link elsewhere and start new lines goes through every channel (the
platform emulators record what arrives, a real SMTP server receives the mail, the file and
stdout are rendered by a real GFM parser): nothing of it arrives as anything but text."""
import email
import email.policy
import html.parser
import json
import mailbox
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from loopback import SiteServer, Workdir, expect, run, run_tests, time_scale  # noqa: E402
from platforms import (DINGTALK_SECRET, DINGTALK_TOKEN, FEISHU_SECRET, FEISHU_TOKEN,  # noqa: E402
                       TELEGRAM_CHAT, TELEGRAM_TOKEN, WECOM_KEY, PlatformServer)

NOW = "2025-04-07T12:00:00+08:00"
NOW_EPOCH = 1743998400
ITEM_URL = "https://hostile.example.org/p/1"
IMAGE_URL = "https://hostile.example.org/i.png"
FAST = "    retry_floor: 0s\n    per_minute: 0\n    per_second: 0\n"

# What would mention, colour, tag, format or link in some dialect if it arrived as written.
MENTIONS = ("@all", "@everyone", "@here", "<@", "<!channel>", "<!here>", "<at ")
TAGS = ("<at", "<font", "<script", "<img", "</")
FORMATS = ("**粗体**", "*斜体*", "_斜体_", "~~删除~~", "`代码`", "](https://evil")
TITLE_WORDS = ("所有人", "红字", "粗体", "删除", "代码", "点我")
SUMMARY_WORDS = ("标题", "链接", "正文结束")


def expect_none(text, needles, what):
    for n in needles:
        expect(n not in text, "%s carries %r:\n%s" % (what, n, text[:3000]))


def expect_words(text, what, words=TITLE_WORDS + SUMMARY_WORDS):
    """The text of the entry still arrives, only inert."""
    for word in words:
        expect(word in text, "%s lost %r:\n%s" % (what, word, text[:3000]))


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.hrefs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k in ("href", "src")]

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text):
    p = _Tags()
    p.feed(text)
    p.close()
    return p


def expect_markdown_inert(markdown, what):
    """Renders with cmark-gfm (raw HTML let through, so any would show) and checks that
    the page holds only the briefing's own structure."""
    proc = subprocess.run(["cmark-gfm", "--unsafe", "-e", "autolink", "-e", "strikethrough",
                           "-e", "table", "-e", "tasklist"], input=markdown.encode(),
                          capture_output=True, check=True)
    page = parse_html(proc.stdout.decode())
    unexpected = set(page.tags) - {"h1", "h2", "p", "a", "img", "hr"}
    expect(not unexpected, "%s renders %s:\n%s" % (what, unexpected, proc.stdout.decode()[:3000]))
    # links: the item and its image; a bare address may be linked as itself
    bare = [h for h in page.hrefs if h not in (ITEM_URL, IMAGE_URL)]
    expect(all(h in "".join(page.text) for h in bare), "%s links elsewhere: %s" % (what, bare))
    expect(page.tags.count("h2") == 1 and page.tags.count("p") <= 3,
           "%s structure: %s" % (what, page.tags))
    expect_none("".join(page.text), ("**粗体**" "\u202e",), what)
    expect_words("".join(page.text), what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def channels(platforms, work, smtp_port):
    base = platforms.base
    extra = (
        "  wecom-text:\n    type: wecom\n    url: %s/cgi-bin/webhook/send?key=%s\n"
        "    mode: text\n    images: news\n%s"
        "  feishu-card:\n    type: feishu\n    url: %s/open-apis/bot/v2/hook/%s\n"
        "    secret: %s\n    format: card\n%s"
        "  telegram-photos:\n    type: telegram\n    api_base: %s\n    token: %s\n"
        "    chat_id: \"%s\"\n    photos: true\n%s"
        "  mail:\n    type: email\n    smtp_url: smtp://127.0.0.1:%d\n    starttls: false\n"
        "    from: bot@example.com\n    to: team@example.com\n"
        "  page:\n    type: file\n    path: %s/page.md\n"
        "  out:\n    type: stdout\n"
        % (base, WECOM_KEY, FAST, base, FEISHU_TOKEN, FEISHU_SECRET, FAST, base, TELEGRAM_TOKEN,
           TELEGRAM_CHAT, FAST, smtp_port, work.path))
    overrides = {name: FAST for name in ("wecom", "feishu", "dingtalk", "telegram", "slack",
                                         "discord", "ntfy", "webhook")}
    return platforms.channels_yaml(**overrides) + extra


def check_wecom(platforms):
    messages = platforms.accepted("wecom")
    markdown = [m["markdown"]["content"] for m in messages if m["msgtype"] == "markdown"]
    texts = [m["text"]["content"] for m in messages if m["msgtype"] == "text"]
    cards = [a for m in messages if m["msgtype"] == "news" for a in m["news"]["articles"]]
    expect(len(markdown) == 1 and len(texts) == 1 and len(cards) == 1,
           "WeCom got %d markdown, %d text, %d cards" % (len(markdown), len(texts), len(cards)))
    md = markdown[0]
    # one heading, one item line, one link: to the item
    expect(re.findall(r"\]\((\S+?)\)", md) == [ITEM_URL], md)
    expect(md.count("\n## ") == 1 and md.count("\n#") == 1, md)
    expect_none(md, MENTIONS + TAGS + FORMATS, "WeCom markdown")
    for what, text in (("WeCom text", texts[0]),  # plain: marks are only characters there
                       ("WeCom card", cards[0]["title"] + cards[0]["description"])):
        expect_none(text, MENTIONS + TAGS, what)
    expect_none(md.split("\n", 1)[1], ("<", ">", "*", "`", "~", "\\"), "WeCom markdown marks")
    expect_words(md, "WeCom markdown")
    expect_words(texts[0], "WeCom text")
    expect(texts[0].count("\n") == 4, "WeCom text lines: %r" % texts[0])


def check_feishu(platforms):
    messages = platforms.accepted("feishu")
    posts = [m for m in messages if m["msg_type"] == "post"]
    cards = [m for m in messages if m["msg_type"] == "interactive"]
    expect(len(posts) == 1 and len(cards) == 1, "Feishu: %d posts, %d cards" % (len(posts),
                                                                               len(cards)))
    lines = posts[0]["content"]["post"]["zh_cn"]["content"]
    tags = [t for line in lines for t in line]
    expect(all(t["tag"] in ("text", "a") for t in tags), tags)
    expect([t["href"] for t in tags if t["tag"] == "a"] == [ITEM_URL], tags)
    post_text = "".join(t["text"] for t in tags)
    expect_none(post_text, MENTIONS[:4], "Feishu post")  # text tags are plain: only "@" counts
    expect_words(post_text, "Feishu post")
    elements = cards[0]["card"]["elements"]
    md = "".join(e["text"]["content"] for e in elements if e["tag"] == "div")
    expect_none(md, MENTIONS + TAGS + FORMATS, "Feishu lark_md")
    expect(md.count("**") == 2 and md.startswith("**1. ["), md)  # the item line's own bold
    expect(re.findall(r"\]\((\S+?)\)", md) == [ITEM_URL], md)
    expect_none(md.replace("**", "", 2), ("<", ">", "*", "`", "~", "\\", "\n#"),
                "Feishu lark_md marks")
    expect_words(md, "Feishu lark_md")


def check_dingtalk(platforms):
    messages = platforms.accepted("dingtalk")
    expect(len(messages) == 1, "DingTalk: %d" % len(messages))
    text = messages[0]["markdown"]["text"]
    expect(messages[0]["at"] == {"isAtAll": False}, messages[0].get("at"))
    expect(re.findall(r"\]\((\S+?)\)", text) == [ITEM_URL, IMAGE_URL], text)
    expect_none(text, MENTIONS + TAGS + FORMATS, "DingTalk")
    body = text.split("\n", 1)[1]
    expect(body.count("\n#") == 1 and "\n>" not in body and "\n-" not in body, text)
    expect_words(text, "DingTalk")


def check_telegram(platforms):
    messages = platforms.accepted("telegram")
    texts = [m["text"] for m in messages if "text" in m]
    captions = [m["caption"] for m in messages if "caption" in m]
    expect(len(texts) == 1 and len(captions) == 1, "Telegram: %d texts, %d photos"
           % (len(texts), len(captions)))
    for what, markup in (("Telegram text", texts[0]), ("Telegram caption", captions[0])):
        parsed = parse_html(markup)  # the emulator already refused unbalanced or unknown tags
        expect(set(parsed.tags) <= {"b", "a"} and parsed.hrefs == [ITEM_URL],
               "%s: %s %s" % (what, parsed.tags, parsed.hrefs))
        visible = "".join(parsed.text)
        expect_none(visible, ("@all", "@everyone", "@here", "@U024"), what)  # mentions
        expect_words(visible, what)
        expect(visible.count("\n") == (3 if what == "Telegram text" else 1),
               "%s lines: %r" % (what, visible))


def check_slack(platforms):
    messages = platforms.accepted("slack")
    sections = [b["text"]["text"] for m in messages for b in m["blocks"]
                if b["type"] == "section"]
    expect(len(sections) == 1, sections)
    text = sections[0]
    # the only <...> is the item's link
    expect(re.findall(r"<([^>]*)>", text) and
           all(x.startswith(ITEM_URL + "|") for x in re.findall(r"<([^>]*)>", text)), text)
    expect(len(re.findall(r"<", text)) == 1, text)
    expect_none(text, MENTIONS + ("*粗体*", "_斜体_", "~删除~", "`代码`"), "Slack")
    expect(text.count("*") == 2 and text.startswith("*1. <"), text)  # the item line's bold
    expect(text.count("\n") == 1 and "\n&gt;" not in text and "\n>" not in text, text)
    expect_words(text, "Slack")


def check_discord(platforms):
    messages = platforms.accepted("discord")
    embeds = [e for m in messages for e in m["embeds"]]
    expect(len(embeds) == 1 and embeds[0]["url"] == ITEM_URL, embeds)
    for field in ("title", "description"):
        text = embeds[0][field]
        expect_none(text, ("@everyone", "@here", "@all"), "Discord " + field)
        # every mark escaped: remove the escapes, nothing that formats may remain
        stripped = re.sub(r"\\.", "", text)
        expect_none(stripped, ("*", "_斜", "~", "`", "|", "[", "]", "<", ">"),
                    "Discord " + field)
        expect("\n" not in text and not stripped.lstrip("0123456789. ").startswith("#"), text)
        expect_words(text, "Discord " + field,
                     TITLE_WORDS if field == "title" else SUMMARY_WORDS)


def check_ntfy(platforms):
    messages = platforms.accepted("ntfy")
    expect(len(messages) == 1 and "markdown" not in messages[0], messages)
    lines = messages[0]["message"].split("\n")
    # "1. title  time", the summary, the link: nothing forged a line
    expect(len(lines) == 3 and lines[0].startswith("1. ") and lines[2] == ITEM_URL, lines)
    expect_words(messages[0]["message"], "ntfy")


def check_webhook(platforms):
    pages = platforms.accepted("webhook")
    expect(len(pages) == 1, pages)
    expect_markdown_inert(pages[0]["markdown"], "webhook markdown")
    # the items are data: the title as the source wrote it, in one JSON string
    item = pages[0]["items"][0]
    expect(item["url"] == ITEM_URL and "<at id=all>" in item["title"], item)


def check_mail(maildir):
    box = mailbox.Maildir(maildir, factory=None)
    keys = list(box.keys())
    expect(len(keys) == 1, "%d mails" % len(keys))
    mail = email.message_from_bytes(box.get_file(keys[0]).read(), policy=email.policy.default)
    page = parse_html(mail.get_body(("html",)).get_content())
    unexpected = set(page.tags) - {"html", "head", "meta", "body", "h1", "h2", "a", "small", "p",
                                   "img", "hr"}
    expect(not unexpected, "mail HTML has %s" % unexpected)
    expect(sorted(set(page.hrefs)) == [IMAGE_URL, ITEM_URL], page.hrefs)
    expect_words("".join(page.text), "mail HTML")
    expect_markdown_inert(mail.get_body(("plain",)).get_content(), "mail text")


def test_hostile_entry_is_text_in_every_channel():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work, \
            tempfile.TemporaryDirectory() as scratch:
        maildir = os.path.join(scratch, "Maildir")
        mailbox.Maildir(maildir, create=True)
        port = free_port()
        smtp = subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
                                 "127.0.0.1:%d" % port, "-c", "aiosmtpd.handlers.Mailbox",
                                 maildir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10 * time_scale()
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    expect(time.monotonic() < deadline and smtp.poll() is None,
                           "the SMTP server did not start")
                    time.sleep(0.05)
            path = work.write("newsbrief.yaml", (
                "newsbrief:\n  database: %s/nb.db\n  timezone: Asia/Shanghai\n  window: 24h\n"
                "sources:\n  hostile:\n    type: feed\n    url: %s/feeds/hostile.json\n"
                "%s") % (work.path, site.base, channels(platforms, work, port)))
            code, out, err = run(["run", "--config", path, "--now", NOW])
            expect(code == 0 and err == "", "exit %d:\n%s" % (code, err))
            checks = (("stdout", lambda: expect_markdown_inert(out, "stdout")),
                      ("file", lambda: expect_markdown_inert(
                          open(os.path.join(work.path, "page.md"), encoding="utf-8").read(),
                          "file")),
                      ("wecom", lambda: check_wecom(platforms)),
                      ("feishu", lambda: check_feishu(platforms)),
                      ("dingtalk", lambda: check_dingtalk(platforms)),
                      ("telegram", lambda: check_telegram(platforms)),
                      ("slack", lambda: check_slack(platforms)),
                      ("discord", lambda: check_discord(platforms)),
                      ("ntfy", lambda: check_ntfy(platforms)),
                      ("webhook", lambda: check_webhook(platforms)),
                      ("mail", lambda: check_mail(maildir)))
            failures = []
            for name, check in checks:  # every channel is checked, then all failures told
                try:
                    check()
                except AssertionError as e:
                    failures.append("%s: %s" % (name, e))
            expect(not failures, "\n\n".join(failures))
        finally:
            smtp.terminate()
            smtp.wait(timeout=10 * time_scale())


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
