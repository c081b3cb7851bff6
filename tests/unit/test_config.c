/* SPDX-License-Identifier: MIT */
/* core/config: schema, defaults, ${ENV}, errors with file:line:column, masked printing. */
#include "testing.h"

#include "core/config.h"
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/redact.h"
#include "sched/sched.h"

static const char *const source_types[] = {"feed", NULL};
static const char *const channel_types[] = {"stdout", "file", NULL};
static const char *const summarizer_types[] = {"extractive", "llm", NULL};
static const nb_config_vocab vocab = {.source_types = source_types,
                                      .channel_types = channel_types,
                                      .summarizer_types = summarizer_types,
                                      .check_cron = nb_cron_check};

static nb_err parse(const char *yaml, nb_config **out, nb_errbuf *err)
{
    return nb_config_parse("test.yaml", yaml, strlen(yaml), &vocab, out, err);
}

static void test_full_config(void **state)
{
    (void)state;
    setenv("NB_TEST_FEED_HOST", "example.com", 1);
    nb_config *c = NULL;
    nb_errbuf err = {{0}};
    nb_err rc = parse("newsbrief:\n"
                      "  database: /tmp/x/nb.db\n"
                      "  timezone: UTC\n"
                      "  title: AI 简报\n"
                      "  items_per_page: 5\n"
                      "  window: 36h\n"
                      "  max_items: 12\n"
                      "sources:\n"
                      "  ai-blog:\n"
                      "    type: feed\n"
                      "    url: https://${NB_TEST_FEED_HOST}/feed.xml\n"
                      "  off:\n"
                      "    type: feed\n"
                      "    url: https://b.com/rss\n"
                      "    enabled: false\n"
                      "summarizer:\n"
                      "  type: extractive\n"
                      "channels:\n"
                      "  out:\n"
                      "    type: file\n"
                      "    path: ./briefing.md\n"
                      "    items_per_page: 3\n",
                      &c, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_string_equal(c->database, "/tmp/x/nb.db");
    assert_string_equal(c->title, "AI 简报");
    assert_int_equal(c->items_per_page, 5);
    assert_int_equal(c->window, 36 * 3600);
    assert_int_equal(c->max_items, 12);
    assert_int_equal(c->source_count, 2);
    assert_string_equal(c->sources[0].name, "ai-blog");
    assert_string_equal(c->sources[0].url, "https://example.com/feed.xml");
    assert_true(c->sources[0].enabled);
    assert_false(c->sources[1].enabled);
    assert_int_equal(c->sources[0].line, 9);
    assert_int_equal(c->channel_count, 1);
    assert_string_equal(c->channels[0].type, "file");
    assert_int_equal(c->channels[0].items_per_page, 3);
    nb_config_free(c);
}

static void test_defaults(void **state)
{
    (void)state;
    setenv("HOME", "/home/someone", 1);
    nb_config *c = NULL;
    nb_errbuf err;
    assert_int_equal(parse("sources:\n  a:\n    type: feed\n    url: http://a/\n", &c, &err),
                     NB_OK);
    assert_string_equal(c->database, "/home/someone/.local/share/newsbrief/newsbrief.db");
    assert_string_equal(c->timezone, "Asia/Shanghai");
    assert_string_equal(c->title, "新闻简报");
    assert_int_equal(c->items_per_page, 10);
    assert_int_equal(c->window, 86400);
    assert_int_equal(c->max_items, 30);
    assert_string_equal(c->summarizer.type, "extractive");
    assert_int_equal(c->channel_count, 0);
    nb_config_free(c);
}

typedef struct bad_case {
    const char *yaml;
    const char *message; /* expected error text */
} bad_case;

static const bad_case bad_cases[] = {
    {"newsbrief:\n  titel: x\n", "test.yaml:2:3: newsbrief: unknown key \"titel\""},
    {"newsbrief:\n  items_per_page: ten\n",
     "test.yaml:2:19: items_per_page: expected an integer from 1 to 100, got \"ten\""},
    {"newsbrief:\n  items_per_page: 0\n", "expected an integer from 1 to 100"},
    {"newsbrief:\n  window: soon\n", "test.yaml:2:11: window: expected a duration"},
    {"sources:\n  a:\n    type: feed\n    enabled: maybe\n",
     "test.yaml:4:14: enabled: expected true or false, got \"maybe\""},
    {"sources:\n  a:\n    type: rss2\n", "test.yaml:3:11: sources.a: unknown type \"rss2\" "
                                         "(known: feed)"},
    {"sources:\n  a:\n    url: http://x/\n", "sources.a: \"type\" is required"},
    {"sources:\n  a:\n    type: feed\n    url: ${NB_SURELY_UNSET_VARIABLE}\n",
     "test.yaml:4:10: environment variable NB_SURELY_UNSET_VARIABLE is not set"},
    {"newsbrief: [1, 2]\n", "newsbrief: expected a mapping"},
    {"channels:\n  out:\n    type: pigeon\n", "unknown type \"pigeon\""},
    {"summarizer:\n  type: magic\n", "summarizer: unknown type \"magic\""},
    {"extra:\n  a: 1\n", "test.yaml:1:1: unknown section \"extra\""},
    {"newsbrief:\n  title: [a\n", "test.yaml:"},
    {"sources:\n  a:\n    type: feed\n    url:\n      nested: 1\n",
     "url: expected a single value, got a mapping"},
    {"- just\n- a list\n", "expected a mapping with newsbrief"},
    {"", "the file is empty"},
    {"sources: {a: {type: feed}}\nsources: {b: {type: feed}}\n",
     "test.yaml:2:1: section \"sources\" appears twice"},
};

static void test_bad_configs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        nb_config *c = NULL;
        nb_errbuf err = {{0}};
        nb_err rc = parse(bad_cases[i].yaml, &c, &err);
        if (rc != NB_ERR_CONFIG)
            fail_msg("case %zu accepted: %s", i, bad_cases[i].yaml);
        if (!strstr(err.msg, bad_cases[i].message))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, bad_cases[i].message);
        assert_null(c);
    }
}

