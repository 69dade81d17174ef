/*
 * layer - what every layer of the transport stack shares: -v progress lines and the error text,
 * both kept in the stack's struct layer_env. See layer.h.
 */
#include "layer.h"

#include <stdarg.h>
#include <stdio.h>

void layer_log(const struct layer *l, const char *fmt, ...)
{
    char line[640];
    va_list ap;

    if (!l->env->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    l->env->log(l->env->ud, line);
}

void layer_set_err(const struct layer *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(l->env->err, sizeof l->env->err, fmt, ap);
    va_end(ap);
}
