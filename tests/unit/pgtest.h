/* SPDX-License-Identifier: MIT */
/* The throwaway PostgreSQL of the tests (scripts/pg-test.sh, started by ctest's "pg"
 * fixture): a fresh, empty database per caller, or a reason to skip when there is none. */
#ifndef NB_TESTS_PGTEST_H
#define NB_TESTS_PGTEST_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The server's connection string from NB_TEST_PG_FILE, or NULL with *why saying why not. */
static inline char *pgtest_server(const char **why)
{
    const char *file = getenv("NB_TEST_PG_FILE");
    if (!file || !file[0]) {
        *why = "NB_TEST_PG_FILE is not set (run the tests through ctest)";
        return NULL;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        *why = "no test PostgreSQL is running (scripts/pg-test.sh start did not run or "
               "skipped: postgresql-15 not installed)";
        return NULL;
    }
    char line[1024];
    char *conninfo = fgets(line, sizeof line, f) ? strdup(line) : NULL;
    fclose(f);
    if (conninfo)
        conninfo[strcspn(conninfo, "\n")] = '\0';
    else
        *why = "the test PostgreSQL's connection file is empty";
    return conninfo;
}

/* Creates (dropping any older one) database `name` on the test server and returns its
 * connection string (caller frees), or NULL with *why set. */
static inline char *pgtest_fresh_database(const char *name, const char **why)
{
    char *server = pgtest_server(why);
    if (!server)
        return NULL;
    PGconn *conn = PQconnectdb(server);
    if (PQstatus(conn) != CONNECTION_OK) {
        *why = "cannot connect to the test PostgreSQL";
        PQfinish(conn);
        free(server);
        return NULL;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    PQclear(PQexec(conn, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    PGresult *res = PQexec(conn, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    PQfinish(conn);
    char *out = NULL;
    if (ok) {
        /* the server's string ends with dbname=postgres: a later keyword wins */
        size_t n = strlen(server) + strlen(name) + 16;
        out = malloc(n);
        snprintf(out, n, "%s dbname=%s", server, name);
    } else {
        *why = "cannot create a database on the test PostgreSQL";
    }
    free(server);
    return out;
}

#endif
