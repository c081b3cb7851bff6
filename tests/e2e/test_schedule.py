"""End to end: `newsbrief schedule` (an expression, the configured schedules, text and JSON,
errors) and the schedules: section's checks in `check-config`."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from loopback import Workdir, expect, expect_equal, run, run_tests  # noqa: E402

CONFIG = """\
newsbrief:
  database: {db}
  timezone: {zone}
sources:
  lab:
    type: feed
    url: http://127.0.0.1:9/feed.xml
channels:
  out:
    type: stdout
schedules:
  briefing:
    cron: "45 10,15,20 * * *"
    channels: [out]
  collect:
    cron: "*/20 * * * *"
    deliver: false
{extra}"""


def write_config(work, zone="Asia/Shanghai", extra=""):
    return work.write("newsbrief.yaml", CONFIG.format(db=os.path.join(work.path, "nb.db"),
                                                      zone=zone, extra=extra))


def test_expression_text():
    code, out, err = run(["schedule", "45 10,15,20 * * *", "--from",
                          "2025-04-07T10:44:55+08:00", "-n", "4"], cwd="/")
    expect(code == 0, "exit %d: %s" % (code, err))
    expect_equal(out, "45 10,15,20 * * *  (Asia/Shanghai)\n"
                      "  2025-04-07 10:45 +08:00   2025-04-07 02:45 UTC\n"
                      "  2025-04-07 15:45 +08:00   2025-04-07 07:45 UTC\n"
                      "  2025-04-07 20:45 +08:00   2025-04-07 12:45 UTC\n"
                      "  2025-04-08 10:45 +08:00   2025-04-08 02:45 UTC\n", "schedule output")


def test_configured_schedules_in_new_york_json():
    with Workdir() as work:
        path = write_config(work, zone="America/New_York")
        code, out, err = run(["schedule", "-c", path, "--json", "-n", "3", "--now",
                              "2025-11-02T00:30:00-04:00"])
        expect(code == 0, "exit %d: %s" % (code, err))
        doc = json.loads(out)
        expect(doc["timezone"] == "America/New_York", out)
        expect(doc["from"] == "2025-11-02T04:30:00Z", out)
        names = [s["name"] for s in doc["schedules"]]
        expect(names == ["briefing", "collect"], names)
        collect = doc["schedules"][1]["next"]
        # a "*" job follows the clock through the repeated hour
        expect([t["local"] for t in collect] == ["2025-11-02T00:40:00-04:00",
                                                 "2025-11-02T01:00:00-04:00",
                                                 "2025-11-02T01:20:00-04:00"], collect)
        expect(collect[0]["utc"] == "2025-11-02T04:40:00Z", collect)
        briefing = doc["schedules"][0]["next"]
        expect(briefing[0]["local"] == "2025-11-02T10:45:00-05:00", briefing)


def test_expression_uses_configured_zone():
    with Workdir() as work:
        path = write_config(work, zone="UTC")
        code, out, err = run(["schedule", "@daily", "-c", path, "-n", "1", "--from",
                              "2025-04-07T12:00:00Z"])
        expect(code == 0, err)
        expect_equal(out, "@daily  (UTC)\n  2025-04-08 00:00 +00:00   2025-04-08 00:00 UTC\n",
                     "schedule in UTC")


def test_bad_expressions_exit_2_with_one_line():
    cases = {
        "60 * * * *": "cron: minute field: 60 is out of range 0-59",
        "* * 0 * *": "cron: day-of-month field: 0 is out of range 1-31",
        "5-1 * * * *": "cron: minute field: range 5-1 is backwards",
        "* * * * 8": "cron: day-of-week field: 8 is out of range 0-7",
        "* * * *": "got 4",
        "* * * * * *": "got 6",
        "0 0 30 2 *": "day 30 never comes in month feb",
    }
    for expr, message in cases.items():
        code, out, err = run(["schedule", expr], cwd="/")
        expect(code == 2, "%r: exit %d" % (expr, code))
        expect(out == "", "%r printed %r" % (expr, out))
        expect(len(err.splitlines()) == 1 and message in err, "%r: %r" % (expr, err))


def test_bad_options():
    for args in (["-n", "0", "@daily"], ["-n", "x", "@daily"], ["--from", "soon", "@daily"]):
        code, out, err = run(["schedule"] + args, cwd="/")
        expect(code == 2 and len(err.splitlines()) == 1, "%s: %d %r" % (args, code, err))


def test_config_errors_name_file_line_column():
    cases = [
        ('  weekly:\n    cron: "0 9 * * 8"\n',
         ":19:11: schedules.weekly.cron: cron: day-of-week field: 8 is out of range 0-7"),
        ('  team:\n    cron: "@daily"\n    channels: [out, team-wecom]\n',
         ":20:21: schedules.team.channels: unknown channel \"team-wecom\" (configured: out)"),
        ('  some:\n    cron: "@hourly"\n    sources: [lab, nope]\n',
         ":20:20: schedules.some.sources: unknown source \"nope\" (configured: lab)"),
    ]
    for extra, message in cases:
        with Workdir() as work:
            path = write_config(work, extra=extra)
            for command in (["check-config"], ["schedule"]):
                code, out, err = run(command + ["-c", path])
                expect(code == 2, "%s: exit %d for %r" % (command, code, extra))
                expect(path + message in err, "%s: %r, want %r" % (command, err, message))


def test_check_config_prints_schedules():
    with Workdir() as work:
        path = write_config(work)
        code, out, err = run(["check-config", "-c", path])
        expect(code == 0, err)
        expect("schedules:\n  \"briefing\":\n    cron: \"45 10,15,20 * * *\"\n" in out, out)
        expect("    deliver: false\n" in out and "catch_up: 1h" in out, out)
        expect("max_wait_in_run: 30s" in out and "shutdown_timeout: 20s" in out, out)


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