static void test_print_round_trips(void **state)
{
    (void)state;
    nb_config *c = NULL, *again = NULL;
    nb_errbuf err;
    assert_int_equal(parse("newsbrief:\n  title: \"say \\\"hi\\\"\"\n  database: /tmp/a.db\n"
                           "sources:\n  \"odd: name\":\n    type: feed\n    url: http://a/\n",
                           &c, &err),
                     NB_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_config_print(c, f);
    fclose(f);
    assert_non_null(strstr(text, "title: \"say \\\"hi\\\"\""));
    assert_non_null(strstr(text, "window: 24h")); /* a default, in the form people write */
    /* The printed configuration is itself a valid configuration with the same values. */
    if (parse(text, &again, &err) != NB_OK)
        fail_msg("%s\n%s", err.msg, text);
    assert_string_equal(again->title, c->title);
    assert_string_equal(again->sources[0].name, "odd: name");
    assert_int_equal(again->window, c->window);
    free(text);
    nb_config_free(c);
    nb_config_free(again);
}

static void test_llm_summarizer(void **state)
{
    (void)state;
    setenv("NB_TEST_KEY", "sk-verysecretkey", 1);
    char prompt_path[] = "/tmp/nb-test-prompt-XXXXXX";
    int fd = mkstemp(prompt_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "请总结：{content}", strlen("请总结：{content}")),
                     (ssize_t)strlen("请总结：{content}"));
    close(fd);
    char *yaml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&yaml, &len);
    fprintf(f,
            "summarizer:\n  type: llm\n  api_base: https://api.deepseek.com/v1\n"
            "  api_key: ${NB_TEST_KEY}\n  model: deepseek-chat\n  temperature: 0.7\n"
            "  headers:\n    X-Team: ${NB_TEST_KEY}\n    X-Env: prod\n"
            "  user_prompt_file: %s\n  min_chars: 80\n  max_chars: 160\n",
            prompt_path);
    fclose(f);
    nb_config *c = NULL;
    nb_errbuf err;
    if (parse(yaml, &c, &err) != NB_OK)
        fail_msg("%s", err.msg);
    free(yaml);
    unlink(prompt_path);
    const nb_summarizer_config *z = &c->summarizer;
    assert_string_equal(z->api_key, "sk-verysecretkey");
    assert_true(z->temperature > 0.69 && z->temperature < 0.71);
    assert_string_equal(z->headers[0], "X-Team: sk-verysecretkey");
    assert_string_equal(z->headers[1], "X-Env: prod");
    assert_null(z->headers[2]);
    assert_string_equal(z->user_prompt, "请总结：{content}");
    assert_int_equal(z->concurrency, 8);
    assert_int_equal(z->max_chars, 160);
    char *text = NULL;
    f = open_memstream(&text, &len);
    nb_config_print(c, f);
    fclose(f);
    assert_null(strstr(text, "sk-verysecretkey"));
    assert_non_null(strstr(text, "api_key: \"***\""));
    assert_non_null(strstr(text, "X-Env: \"***\""));
    assert_non_null(strstr(text, "temperature: 0.7"));
    free(text);
    nb_config_free(c);
    nb_log_reset();

    const char *const bad[][2] = {
        {"summarizer:\n  type: llm\n  model: m\n", "type llm needs api_base and model"},
        {"summarizer:\n  min_chars: 300\n", "min_chars (300) must be below max_chars (200)"},
        {"summarizer:\n  language: fr\n", "\"fr\" is not zh or en"},
        {"summarizer:\n  temperature: hot\n", "temperature: expected a number"},
        {"summarizer:\n  headers: [a]\n", "headers: expected a mapping"},
        {"summarizer:\n  user_prompt: x\n  user_prompt_file: /etc/hostname\n",
         "give user_prompt or user_prompt_file, not both"},
        {"summarizer:\n  system_prompt_file: /nonexistent/prompt.txt\n",
         "summarizer.system_prompt_file: /nonexistent/prompt.txt: cannot open"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = NULL;
        if (parse(bad[i][0], &c, &err) != NB_ERR_CONFIG)
            fail_msg("accepted: %s", bad[i][0]);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("got \"%s\", want \"%s\"", err.msg, bad[i][1]);
    }
}

