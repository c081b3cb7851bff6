/* SPDX-License-Identifier: MIT */
/* Safe HTML: a fragment from a feed is read by libxml2's HTML SAX parser and written back
 * element by element through feedparser's allow-lists (HTML, MathML, SVG), with URI schemes
 * and inline CSS checked. Nothing outside the lists reaches the output, and the output is
 * re-serialized by us, so whatever the input's syntax the result is balanced and quoted.
 * Relative URIs are resolved first when a base is given (nb_html_resolve_uris alone). */
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/parse.h"

/* The allow-lists are feedparser's (acceptable_elements, acceptable_attributes, the MathML
 * and SVG lists, acceptable_css_properties ...), kept sorted case-insensitively for
 * bsearch. SVG names keep their camelCase spelling, which the output restores. */
/* clang-format off */
static const char *const html_elements[] = {
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big",
    "blockquote", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
    "colgroup", "command", "datagrid", "datalist", "dd", "del", "details", "dfn", "dialog",
    "dir", "div", "dl", "dt", "em", "event-source", "fieldset", "figcaption", "figure", "font",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "input",
    "ins", "kbd", "keygen", "label", "legend", "li", "m", "map", "menu", "meter", "multicol",
    "nav", "nextid", "noscript", "ol", "optgroup", "option", "output", "p", "pre", "progress",
    "q", "s", "samp", "section", "select", "small", "sound", "source", "spacer", "span",
    "strike", "strong", "sub", "sup", "table", "tbody", "td", "textarea", "tfoot", "th",
    "thead", "time", "tr", "tt", "u", "ul", "var", "video",
};

static const char *const html_attributes[] = {
    "abbr", "accept", "accept-charset", "accesskey", "action", "align", "alt", "autocomplete",
    "autofocus", "axis", "background", "balance", "bgcolor", "bgproperties", "border",
    "bordercolor", "bordercolordark", "bordercolorlight", "bottompadding", "cellpadding",
    "cellspacing", "ch", "challenge", "char", "charoff", "charset", "checked", "choff", "cite",
    "class", "clear", "color", "cols", "colspan", "compact", "contenteditable", "controls",
    "coords", "data", "datafld", "datapagesize", "datasrc", "datetime", "default", "delay",
    "dir", "disabled", "draggable", "dynsrc", "enctype", "end", "face", "for", "form", "frame",
    "galleryimg", "gutter", "headers", "height", "hidden", "hidefocus", "high", "href",
    "hreflang", "hspace", "icon", "id", "inputmode", "ismap", "keytype", "label", "lang",
    "leftspacing", "list", "longdesc", "loop", "loopcount", "loopend", "loopstart", "low",
    "lowsrc", "max", "maxlength", "media", "method", "min", "multiple", "name", "nohref",
    "noshade", "nowrap", "open", "optimum", "pattern", "ping", "point-size", "poster", "pqg",
    "preload", "prompt", "radiogroup", "readonly", "rel", "repeat-max", "repeat-min", "replace",
    "required", "rev", "rightspacing", "rows", "rowspan", "rules", "scope", "selected", "shape",
    "size", "span", "src", "start", "step", "style", "summary", "suppress", "tabindex",
    "target", "template", "title", "toppadding", "type", "unselectable", "urn", "usemap",
    "valign", "value", "variable", "volume", "vrml", "vspace", "width", "wrap", "xml:lang",
};

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

static const char *const mathml_elements[] = {
    "annotation", "annotation-xml", "maction", "maligngroup", "malignmark", "math", "menclose",
    "merror", "mfenced", "mfrac", "mglyph", "mi", "mlabeledtr", "mlongdiv", "mmultiscripts",
    "mn", "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms",
    "mscarries", "mscarry", "msgroup", "msline", "mspace", "msqrt", "msrow", "mstack", "mstyle",
    "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
    "semantics",
};

