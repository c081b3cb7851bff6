/* SPDX-License-Identifier: MIT */
/* Inline CSS of the feed HTML sanitizer: feedparser's sanitize_style, with the same patterns
 * (PCRE2, compiled once, backtracking capped). A style with anything but plain declarations
 * is dropped whole; of its declarations only the listed properties stay, and the shorthands
 * only when each word is a keyword, a colour or a length. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "parse/sanitize_internal.h"

/* The CSS properties, keywords and SVG properties feedparser accepts, kept sorted
 * case-insensitively for bsearch. */
/* clang-format off */
static const char *const css_properties[] = {
    "azimuth", "background-color", "border-bottom-color", "border-collapse", "border-color",
    "border-left-color", "border-right-color", "border-top-color", "clear", "color", "cursor",
    "direction", "display", "elevation", "float", "font", "font-family", "font-size",
    "font-style", "font-variant", "font-weight", "height", "letter-spacing", "line-height",
    "overflow", "pause", "pause-after", "pause-before", "pitch", "pitch-range", "richness",
    "speak", "speak-header", "speak-numeral", "speak-punctuation", "speech-rate", "stress",
    "text-align", "text-decoration", "text-indent", "unicode-bidi", "vertical-align",
    "voice-family", "volume", "white-space", "width",
};

static const char *const css_keywords[] = {
    "!important", "aqua", "auto", "black", "block", "blue", "bold", "both", "bottom", "brown",
    "center", "collapse", "dashed", "dotted", "fuchsia", "gray", "green", "italic", "left",
    "lime", "maroon", "medium", "navy", "none", "normal", "nowrap", "olive", "pointer",
    "purple", "red", "right", "silver", "solid", "teal", "top", "transparent", "underline",
    "white", "yellow",
};

static const char *const svg_css_properties[] = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-linecap", "stroke-linejoin",
    "stroke-opacity", "stroke-width",
};
/* clang-format on */

#define MAX_STYLE_BYTES 8192 /* longer style attributes are dropped, not filtered */

enum { RE_URL, RE_GAUNTLET, RE_DECLARATION, RE_PROPERTY, RE_VALUE, RE_COUNT };

static const char *const css_patterns[RE_COUNT] = {
    /* url(...) values are cut out before anything else */
    [RE_URL] = "url\\s*\\(\\s*[^\\s)]+?\\s*\\)\\s*",
    /* the characters a harmless style is made of */
    [RE_GAUNTLET] = "^([:,;#%.\\sa-zA-Z0-9!]|\\w-\\w|'[\\s\\w]+'|\"[\\s\\w]+\"|\\([\\d,\\s]+\\))*$",
    /* a whole declaration; the style must consist of nothing else */
    [RE_DECLARATION] = "\\s*[-\\w]+\\s*:\\s*[^:;]*;?",
    [RE_PROPERTY] = "([-\\w]+)\\s*:\\s*([^:;]*)",
    /* a shorthand's value word that is a colour or a length */
    [RE_VALUE] = ("^(#[0-9a-f]+|rgb\\(\\d+%?,\\d*%?,?\\d*%?\\)?"
                  "|\\d{0,2}\\.?\\d{0,2}(cm|em|ex|in|mm|pc|pt|px|%|,|\\))?)$")};

static pcre2_code *css_re[RE_COUNT];
static pcre2_match_context *css_limits;
static pthread_once_t css_once = PTHREAD_ONCE_INIT;

static void css_compile(void)
{
    for (int i = 0; i < RE_COUNT; i++) {
        int code;
        PCRE2_SIZE offset;
        css_re[i] = pcre2_compile((PCRE2_SPTR)css_patterns[i], PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_UCP, &code, &offset, NULL);
        if (css_re[i])
            pcre2_jit_compile(css_re[i], PCRE2_JIT_COMPLETE); /* interpreted when JIT fails */
    }
    /* Backtracking on a hostile style stops here; the style is then dropped. */
    css_limits = pcre2_match_context_create(NULL);
    if (css_limits)
        pcre2_set_match_limit(css_limits, 100000);
}

/* Matches re against s from start; fills m (start, end of the whole match and group 1, 2).
 * 1 on a match, 0 on none, -1 on an error (limit hit, bad UTF-8). */