static void test_language_and_header(void **state)
{
    (void)state;
    nb_config *c = NULL;
    nb_errbuf err;
    assert_int_equal(parse("newsbrief:\n  title: 简报\n", &c, &err), NB_OK);
    assert_string_equal(c->language, "zh");
    assert_string_equal(c->header, "{title} (更新时间: {time})");
    assert_string_equal(c->summarizer.language, "zh");
    nb_config_free(c);
    /* English: the header label and, unless set, the summaries follow */
    assert_int_equal(parse("newsbrief:\n  language: en\n", &c, &err), NB_OK);
    assert_string_equal(c->header, "{title} (Updated: {time})");
    assert_string_equal(c->summarizer.language, "en");
    nb_config_free(c);
    assert_int_equal(parse("newsbrief:\n  language: en\nsummarizer:\n  language: zh\n", &c, &err),
                     NB_OK);
    assert_string_equal(c->summarizer.language, "zh");
    nb_config_free(c);
    /* a template wins over the language's; it prints back as a valid configuration */
    assert_int_equal(
        parse("newsbrief:\n  language: en\n  header: \"{time} · {title}\"\n", &c, &err), NB_OK);
    assert_string_equal(c->header, "{time} · {title}");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_config_print(c, f);
    fclose(f);
    nb_config *again = NULL;
    if (parse(text, &again, &err) != NB_OK)
        fail_msg("%s\n%s", err.msg, text);
    assert_string_equal(again->header, c->header);
    free(text);
    nb_config_free(again);
    nb_config_free(c);
    assert_int_equal(parse("newsbrief:\n  language: fr\n", &c, &err), NB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "newsbrief.language: \"fr\" is not zh or en"));
}

