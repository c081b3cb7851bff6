# SPDX-License-Identifier: MIT
"""bench/feeds corpus B: K large RSS 2.0 feeds of Chinese news, each item carrying a full
article as HTML in content:encoded (CDATA) and an escaped-HTML description, with the markup
a sanitizer must handle (scripts, styles, event handlers, javascript: links, iframes,
entities). Deterministic: the same arguments always give the same bytes.

Usage: gen_feeds.py OUT_DIR [FEEDS [ITEMS]]   (defaults 20 feeds of 500 items)."""
import datetime
import html
import os
import random
import sys

WORDS = (
    "人工智能 大模型 芯片 算力 数据中心 开源 发布 融资 估值 监管 政策 机器人 自动驾驶 智能体 推理 "
    "训练 参数 开发者 平台 生态 用户 市场 份额 营收 利润 季度 同比 增长 下滑 合作 战略 投资者 "
    "研究院 实验室 团队 论文 基准 测试 性能 能耗 成本 价格 手机 汽车 电池 新能源 光伏 储能 半导体 "
    "制程 晶圆 封装 供应链 出口 管制 云计算 服务器 存储 网络 安全 隐私 合规 标准 版权 内容 视频 "
    "图像 语音 翻译 搜索 广告 电商 支付 金融 医疗 教育 游戏 社交 短视频 直播 物流 制造 工业 "
    "能源 城市 政府 企业 创业公司 独角兽 上市 财报 董事会 首席执行官 工程师 科学家 专家 分析师 "
    "报告 数据 模型 应用 场景 落地 商业化 订阅 免费 收费 版本 更新 功能 接口 文档 社区 贡献者 "
    "北京 上海 深圳 杭州 广州 成都 硅谷 欧洲 日本 韩国 美国 全球 国内 海外 行业 领域 趋势 挑战 "
    "机遇 风险 突破 创新 升级 迭代 部署 优化 压缩 量化 蒸馏 多模态 长文本 上下文 幻觉 对齐"
).split()
VERBS = "宣布 表示 指出 认为 透露 推出 完成 启动 加快 推动 布局 押注 发布 披露 预计 强调".split()
LINKERS = "此外 与此同时 值得注意的是 据悉 不过 因此 另一方面 业内人士认为 据了解 总体来看".split()
CATEGORIES = "人工智能 芯片 汽车 手机 金融科技 云计算 开源 政策 融资 机器人 医疗 教育 游戏 消费电子".split()
AUTHORS = "张伟 王芳 李娜 刘洋 陈静 杨磊 赵敏 黄强 周婷 吴昊".split()
SITES = ("https://news.example.com", "https://tech.example.org", "https://www.example.net")
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def sentence(rng):
    n = rng.randint(3, 8)
    parts = [rng.choice(WORDS) for _ in range(n)]
    parts.insert(rng.randint(1, n - 1), rng.choice(VERBS))
    text = "".join(parts)
    if rng.random() < 0.3:
        text = rng.choice(LINKERS) + "，" + text
    if rng.random() < 0.25:
        text += "，" + "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
    if rng.random() < 0.15:
        text += "，同比增长%d.%d%%" % (rng.randint(1, 300), rng.randint(0, 9))
    if rng.random() < 0.1:
        text = "“" + text + "”"
    return text + rng.choice("。。。。；！？")


def inline(rng, item_url):
    """One sentence, sometimes with a link, emphasis, entity or event handler inside."""
    text = sentence(rng)
    r = rng.random()
    if r < 0.12:
        href = rng.choice(SITES) + "/topic/%d.html" % rng.randint(1000, 99999)
        link = '<a href="%s" target="_blank">%s</a>' % (href, rng.choice(WORDS))
        return text[:-1] + link + text[-1]
    if r < 0.18:
        return '<a href="/tag/%s">%s</a>%s' % (rng.choice(CATEGORIES), rng.choice(WORDS), text)
    if r < 0.26:
        return "<strong>%s</strong>" % text
    if r < 0.30:
        return '<span style="color:#c00;font-weight:bold">%s</span>' % text
    if r < 0.33:
        return "<em>%s</em>&nbsp;&mdash;&nbsp;" % text
    if r < 0.35:
        return '<a href="javascript:void(0)" onclick="share(\'%s\')">%s</a>' % (item_url, text)
    if r < 0.37:
        return "%s&hellip;&#x4E2D;&#25991;&amp;&lt;%s&gt;" % (text, rng.choice(WORDS))
    return text


def image(rng, n):
    src = "%s/uploads/2026/%02d/img%05d.jpg" % (rng.choice(SITES), rng.randint(1, 12), n)
    if rng.random() < 0.3:
        src = "/uploads/thumb/%05d.png" % n
    alt = rng.choice(WORDS) + rng.choice(WORDS)
    if rng.random() < 0.5:
        return ('<figure class="img-box"><img src="%s" alt="%s" width="640" height="360" '
                'loading="lazy" onerror="this.style.display=\'none\'"/><figcaption>%s</figcaption>'
                "</figure>" % (src, alt, sentence(rng)))
    return '<p style="text-align:center"><img src="%s" alt="%s" /></p>' % (src, alt)