static int css_match(int re, const char *s, size_t len, size_t start, PCRE2_SIZE m[6])
{
    if (!css_re[re])
        return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(css_re[re], NULL);
    if (!md)
        return -1;
    int rc = pcre2_match(css_re[re], (PCRE2_SPTR)s, len, start, 0, md, css_limits);
    if (rc > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t pairs = pcre2_get_ovector_count(md);
        for (uint32_t i = 0; i < 3; i++) {
            m[2 * i] = i < pairs ? ov[2 * i] : PCRE2_UNSET;
            m[2 * i + 1] = i < pairs ? ov[2 * i + 1] : PCRE2_UNSET;
        }
    }
    pcre2_match_data_free(md);
    return rc > 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* A shorthand (background, border, margin, padding) is kept when each of its words is a
 * known keyword or a colour or length. */
static int shorthand_safe(const char *value, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && is_css_space(value[i]))
            i++;
        size_t start = i;
        while (i < len && !is_css_space(value[i]))
            i++;
        if (i == start)
            break;
        char word[64];
        size_t n = i - start;
        if (n >= sizeof(word))
            return 0;
        memcpy(word, value + start, n);
        word[n] = '\0';
        PCRE2_SIZE m[6];
        const char *const *kw =
            bsearch(word, css_keywords, COUNT(css_keywords), sizeof(*css_keywords), by_name);
        if (!(kw && strcmp(*kw, word) == 0) && css_match(RE_VALUE, word, n, 0, m) != 1)
            return 0;
    }
    return 1;
}

/* The declarations of style that are on the lists, as "prop: value;" joined by spaces;
 * NULL when nothing is left. */
char *nb_san_clean_style(const char *style, int in_svg)
{
    size_t len = strlen(style);
    if (len > MAX_STYLE_BYTES)
        return NULL;
    pthread_once(&css_once, css_compile);
    nb_buf s, out;
    nb_buf_init(&s, len + 1);       /* url(...) becomes a space */
    nb_buf_init(&out, 2 * len + 1); /* "prop: value;" joined by spaces */
    char *result = NULL;
    PCRE2_SIZE m[6];
    size_t pos = 0;
    int rc;
    while ((rc = css_match(RE_URL, style, len, pos, m)) == 1) {
        if (nb_buf_append(&s, style + pos, m[0] - pos) || nb_buf_putc(&s, ' '))
            goto out;
        pos = m[1];
    }
    if (rc < 0 || nb_buf_append(&s, style + pos, len - pos))
        goto out;
    const char *str = nb_buf_str(&s);
    len = s.len;
    if (css_match(RE_GAUNTLET, str, len, 0, m) != 1)
        goto out;
    /* Anything between declarations but white space rejects the whole style. */
    for (pos = 0; pos < len;) {
        rc = css_match(RE_DECLARATION, str, len, pos, m);
        if (rc < 0)
            goto out;
        size_t gap_end = rc == 1 ? m[0] : len;
        for (size_t i = pos; i < gap_end; i++)
            if (!is_css_space(str[i]))
                goto out;
        if (rc == 0)
            break;
        pos = m[1];
    }
    for (pos = 0; pos < len && css_match(RE_PROPERTY, str, len, pos, m) == 1; pos = m[1]) {
        const char *prop = str + m[2];
        size_t prop_len = m[3] - m[2];
        const char *value = str + m[4];
        size_t value_len = m[5] - m[4];
        if (!value_len || prop_len >= 64)
            continue;
        char name[64];
        memcpy(name, prop, prop_len);
        name[prop_len] = '\0';
        char *dash = strchr(name, '-');
        size_t head_len = dash ? (size_t)(dash - name) : prop_len;
        int keep = IN(css_properties, name) != NULL;
        if (!keep && ((head_len == 10 && strncasecmp(name, "background", 10) == 0) ||
                      (head_len == 6 && strncasecmp(name, "border", 6) == 0) ||
                      (head_len == 6 && strncasecmp(name, "margin", 6) == 0) ||
                      (head_len == 7 && strncasecmp(name, "padding", 7) == 0)))
            keep = shorthand_safe(value, value_len);
        else if (!keep && in_svg)
            keep = IN(svg_css_properties, name) != NULL;
        if (!keep)
            continue;
        if ((out.len && nb_buf_putc(&out, ' ')) || nb_buf_append(&out, prop, prop_len) ||
            nb_buf_puts(&out, ": ") || nb_buf_append(&out, value, value_len) ||
            nb_buf_putc(&out, ';'))
            goto out;
    }
    if (out.len)
        result = nb_buf_take(&out);
out:
    nb_buf_free(&s);
    nb_buf_free(&out);
    return result;
}