static const char *const schedule_base = "sources:\n"
                                         "  lab:\n    type: feed\n    url: http://a/\n"
                                         "  cn:\n    type: feed\n    url: http://b/\n"
                                         "channels:\n"
                                         "  out:\n    type: stdout\n"
                                         "  file:\n    type: file\n    path: /tmp/b.md\n";

static void test_schedules(void **state)
{
    (void)state;
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "schedules:\n"
             "  briefing:\n"
             "    cron: \"45 10,15,20 * * *\"\n"
             "    channels: [out, file]\n"
             "  collect:\n"
             "    cron: \"*/20 * * * *\"\n"
             "    deliver: false\n"
             "    sources: lab\n"
             "    catch_up: 0\n"
             "newsbrief:\n  max_wait_in_run: 2m\n  shutdown_timeout: 5s\n%s",
             schedule_base);
    nb_config *c = NULL;
    nb_errbuf err;
    if (parse(yaml, &c, &err) != NB_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(c->schedule_count, 2);
    const nb_schedule_config *b = &c->schedules[0], *k = &c->schedules[1];
    assert_string_equal(b->name, "briefing");
    assert_string_equal(b->cron, "45 10,15,20 * * *");
    assert_string_equal(b->channels[1], "file");
    assert_null(b->channels[2]);
    assert_null(b->sources);
    assert_int_equal(b->deliver, 1);
    assert_int_equal(b->catch_up, 3600);
    assert_int_equal(b->line, 2);
    assert_int_equal(b->cron_line, 3);
    assert_int_equal(b->cron_column, 11);
    assert_int_equal(k->deliver, 0);
    assert_int_equal(k->catch_up, 0);
    assert_string_equal(k->sources[0], "lab");
    assert_int_equal(c->max_wait_in_run, 120);
    assert_int_equal(c->shutdown_timeout, 5);
    /* printed, then read again */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_config_print(c, f);
    fclose(f);
    nb_config *again = NULL;
    if (parse(text, &again, &err) != NB_OK)
        fail_msg("%s\n%s", err.msg, text);
    assert_int_equal(again->schedule_count, 2);
    assert_string_equal(again->schedules[1].cron, "*/20 * * * *");
    assert_int_equal(again->schedules[1].deliver, 0);
    free(text);
    nb_config_free(again);
    nb_config_free(c);

    assert_int_equal(parse("newsbrief:\n  timezone: UTC\n", &c, &err), NB_OK);
    assert_int_equal(c->schedule_count, 0);
    assert_int_equal(c->max_wait_in_run, 30);
    assert_int_equal(c->shutdown_timeout, 20);
    nb_config_free(c);

    const char *const bad[][2] = {
        {"schedules:\n  b:\n    cron: \"60 * * * *\"\n",
         "test.yaml:3:11: schedules.b.cron: cron: minute field: 60 is out of range 0-59"},
        {"schedules:\n  b:\n    cron: \"0 0 30 2 *\"\n", "test.yaml:3:11: schedules.b.cron: cron: "
                                                         "day-of-month field: day 30 never comes"},
        {"schedules:\n  b:\n    channels: [out]\n",
         "test.yaml:2:3: schedules.b: \"cron\" is required"},
        {"schedules:\n  b:\n    cron: \"@daily\"\n    channels: [out, team-wecom]\n",
         "test.yaml:4:21: schedules.b.channels: unknown channel \"team-wecom\" (configured: out, "
         "file)"},
        {"schedules:\n  b:\n    cron: \"@daily\"\n    sources:\n      - cn\n      - nope\n",
         "test.yaml:6:9: schedules.b.sources: unknown source \"nope\" (configured: lab, cn)"},
        {"schedules:\n  b:\n    cron: \"@daily\"\n    channels: []\n",
         "test.yaml:4:15: schedules.b.channels: an empty list"},
        {"schedules:\n  b:\n    cron: \"@daily\"\n    color: red\n",
         "test.yaml:4:5: schedules.b: unknown key \"color\""},
        {"schedules:\n  b:\n    cron: \"@daily\"\n    catch_up: soon\n",
         "catch_up: expected a duration"},
        {"schedules:\n  b:\n    cron: \"@daily\"\n  b:\n    cron: \"@daily\"\n",
         "test.yaml:4:3: schedules: \"b\" is defined twice"},
        {"schedules: [a]\n", "schedules: expected a mapping"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* the schedules come first: names are checked once the whole file is read */
        snprintf(yaml, sizeof yaml, "%s%s", bad[i][0], schedule_base);
        c = NULL;
        if (parse(yaml, &c, &err) != NB_ERR_CONFIG)
            fail_msg("accepted: %s", bad[i][0]);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("got \"%s\", want \"%s\"", err.msg, bad[i][1]);
        assert_null(c);
    }
}

/* A list or header key given twice: the later value replaces the earlier, which is freed
 * (the ASan build's leak check sees it), as a text key given twice does. */
static void test_key_given_twice(void **state)
{
    (void)state;
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "schedules:\n"
             "  briefing:\n"
             "    cron: \"45 10 * * *\"\n"
             "    channels: [file]\n"
             "    channels: out\n"
             "    cron: \"0 9 * * *\"\n"
             "summarizer:\n"
             "  headers:\n    X-Team: a\n"
             "  headers:\n    X-Env: prod\n"
             "%s",
             schedule_base);
    nb_config *c = NULL;
    nb_errbuf err;
    if (parse(yaml, &c, &err) != NB_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(c->schedule_count, 1);
    assert_string_equal(c->schedules[0].channels[0], "out");
    assert_null(c->schedules[0].channels[1]);
    assert_string_equal(c->schedules[0].cron, "0 9 * * *");
    assert_string_equal(c->summarizer.headers[0], "X-Env: prod");
    assert_null(c->summarizer.headers[1]);
    nb_config_free(c);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    nb_config *c = NULL;
    nb_errbuf err;
    assert_int_equal(nb_config_load("/nonexistent/newsbrief.yaml", &vocab, &c, &err),
                     NB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/newsbrief.yaml: cannot open"));
    char *found = nb_config_find("/explicit.yaml", &err);
    assert_string_equal(found, "/explicit.yaml");
    free(found);
}

/* A test vocabulary's keys per type: url for feeds, path for files. */
static int test_key_applies(const char *section, const char *type, const char *key)
{
    if (!strcmp(section, "sources"))
        return strcmp(key, "url") != 0 || !strcmp(type, "feed");
    return strcmp(key, "path") != 0 || !strcmp(type, "file");
}

static const nb_config_vocab typed_vocab = {.source_types = source_types,
                                            .channel_types = channel_types,
                                            .summarizer_types = summarizer_types,
                                            .key_applies = test_key_applies};

static nb_config_report report_of(const char *yaml, nb_config **c)
{
    nb_config_report r;
    memset(&r, 0, sizeof r);
    if (nb_config_parse_report("conf.yaml", yaml, strlen(yaml), &typed_vocab, c, &r) == NB_OK)
        fail_msg("accepted: %s", yaml);
    return r;
}

/* Every error of a file at once, each at the value it is about. */
static void test_errors_reported_together(void **state)
{
    (void)state;
    nb_config *c = NULL;
    nb_config_report r = report_of("newsbrief:\n"
                                   "  colour: blue\n"
                                   "  window: soon\n"
                                   "sources:\n"
                                   "  a:\n"
                                   "    type: feed\n"
                                   "    enabled: maybe\n"
                                   "channels:\n"
                                   "  screen:\n"
                                   "    type: stdout\n"
                                   "    path: /tmp/x.md\n"
                                   "summarizer:\n"
                                   "  min_chars: 300\n"
                                   "  max_chars: 200\n"
                                   "  language: fr\n",
                                   &c);
    static const char *const want[] = {
        "conf.yaml:2:3: newsbrief: unknown key \"colour\"",
        "conf.yaml:3:11: window: expected a duration such as 24h, got \"soon\"",
        "conf.yaml:7:14: enabled: expected true or false, got \"maybe\"",
        "conf.yaml:11:5: channels.screen: \"path\" does not apply to type stdout",
        "conf.yaml:13:14: summarizer: min_chars (300) must be below max_chars (200)",
        "conf.yaml:15:13: summarizer.language: \"fr\" is not zh or en",
    };
    for (size_t i = 0; i < r.count; i++)
        printf("# %s\n", r.msg[i]);
    assert_int_equal(r.total, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(r.msg[i], want[i]);
    /* the records with an error are flagged; the others are as read */
    assert_non_null(c);
    assert_true(nb_config_failed(c, c));
    assert_true(nb_config_failed(c, &c->sources[0]));
    assert_true(nb_config_failed(c, &c->channels[0]));
    int line = 0, column = 0;
    assert_true(nb_config_position(c, &c->summarizer, "language", &line, &column));
    assert_int_equal(line, 15);
    assert_int_equal(column, 13);
    nb_config_free(c);
    /* twelve errors: ten kept, all counted; the first in nb_config_parse's message */
    char yaml[1024] = "newsbrief:\n";
    for (int i = 0; i < 12; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "  bad%d: 1\n", i);
    r = report_of(yaml, &c);
    assert_int_equal(r.count, NB_CONFIG_MAX_ERRORS);
    assert_int_equal(r.total, 12);
    nb_config_free(c);
    nb_errbuf err;
    c = NULL;
    assert_int_equal(nb_config_parse("conf.yaml", yaml, strlen(yaml), &typed_vocab, &c, &err),
                     NB_ERR_CONFIG);
    assert_null(c);
    assert_non_null(strstr(err.msg, "conf.yaml:2:3: newsbrief: unknown key \"bad0\" (and 11 more"));
    /* a schedule defined twice stops the reading of schedules: the one error, not a
     * "cron is required" for each entry never read */
    r = report_of("schedules:\n"
                  "  a:\n    cron: \"@daily\"\n"
                  "  a:\n    cron: \"@daily\"\n"
                  "  b:\n    cron: \"@daily\"\n",
                  &c);
    for (size_t i = 0; i < r.count; i++)
        printf("# %s\n", r.msg[i]);
    assert_int_equal(r.total, 1);
    assert_string_equal(r.msg[0], "conf.yaml:4:3: schedules: \"a\" is defined twice");
    nb_config_free(c);
}

/* check-config's output: durations as written, keys of other types left out. */
static void test_print_as_written(void **state)
{
    (void)state;
    nb_config *c = NULL;
    nb_errbuf err;
    const char *yaml = "newsbrief:\n  window: 1440m\n  lock_timeout: 90s\n"
                       "channels:\n  screen:\n    type: stdout\n  out:\n    type: file\n"
                       "    path: /tmp/b.md\n";
    if (nb_config_parse("conf.yaml", yaml, strlen(yaml), &typed_vocab, &c, &err) != NB_OK)
        fail_msg("%s", err.msg);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_config_print(c, f);
    fclose(f);
    assert_non_null(strstr(text, "  window: 1440m\n"));
    assert_non_null(strstr(text, "  lock_timeout: 90s\n"));
    const char *summarizer = strstr(text, "\nsummarizer:\n");
    const char *channels = summarizer ? strstr(summarizer, "\nchannels:") : NULL;
    assert_true(summarizer && channels);
    char section[2048];
    snprintf(section, sizeof section, "%.*s", (int)(channels - summarizer), summarizer);
    assert_null(strstr(section, "\n  timeout:")); /* an LLM key, and the summarizer is offline */
    assert_null(strstr(text, "temperature"));
    assert_non_null(strstr(text, "\"out\":\n    type: \"file\"\n    path: \"/tmp/b.md\"\n"));
    const char *screen = strstr(text, "\"screen\":\n"), *out = strstr(text, "\"out\":\n");
    assert_true(screen && out && screen < out);
    char part[512];
    snprintf(part, sizeof part, "%.*s", (int)(out - screen), screen);
    assert_null(strstr(part, "path")); /* another type's keys */
    assert_non_null(strstr(part, "only_new: true"));
    free(text);
    nb_config_free(c);
}

/* Relative paths start at the configuration file's directory, not the working one. */
static void test_relative_paths_follow_the_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], file[96];
    snprintf(sub, sizeof sub, "%s/conf", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/conf/newsbrief.yaml", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("newsbrief:\n  database: data/nb.db\nchannels:\n  out:\n    type: file\n"
          "    path: ./briefing.md\n  up:\n    type: file\n    path: ../up.md\n"
          "  abs:\n    type: file\n    path: /var/tmp/abs.md\n",
          f);
    fclose(f);
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0); /* elsewhere, as under cron */
    char relative[96];
    snprintf(relative, sizeof relative, "%s/conf/newsbrief.yaml", dir + 1); /* from "/" */
    nb_config *c = NULL;
    nb_errbuf err = {{0}};
    if (nb_config_load(relative, &vocab, &c, &err) != NB_OK)
        fail_msg("%s", err.msg);
    char want[160];
    snprintf(want, sizeof want, "%s/conf/data/nb.db", dir);
    assert_string_equal(c->database, want);
    snprintf(want, sizeof want, "%s/conf/briefing.md", dir);
    assert_string_equal(c->channels[0].path, want);
    snprintf(want, sizeof want, "%s/conf/../up.md", dir);
    assert_string_equal(c->channels[1].path, want);
    assert_string_equal(c->channels[2].path, "/var/tmp/abs.md");
    assert_string_equal(c->path, relative); /* messages name the file as given */
    nb_config_free(c);
    assert_int_equal(chdir(cwd), 0);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
}

