/* SPDX-License-Identifier: MIT */
/* parse/sanitize: the cases of tests/data/sanitize/cases.txt (input, base, expected output)
 * plus hostile inputs built here: deep nesting, oversized fragments, CRLF and padding, and
 * the resolve-only walk. */
#include "testing.h"

#include "core/limits.h"
#include "parse/parse.h"

/* Cuts the next line off *p (without its newline); NULL at the end. */
static char *next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p;
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = line + strlen(line);
    }
    return line;
}

/* Appends line and its newline to a block being collected. */
static void add_line(char *block, size_t size, const char *line)
{
    size_t used = strlen(block);
    snprintf(block + used, size - used, "%s\n", line);
}

/* Drops the newlines that separate a block from the next marker line. */
static void trim_newlines(char *block)
{
    size_t len = strlen(block);
    while (len && block[len - 1] == '\n')
        block[--len] = '\0';
}

static int run_case(const char *name, const char *base, const char *input, const char *want)
{
    char *got = nb_html_sanitize(input, strlen(input), base[0] ? base : NULL);
    int ok = got && strcmp(got, want) == 0;
    if (!ok)
        print_error("case \"%s\"\n  input: %s\n  want:  %s\n  got:   %s\n", name, input, want,
                    got ? got : "(null)");
    free(got);
    return ok;
}

static void test_spec_cases(void **state)
{
    (void)state;
    char *data = read_test_data("sanitize/cases.txt", NULL);
    char *p = data, *line;
    char name[256] = "", base[512] = "", input[4096] = "", want[4096] = "";
    int section = 0; /* 0 before a case, 1 input, 2 expected */
    int cases = 0, failed = 0;
    while ((line = next_line(&p)) != NULL || section) {
        if (!line || strncmp(line, "### ", 4) == 0) {
            if (section == 2) {
                trim_newlines(input);
                trim_newlines(want);
                cases++;
                failed += !run_case(name, base, input, want);
            }
            if (!line)
                break;
            snprintf(name, sizeof(name), "%s", line + 4);
            base[0] = input[0] = want[0] = '\0';
            section = 1;
        } else if (section == 1 && !input[0] && strncmp(line, "base: ", 6) == 0) {
            snprintf(base, sizeof(base), "%s", line + 6);
        } else if (section == 1 && strcmp(line, "---") == 0) {
            section = 2;
        } else if (section == 1) {
            add_line(input, sizeof(input), line);
        } else if (section == 2) {
            add_line(want, sizeof(want), line);
        }
    }
    free(data);
    assert_true(cases >= 25);
    assert_int_equal(failed, 0);
}

static void test_strip_and_crlf(void **state)
{
    (void)state;
    const char *html = "  \r\n\t<p>one\r\ntwo</p>\r\n  ";
    char *got = nb_html_sanitize(html, strlen(html), NULL);
    assert_string_equal(got, "<p>one\ntwo</p>");
    free(got);
    got = nb_html_sanitize(NULL, 0, NULL);
    assert_string_equal(got, "");
    free(got);
}

/* Deep nesting costs nothing past the cap: elements beyond it are left out with their
 * text, and the output stays balanced. */
static void test_deep_nesting(void **state)
{
    (void)state;
    const size_t levels = 40000; /* about 220 KB, under the input cap */
    char *html = malloc(levels * 6 + 64);
    char *q = html;
    for (size_t i = 0; i < levels; i++) {
        const char *open = i % 2 ? "<div>" : "<b><i>";
        memcpy(q, open, strlen(open));
        q += strlen(open);
    }
    memcpy(q, "deep<script>x</script>", 23);
    char *got = nb_html_sanitize(html, strlen(html), NULL);
    assert_non_null(got);
    assert_null(strstr(got, "deep"));
    assert_null(strstr(got, "script"));
    size_t opens = 0, closes = 0;
    for (const char *s = got; (s = strchr(s, '<')) != NULL; s++)
        s[1] == '/' ? closes++ : opens++;
    assert_int_equal(opens, closes);
    assert_true(opens <= NB_LIMIT_HTML_DEPTH);
    free(got);
    free(html);
}