static const char *const mathml_attributes[] = {
    "accent", "accentunder", "actiontype", "align", "alignmentscope", "altimg", "altimg-height",
    "altimg-valign", "altimg-width", "alttext", "bevelled", "charalign", "close", "columnalign",
    "columnlines", "columnspacing", "columnspan", "columnwidth", "crossout", "decimalpoint",
    "denomalign", "depth", "dir", "display", "displaystyle", "edge", "encoding", "equalcolumns",
    "equalrows", "fence", "fontstyle", "fontweight", "form", "frame", "framespacing",
    "groupalign", "height", "href", "id", "indentalign", "indentalignfirst", "indentalignlast",
    "indentshift", "indentshiftfirst", "indentshiftlast", "indenttarget", "infixlinebreakstyle",
    "largeop", "length", "linebreak", "linebreakmultchar", "linebreakstyle", "lineleading",
    "linethickness", "location", "longdivstyle", "lquote", "lspace", "mathbackground",
    "mathcolor", "mathsize", "mathvariant", "maxsize", "minlabelspacing", "minsize",
    "movablelimits", "notation", "numalign", "open", "other", "overflow", "position",
    "rowalign", "rowlines", "rowspacing", "rowspan", "rquote", "rspace", "scriptlevel",
    "scriptminsize", "scriptsizemultiplier", "selection", "separator", "separators", "shift",
    "side", "src", "stackalign", "stretchy", "subscriptshift", "superscriptshift", "symmetric",
    "voffset", "width", "xlink:href", "xlink:show", "xlink:type", "xmlns", "xmlns:xlink",
};

static const char *const svg_elements[] = {
    "a", "animate", "animateColor", "animateMotion", "animateTransform", "circle", "defs",
    "desc", "ellipse", "font-face", "font-face-name", "font-face-src", "foreignObject", "g",
    "glyph", "hkern", "line", "linearGradient", "marker", "metadata", "missing-glyph", "mpath",
    "path", "polygon", "polyline", "radialGradient", "rect", "set", "stop", "svg", "switch",
    "text", "title", "tspan", "use",
};

static const char *const svg_attributes[] = {
    "accent-height", "accumulate", "additive", "alphabetic", "arabic-form", "ascent",
    "attributeName", "attributeType", "baseProfile", "bbox", "begin", "by", "calcMode",
    "cap-height", "class", "color", "color-rendering", "content", "cx", "cy", "d", "descent",
    "display", "dur", "dx", "dy", "end", "fill", "fill-opacity", "fill-rule", "font-family",
    "font-size", "font-stretch", "font-style", "font-variant", "font-weight", "from", "fx",
    "fy", "g1", "g2", "glyph-name", "gradientUnits", "hanging", "height", "horiz-adv-x",
    "horiz-origin-x", "id", "ideographic", "k", "keyPoints", "keySplines", "keyTimes", "lang",
    "marker-end", "marker-mid", "marker-start", "markerHeight", "markerUnits", "markerWidth",
    "mathematical", "max", "min", "name", "offset", "opacity", "orient", "origin",
    "overline-position", "overline-thickness", "panose-1", "path", "pathLength", "points",
    "preserveAspectRatio", "r", "refX", "refY", "repeatCount", "repeatDur",
    "requiredExtensions", "requiredFeatures", "restart", "rotate", "rx", "ry", "slope", "stemh",
    "stemv", "stop-color", "stop-opacity", "strikethrough-position", "strikethrough-thickness",
    "stroke", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-opacity", "stroke-width", "systemLanguage", "target",
    "text-anchor", "to", "transform", "type", "u1", "u2", "underline-position",
    "underline-thickness", "unicode", "unicode-range", "units-per-em", "values", "version",
    "viewBox", "visibility", "width", "widths", "x", "x-height", "x1", "x2", "xlink:actuate",
    "xlink:arcrole", "xlink:href", "xlink:role", "xlink:show", "xlink:title", "xlink:type",
    "xml:base", "xml:lang", "xml:space", "xmlns", "xmlns:xlink", "y", "y1", "y2", "zoomAndPan",
};

