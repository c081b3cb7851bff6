# SPDX-License-Identifier: MIT
"""End to end: Slack, Discord, ntfy and webhook emulators, and a real SMTP server
(Debian's aiosmtpd) receiving the briefing as one mail. Runs on either store:
`test_more_channels.py [sqlite|postgresql]` (skipped with the reason without a test
PostgreSQL)."""
import email
import email.policy
import json
import mailbox
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import (MailServer, SiteServer, Workdir, closed_port, duration,  # noqa: E402
                      expect, run, run_tests, wait_until)
from platforms import PlatformServer  # noqa: E402
from test_channels import FAST, NOW, NOW_EPOCH, all_urls, item_urls  # noqa: E402


def write_config(work, site, channels_text):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n  window: 72h\n  max_items: 35\n"
        "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n"
        "  jiqizhixin:\n    type: jiqizhixin\n    base_url: %s\n    delay_ms: 0\n%s")
        % (pgtest.database_of(work), site.base, site.base, channels_text))


def test_slack_discord_ntfy_webhook():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        expected = all_urls(site)
        text = platforms.channels_yaml(only=("slack", "discord", "ntfy", "webhook"),
                                       slack=FAST, discord=FAST, ntfy=FAST, webhook=FAST)
        platforms.script["webhook"] = ["error500"]
        path = write_config(work, site, text)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        # Slack: sections of whole items, links as <url|text>
        slack = platforms.accepted("slack")
        sections = [b["text"]["text"] for m in slack for b in m["blocks"] if b["type"] == "section"]
        expect(len(sections) == 34 and all(re.match(r"\*\d+\. <https://\S+\|.+>\*  2025", s)
                                           for s in sections), sections[:2])
        expect(item_urls("\n".join(sections)) == expected, "Slack items")
        expect(any("相关报道：<https://news.aibase.com/zh/news/16890|AIbase>" in x
                   for x in sections), "Slack related link")
        expect(all(len(m["blocks"]) <= 50 for m in slack), "blocks")
        # Discord: one embed per item, in order, with images
        embeds = [e for m in platforms.accepted("discord") for e in m["embeds"]]
        expect([e["url"] for e in embeds] == expected, "Discord items")
        expect(sum(1 for e in embeds if "image" in e) == 30, "Discord images")
        # ntfy: plain text, the first item's link as the click action
        ntfy = platforms.accepted("ntfy")
        expect(ntfy and all("](" not in m["message"] for m in ntfy), "markdown in ntfy")
        expect(item_urls("\n".join(m["message"] for m in ntfy)) == expected, "ntfy items")
        expect(ntfy[0]["click"] == expected[0], ntfy[0].get("click"))
        # webhook: signed (the emulator checks), the same delivery id on the retry
        pages = platforms.accepted("webhook")
        expect([p["page"] for p in pages] == list(range(1, 5)) and pages[0]["pages"] == 4,
               [p["page"] for p in pages])
        ids = platforms.httpd.deliveries
        expect(len(ids) == 4, ids)
        webhook_requests = platforms.requests("webhook")
        expect(len(webhook_requests) == 5, "one retry")
        expect([i["url"] for p in pages for i in p["items"]] == expected, "webhook items")
        expect(pages[0]["items"][0]["published_at"].endswith("Z") and "sent_at" in pages[0],
               pages[0]["items"][0])


def test_a_request_past_the_channel_timeout_is_sent_again():
    """The channel's timeout applies; a platform slower than it gets the message twice (why
    the tests give every channel a timeout scaled by NB_TEST_TIME_SCALE)."""
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        short = ("    retry_floor: 0s\n    per_minute: 0\n    per_second: 0\n"
                 "    timeout: %s\n" % duration(1))
        platforms.script["ntfy"] = ["slow"]  # the first answer comes three timeouts late
        path = write_config(work, site, platforms.channels_yaml(only=("ntfy",), ntfy=short))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        timeouts = [line for line in err.splitlines() if "channel=ntfy" in line
                    and "timed out" in line]
        expect(timeouts, "want a timeout line:\n" + err)
        requests = platforms.requests("ntfy")
        expect(len(requests) >= 2 and requests[0][2] == requests[1][2],
               "the timed-out message was not sent again")
        # the slow request was processed too, once its answer was late: a duplicate
        platforms.wait_for_requests(len(requests), "ntfy")
        wait_until(lambda: len(platforms.accepted("ntfy")) == len(requests),
                   "the slow request to be processed")


def test_webhook_template():
    with SiteServer() as site, PlatformServer(NOW_EPOCH) as platforms, Workdir() as work:
        text = platforms.channels_yaml(only=("webhook",), webhook=FAST + (
            "    template: '{\"msgtype\": \"text\", \"text\": {\"content\": {content}},"
            " \"title\": {title}, \"n\": {page}}'\n"))
        path = write_config(work, site, text)
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        bodies = platforms.accepted("webhook")
        expect(bodies and bodies[0]["msgtype"] == "text" and bodies[0]["n"] == 1, bodies[:1])
        expect(bodies[0]["text"]["content"].startswith("# 新闻简报"), bodies[0]["text"])
        bad = text.replace('{content}},', '{content}},,')
        work.write("newsbrief.yaml", open(path).read().replace(text, bad))
        code, out, err = run(["check-config", "--config", path])
        expect(code == 2 and "template is not JSON" in err, err)


def test_email_through_a_real_smtp_server():
    with SiteServer() as site, Workdir() as work, tempfile.TemporaryDirectory() as scratch, \
            MailServer(os.path.join(scratch, "Maildir")) as smtp:
        expected = all_urls(site)
        path = write_config(work, site, (
            "channels:\n  mail:\n    type: email\n    smtp_url: smtp://127.0.0.1:%d\n"
            "    starttls: false\n    from: bot@example.com\n"
            "    to: [team@example.com, lead@example.com]\n" % smtp.port))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        box = mailbox.Maildir(smtp.maildir, factory=None)
        keys = list(box.keys())
        expect(len(keys) == 1, "%d mails" % len(keys))
        raw = box.get_file(keys[0]).read()  # the bytes as received
        expect(max(len(line) for line in raw.split(b"\n")) <= 998, "a line over 998 bytes")
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        expect(mail["Subject"] == "新闻简报 (更新时间: 2025-04-07 20:46)", mail["Subject"])
        expect(mail["To"] == "team@example.com, lead@example.com", mail["To"])
        expect(mail.get_content_type() == "multipart/alternative", mail.get_content_type())
        plain = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        expect(item_urls(plain) == expected, "text part items")
        expect(item_urls(html) == expected, "HTML part items")
        expect(html.count("<img src=") == 30, "HTML images")
        expect("相关报道：<a href=\"https://news.aibase.com/zh/news/16890\">AIbase</a>" in html,
               "HTML related link")
        expect(plain.startswith("# 新闻简报 (更新时间: 2025-04-07 20:46)\n"), plain[:80])


def test_email_refused_by_the_server_is_a_clear_error():
    with SiteServer() as site, Workdir() as work, closed_port() as port:
        # nothing listens: a network error, kept for the next run
        path = write_config(work, site, (
            "channels:\n  mail:\n    type: email\n    smtp_url: smtp://127.0.0.1:%d\n"
            "    starttls: false\n    from: bot@example.com\n    to: team@example.com\n" % port))
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 1 and "channel=mail error=retry" in err, err)
        code, out, err = run(["outbox", "--config", path, "--json"])
        rows = json.loads(out)
        expect(len(rows) == 1 and rows[0]["status"] == "pending", rows)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(globals()))