def article(rng, item_url, n):
    blocks = []
    if rng.random() < 0.3:
        blocks.append('<style type="text/css">.article p{line-height:1.8;margin:0 0 1em}</style>')
    for i in range(rng.randint(5, 10)):
        r = rng.random()
        if r < 0.12:
            blocks.append("<h2>%s</h2>" % sentence(rng)[:-1])
        elif r < 0.2:
            quote = "".join(sentence(rng) for _ in range(2))
            blocks.append("<blockquote><p>%s</p></blockquote>" % quote)
        elif r < 0.26:
            blocks.append("<ul>%s</ul>" % "".join("<li>%s</li>" % inline(rng, item_url)
                                                  for _ in range(rng.randint(2, 5))))
        elif r < 0.29:
            rows = "".join("<tr><td>%s</td><td>%d</td><td>%d.%d%%</td></tr>"
                           % (rng.choice(WORDS), rng.randint(10, 9999), rng.randint(0, 99),
                              rng.randint(0, 9))
                           for _ in range(rng.randint(2, 5)))
            blocks.append('<table border="1"><tr><th>项目</th><th>数值</th><th>占比</th></tr>%s'
                          "</table>" % rows)
        else:
            text = "".join(inline(rng, item_url) for _ in range(rng.randint(2, 6)))
            blocks.append("<p>%s</p>" % text)
        if rng.random() < 0.2:
            blocks.append(image(rng, n * 10 + i))
    if rng.random() < 0.25:
        blocks.append('<div class="ad" onclick="window.open(\'%s/ad\')" onmouseover="track(%d)">'
                      "%s</div>" % (rng.choice(SITES), n, sentence(rng)))
    if rng.random() < 0.1:
        blocks.append('<iframe src="https://player.example.com/embed/%d" width="640" height="360" '
                      "frameborder=\"0\" allowfullscreen></iframe>" % n)
    if rng.random() < 0.4:
        blocks.append('<script type="text/javascript">var _hmt=_hmt||[];(function(){var hm='
                      "document.createElement('script');"
                      "hm.src='https://stats.example.com/hm.js?%x';"
                      "document.body.appendChild(hm);})();</script>" % rng.getrandbits(64))
    blocks.append('<p>（来源：<a href="%s">%s</a>，责任编辑：%s）</p>'
                  % (item_url, rng.choice(WORDS) + "网", rng.choice(AUTHORS)))
    return "\n".join(blocks)


def rfc822(t):
    return "%s, %02d %s %d %02d:%02d:%02d +0800" % (DAYS[t.weekday()], t.day, MONTHS[t.month - 1],
                                                    t.year, t.hour, t.minute, t.second)


def feed(rng, k, items):
    site = SITES[k % len(SITES)]
    t = datetime.datetime(2026, 11, 29, 23, 0, 0)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
           "<channel>",
           "<title>%s科技频道 %d</title>" % (rng.choice(WORDS), k),
           "<link>%s/</link>" % site,
           '<atom:link href="%s/feed/%d.xml" rel="self" type="application/rss+xml"/>' % (site, k),
           "<description>%s</description>" % html.escape(sentence(rng)),
           "<language>zh-CN</language>",
           "<lastBuildDate>%s</lastBuildDate>" % rfc822(t),
           "<generator>https://wordpress.org/?v=6.4</generator>",
           "<image><url>%s/logo.png</url><title>%s</title><link>%s/</link></image>"
           % (site, rng.choice(WORDS), site)]
    for i in range(items):
        n = k * items + i
        t -= datetime.timedelta(minutes=rng.randint(5, 90), seconds=rng.randint(0, 59))
        url = "%s/%d/%02d/%d.html" % (site, t.year, t.month, 100000 + n)
        body = article(rng, url, n)
        first = body[body.find("<p>"):body.find("</p>") + 4] if "<p>" in body else ""
        title = sentence(rng)[:-1]
        if rng.random() < 0.1:
            title = "“%s”&amp;%s" % (title, rng.choice(WORDS))
        elif rng.random() < 0.1:
            title = "【%s】%s" % (rng.choice(CATEGORIES), title)
        out.append("<item>")
        out.append("<title>%s</title>" % title)
        out.append("<link>%s</link>" % url)
        out.append('<guid isPermaLink="false">%s-%d</guid>' % (site.split("//")[1], n))
        out.append("<pubDate>%s</pubDate>" % rfc822(t))
        out.append("<dc:creator><![CDATA[%s]]></dc:creator>" % rng.choice(AUTHORS))
        for c in rng.sample(CATEGORIES, rng.randint(1, 4)):
            out.append("<category><![CDATA[%s]]></category>" % c)
        summary = html.escape(first + "<p>[&#8230;]</p>", quote=False)
        out.append("<description>%s</description>" % summary)
        out.append("<content:encoded><![CDATA[%s]]></content:encoded>" % body)
        out.append("</item>")
    out.append("</channel>")
    out.append("</rss>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    feeds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    items = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(20261129)
    for k in range(feeds):
        with open(os.path.join(out_dir, "feed%02d.xml" % k), "w", encoding="utf-8") as f:
            f.write(feed(rng, k, items))


main()
