/* SPDX-License-Identifier: MIT */
/* The seed's Markdown. Page: "# title (更新时间: YYYY-MM-DD HH:MM)" (the header template in
 * the briefing's language), then numbered items
 * ("## n. [title](url)   time", summary, image) separated by "---". Titles, summaries,
 * labels and URLs are escaped so that nothing a site sends can break the Markdown around
 * it, format it, link elsewhere or carry HTML (this is the Markdown dialect's one escaper). */
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "text/text.h"

static int newest_first(const void *a, const void *b)
{
    const nb_item *x = a, *y = b;
    if (x->published_at != y->published_at)
        return x->published_at < y->published_at ? 1 : -1;
    return x->id < y->id ? 1 : (x->id > y->id ? -1 : 0);
}

size_t nb_brief_select(nb_item *items, size_t count, int64_t now, int64_t window, size_t max)
{
    if (count == 0)
        return 0;
    qsort(items, count, sizeof *items, newest_first);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        nb_items_sieve(items, &kept, i, kept < max && items[i].published_at >= now - window);
    return kept;
}

int nb_brief_md_entity(const char *p)
{
    size_t n = 1;
    if (p[n] == '#')
        n += p[n + 1] == 'x' || p[n + 1] == 'X' ? 2 : 1;
    size_t run = strspn(p + n, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    return run && p[n + run] == ';';
}

static int ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int nb_brief_md_in_word(const char *line, const char *p)
{
    return p > line && ascii_alnum(p[-1]) && ascii_alnum(p[1]);
}

/* Markdown text that stays text in every renderer (CommonMark, GFM, Markdown.pl, Python
 * Markdown): brackets full-width (a link needs them; a chat pasted into keeps them), "<" as
 * an entity (backslash escapes of "<" are not universal), emphasis and code marks
 * backslash-escaped ("_" inside a word is no emphasis and stays), and at a paragraph's start
 * whatever would make it a heading, quote, list, rule or table. */
char *nb_brief_markdown_text(const char *text, unsigned where)
{
    char *line = nb_text_inert_line(text ? text : "");
    size_t digits = strspn(line, "0123456789");
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    nb_err rc = NB_OK;
    for (const char *p = line; *p && !rc; p++) {
        char c = *p;
        int starts = (where & NB_MD_LINE_START) &&
                     ((p == line && strchr("#>-+=|", c)) ||
                      (digits && p == line + digits && (c == '.' || c == ')')));
        if (c == '[')
            rc = nb_buf_puts(&b, "［");
        else if (c == ']')
            rc = nb_buf_puts(&b, "］");
        else if (c == '<')
            rc = nb_buf_puts(&b, "&lt;");
        else if (c == '&' && nb_brief_md_entity(p))
            rc = nb_buf_puts(&b, "&amp;");
        else if (starts || strchr("\\*~`", c) || (c == '_' && !nb_brief_md_in_word(line, p)))
            rc = nb_buf_printf(&b, "\\%c", c);
        else
            rc = nb_buf_putc(&b, c);
    }
    free(line);
    return nb_buf_take(&b);
}

static void put_text(nb_buf *b, const char *text, unsigned where)
{
    char *safe = nb_brief_markdown_text(text, where);
    if (nb_buf_puts(b, safe)) {
        /* capped above what capped input makes: cannot fail */
    }
    free(safe);
}

static void put_url(nb_buf *b, const char *url)
{
    char *escaped = nb_url_escape_markdown(url);
    if (nb_buf_puts(b, escaped)) {
        /* capped above what capped input makes: cannot fail */
    }
    free(escaped);
}

char *nb_brief_related_line(const nb_item *it, const char *prefix)
{
    if (!prefix || !*prefix || !it->related_count)
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    if (nb_buf_puts(&b, prefix))
        return nb_buf_take(&b);
    for (size_t i = 0; i < it->related_count; i++) {
        char *label = nb_brief_markdown_text(it->related[i].label, NB_MD_LINK_TEXT);
        char *url = nb_url_escape_markdown(it->related[i].url);
        nb_err rc = nb_buf_printf(&b, "%s[%s](%s)", i ? " · " : "", label, url);
        free(label);
        free(url);
        if (rc)
            break;
    }
    return nb_buf_take(&b);
}

char *nb_brief_header(const char *templ, const char *title, const char *time)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    nb_err rc = NB_OK;
    for (const char *p = templ ? templ : "{title} (更新时间: {time})"; *p && !rc;) {
        if (!strncmp(p, "{title}", 7)) {
            rc = nb_buf_puts(&b, title ? title : "");
            p += 7;
        } else if (!strncmp(p, "{time}", 6)) {
            rc = nb_buf_puts(&b, time);
            p += 6;
        } else {
            rc = nb_buf_putc(&b, *p == '\n' || *p == '\r' ? ' ' : *p);
            p++;
        }
    }
    return nb_buf_take(&b);
}

static char *render_page(const nb_render_options *o, const char *stamp, const nb_item *items,
                         size_t count)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    char *header = nb_brief_header(o->header, o->title, stamp);
    nb_err rc = nb_buf_printf(&b, "# %s\n", header);
    free(header);
    for (size_t i = 0; i < count && !rc; i++) {
        const nb_item *it = &items[i];
        char when[32];
        nb_time_format_display(it->published_at, when, sizeof when);
        rc = nb_buf_puts(&b, i ? "\n---\n\n" : "\n");
        if (!rc)
            rc = nb_buf_printf(&b, "## %zu. [", i + 1);
        put_text(&b, it->title, NB_MD_LINK_TEXT);
        if (!rc)
            rc = nb_buf_puts(&b, "](");
        put_url(&b, it->url);
        if (!rc)
            rc = nb_buf_printf(&b, ")   %s\n", when);
        if (!rc && it->summary && *it->summary) {
            rc = nb_buf_puts(&b, "\n");
            put_text(&b, it->summary, NB_MD_LINE_START);
            if (!rc)
                rc = nb_buf_puts(&b, "\n");
        }
        char *related = nb_brief_related_line(it, o->related_prefix);
        if (!rc && related)
            rc = nb_buf_printf(&b, "\n%s\n", related);
        free(related);
        if (!rc && it->image && *it->image) {
            rc = nb_buf_puts(&b, "\n![](");
            put_url(&b, it->image);
            if (!rc)
                rc = nb_buf_puts(&b, ")\n");
        }
    }
    return nb_buf_take(&b);
}

void nb_brief_render(const nb_render_options *o, const nb_item *items, size_t count, char ***pages,
                     size_t *page_count)
{
    size_t per_page = o->items_per_page ? o->items_per_page : 10;
    size_t n = (count + per_page - 1) / per_page;
    char stamp[32];
    nb_time_format_display(o->now, stamp, sizeof stamp);
    *pages = n ? nb_xcalloc(n, sizeof(char *)) : NULL;
    for (size_t p = 0; p < n; p++) {
        size_t first = p * per_page;
        size_t len = count - first < per_page ? count - first : per_page;
        (*pages)[p] = render_page(o, stamp, items + first, len);
    }
    *page_count = n;
}

void nb_brief_pages_free(char **pages, size_t page_count)
{
    for (size_t i = 0; i < page_count; i++)
        free(pages[i]);
    free(pages);
}

char *nb_brief_join(char *const *pages, size_t page_count)
{
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_MESSAGE_BYTES);
    for (size_t i = 0; i < page_count; i++)
        if ((i && nb_buf_putc(&b, '\n')) || nb_buf_puts(&b, pages[i]))
            break;
    return nb_buf_take(&b);
}