static void test_size_cap(void **state)
{
    (void)state;
    /* Past the cap, the fragment is read up to it: cut before the last tag. */
    size_t len = NB_LIMIT_FIELD_BYTES + 100;
    char *html = malloc(len + 1);
    memset(html, 'a', len);
    memcpy(html, "<p>", 3);
    memcpy(html + NB_LIMIT_FIELD_BYTES - 5, "<b>bold</b>", 11); /* across the cap */
    html[len] = '\0';
    char *cut = nb_html_sanitize(html, len, NULL);
    assert_non_null(cut);
    assert_int_equal(strlen(cut), NB_LIMIT_FIELD_BYTES - 5 - 3 + strlen("<p></p>"));
    assert_string_equal(cut + strlen(cut) - 6, "aa</p>");
    free(cut);
    /* At the cap, a fragment of nothing but references still comes back whole. */
    for (size_t i = 0; i + 5 <= NB_LIMIT_FIELD_BYTES; i += 5)
        memcpy(html + i, "&amp;", 5);
    html[NB_LIMIT_FIELD_BYTES - NB_LIMIT_FIELD_BYTES % 5] = '\0';
    char *got = nb_html_sanitize(html, strlen(html), NULL);
    assert_non_null(got);
    assert_int_equal(strlen(got), strlen(html));
    free(got);
    free(html);
}

/* Huge attributes: a long URI survives whole, an overlong style is dropped rather than
 * filtered, and an element with thousands of attributes keeps a bounded number. */
static void test_huge_attributes(void **state)
{
    (void)state;
    size_t n = 100000;
    char *html = malloc(n + 64);
    const char *head = "<a href=\"http://example.com/", *tail = "\">x</a>";
    size_t hl = strlen(head), tl = strlen(tail);
    memcpy(html, head, hl);
    memset(html + hl, 'a', n);
    memcpy(html + hl + n, tail, tl + 1);
    char *got = nb_html_sanitize(html, hl + n + tl, NULL);
    assert_non_null(got);
    assert_int_equal(strlen(got), hl + n + tl);
    free(got);

    size_t decls = 2000;
    char *q = html;
    q += snprintf(q, 32, "<span style=\"");
    for (size_t i = 0; i < decls; i++)
        q += snprintf(q, 32, "color: red; ");
    snprintf(q, 32, "\">x</span>");
    got = nb_html_sanitize(html, strlen(html), NULL);
    assert_string_equal(got, "<span>x</span>");
    free(got);
    free(html);

    size_t count = 20000;
    html = malloc(count * 16 + 64);
    q = html;
    q += snprintf(q, 32, "<span");
    for (size_t i = 0; i < count; i++)
        q += snprintf(q, 32, " id%zu=\"%zu\"", i, i % 10);
    snprintf(q, 32, " title=\"t\">x</span>");
    got = nb_html_sanitize(html, strlen(html), NULL);
    assert_non_null(got);
    assert_true(strlen(got) < 4096);
    assert_non_null(strstr(got, ">x</span>"));
    free(got);
    free(html);
}

/* Malformed input of every kind ends as a string without the dangerous parts. */
static void test_malformed(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "<",
        "<<<>>>",
        "<a href=",
        "<a href=\"javascript:x",
        "<img src=x onerror=alert(1)//",
        "<scr<script>ipt>alert(1)</script>",
        "<!DOCTYPE html><html><body onload=x>hi",
        "<?php echo 1; ?>text",
        "&#0;&#xD800;&#99999999;&",
        "<svg><svg><svg onload=x>",
        "<style>*{}</style><style>",
        "<table><td><script>x</script>",
        "</p></div></b>tail",
    };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
        char *got = nb_html_sanitize(inputs[i], strlen(inputs[i]), "http://example.com/");
        assert_non_null(got);
        assert_null(strstr(got, "<script"));
        assert_null(strstr(got, "onload"));
        assert_null(strstr(got, "onerror"));
        assert_null(strstr(got, "javascript"));
        assert_null(strstr(got, "alert(1)</"));
        free(got);
    }
}

static void test_resolve_only(void **state)
{
    (void)state;
    const char *html = "<p onclick=\"go()\"><a href=\"b.html\">b</a><img SRC=\"/i.png\">"
                       "<script src=\"s.js\">var a = 1 < 2;</script></p>";
    char *got = nb_html_resolve_uris(html, strlen(html), "http://example.com/a/");
    assert_string_equal(got,
                        "<p onclick=\"go()\"><a href=\"http://example.com/a/b.html\">b</a>"
                        "<img src=\"http://example.com/i.png\" />"
                        "<script src=\"http://example.com/a/s.js\">var a = 1 < 2;</script></p>");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_cases),      cmocka_unit_test(test_strip_and_crlf),
        cmocka_unit_test(test_deep_nesting),    cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_huge_attributes), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_resolve_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