static const char *const svg_css_properties[] = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-linecap", "stroke-linejoin",
    "stroke-opacity", "stroke-width",
};

static const char *const void_elements[] = {
    "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input",
    "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
};

static const char *const uri_schemes[] = {
    "aim", "callto", "cvs", "facetime", "feed", "file", "ftp", "git", "gopher", "gtalk", "h323",
    "hdl", "http", "https", "imap", "irc", "irc6", "ircs", "itms", "magnet", "mailto", "mms",
    "msnim", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip",
    "sips", "skype", "smb", "snews", "ssh", "svn", "svn+ssh", "telnet", "wais", "ymsg",
};
/* clang-format on */

/* (element, attribute) pairs whose value is a URI relative to the document: feedparser's
 * relative_uris. */
static const struct {
    const char *element, *attribute;
} relative_uris[] = {
    {"a", "href"},          {"applet", "codebase"}, {"area", "href"},    {"audio", "src"},
    {"blockquote", "cite"}, {"body", "background"}, {"del", "cite"},     {"form", "action"},
    {"frame", "longdesc"},  {"frame", "src"},       {"head", "profile"}, {"iframe", "longdesc"},
    {"iframe", "src"},      {"img", "longdesc"},    {"img", "src"},      {"img", "usemap"},
    {"input", "src"},       {"input", "usemap"},    {"ins", "cite"},     {"link", "href"},
    {"object", "classid"},  {"object", "codebase"}, {"object", "data"},  {"object", "usemap"},
    {"q", "cite"},          {"script", "src"},      {"source", "src"},   {"video", "poster"},
    {"video", "src"},
};

/* Attributes whose value a browser loads or follows as a URI: their scheme must be on the
 * list whatever the element (feedparser itself checks only href). */
static const char *const uri_attributes[] = {
    "action", "background", "cite", "classid",  "codebase",   "data",
    "dynsrc", "href",       "icon", "longdesc", "lowsrc",     "ping",
    "poster", "profile",    "src",  "usemap",   "xlink:href", "xml:base"};

/* Code points 128-159 as windows-1252 reads them: feedparser writes such character
 * references as the character the author meant. 0 where windows-1252 has none. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

#define NS_SVG "http://www.w3.org/2000/svg"
#define NS_MATHML "http://www.w3.org/1998/Math/MathML"
#define NS_XLINK "http://www.w3.org/1999/xlink"
/* An element of ours around the fragment: text at the top level then has a parent, so
 * libxml2 does not invent a <p> for it. */
#define WRAPPER "nb-sanitize-fragment"
#define MAX_ATTRIBUTES 128   /* attributes kept per element */
#define MAX_STYLE_BYTES 8192 /* longer style attributes are dropped, not filtered */
#define MAX_OUTPUT_FACTOR 4  /* output cap: this many times the input cap */
#define REF_LOOKBACK 40      /* longest character reference recognised as written */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int by_name(const void *key, const void *item)
{
    return strcasecmp((const char *)key, *(const char *const *)item);
}

/* The list's spelling of name (case-insensitive), or NULL. */
static const char *lookup(const char *const *list, size_t n, const char *name)
{
    const char *const *hit = bsearch(name, list, n, sizeof(*list), by_name);
    return hit ? *hit : NULL;
}

#define IN(list, name) lookup(list, COUNT(list), name)

typedef struct open_element {
    const char *name; /* the name written, NULL when the tag was left out */
    unsigned void_element : 1, unacceptable : 1, svg : 1, mathml : 1;
} open_element;

