/* SPDX-License-Identifier: MIT */
/* push/escape and the Markdown escaper of brief/render: each dialect's exact output on
 * cases of every kind (mentions, tags, emphasis, links, line starts, control characters),
 * and the same hostile text through every dialect with what must never come out of it. */
#include "testing.h"

#include "brief/brief.h"
#include "push/channel.h"

enum {
    START = NB_ESCAPE_LINE_START,
    LINK = NB_ESCAPE_LINK_TEXT,
    NO_MENTION = NB_ESCAPE_NO_MENTION
};

typedef struct escape_case {
    nb_dialect dialect;
    unsigned flags;
    const char *in, *out;
} escape_case;

static const escape_case cases[] = {
    /* every dialect: one line, control characters as spaces, bidi controls gone */
    {NB_DIALECT_TEXT, 0,
     "a\nb\r\n\tc\x01"
     "d\xE2\x80\xAE"
     "e\xE2\x80\xA8"
     "f",
     "a b c de f"},
    {NB_DIALECT_TEXT, 0, "<b>@all</b>", "<b>@all</b>"},
    {NB_DIALECT_TEXT, NO_MENTION, "<@U1> @all a@b.c", "<＠U1> ＠all a＠b.c"},
    {NB_DIALECT_CHAT_TEXT, 0, "<@U1> <at id=all></at> <a href=x>l</a> **b**",
     "＜＠U1＞ ＜at id=all＞＜/at＞ ＜a href=x＞l＜/a＞ **b**"},
    /* the briefing's Markdown */
    {NB_DIALECT_MARKDOWN, 0, "[l](https://evil/) ![i](x)", "［l］(https://evil/) !［i］(x)"},
    {NB_DIALECT_MARKDOWN, 0, "<script>x</script> <at id=all></at>",
     "&lt;script>x&lt;/script> &lt;at id=all>&lt;/at>"},
    {NB_DIALECT_MARKDOWN, 0, "**b** *i* _i_ a_b_c ~~s~~ `c` \\",
     "\\*\\*b\\*\\* \\*i\\* \\_i\\_ a_b_c "
     "\\~\\~s\\~\\~ \\`c\\` \\\\"},
    {NB_DIALECT_MARKDOWN, 0, "AT&T &amp; &#60; &#x3C;", "AT&T &amp;amp; &amp;#60; &amp;#x3C;"},
    {NB_DIALECT_MARKDOWN, START, "# h", "\\# h"},
    {NB_DIALECT_MARKDOWN, START, "> q", "\\> q"},
    {NB_DIALECT_MARKDOWN, START, "- l", "\\- l"},
    {NB_DIALECT_MARKDOWN, START, "12. l", "12\\. l"},
    {NB_DIALECT_MARKDOWN, 0, "# h 1. x", "# h 1. x"},
    {NB_DIALECT_MARKDOWN, START, "2025 年 1.5 倍", "2025 年 1.5 倍"},
    /* WeCom, DingTalk and Feishu markdown: look-alikes */
    {NB_DIALECT_CHAT_MARKDOWN, LINK,
     "<font color=\"warning\">红</font> <@zhangsan> <at id=all></at>",
     "＜font color=\"warning\"＞红＜/font＞ ＜＠zhangsan＞ ＜at id=all＞＜/at＞"},
    {NB_DIALECT_CHAT_MARKDOWN, LINK, "**b** *i* _i_ a_b ~~s~~ `c` [l](u) a\\]",
     "＊＊b＊＊ ＊i＊ ＿i＿ a_b ～～s～～ ｀c｀ ［l］(u) a＼］"},
    {NB_DIALECT_CHAT_MARKDOWN, 0, "@all AT&T &lt;b&gt;", "＠all AT&T ＆lt;b＆gt;"},
    {NB_DIALECT_CHAT_MARKDOWN, START, "# h", "＃ h"},
    {NB_DIALECT_CHAT_MARKDOWN, START, "> q", "＞ q"},
    {NB_DIALECT_CHAT_MARKDOWN, START, "- l", "－ l"},
    {NB_DIALECT_CHAT_MARKDOWN, START, "3) l", "3） l"},
    {NB_DIALECT_CHAT_MARKDOWN, 0, "- l 3) x # y", "- l 3) x # y"},
    /* Telegram HTML */
    {NB_DIALECT_TELEGRAM_HTML, 0, "<b>x</b> & \"q\" @channel_bot",
     "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; ＠channel_bot"},
    {NB_DIALECT_TELEGRAM_HTML, 0, "**b** [l](u)", "**b** [l](u)"}, /* HTML mode: plain */
    /* Slack mrkdwn */
    {NB_DIALECT_SLACK_MRKDWN, START, "> <!channel> <!here> <@U024BE7LH> @here",
     "＞ &lt;!channel&gt; &lt;!here&gt; &lt;＠U024BE7LH&gt; ＠here"},
    {NB_DIALECT_SLACK_MRKDWN, 0, "*b* _i_ a_b ~s~ `c` x|y a > b",
     "＊b＊ ＿i＿ a_b ～s～ ｀c｀ x|y a &gt; b"},
    {NB_DIALECT_SLACK_MRKDWN, LINK, "x|y <http://evil|click>", "x｜y &lt;http://evil｜click&gt;"},
    /* Discord markdown */
    {NB_DIALECT_DISCORD, START, "# @everyone <@123> <#9> <t:1:R>",
     "\\# ＠everyone \\<＠123\\> \\<#9\\> \\<t:1:R\\>"},
    {NB_DIALECT_DISCORD, 0, "**b** __u__ ||s|| ~~x~~ `c` [l](u) a_b \\",
     "\\*\\*b\\*\\* \\_\\_u\\_\\_ \\|\\|s\\|\\| \\~\\~x\\~\\~ \\`c\\` \\[l\\](u) a_b \\\\"},
    {NB_DIALECT_DISCORD, START, "1. - x", "1\\. - x"},
    /* e-mail HTML */
    {NB_DIALECT_HTML, 0, "<script>\"'&</script> @all",
     "&lt;script&gt;&quot;&#39;&amp;&lt;/script&gt; @all"},
};

