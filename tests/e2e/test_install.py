"""End to end: `cmake --install` of the build into a DESTDIR tree (what `make install` and
the Debian package do): the binary runs, both man pages format without warnings, the
systemd units verify, and the man pages and bash completion are in step with --help and
docs/CONFIG.md."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from loopback import BINARY, expect, run, run_tests  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.dirname(os.path.abspath(BINARY))


def prefix():
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("CMAKE_INSTALL_PREFIX:"):
                return line.split("=", 1)[1].strip()
    raise AssertionError("no CMAKE_INSTALL_PREFIX in the build's cache")


def roff_text(path):
    """A man page's words, roff escapes undone enough for a search."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text.replace("\\-", "-").replace("\\fR", "").replace("\\fI", "").replace("\\fB", "")


def install(dest):
    env = dict(os.environ, DESTDIR=dest)
    proc = subprocess.run(["cmake", "--install", BUILD], env=env, capture_output=True)
    expect(proc.returncode == 0, proc.stderr.decode())
    return dest + prefix()


def test_install_tree_runs_formats_and_verifies():
    dest = tempfile.mkdtemp(prefix="nb-install-")
    try:
        top = install(dest)
        binary = os.path.join(top, "bin", "newsbrief")
        code = subprocess.run([binary, "--version"], capture_output=True)
        expect(code.returncode == 0 and code.stdout.decode().startswith("newsbrief "),
               code.stdout)
        pages = [os.path.join(top, "share", "man", "man1", "newsbrief.1"),
                 os.path.join(top, "share", "man", "man5", "newsbrief.yaml.5")]
        for page in pages:
            proc = subprocess.run(["man", "--warnings", "-l", page], capture_output=True,
                                  env=dict(os.environ, MANWIDTH="80"))
            expect(proc.returncode == 0 and proc.stderr == b"", "%s: %s" % (page, proc.stderr))
            expect(b"NAME" in proc.stdout and b"SEE ALSO" in proc.stdout, page)
        expect(os.path.isfile(os.path.join(top, "share", "bash-completion", "completions",
                                           "newsbrief")), "bash completion")
        expect(os.path.isfile(os.path.join(top, "share", "doc", "newsbrief", "examples",
                                           "newsbrief.yaml")), "example configuration")
        units = os.path.join(top, "lib", "systemd", "system")
        names = sorted(os.listdir(units))
        expect(names == ["newsbrief-run.service", "newsbrief-run.timer", "newsbrief.service"],
               names)
        with open(os.path.join(units, "newsbrief.service")) as f:
            service = f.read()
        expect("ExecStart=%s/bin/newsbrief daemon --config " % prefix() in service, service)
        expect("Type=notify" in service and "ProtectSystem=strict" in service
               and "NoNewPrivileges=yes" in service and "StateDirectory=newsbrief" in service,
               service)
        if shutil.which("systemd-analyze") is None:
            print("note: systemd-analyze missing; units not verified")
            return
        # systemd-analyze checks that ExecStart exists and runs man for Documentation=:
        # point both into the tree
        check = os.path.join(dest, "verify")
        os.mkdir(check)
        for name in names:
            with open(os.path.join(units, name)) as f:
                text = f.read().replace(prefix() + "/bin/newsbrief", binary)
            with open(os.path.join(check, name), "w") as f:
                f.write(text)
        proc = subprocess.run(["systemd-analyze", "verify"] +
                              [os.path.join(check, n) for n in names], capture_output=True,
                              env=dict(os.environ, MANPATH=os.path.join(top, "share", "man")))
        expect(proc.returncode == 0 and proc.stdout + proc.stderr == b"",
               (proc.stdout + proc.stderr).decode())
    finally:
        shutil.rmtree(dest)


def commands():
    code, out, err = run(["--help"])
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines()]


def test_man_page_and_completion_name_every_command_and_option():
    page = roff_text(os.path.join(ROOT, "docs", "man", "newsbrief.1"))
    with open(os.path.join(ROOT, "contrib", "bash-completion", "newsbrief")) as f:
        completion = f.read()
    names = commands()
    expect(len(names) >= 13, names)
    for name in names:
        expect(re.search(r"^\.B %s\b" % re.escape(name), page, re.M),
               "newsbrief.1 has no entry for %s" % name)
        expect(re.search(r"\b%s\b" % re.escape(name), completion),
               "bash completion lacks %s" % name)
        code, out, err = run([name, "--help"])
        for option in set(re.findall(r"^ +(?:-\w, )?(--[a-z-]+|-\w) ", out, re.M)):
            expect(option in page, "newsbrief.1 lacks %s of %s" % (option, name))


def test_config_man_page_names_every_key_of_config_md():
    page = roff_text(os.path.join(ROOT, "docs", "man", "newsbrief.yaml.5"))
    with open(os.path.join(ROOT, "docs", "CONFIG.md"), encoding="utf-8") as f:
        doc = f.read()
    keys = set()
    for cell in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", doc, re.M):
        keys.update(re.findall(r"`([a-z_]+)`", cell))
    expect(len(keys) >= 40, keys)
    for section in re.findall(r"^## ([a-z]+)", doc, re.M):
        expect(re.search(r"^\.SH %s$" % section.upper(), page, re.M),
               "newsbrief.yaml.5 has no %s section" % section)
    for key in sorted(keys):
        expect(re.search(r"\b%s\b" % key, page), "newsbrief.yaml.5 lacks %s" % key)


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