typedef struct walker {
    htmlParserCtxtPtr ctxt;
    nb_buf out;
    const char *base; /* NULL: no resolution */
    int sanitize;     /* 0: only resolve relative URIs, write everything else back */
    int wrapper_open;
    open_element stack[NB_LIMIT_HTML_DEPTH];
    size_t depth;           /* open elements below the wrapper, even past the cap */
    size_t unacceptable;    /* open script/style/applet: their text is dropped */
    size_t svg, mathml;     /* open <svg> / <math> in their namespaces */
    const xmlChar *skip_at; /* input position of an entity name already written */
    int failed;             /* the output cap was hit */
} walker;

typedef struct attribute {
    const char *name;
    char *value; /* owned */
} attribute;

static void put(walker *w, const char *s, size_t len)
{
    if (!w->failed && nb_buf_append(&w->out, s, len) != NB_OK)
        w->failed = 1;
}

static void put_str(walker *w, const char *s)
{
    put(w, s, strlen(s));
}

/* An attribute value between double quotes. Every '&' is escaped (feedparser keeps
 * "&name;" as written): a browser would decode "javascript&colon;" in an href after our
 * scheme check. */
static void put_attribute_value(walker *w, const char *v)
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

static void put_text(walker *w, const char *s, size_t len)
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
static int put_reference(walker *w, const char *text, size_t len)
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

/* ---- inline CSS: feedparser's sanitize_style, with the same patterns ---- */

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

static int is_css_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
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
static char *clean_style(const char *style, int in_svg)
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

/* ---- URIs ---- */

/* The scheme as Python's urlsplit finds it (leading controls and spaces skipped, tabs and
 * newlines ignored), lower-cased into buf; "" when the URI has none. */
static const char *uri_scheme(const char *uri, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)uri;
    while (*p && *p <= ' ')
        p++;
    size_t n = 0;
    for (; *p && *p != ':'; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r')
            continue;
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (n && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'));
        if (!ok || n + 1 >= size)
            return "";
        buf[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    buf[n] = '\0';
    return *p == ':' ? buf : "";
}

static int uri_safe(const char *uri)
{
    char buf[32];
    const char *scheme = uri_scheme(uri, buf, sizeof(buf));
    return !*scheme || IN(uri_schemes, scheme) != NULL;
}

static int is_relative_uri(const char *element, const char *attr)
{
    for (size_t i = 0; i < COUNT(relative_uris); i++)
        if (strcmp(relative_uris[i].element, element) == 0 &&
            strcmp(relative_uris[i].attribute, attr) == 0)
            return 1;
    return 0;
}

/* uri with space, controls, non-ASCII bytes and the characters RFC 3986 never allows
 * percent-encoded; '%' and the delimiters stay as they are. */
static char *escape_uri(const char *uri)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(uri);
    char *out = nb_xmalloc(len * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p <= ' ' || *p >= 0x7F || strchr("\"<>\\^`{|}", *p)) {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        } else {
            *o++ = (char)*p;
        }
    }
    *o = '\0';
    return out;
}

/* value resolved against base the way feedparser does (white space trimmed, extra slashes
 * after "scheme://" dropped); NULL when it cannot be resolved. */
static char *resolve(const char *base, const char *value)
{
    while (*value && is_css_space(*value))
        value++;
    size_t len = strlen(value);
    while (len && is_css_space(value[len - 1]))
        len--;
    if (len > NB_LIMIT_URL_BYTES)
        return NULL;
    char *ref = nb_xstrndup(value, len);
    char *colon = strstr(ref, "://");
    if (colon) {
        int scheme = colon > ref && ((*ref >= 'a' && *ref <= 'z') || (*ref >= 'A' && *ref <= 'Z'));
        for (const char *p = ref; scheme && p < colon; p++)
            scheme = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.",
                            *p) != NULL;
        char *rest = colon + 3, *slashes = rest;
        while (scheme && *slashes == '/')
            slashes++;
        if (slashes > rest)
            memmove(rest, slashes, strlen(slashes) + 1);
    }
    char scheme[32];
    if (*uri_scheme(ref, scheme, sizeof(scheme)))
        return ref; /* absolute already: kept as written, as urljoin keeps it */
    char *resolved = nb_url_resolve(base, ref);
    if (!resolved) {
        /* libxml2 rejects raw spaces and non-ASCII ("/tag/人工智能"), which feeds do write
         * and browsers accept: percent-encode them and try again. */
        char *escaped = escape_uri(ref);
        resolved = nb_url_resolve(base, escaped);
        free(escaped);
    }
    free(ref);
    return resolved;
}

