/* SPDX-License-Identifier: MIT */
/* `newsbrief check-config`: validates the configuration, checks that the database can be
 * written (a PostgreSQL server: that it answers, its version and schema), and prints the
 * effective configuration with secrets masked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "core/memory.h"
#include "core/redact.h"

/* Whether the database (or, when it does not exist yet, the directory that would hold it:
 * the nearest existing one, since missing directories are created) can be written. */
static nb_err database_writable(const char *database, nb_errbuf *err)
{
    struct stat st;
    if (stat(database, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return nb_errf(err, NB_ERR_CONFIG, "%s is a directory", database);
        if (access(database, R_OK | W_OK) != 0)
            return nb_errf(err, NB_ERR_CONFIG, "cannot write %s: %s", database,
                           errno == EACCES ? "permission denied" : strerror(errno));
        return NB_OK;
    }
    char *dir = nb_xstrdup(database);
    nb_err rc = NB_OK;
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            snprintf(dir, strlen(dir) + 1, ".");
        else if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(dir, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = nb_errf(err, NB_ERR_CONFIG, "cannot create %s: %s is not a directory",
                             database, dir);
            else if (access(dir, W_OK | X_OK) != 0)
                rc = nb_errf(err, NB_ERR_CONFIG, "cannot create %s in %s: %s", database, dir,
                             errno == EACCES ? "permission denied" : strerror(errno));
            break;
        }
        if (!slash || slash == dir)
            break;
    }
    free(dir);
    return rc;
}

static nb_err check_config_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_errbuf err;
    nb_err rc = NB_OK;
    /* a PostgreSQL server is asked (nothing migrated, nothing written); a file checked */
    char *server = NULL, *warning = NULL;
    nb_err db_rc = nb_database_is_postgres(config->database)
                       ? nb_store_describe(config->database, &server, &warning, &err)
                       : database_writable(config->database, &err);
    if (db_rc != NB_OK) {
        int line, column;
        if (nb_config_position(config, config, "database", &line, &column))
            fprintf(stderr, "newsbrief: %s:%d:%d: newsbrief.database: %s\n", config->path, line,
                    column, err.msg);
        else
            fprintf(stderr, "newsbrief: %s: newsbrief.database: %s\n", config->path, err.msg);
        rc = NB_ERR_CONFIG; /* also a server that does not answer: the setting is wrong */
    } else {
        /* printed through the redaction too: a URL the schema does not call secret may
         * still carry a key in its query */
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (server)
            fprintf(out, "# database: %s\n", server);
        nb_config_print(config, out);
        fclose(out);
        char *clean = nb_redact(text);
        fputs(clean, stdout);
        free(clean);
        free(text);
        if (warning) {
            char *said = nb_redact(warning);
            fprintf(stderr, "newsbrief: warning: %s\n", said);
            free(said);
        }
    }
    free(server);
    free(warning);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_check_config = {
    .name = "check-config",
    .summary = "validate the configuration and print it, secrets masked",
    .usage = "Reads the configuration, checks every key, type and value (and that each key\n"
             "applies to its source's or channel's type), checks that the database can be\n"
             "written (a PostgreSQL database: connects, and prints the server's version and\n"
             "the schema as the first line), and prints the effective configuration:\n"
             "defaults filled in, durations as written, secrets shown as ***, keys that do\n"
             "not apply to a type left out.\n"
             "An error names the file, line and column; up to ten are reported at once.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 valid, 2 invalid\n",
    .main = check_config_main,
};
