/* SPDX-License-Identifier: MIT */
/* The output of the feed HTML sanitizer: text and attribute values escaped, and character
 * references written back as feedparser writes them (lower-cased, C1 code points as
 * windows-1252 reads them). Every byte goes through put(), which stops at the output cap. */
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <string.h>

#include "parse/sanitize_internal.h"

/* Code points 128-159 as windows-1252 reads them: feedparser writes such character
 * references as the character the author meant. 0 where windows-1252 has none. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

#define REF_LOOKBACK 40 /* longest character reference recognised as written */

/* An attribute value between double quotes. Every '&' is escaped (feedparser keeps
 * "&name;" as written): a browser would decode "javascript&colon;" in an href after our
 * scheme check. */
void nb_san_put_attribute_value(walker *w, const char *v)
{
    const char *run = v;
    for (const char *p = v; *p; p++) {
        const char *esc = *p == '<'   ? "&lt;"
                          : *p == '>' ? "&gt;"
                          : *p == '"' ? "&quot;"
                          : *p == '&' ? "&amp;"
                                      : NULL;
        if (!esc)
            continue;
        put(w, run, (size_t)(p - run));
        put_str(w, esc);
        run = p + 1;
    }
    put_str(w, run);
}

void nb_san_put_text(walker *w, const char *s, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : NULL;
        if (!esc)
            continue;
        put(w, s + run, i - run);
        put_str(w, esc);
        run = i + 1;
    }
    put(w, s + run, len - run);
}

static size_t utf8_encode(unsigned long c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static int decodes_to(unsigned long c, const char *text, size_t len)
{
    char enc[4];
    size_t n = utf8_encode(c, enc);
    return n == len && memcmp(enc, text, n) == 0;
}

/* libxml2 hands over a character reference already decoded. feedparser writes references
 * back as the author spelled them (lower-cased, C1 code points as windows-1252), so when
 * the input just read is a reference that decodes to text, it is written in that form.
 * Returns 0 when the text did not come from a reference. */
int nb_san_put_reference(walker *w, const char *text, size_t len)
{
    xmlParserInputPtr in = w->ctxt->input;
    if (!in || !in->cur || !in->base)
        return 0;
    const char *end = (const char *)in->cur;
    const char *lo = (const char *)in->base;
    if (end - lo > REF_LOOKBACK)
        lo = end - REF_LOOKBACK;
    const char *amp = NULL;
    for (const char *p = end; p > lo; p--) {
        if (p[-1] == '&') {
            amp = p - 1;
            break;
        }
    }
    if (!amp)
        return 0;
    char ref[REF_LOOKBACK + 1];
    size_t n = (size_t)(end - amp);
    memcpy(ref, amp, n);
    ref[n] = '\0';
    int semicolon = n > 1 && ref[n - 1] == ';';
    if (semicolon)
        ref[--n] = '\0';
    if (ref[1] == '#') {
        int hex = ref[2] == 'x' || ref[2] == 'X';
        const char *digits = ref + 2 + hex;
        if (!*digits || strlen(digits) > 8)
            return 0;
        unsigned long c = 0;
        for (const char *p = digits; *p; p++) {
            int d = (*p >= '0' && *p <= '9')   ? *p - '0'
                    : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                    : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                               : 99;
            if (d >= (hex ? 16 : 10))
                return 0;
            c = c * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (!decodes_to(c, text, len))
            return 0;
        if (semicolon && !hex && (strcmp(digits, "39") == 0 || strcmp(digits, "34") == 0)) {
            put(w, text, len); /* feedparser reads &#39; and &#34; as the plain quotes */
            return 1;
        }
        if (c >= 0x80 && c <= 0x9F && cp1252_c1[c - 0x80]) {
            char buf[16];
            snprintf(buf, sizeof(buf), "&#x%x;", (unsigned)cp1252_c1[c - 0x80]);
            put_str(w, buf);
            return 1;
        }
        put_str(w, "&#");
        for (const char *p = ref + 2; *p; p++) {
            char lower = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            put(w, &lower, 1);
        }
        put_str(w, ";");
        return 1;
    }
    const char *name = ref + 1;
    if (!*name)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return 0;
    const htmlEntityDesc *ent = htmlEntityLookup((const xmlChar *)name);
    if (!ent)
        return 0;
    if (!semicolon) {
        /* "&amp " : libxml2 gives "&" then the name as text; the name is written here as
         * a reference and its own text event skipped. */
        if (len != 1 || text[0] != '&')
            return 0;
        w->skip_at = in->cur;
    } else if (!decodes_to(ent->value, text, len)) {
        return 0;
    }
    put_str(w, "&");
    put_str(w, name);
    put_str(w, ";");
    return 1;
}