/* ---- elements ---- */

static int by_attribute_name(const void *a, const void *b)
{
    return strcmp(((const attribute *)a)->name, ((const attribute *)b)->name);
}

static const char *attribute_value(const attribute *attrs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(attrs[i].name, name) == 0)
            return attrs[i].value;
    return NULL;
}

static void lowercase(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* The attribute's value as written out, or NULL to leave it out. */
static char *attribute_out(walker *w, const char *tag, const attribute *a)
{
    char *value = nb_xstrdup(a->value);
    if (w->base && is_relative_uri(tag, a->name)) {
        char *resolved = resolve(w->base, value);
        /* feedparser keeps the value as written when it will not resolve it. */
        if (resolved && uri_safe(resolved)) {
            free(value);
            value = resolved;
        } else {
            free(resolved);
        }
    }
    if (w->sanitize && IN(uri_attributes, a->name) && !uri_safe(value))
        value[0] = '\0';
    return value;
}

/* An SVG animation of a link target (<animate attributeName="href" to="javascript:...">)
 * would set a URI no scheme check sees. */
static int animates_link(const char *tag, const attribute *attrs, size_t n)
{
    if (strncmp(tag, "animate", 7) != 0 && strcmp(tag, "set") != 0)
        return 0;
    const char *target = attribute_value(attrs, n, "attributename");
    if (!target)
        return 0;
    size_t len = strlen(target);
    while (len && is_css_space(target[len - 1]))
        len--;
    return len >= 4 && strncasecmp(target + len - 4, "href", 4) == 0;
}

static void write_start(walker *w, const char *name, attribute *attrs, size_t n, int svg_names,
                        const char *const *allowed, size_t allowed_n, int is_void)
{
    put_str(w, "<");
    put_str(w, name);
    for (size_t i = 0; i < n; i++) {
        const attribute *a = &attrs[i];
        char *value = NULL;
        const char *key = a->name;
        if (!w->sanitize) {
            value = attribute_out(w, name, a);
        } else if (strcmp(key, "style") == 0 && lookup(allowed, allowed_n, "style")) {
            value = clean_style(a->value, w->svg > 0);
        } else {
            const char *listed = lookup(allowed, allowed_n, key);
            if (listed) {
                if (svg_names)
                    key = listed;
                value = attribute_out(w, name, a);
            }
        }
        if (!value)
            continue;
        put_str(w, " ");
        put_str(w, key);
        put_str(w, "=\"");
        put_attribute_value(w, value);
        put_str(w, "\"");
        free(value);
    }
    put_str(w, is_void ? " />" : ">");
}

static void on_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
    walker *w = ctx;
    const char *tag = (const char *)xname;
    if (!w->wrapper_open && w->depth == 0 && strcmp(tag, WRAPPER) == 0) {
        w->wrapper_open = 1;
        return;
    }
    if (++w->depth > NB_LIMIT_HTML_DEPTH)
        return; /* too deep: left out with its text */
    open_element *e = &w->stack[w->depth - 1];
    memset(e, 0, sizeof(*e));

    /* Attributes: lower-case names, the last of duplicates, rel/type values lower-cased,
     * sorted by name (feedparser's normalize_attrs). A bare attribute has its name as
     * value, as SGML reads it. */
    attribute attrs[MAX_ATTRIBUTES + 2];
    size_t n = 0;
    for (size_t i = 0; atts && atts[i] && n < MAX_ATTRIBUTES; i += 2) {
        const char *key = (const char *)atts[i];
        const char *value = atts[i + 1] ? (const char *)atts[i + 1] : key;
        size_t j;
        for (j = 0; j < n && strcmp(attrs[j].name, key) != 0; j++)
            ;
        if (j < n) {
            free(attrs[j].value);
        } else {
            attrs[n].name = key;
            n++;
        }
        attrs[j].value = nb_xstrdup(value);
        if (strcmp(key, "rel") == 0 || strcmp(key, "type") == 0)
            lowercase(attrs[j].value);
    }

    const char *name = tag;
    const char *const *allowed = html_attributes;
    size_t allowed_n = COUNT(html_attributes);
    int svg_names = 0;
    int write = 1;
    if (w->sanitize && (!IN(html_elements, tag) || w->svg)) {
        if (strcmp(tag, "script") == 0 || strcmp(tag, "style") == 0 || strcmp(tag, "applet") == 0) {
            e->unacceptable = 1;
            w->unacceptable++;
        }
        /* Inline SVG and MathML in HTML carry their namespace implicitly. */
        const char *xmlns = attribute_value(attrs, n, "xmlns");
        if ((!xmlns || !*xmlns) && (strcmp(tag, "svg") == 0 || strcmp(tag, "math") == 0)) {
            if (xmlns) {
                for (size_t i = 0; i < n; i++)
                    if (strcmp(attrs[i].name, "xmlns") == 0)
                        attrs[i].name = "xmlns-empty"; /* replaced below, never listed */
            }
            attrs[n].name = "xmlns";
            attrs[n].value = nb_xstrdup(strcmp(tag, "svg") == 0 ? NS_SVG : NS_MATHML);
            n++;
            xmlns = attrs[n - 1].value;
        }
        if (strcmp(tag, "math") == 0 && xmlns && strcmp(xmlns, NS_MATHML) == 0) {
            e->mathml = 1;
            w->mathml++;
        }
        if (strcmp(tag, "svg") == 0 && xmlns && strcmp(xmlns, NS_SVG) == 0) {
            e->svg = 1;
            w->svg++;
        }
        const char *svg_name;
        if (w->mathml && IN(mathml_elements, tag)) {
            allowed = mathml_attributes;
            allowed_n = COUNT(mathml_attributes);
        } else if (w->svg && (svg_name = IN(svg_elements, tag)) != NULL) {
            allowed = svg_attributes;
            allowed_n = COUNT(svg_attributes);
            name = svg_name;
            svg_names = 1;
        } else if (!IN(html_elements, tag)) {
            write = 0;
        }
    }
    if (write && w->sanitize && (w->mathml || w->svg)) {
        int xlink = 0;
        for (size_t i = 0; i < n; i++)
            xlink |= strncmp(attrs[i].name, "xlink:", 6) == 0;
        const char *decl = attribute_value(attrs, n, "xmlns:xlink");
        if (xlink && !(decl && strcmp(decl, NS_XLINK) == 0) && n < MAX_ATTRIBUTES + 2) {
            attrs[n].name = "xmlns:xlink";
            attrs[n].value = nb_xstrdup(NS_XLINK);
            n++;
        }
    }
    if (write && svg_names && animates_link(tag, attrs, n)) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(attrs[i].name, "attributename") == 0)
                attrs[i].name = "-dropped"; /* on no list */
    }
    if (write) {
        qsort(attrs, n, sizeof(*attrs), by_attribute_name);
        e->void_element = IN(void_elements, tag) != NULL;
        e->name = name;
        write_start(w, name, attrs, n, svg_names, allowed, allowed_n, e->void_element);
    }
    for (size_t i = 0; i < n; i++)
        free(attrs[i].value);
}