/* A PostgreSQL database: kept as written (not a path), ${ENV} expanded in it, and its
 * password masked in the printed configuration, in both forms. */
static void test_postgres_database(void **state)
{
    (void)state;
    setenv("NB_TEST_PG_PASSWORD", "Pg-Sekr1t-9", 1);
    const char *forms[] = {
        "postgresql://newsbrief:${NB_TEST_PG_PASSWORD}@db.example:5432/newsbrief",
        "host=db.example user=newsbrief password=${NB_TEST_PG_PASSWORD} dbname=newsbrief",
    };
    const char *expanded[] = {
        "postgresql://newsbrief:Pg-Sekr1t-9@db.example:5432/newsbrief",
        "host=db.example user=newsbrief password=Pg-Sekr1t-9 dbname=newsbrief",
    };
    for (size_t i = 0; i < 2; i++) {
        nb_redact_clear();
        char *yaml = nb_xasprintf("newsbrief:\n  database: \"%s\"\n", forms[i]);
        nb_config *c = NULL;
        nb_errbuf err;
        if (parse(yaml, &c, &err) != NB_OK)
            fail_msg("%s", err.msg);
        assert_true(nb_database_is_postgres(c->database));
        assert_string_equal(c->database, expanded[i]); /* no base directory prepended */
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        nb_config_print(c, f);
        fclose(f);
        char *shown = nb_redact(text);
        assert_null(strstr(shown, "Pg-Sekr1t-9"));
        assert_non_null(strstr(shown, "db.example"));
        free(shown);
        free(text);
        free(yaml);
        nb_config_free(c);
    }
    nb_redact_clear();
    unsetenv("NB_TEST_PG_PASSWORD");
    assert_false(nb_database_is_postgres("/var/lib/newsbrief/nb.db"));
    assert_false(nb_database_is_postgres("data/host=x.db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_print_round_trips),
        cmocka_unit_test(test_llm_summarizer),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_relative_paths_follow_the_file),
        cmocka_unit_test(test_errors_reported_together),
        cmocka_unit_test(test_print_as_written),
        cmocka_unit_test(test_language_and_header),
        cmocka_unit_test(test_schedules),
        cmocka_unit_test(test_postgres_database),
        cmocka_unit_test(test_key_given_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
