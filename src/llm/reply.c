/* SPDX-License-Identifier: MIT */
/* Reply cleaning and validation: whatever the model answers, what reaches the briefing is
 * one plain paragraph of the right length that cannot break the Markdown around it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "llm/llm.h"
#include "text/text.h"

static const char *const prefixes[] = {
    "摘要：", "摘要:",    "总结：",   "总结:",    "概要：", "概述：",
    "简介：", "Summary:", "summary:", "SUMMARY:", NULL};
static const char *const refusals[] = {"抱歉",      "对不起",     "我无法",   "我不能",
                                       "无法提供",  "作为一个AI", "作为AI",   "作为一个人工智能",
                                       "I'm sorry", "I am sorry", "I cannot", "I can't",
                                       "As an AI",  NULL};

/* Removes code fences, heading lines, quote and list marks at line starts, emphasis marks
 * and backquotes; makes brackets and angle brackets full-width. */
static char *strip_markdown(const char *reply)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    int line_start = 1;
    for (const char *p = reply; *p;) {
        if (line_start) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!strncmp(p, "```", 3)) {
                p += strcspn(p, "\n"); /* the fence line, with its language tag */
                continue;
            }
            if (*p == '#') {
                p += strcspn(p, "\n"); /* a heading ("## 摘要") is never part of a summary */
                continue;
            }
            while (*p == '>')
                p++;
            if ((*p == '-' || *p == '*' || *p == '+') && p[1] == ' ')
                p += 2;
            line_start = 0;
        }
        nb_err rc = NB_OK;
        if (*p == '*' || *p == '_' || *p == '`') {
            p++;
            continue;
        } else if (*p == '[') {
            rc = nb_buf_puts(&b, "［");
        } else if (*p == ']') {
            rc = nb_buf_puts(&b, "］");
        } else if (*p == '<') {
            rc = nb_buf_puts(&b, "＜");
        } else if (*p == '>') {
            rc = nb_buf_puts(&b, "＞");
        } else {
            rc = nb_buf_putc(&b, *p);
            line_start = *p == '\n';
        }
        if (rc)
            break;
        p++;
    }
    return nb_buf_take(&b);
}

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

char *nb_llm_clean_reply(const char *reply)
{
    char *stripped = strip_markdown(reply ? reply : "");
    char *line = nb_text_one_line(stripped);
    free(stripped);
    char *p = line;
    for (int again = 1; again;) {
        again = 0;
        for (const char *const *x = prefixes; *x; x++)
            if (starts_with(p, *x)) {
                p += strlen(*x);
                while (*p == ' ')
                    p++;
                again = 1;
            }
    }
    /* Quotes around the whole reply. */
    static const char *const pairs[][2] = {
        {"“", "”"}, {"\"", "\""}, {"「", "」"}, {"『", "』"}, {"'", "'"}};
    char *out = nb_xstrdup(p);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t open = strlen(pairs[i][0]), close = strlen(pairs[i][1]), len = strlen(out);
        if (len >= open + close && starts_with(out, pairs[i][0]) && ends_with(out, pairs[i][1])) {
            memmove(out, out + open, len - open - close);
            out[len - open - close] = '\0';
        }
    }
    free(line);
    return out;
}

nb_err nb_llm_check_reply(const char *clean, size_t min, size_t max, char **cut, nb_errbuf *why)
{
    *cut = NULL;
    if (!clean || !*clean)
        return nb_errf(why, NB_ERR_PARSE, "empty reply");
    for (const char *const *r = refusals; *r; r++)
        if (strstr(clean, *r) && nb_utf8_length(clean) < max * 2)
            return nb_errf(why, NB_ERR_PARSE, "the model declined (\"%s\")", *r);
    size_t n = nb_utf8_length(clean);
    if (n < min)
        return nb_errf(why, NB_ERR_PARSE, "reply of %zu characters, under %zu", n, min);
    if (n <= max)
        return NB_OK;
    char *shorter = nb_text_cut(clean, max);
    size_t m = nb_utf8_length(shorter);
    if (m >= min && !ends_with(shorter, "…")) {
        *cut = shorter;
        return NB_OK;
    }
    free(shorter);
    return nb_errf(why, NB_ERR_PARSE, "reply of %zu characters, over %zu", n, max);
}

int nb_llm_parse_yes_no(const char *reply)
{
    char *clean = nb_llm_clean_reply(reply);
    const char *p = clean;
    int answer = -1;
    if (starts_with(p, "不是") || starts_with(p, "否") || !strncasecmp(p, "no", 2))
        answer = 0;
    else if (starts_with(p, "是") || !strncasecmp(p, "yes", 3))
        answer = 1;
    free(clean);
    return answer;
}