static void on_end(void *ctx, const xmlChar *xname)
{
    walker *w = ctx;
    if (w->depth == 0) {
        if (strcmp((const char *)xname, WRAPPER) == 0)
            w->wrapper_open = 0;
        return;
    }
    if (w->depth-- > NB_LIMIT_HTML_DEPTH)
        return;
    const open_element *e = &w->stack[w->depth];
    w->unacceptable -= e->unacceptable;
    w->svg -= e->svg;
    w->mathml -= e->mathml;
    if (e->name && !e->void_element) {
        put_str(w, "</");
        put_str(w, e->name);
        put_str(w, ">");
    }
}

static int text_dropped(const walker *w)
{
    return w->depth > NB_LIMIT_HTML_DEPTH || (w->sanitize && w->unacceptable);
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    walker *w = ctx;
    if (w->skip_at && w->ctxt->input && w->skip_at == w->ctxt->input->cur) {
        w->skip_at = NULL;
        return;
    }
    w->skip_at = NULL;
    if (text_dropped(w) || len <= 0)
        return;
    if (!put_reference(w, (const char *)ch, (size_t)len))
        put_text(w, (const char *)ch, (size_t)len);
}

/* Script and style bodies: dropped when sanitizing (escaped should any other element's
 * body come this way), written back as they are otherwise. */
