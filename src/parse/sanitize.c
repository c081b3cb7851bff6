/* SPDX-License-Identifier: MIT */
/* Safe HTML: a fragment from a feed is read by libxml2's HTML SAX parser and written back
 * element by element through feedparser's allow-lists (HTML, MathML, SVG), with URI schemes
 * and inline CSS checked. Nothing outside the lists reaches the output, and the output is
 * re-serialized by us, so whatever the input's syntax the result is balanced and quoted.
 * Relative URIs are resolved first when a base is given (nb_html_resolve_uris alone). */
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "parse/parse.h"
#include "parse/sanitize_internal.h"

/* The allow-lists are feedparser's (acceptable_elements, acceptable_attributes, the MathML
 * and SVG lists ...; the CSS lists are in sanitize_style.c, the URI schemes in
 * sanitize_uri.c), kept sorted case-insensitively for bsearch. SVG names keep their
 * camelCase spelling, which the output restores. */
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

static const char *const void_elements[] = {
    "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input",
    "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
};
/* clang-format on */

#define NS_SVG "http://www.w3.org/2000/svg"
#define NS_MATHML "http://www.w3.org/1998/Math/MathML"
#define NS_XLINK "http://www.w3.org/1999/xlink"
/* An element of ours around the fragment: text at the top level then has a parent, so
 * libxml2 does not invent a <p> for it. */
#define WRAPPER "nb-sanitize-fragment"
#define MAX_ATTRIBUTES 128  /* attributes kept per element */
#define MAX_OUTPUT_FACTOR 4 /* output cap: this many times the input cap */

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
            value = nb_san_attribute_out(w, name, a);
        } else if (strcmp(key, "style") == 0 && lookup(allowed, allowed_n, "style")) {
            value = nb_san_clean_style(a->value, w->svg > 0);
        } else {
            const char *listed = lookup(allowed, allowed_n, key);
            if (listed) {
                if (svg_names)
                    key = listed;
                value = nb_san_attribute_out(w, name, a);
            }
        }
        if (!value)
            continue;
        put_str(w, " ");
        put_str(w, key);
        put_str(w, "=\"");
        nb_san_put_attribute_value(w, value);
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
    if (!nb_san_put_reference(w, (const char *)ch, (size_t)len))
        nb_san_put_text(w, (const char *)ch, (size_t)len);
}

/* Script and style bodies: dropped when sanitizing (escaped should any other element's
 * body come this way), written back as they are otherwise. */
static void on_raw_text(void *ctx, const xmlChar *ch, int len)
{
    walker *w = ctx;
    if (text_dropped(w) || len <= 0)
        return;
    if (w->sanitize)
        nb_san_put_text(w, (const char *)ch, (size_t)len);
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

int nb_html_element_allowed(const char *name)
{
    return IN(html_elements, name) != NULL;
}