static const char *dialect_name(nb_dialect d)
{
    static const char *const names[] = {"text",     "chat-text", "markdown", "chat-markdown",
                                        "telegram", "slack",     "discord",  "html"};
    return names[d];
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = nb_escape(cases[i].in, cases[i].dialect, cases[i].flags);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("%s case %zu: %s\n  got:  %s\n  want: %s", dialect_name(cases[i].dialect), i,
                     cases[i].in, out, cases[i].out);
        free(out);
    }
    char *empty = nb_escape(NULL, NB_DIALECT_TEXT, 0);
    assert_string_equal(empty, "");
    free(empty);
}

/* The same hostile text for every dialect. */
static const char hostile[] =
    "<at id=all></at><at user_id=\"all\">所有人</at> <@U024BE7LH> <!channel> <!here> @all "
    "@everyone @here <font color=\"warning\">红</font> <script>alert(1)</script> "
    "<img src=x onerror=alert(1)> **粗** *斜* _斜_ ~~删~~ `码` [点](https://evil.example/a) "
    "![图](https://evil.example/i.png) ||剧透|| &lt;b&gt; \\\n# 标题\n> 引用\n- 列表\n1. 列表\n"
    "\xE2\x80\xAE"
    "evil";

/* Characters that must be preceded by a backslash in an escaped text (Discord, Markdown). */
static void expect_backslashed(const char *out, const char *marks, const char *what)
{
    for (const char *p = out; *p; p++) {
        if (*p == '\\') {
            p++; /* the escaped character */
            continue;
        }
        if (strchr(marks, *p) && !(*p == '_' && p > out && p[-1] != ' ' && p[1] != ' '))
            fail_msg("%s: unescaped '%c' at %s", what, *p, p);
    }
}

static void expect_none(const char *out, const char *const *never, const char *what)
{
    for (size_t i = 0; never[i]; i++)
        if (strstr(out, never[i]))
            fail_msg("%s: \"%s\" in %s", what, never[i], out);
}

static void test_hostile_text_in_every_dialect(void **state)
{
    (void)state;
    static const char *const mentions[] = {"@all", "@everyone", "@here", "<@", NULL};
    static const char *const structure[] = {"\n", "\r", "\xE2\x80\xAE", NULL};
    static const char *const marks[] = {"**", "~~", "`", NULL}; /* "||" is Discord's only */
    for (int d = NB_DIALECT_TEXT; d <= NB_DIALECT_HTML; d++) {
        for (unsigned flags = 0; flags <= (LINK | START | NO_MENTION); flags++) {
            const char *what = dialect_name((nb_dialect)d);
            char *out = nb_escape(hostile, (nb_dialect)d, flags);
            expect_none(out, structure, what); /* one line, in its place */
            if (d != NB_DIALECT_MARKDOWN && d != NB_DIALECT_HTML &&
                (d != NB_DIALECT_TEXT || (flags & NO_MENTION)))
                expect_none(out, mentions, what);                /* every chat: no mention */
            if (d != NB_DIALECT_TEXT && d != NB_DIALECT_DISCORD) /* Discord's are "\\<" */
                assert_null(strchr(out, '<'));                   /* no tag can open */
            if (d == NB_DIALECT_CHAT_MARKDOWN || d == NB_DIALECT_SLACK_MRKDWN) {
                expect_none(out, marks, what);
                assert_null(strpbrk(out, "*~`>")); /* no emphasis, code or quote mark */
            }
            if (d == NB_DIALECT_CHAT_MARKDOWN || d == NB_DIALECT_MARKDOWN)
                assert_null(strpbrk(out, "[]")); /* no link can form */
            if (d == NB_DIALECT_DISCORD)
                expect_backslashed(out, "*_~`|[]<>", what);
            if (d == NB_DIALECT_MARKDOWN)
                expect_backslashed(out, "*_~`", what);
            if (d == NB_DIALECT_HTML || d == NB_DIALECT_TELEGRAM_HTML)
                assert_null(strchr(out, '>'));
            free(out);
        }
    }
}

static void test_telegram_visible_text_matches(void **state)
{
    (void)state;
    /* the visible text Telegram measures is the TEXT dialect without mentions */
    char *html = nb_escape("a < b & \"c\" @d", NB_DIALECT_TELEGRAM_HTML, 0);
    char *shown = nb_escape("a < b & \"c\" @d", NB_DIALECT_TEXT, NO_MENTION);
    assert_string_equal(html, "a &lt; b &amp; &quot;c&quot; ＠d");
    assert_string_equal(shown, "a < b & \"c\" ＠d");
    free(html);
    free(shown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_hostile_text_in_every_dialect),
        cmocka_unit_test(test_telegram_visible_text_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
