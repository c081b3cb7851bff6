# SPDX-License-Identifier: MIT
"""A real browser on the archive: Debian's chromium, headless, driven by chromedriver through
python3-selenium. Pages load with no console error and no Content-Security-Policy violation,
the stylesheet and the images load, the layout holds at 360 px, dark colours follow
prefers-color-scheme, and search works with JavaScript off. Screenshots of / and a briefing
at 1280 and 360 px, light and dark, go to the build's test-artifacts directory.

Skipped (exit 77, "skipped: ...") only when chromium itself is not installed."""
import base64
import os
import shutil
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from loopback import (BINARY, ArchiveServer, SiteServer, Workdir, expect, run,  # noqa: E402
                      run_tests, time_scale)

NOW = "2025-04-07T15:00:00+08:00"
CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
ARTIFACTS = os.environ.get("NB_ARTIFACTS") or os.path.join(
    os.path.dirname(os.path.abspath(BINARY)) if os.path.isabs(BINARY) else os.getcwd(),
    "test-artifacts")

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>浏览器测试源</title><link>https://c.example.cn/</link>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; "onmouseover=alert(2) x=" 人工智能安全报告</title>
<link>https://c.example.cn/n/1</link><guid>c-1</guid>
<pubDate>Mon, 07 Apr 2025 13:00:00 +0800</pubDate>
<description>报告称，人工智能系统在上线之前需要更多的安全评估，研究人员建议建立统一的测试基准，并公开评估方法和结果，以便社会监督。</description></item>
<item><title>OpenAI 发布 GPT-4o 多模态模型，实时处理语音、图像和文字</title>
<link>https://c.example.cn/n/3</link><guid>c-3</guid>
<pubDate>Mon, 07 Apr 2025 12:00:00 +0800</pubDate>
<description>OpenAI 推出 GPT-4o，新模型可以实时处理语音、图像和文字，响应速度更快，价格更低。开发者可以通过接口使用新模型，首批功能已经向付费用户开放。</description>
<enclosure url="{base}/image/gpt4o.png" type="image/png" length="1000"/></item>
<item><title>谷歌推出新一代大模型 Gemini 2.5，推理与代码能力领先</title>
<link>https://c.example.cn/n/4</link><guid>c-4</guid>
<pubDate>Mon, 07 Apr 2025 11:00:00 +0800</pubDate>
<description>谷歌发布 Gemini 2.5，在推理和代码任务上表现领先，大模型竞争进一步加剧。新模型支持更长的上下文窗口，并提供更低的调用价格。</description>
<enclosure url="{base}/image/gemini.png" type="image/png" length="1000"/></item>
<item><title>AVeryLongUnbrokenEnglishWordThatMustWrapOnNarrowScreensWithoutOverflowingTheLayout 测试</title>
<link>https://c.example.cn/n/6</link><guid>c-6</guid>
<pubDate>Mon, 07 Apr 2025 10:00:00 +0800</pubDate>
<description>一个很长的英文单词不能把 360 像素宽的页面撑破。</description></item>
</channel></rss>
"""


def chromium_missing():
    return not (os.path.exists(CHROMIUM) or shutil.which("chromium"))


class Browser:
    """One headless chromium session; js=False turns JavaScript off for pages."""

    def __init__(self, js=True):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=zh-CN",
                    "--no-first-run", "--disable-extensions", "--window-size=1280,900"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if not js:
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        self.driver.set_page_load_timeout(60 * time_scale())
        if js:
            # CSP violations, recorded from before the page's first byte
            self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
                "window.__csp = [];document.addEventListener('securitypolicyviolation',"
                "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")})

    def close(self):
        self.driver.quit()

    def view(self, width, dark):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def console_errors(self):
        return [e for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def screenshot(self, path):
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000),
                     "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))


class Archive:
    """A database filled by a real run (images served by the loopback site)."""
    site = work = None

    @classmethod
    def get(cls):
        if cls.work is None:
            cls.site = SiteServer().__enter__()
            cls.work = Workdir().__enter__()
            feed = cls.work.write("browser.xml", FEED.replace("{base}", cls.site.base))
            cls.site.override("/feeds/browser.xml", feed, kind="application/rss+xml")
            cls.config = cls.work.write("newsbrief.yaml", (
                "newsbrief:\n  database: %s/nb.db\n  timezone: Asia/Shanghai\n"
                "  items_per_page: 3\nsources:\n"
                "  测试源:\n    type: feed\n    url: %s/feeds/browser.xml\n"
                "  jia:\n    type: feed\n    url: %s/feeds/un-first.xml\n"
                "  yi:\n    type: feed\n    url: %s/feeds/un-second.xml\n"
                "web:\n  title: AI 新闻存档\n") % (cls.work.path, cls.site.base, cls.site.base,
                                                    cls.site.base))
            code, out, err = run(["run", "--config", cls.config, "--now", NOW])
            expect(code == 0, "run failed: %s" % err)
        return cls

    @classmethod
    def close(cls):
        if cls.work is not None:
            cls.work.__exit__(None, None, None)
            cls.site.__exit__(None, None, None)


def check_page(browser, url, what, status=200):
    d = browser.driver
    d.get(url)
    errors = browser.console_errors()
    if status == 404:  # the browser reports the page's own status; nothing else may fail
        errors = [e for e in errors if not e["message"].startswith(url + " - Failed to load "
                                                                   "resource: the server "
                                                                   "responded with a status "
                                                                   "of 404")]
    expect(not errors, "%s: console errors: %s" % (what, errors))
    violations = d.execute_script("return window.__csp")
    expect(violations == [], "%s: CSP violations: %s" % (what, violations))
    sheets = d.execute_script("return Array.from(document.styleSheets)"
                              ".map(s => s.cssRules.length)")
    expect(len(sheets) == 1 and sheets[0] > 20, "%s: stylesheet not applied: %s" % (what, sheets))
    font = d.execute_script("return getComputedStyle(document.body).fontFamily")
    expect("PingFang SC" in font, "%s: font stack %r" % (what, font))
    # images load lazily: scroll through the page, then every one must have arrived
    d.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
    deadline = time.monotonic() + 10 * time_scale()
    while True:
        broken = d.execute_script("return Array.from(document.images).filter("
                                  "i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        if not broken or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    expect(broken == [], "%s: images not loaded: %s" % (what, broken))
    d.execute_script("window.scrollTo(0, 0)")
    return d


def test_pages_in_chromium_light_and_dark_at_1280_and_360():
    archive = Archive.get()
    os.makedirs(ARTIFACTS, exist_ok=True)
    with ArchiveServer(["--config", archive.config]) as srv:
        brief = __import__("json").loads(srv.get("/api/briefings")[2])["briefings"][0]["id"]
        item = __import__("json").loads(srv.get("/api/items?limit=1")[2])["items"][0]["id"]
        browser = Browser(js=True)
        try:
            backgrounds = {}
            for width in (1280, 360):
                for dark in (False, True):
                    browser.view(width, dark)
                    mode = "dark" if dark else "light"
                    for name, path in (("home", "/"), ("briefing", "/briefings/" + brief)):
                        what = "%s %dpx %s" % (name, width, mode)
                        d = check_page(browser, srv.base + path, what)
                        overflow = d.execute_script(
                            "return document.documentElement.scrollWidth - window.innerWidth")
                        expect(overflow <= 0, "%s: %d px wider than the screen" % (what,
                                                                                 overflow))
                        backgrounds[(name, dark)] = d.execute_script(
                            "return getComputedStyle(document.body).backgroundColor")
                        browser.screenshot(os.path.join(
                            ARTIFACTS, "archive-%s-%d-%s.png" % (name, width, mode)))
            expect(backgrounds[("home", False)] != backgrounds[("home", True)],
                   "dark mode did not change the colours: %s" % backgrounds)
            for path in ("/days/2025-04-07", "/items/%d" % item, "/sources",
                         "/search?q=" + urllib.parse.quote("大模型"), "/nowhere-404"):
                browser.view(1280, False)
                check_page(browser, srv.base + path, path, 404 if "404" in path else 200)
            # the skip link is the first thing the keyboard reaches, and it is visible then
            d = browser.driver
            d.get(srv.base + "/")
            from selenium.webdriver.common.keys import Keys
            d.find_element("tag name", "body").send_keys(Keys.TAB)
            focused = d.execute_script("return [document.activeElement.className,"
                                       " document.activeElement.getBoundingClientRect().left]")
            expect(focused[0] == "skip" and focused[1] >= 0, "skip link: %s" % (focused,))
        finally:
            browser.close()
    shots = sorted(f for f in os.listdir(ARTIFACTS) if f.startswith("archive-"))
    expect(len(shots) == 8, shots)
    for name in shots:
        with open(os.path.join(ARTIFACTS, name), "rb") as f:
            head = f.read(8)
        expect(head == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % name)
    print("     screenshots in %s" % ARTIFACTS)


def wait_for_url(d, part):
    """Waits until the page at an address containing part has loaded (a click returns
    before the navigation it starts has finished)."""
    deadline = time.monotonic() + 20 * time_scale()
    while time.monotonic() < deadline:
        if part in d.current_url and d.execute_script("return document.readyState") == "complete":
            return
        time.sleep(0.05)
    raise AssertionError("no page at %r; still at %s" % (part, d.current_url))


def test_search_with_javascript_off():
    archive = Archive.get()
    with ArchiveServer(["--config", archive.config]) as srv:
        browser = Browser(js=False)
        try:
            d = browser.driver
            # JavaScript is really off: a script on a page does not run
            d.get("data:text/html,<p id=p>off</p><script>document.getElementById('p')"
                  ".textContent='on'</script>")
            expect(d.find_element("id", "p").text == "off", "JavaScript is on")
            d.get(srv.base + "/")
            box = d.find_element("id", "q")
            box.send_keys("大模型")
            d.find_element("css selector", "form.search button").click()
            wait_for_url(d, "/search?q=")
            count = d.find_element("css selector", "p.count").text
            expect(count == "找到 1 条结果", count)
            marks = [m.text for m in d.find_elements("tag name", "mark")]
            expect("大模型" in marks, marks)
            # the search page's own form: a two-character term, newest first
            box = d.find_element("id", "sq")
            box.clear()
            box.send_keys("模型")
            from selenium.webdriver.support.ui import Select
            Select(d.find_element("id", "ssort")).select_by_value("newest")
            d.find_element("css selector", "form.filters button").click()
            wait_for_url(d, "sort=newest")
            expect(d.find_element("css selector", "p.count").text == "找到 2 条结果",
                   d.page_source[:3000])
            expect("逐条子串查找" in d.find_element("css selector", "p.hint").text, "no hint")
            # pagination and every other page by links, no script involved
            d.find_element("css selector", "header.site nav a[href='/sources']").click()
            wait_for_url(d, "/sources")
            expect(d.find_element("tag name", "h1").text == "来源", "sources page")
            expect(not browser.console_errors(), browser.console_errors())
        finally:
            browser.close()


if __name__ == "__main__":
    if chromium_missing():
        print("skipped: chromium is not installed (scripts/install-deps.sh installs it)")
        sys.exit(77)
    try:
        status = run_tests(globals())
    finally:
        Archive.close()
    sys.exit(status)
