/* The endpoint tables (verdict/endpoints.h) written out: JSON (/endpoints, `tlsmon endpoints`),
 * a text table, and Prometheus series whose count the table bound limits: at most one
 * tlsmon_endpoint_info and one tlsmon_endpoint_cert_not_after_timestamp_seconds per server
 * entry, and one tlsmon_client_class_info per client class entry. */
#ifndef TLSMON_ENDPOINTS_OUT_H
#define TLSMON_ENDPOINTS_OUT_H

#include "util/sbuf.h"
#include "verdict/endpoints.h"

void endpoints_out__json(struct sbuf *out, const struct endpoints *ep);
void endpoints_out__text(struct sbuf *out, const struct endpoints *ep);
void endpoints_out__metrics(struct sbuf *out, const struct endpoints *ep);

/* "192.0.2.1:443", "[2001:db8::1]:443"; port 0 leaves it out. buf >= 56 bytes. */
const char *endpoints_out__addr(const struct ep_entry *e, char *buf, size_t size);

#endif
