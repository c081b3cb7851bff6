/* SPDX-License-Identifier: MIT */
/* Feed reader: the handlers of GeoRSS (simple and GML) and their table: each place becomes
 * where = {type, coordinates}, as feedparser gives it. */
#include <stdlib.h>
#include <string.h>

#include "parse/feed_internal.h"

/* --- GeoRSS and GML: where = {type, coordinates} */

static void start_where(reader *r, json_t *attrs)
{
    (void)attrs;
    nb_feed_push(r, "where", 0);
    json_object_set_new(nb_feed_context(r), "where", json_object());
}

static void start_georss_geometry(reader *r, json_t *attrs)
{
    (void)attrs;
    nb_feed_push(r, "geometry", 0);
    json_object_set_new(nb_feed_context(r), "where", json_object());
}

/* Numbers of a coordinate list ("45.256 -71.92" or "45.256,-71.92"), grouped in points
 * of dims numbers, the first two of each swapped when swap. NULL when it does not parse
 * or is empty. */
static json_t *coordinates(const char *text, int swap, int dims)
{
    json_t *points = json_array();
    double v[3];
    int have = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        char *end = NULL;
        double d = strtod(p, &end);
        if (end == p) {
            json_decref(points);
            return NULL;
        }
        p = end;
        v[have++] = d;
        if (have == (dims == 3 ? 3 : 2)) {
            json_t *pt = json_array();
            json_array_append_new(pt, json_real(swap ? v[1] : v[0]));
            json_array_append_new(pt, json_real(swap ? v[0] : v[1]));
            if (dims == 3)
                json_array_append_new(pt, json_real(v[2]));
            json_array_append_new(points, pt);
            have = 0;
        }
    }
    if (!json_array_size(points)) {
        json_decref(points);
        return NULL;
    }
    return points;
}

static void save_where(reader *r, const char *type, json_t *coords)
{
    json_t *where = json_object_get(nb_feed_context(r), "where");
    if (!where) {
        where = json_object();
        json_object_set_new(nb_feed_context(r), "where", where);
    }
    json_object_set_new(where, "type", json_string(type));
    json_object_set_new(where, "coordinates", coords);
}

static void end_georss(reader *r, const char *type)
{
    char *text = nb_feed_pop(r, "geometry");
    json_t *points = text ? coordinates(text, 1, 2) : NULL;
    free(text);
    if (!points)
        return;
    if (!strcmp(type, "Point")) {
        save_where(r, type, json_incref(json_array_get(points, 0)));
    } else if (!strcmp(type, "Polygon")) {
        if (json_array_size(points) >= 4)
            save_where(r, type, json_pack("[O]", points));
    } else {
        save_where(r, type, json_incref(points));
    }
    json_decref(points);
}

/* GML geometry: srsName and srsDimension decide the axis order and point size. */
static void gml_srs(reader *r, json_t *attrs)
{
    json_t *where = json_object_get(nb_feed_context(r), "where");
    if (!where) {
        where = json_object();
        json_object_set_new(nb_feed_context(r), "where", where);
    }
    const char *dim = nb_feed_jstr(attrs, "srsdimension");
    char *end = NULL;
    long dims = dim ? strtol(dim, &end, 10) : 2;
    if (dim && (!*dim || *end))
        dims = 2;
    json_object_set_new(where, "srsName", nb_feed_str_or_null(nb_feed_jstr(attrs, "srsname")));
    json_object_set_new(where, "srsDimension", json_integer(dims));
}

static void start_gml_point(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    r->geometry = "point";
    nb_feed_push(r, "geometry", 0);
}

static void start_gml_linestring(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    r->geometry = "linestring";
    nb_feed_push(r, "geometry", 0);
}

static void start_gml_polygon(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    nb_feed_push(r, "geometry", 0);
}

static void start_gml_linearring(reader *r, json_t *attrs)
{
    (void)attrs;
    r->geometry = "polygon";
    nb_feed_push(r, "geometry", 0);
}

static void end_gml_geometry(reader *r, const char *arg)
{
    r->geometry = NULL;
    nb_feed_pop_discard(r, "geometry");
}

/* Coordinates are swapped unless the srsName is an EPSG system that is not a geographic
 * one (geographic ones are EPSG 4001-4999 and a few others): projected systems such as
 * UTM keep their order. */
static int gml_swap(const char *srs)
{
    if (!srs || !strstr(srs, "EPSG"))
        return 1;
    const char *colon = strrchr(srs, ':');
    long code = colon ? strtol(colon + 1, NULL, 10) : 0;
    return (code >= 4001 && code <= 4999) || code == 3819 || code == 3821 || code == 3824 ||
           code == 3889 || code == 3906;
}

static void end_gml_pos(reader *r, int list)
{
    char *text = nb_feed_pop(r, "pos");
    json_t *where = json_object_get(nb_feed_context(r), "where");
    int swap = gml_swap(nb_feed_jstr(where, "srsName"));
    json_t *dim = json_object_get(where, "srsDimension");
    int dims = dim ? (int)json_integer_value(dim) : 2;
    json_t *points = text ? coordinates(text, swap, dims) : NULL;
    free(text);
    if (!points)
        return;
    if (!list)
        save_where(r, "Point", json_incref(json_array_get(points, 0)));
    else if (nb_feed_streq(r->geometry, "linestring"))
        save_where(r, "LineString", json_incref(points));
    else if (nb_feed_streq(r->geometry, "polygon"))
        save_where(r, "Polygon", json_pack("[O]", points));
    json_decref(points);
}

static void end_gml_point_pos(reader *r, const char *arg)
{
    end_gml_pos(r, 0);
}

static void end_gml_poslist(reader *r, const char *arg)
{
    end_gml_pos(r, 1);
}

/* The handlers of GeoRSS and GML, by element name as the result's keys spell it (prefix_name);
 * nb_feed_find_handler reads them with the other tables. */
const struct handler nb_feed_geo_handlers[] = {
    {"where", start_where, nb_feed_pop_discard, NULL, 0, "where"},
    {"georss_where", start_where, nb_feed_pop_discard, NULL, 0, "where"},
    {"georss_point", start_georss_geometry, end_georss, NULL, 0, "Point"},
    {"georss_line", start_georss_geometry, end_georss, NULL, 0, "LineString"},
    {"georss_polygon", start_georss_geometry, end_georss, NULL, 0, "Polygon"},
    {"georss_box", start_georss_geometry, end_georss, NULL, 0, "Box"},
    {"gml_point", start_gml_point, end_gml_geometry, NULL, 0, NULL},
    {"gml_linestring", start_gml_linestring, end_gml_geometry, NULL, 0, NULL},
    {"gml_polygon", start_gml_polygon, end_gml_geometry, NULL, 0, NULL},
    {"gml_exterior", NULL, end_gml_geometry, "geometry", 0, NULL},
    {"gml_linearring", start_gml_linearring, end_gml_geometry, NULL, 0, NULL},
    {"gml_pos", NULL, end_gml_point_pos, "pos", 0, NULL},
    {"gml_poslist", NULL, end_gml_poslist, "pos", 0, NULL},
};
const size_t nb_feed_geo_handler_count =
    sizeof nb_feed_geo_handlers / sizeof nb_feed_geo_handlers[0];
