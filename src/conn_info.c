/*
 * conn_info - what a connection knows, for the loop and the UI: read-only accessors over the
 * opaque struct conn (see conn.h).
 */
#include "conn_int.h"

#include "session.h"

enum conn_state conn_state(const struct conn *c)
{
    return c->state;
}

const char *conn_subprotocol(const struct conn *c)
{
    return c->subprotocol;
}

const char *conn_peer(const struct conn *c)
{
    return c->peer;
}

int64_t conn_last_rx(const struct conn *c)
{
    return c->last_rx;
}

uint64_t conn_out_total(const struct conn *c)
{
    return c->out_total;
}

enum conn_outcome conn_outcome(const struct conn *c)
{
    return c->outcome;
}

const char *conn_detail(const struct conn *c)
{
    return c->detail;
}

const char *conn_message(const struct conn *c)
{
    return c->message;
}

bool conn_closed_by_us(const struct conn *c)
{
    return c->we_closed;
}

int conn_close_code_sent(const struct conn *c)
{
    return c->s ? session_close_code_sent(c->s) : 0;
}

int conn_close_code_received(const struct conn *c)
{
    return c->s ? session_close_code_received(c->s) : 0;
}

const char *conn_close_reason_received(const struct conn *c)
{
    return c->s ? session_close_reason_received(c->s) : "";
}

int conn_http_status(const struct conn *c)
{
    return c->http_status;
}

long conn_retry_after(const struct conn *c)
{
    return c->retry_after;
}

uint64_t conn_out_sent(const struct conn *c)
{
    /* With TLS the unsent ciphertext cannot be mapped back to our bytes exactly. */
    return c->cfg.tls ? c->out_total : conn_out_gone(c);
}

uint64_t conn_out_gone(const struct conn *c)
{
    /* Ciphertext is a little longer than what we wrote, so this errs on the late side. */
    size_t unsent = transport_unsent(c->t);
    return unsent < c->out_total ? c->out_total - unsent : 0;
}

uint64_t conn_out_end(const struct conn *c)
{
    return c->out_total + (c->s && c->state != CONN_HANDSHAKE ? session_output_pending(c->s) : 0);
}

size_t conn_pending_output(const struct conn *c)
{
    if (c->state == CONN_HANDSHAKE || c->state == CONN_CONNECTING)
        return c->hs_out.len;
    return c->s ? session_output_pending(c->s) : 0;
}
