/*
 * repl - readline in callback mode; see repl.h.
 */
#include "repl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"

#define REPL_HISTORY_MAX 1000

static struct {
    bool active;
    bool in_handler; /* inside on_line: readline has already left the input line */
    struct repl_config cfg;
    char *prompt;
} repl;

static void handle_line(char *line)
{
    if (line && line[0] != '\0' && line[0] != ' ') {
        /* Nothing secret goes to the history: /connect TOKEN is kept as "/connect". */
        size_t keep = cmd_history_line(line, strlen(line));
        char saved = line[keep];
        line[keep] = '\0';
        add_history(line);
        line[keep] = saved;
    }
    repl.in_handler = true;
    repl.cfg.on_line(repl.cfg.ud, line);
    repl.in_handler = false;
    free(line);
}

/* Tab completes command names at the start of the line. */
static char *command_generator(const char *text, int state)
{
    static size_t i, len;
    if (state == 0) {
        i = 0;
        len = strlen(text);
    }
    while (cmd_table[i].name) {
        const char *name = cmd_table[i++].name;
        if (strncmp(name, text, len) == 0)
            return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1; /* never fall back to file names */
    if (start == 0 && text[0] == '/')
        return rl_completion_matches(text, command_generator);
    return NULL;
}

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

char *repl_history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;
    if (state && *state == '/') {
        if (asprintf(&path, "%s/wsc/history", state) < 0)
            return NULL;
    } else if (home && *home) {
        if (asprintf(&path, "%s/.local/state/wsc/history", home) < 0)
            return NULL;
    } else {
        return NULL;
    }
    if (mkdir_p(path) < 0) {
        free(path);
        return NULL;
    }
    return path;
}

int repl_init(const struct repl_config *cfg)
{
    repl.cfg = *cfg;
    repl.prompt = strdup("> ");
    if (repl.prompt == NULL)
        return -1;
    rl_catch_signals = 0; /* wsc's loop owns SIGINT/SIGTERM */
    rl_catch_sigwinch = 1;
    rl_readline_name = "wsc";
    rl_attempted_completion_function = complete;
    rl_outstream = stdout;
    using_history();
    stifle_history(REPL_HISTORY_MAX);
    if (cfg->history_path)
        read_history(cfg->history_path);
    rl_callback_handler_install(repl.prompt, handle_line);
    repl.active = true;
    atexit(repl_free);
    return 0;
}

void repl_free(void)
{
    if (!repl.active)
        return;
    repl.active = false;
    rl_callback_handler_remove();
    fputc('\n', stdout); /* leave the prompt line */
    if (repl.cfg.history_path) {
        write_history(repl.cfg.history_path);
        history_truncate_file(repl.cfg.history_path, REPL_HISTORY_MAX);
    }
    free(repl.prompt);
    repl.prompt = NULL;
    fflush(stdout);
}

void repl_read(void)
{
    rl_callback_read_char();
}

static const char *color_of(enum repl_kind kind)
{
    switch (kind) {
    case REPL_RECEIVED:
        return "\033[32m"; /* green */
    case REPL_EVENT:
        return "\033[36m"; /* cyan */
    case REPL_ERROR:
        return "\033[31m"; /* red */
    default:
        return "\033[33m"; /* yellow */
    }
}

void repl_print(enum repl_kind kind, const char *text, size_t len)
{
    if (!repl.active || repl.in_handler) {
        if (repl.active && repl.cfg.color)
            fputs(color_of(kind), stdout);
        fwrite(text, 1, len, stdout);
        if (repl.active && repl.cfg.color)
            fputs("\033[0m", stdout);
        fputc('\n', stdout);
        fflush(stdout);
        return;
    }
    /* Hide the prompt and the half-typed line, print, then redraw both as they were. */
    char *saved = rl_copy_text(0, rl_end);
    int point = rl_point;
    rl_save_prompt();
    rl_replace_line("", 0);
    rl_redisplay();
    /* The cursor is after an empty prompt: go to column 0 and clear what is left there. */
    fputs("\r\033[K", stdout);
    if (repl.cfg.color)
        fputs(color_of(kind), stdout);
    fwrite(text, 1, len, stdout);
    if (repl.cfg.color)
        fputs("\033[0m", stdout);
    fputc('\n', stdout);
    fflush(stdout);
    rl_restore_prompt();
    rl_replace_line(saved ? saved : "", 0);
    rl_point = point;
    rl_on_new_line();
    rl_redisplay();
    free(saved);
}

void repl_set_prompt(const char *prompt)
{
    char *p = strdup(prompt);
    if (p == NULL)
        return;
    free(repl.prompt);
    repl.prompt = p;
    if (repl.active && !repl.in_handler) {
        /* Redraw from column 0 so the old prompt does not stay on screen. */
        fputs("\r\033[K", stdout);
        rl_set_prompt(repl.prompt);
        rl_on_new_line();
        rl_redisplay();
    } else if (repl.active) {
        rl_set_prompt(repl.prompt); /* shown when readline prompts for the next line */
    }
}
