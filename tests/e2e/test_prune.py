# SPDX-License-Identifier: MIT
"""End to end: `newsbrief prune` applies retention: (article texts, items, briefings),
--dry-run only counts, removed items are not collected again as new, and retention shorter
than the window is a configuration error. Runs on either store: `test_prune.py
[sqlite|postgresql]` (skipped with the reason without a test PostgreSQL)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pgtest  # noqa: E402
from loopback import SiteServer, Workdir, expect, run, run_tests  # noqa: E402

NOW = "2025-04-07T20:46:00+08:00"


def write_config(work, site, retention=""):
    return work.write("newsbrief.yaml", (
        "newsbrief:\n  database: \"%s\"\n  window: 24h\n"
        "sources:\n  aibase:\n    type: aibase\n    base_url: %s\n    delay_ms: 0\n"
        "channels:\n  out:\n    type: file\n    path: %s/briefing.md\n%s")
        % (pgtest.database_of(work), site.base, work.path, retention))


def count(work, sql):
    return pgtest.scalar(pgtest.database_of(work), sql)


def test_prune_texts_then_items_and_briefings():
    with SiteServer() as site, Workdir() as work:
        path = write_config(work, site, "retention:\n  article_text: 2d\n  items: 10d\n"
                                        "  briefings: 10d\n")
        code, out, err = run(["run", "--config", path, "--now", NOW])
        expect(code == 0, err)
        items = count(work, "SELECT COUNT(*) FROM items")
        texts = count(work, "SELECT COUNT(*) FROM items WHERE content IS NOT NULL")
        expect(items >= 4 and texts >= 1, "%d items, %d texts" % (items, texts))
        # three days later: only the texts go
        code, out, err = run(["prune", "--config", path, "--now", "2025-04-10T11:00:00+08:00",
                              "--dry-run"])
        expect(code == 0 and out.startswith("would remove: article text of %d items, 0 items, "
                                            "0 cached summaries, 0 briefings, 0 messages" % texts),
               out + err)
        expect(count(work, "SELECT COUNT(*) FROM items WHERE content IS NOT NULL") == texts,
               "the dry run changed the database")
        code, out, err = run(["prune", "--config", path, "--now", "2025-04-10T11:00:00+08:00"])
        expect(code == 0 and out.startswith("removed: article text of %d items, 0 items" % texts),
               out + err)
        expect(count(work, "SELECT COUNT(*) FROM items WHERE content IS NOT NULL") == 0, "texts")
        expect(count(work, "SELECT COUNT(*) FROM items WHERE title != ''") == items, "titles")
        # eleven days later: items and the briefing go; their keys stay
        later = "2025-04-18T11:00:00+08:00"
        code, out, err = run(["prune", "--config", path, "--now", later])
        expect(code == 0 and "removed: article text of 0 items, %d items" % items in out
               and "1 briefings" in out, out + err)
        expect(count(work, "SELECT COUNT(*) FROM items") == 0, "items left")
        expect(count(work, "SELECT COUNT(*) FROM forgotten_items") == items, "keys")
        # the sources serve the same entries again: nothing is new, nothing is briefed
        code, out, err = run(["run", "--config", path, "--now", later, "-v"])
        expect(code == 0 and "new=0" in err, err)
        expect(count(work, "SELECT COUNT(*) FROM items") == 0, "forgotten items came back")


def test_retention_shorter_than_the_window_is_an_error():
    with SiteServer() as site, Workdir() as work:
        path = write_config(work, site, "retention:\n  items: 1h\n")
        code, out, err = run(["check-config", "--config", path])
        expect(code == 2 and ":14:3: retention.items: 3600s is shorter than newsbrief.window "
               "(86400s)" in err, err)


if __name__ == "__main__":
    pgtest.engine(sys.argv)
    sys.exit(run_tests(dict(globals())))
