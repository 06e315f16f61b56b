/* SPDX-License-Identifier: MIT */
/*
 * MEXC spot v3 private session, protobuf era (reference §3.2).  The
 * listen key (REST, HMAC-SHA256 signed) is in the connection URL
 * (wss://wbs-api.mexc.com/ws?listenKey=<key>), so the WebSocket needs no
 * login: step 0 subscribes both private protobuf channels in one request;
 * each is acknowledged by a JSON text frame echoing the topic.  The JSON
 * topics without ".pb" are retired (acked "Blocked!") and never sent.
 * App ping: {"method":"PING"} -> {"id":0,"code":0,"msg":"PONG"}; the venue
 * drops links idle for 60 s.  The server may also ping; our reply is
 * {"method":"PONG"} (the docs say a pong is required but do not show
 * its shape).
 */
#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"

int ose_mexc_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		     int *binary, int *wait_ack)
{
	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf)
		return -EINVAL;
	if (step != 0)
		return 0;
	return ose_sess_fmt(buf, cap,
			    "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@private.orders.v3.api.pb\","
			    "\"spot@private.deals.v3.api.pb\"]}");
}

int ose_mexc_ping(int reply, char *buf, size_t cap)
{
	return ose_sess_lit(buf, cap, reply ? "{\"method\":\"PONG\"}" : "{\"method\":\"PING\"}");
}