static void on_raw_text(void *ctx, const xmlChar *ch, int len)
{
    walker *w = ctx;
    if (text_dropped(w) || len <= 0)
        return;
    if (w->sanitize)
        put_text(w, (const char *)ch, (size_t)len);
    else
        put(w, (const char *)ch, (size_t)len);
}

static void on_comment(void *ctx, const xmlChar *value)
{
    walker *w = ctx;
    if (text_dropped(w))
        return;
    /* Conditional comments are markup to old Internet Explorer, and a browser ends a
     * comment early at "--!>" or at "<!-->": such comments would let their text out. */
    const char *v = (const char *)value;
    size_t n = strlen(v);
    if (w->sanitize && (strncmp(v, "[if", 3) == 0 || strstr(v, "--") || v[0] == '>' ||
                        strncmp(v, "->", 2) == 0 || (n && v[n - 1] == '-')))
        return;
    put_str(w, "<!--");
    put_str(w, (const char *)value);
    put_str(w, "-->");
}

/* html behind the wrapper start tag; any closing tag of the wrapper in html is turned into
 * text so that the fragment cannot leave it. */
static char *wrap(const char *html, size_t len, size_t *out_len)
{
    static const char open[] = "<" WRAPPER ">";
    size_t wl = sizeof(WRAPPER) - 1;
    nb_buf b;
    nb_buf_init(&b, sizeof(open) + 2 * len); /* "</wrapper" gains 3 bytes at most */
    nb_err rc = nb_buf_append(&b, open, sizeof(open) - 1);
    size_t run = 0;
    for (size_t i = 0; !rc && i + 1 < len; i++) {
        if (html[i] != '<' || html[i + 1] != '/' || len - i - 2 < wl ||
            strncasecmp(html + i + 2, WRAPPER, wl) != 0)
            continue;
        rc = nb_buf_append(&b, html + run, i - run);
        if (!rc)
            rc = nb_buf_puts(&b, "&lt;");
        run = i + 1;
    }
    if (!rc)
        rc = nb_buf_append(&b, html + run, len - run);
    *out_len = b.len;
    return nb_buf_take(&b);
}

/* White space as Python's str.strip sees it, for the few code points feeds contain. */
static size_t space_at(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F))
        return 1;
    if (len >= 2 && c == 0xC2 && ((unsigned char)s[1] == 0x85 || (unsigned char)s[1] == 0xA0))
        return 2;
    if (len >= 3 && c == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    if (len >= 3 && c == 0xE2 && (unsigned char)s[1] == 0x80) {
        unsigned char d = (unsigned char)s[2];
        if (d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF)
            return 3;
    }
    return 0;
}

/* feedparser's final touch: surrounding white space stripped, CRLF made LF. */
static char *finish(char *s)
{
    size_t len = strlen(s), start = 0, k;
    while (start < len && (k = space_at(s + start, len - start)) > 0)
        start += k;
    size_t end = len;
    for (;;) {
        size_t back = 0;
        for (size_t j = 1; j <= 3 && j <= end - start; j++)
            if (space_at(s + end - j, j) == j) {
                back = j;
                break;
            }
        if (!back)
            break;
        end -= back;
    }
    size_t o = 0;
    for (size_t i = start; i < end; i++) {
        if (s[i] == '\r' && i + 1 < end && s[i + 1] == '\n')
            continue;
        s[o++] = s[i];
    }
    s[o] = '\0';
    return s;
}

/* Where a fragment longer than cap is cut: before the last tag that starts in its last
 * 4 KB (no tag is left half-written), else at a character boundary. */
static size_t cut_point(const char *html, size_t cap)
{
    for (size_t i = cap; i > 0 && cap - i < 4096; i--)
        if (html[i] == '<')
            return i;
    while (cap > 0 && ((unsigned char)html[cap] & 0xC0) == 0x80)
        cap--;
    return cap;
}

static char *walk(const char *html, size_t len, const char *base_url, int sanitize)
{
    if (!html)
        html = "";
    if (len > NB_LIMIT_FIELD_BYTES)
        len = cut_point(html, NB_LIMIT_FIELD_BYTES);
    walker *w = nb_xcalloc(1, sizeof(*w));
    nb_buf_init(&w->out, (size_t)NB_LIMIT_FIELD_BYTES * MAX_OUTPUT_FACTOR);
    w->base = base_url && *base_url ? base_url : NULL;
    w->sanitize = sanitize;
    char *result = NULL;
    /* libxml2 compares each attribute with the tag's earlier ones: thousands in one tag
     * would cost seconds, so those past the cap go first (the output keeps fewer anyway) */
    size_t capped_len;
    nb_attr_cut cuts;
    char *capped = nb_html_cap_attrs(html, len, &capped_len, &cuts);
    if (capped) {
        html = capped;
        len = capped_len;
    }
    size_t wrapped_len;
    char *wrapped = wrap(html, len, &wrapped_len);
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(wrapped, (int)wrapped_len);
    if (!ctxt)
        goto out;
    w->ctxt = ctxt;
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_text;
    sax.ignorableWhitespace = on_text;
    sax.cdataBlock = on_raw_text;
    sax.comment = on_comment;
    memcpy(ctxt->sax, &sax, sizeof(sax));
    ctxt->userData = w;
    xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
    htmlCtxtUseOptions(ctxt, HTML_PARSE_NOIMPLIED | HTML_PARSE_NODEFDTD | HTML_PARSE_RECOVER |
                                 HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_IGNORE_ENC);
    htmlParseDocument(ctxt);
    if (!w->failed) {
        result = nb_buf_take(&w->out);
        if (sanitize)
            result = finish(result);
    }
out:
    if (ctxt)
        htmlFreeParserCtxt(ctxt);
    free(wrapped);
    free(capped);
    nb_buf_free(&w->out);
    free(w);
    return result;
}

char *nb_html_sanitize(const char *html, size_t len, const char *base_url)
{
    return walk(html, len, base_url, 1);
}

char *nb_html_resolve_uris(const char *html, size_t len, const char *base_url)
{
    return walk(html, len, base_url, 0);
}

int nb_html_uri_scheme_allowed(const char *uri)
{
    char buf[32];
    const char *scheme = uri_scheme(uri, buf, sizeof(buf));
    return *scheme && IN(uri_schemes, scheme) != NULL;
}

int nb_html_element_allowed(const char *name)
{
    return IN(html_elements, name) != NULL;
}
