#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent client for ose-sim tests (python3-websockets 10.4, ssl).

  sim_client.py stream --venue V --port P --ca CA --out STATE.json [...]
      connect over WSS, log in / subscribe in the venue's dialect, read every
      order update with a venue parser written here from the reference
      formats (not from the simulator's code), reduce the updates to the
      final state of each order, and write that state.
  sim_client.py check --truth TRUTH.json --state STATE.json [--venue V]
      compare the reduced stream with the simulator's truth, field by field,
      exactly; exit 1 and print the differences when they disagree.
  sim_client.py rest --venue V --port P --ca CA --truth TRUTH.json
      fetch every truth order over HTTPS REST and compare (terminal ones).
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import ssl
import sys
import time
import urllib.request
from decimal import Decimal

import websockets

PATHS = {
    "binance": "/binance/ws-api/v3",
    "okx": "/okx/ws/v5/private",
    "bybit": "/bybit/v5/private",
    "gate": "/gate/ws/v4/",
    "coinbase": "/coinbase/",
    "mexc": "/mexc/ws",
}
KEY, SECRET = "simkey", "simsecret"
RANK = {"NEW": 0, "PARTIALLY_FILLED": 1, "FILLED": 2, "CANCELED": 2, "EXPIRED": 2, "REJECTED": 2}


def canon(s):
    """Canonical decimal text: no exponent, no trailing zeros, '0' for zero."""
    d = Decimal(s)
    if d == 0:
        return "0"
    t = format(d, "f")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t


# ---------------------------------------------------------------- protobuf
class PBError(Exception):
    pass


def pb_fields(buf):
    """Decode one protobuf message into {field: [values]} (bytes or int)."""
    out, i, n = {}, 0, len(buf)

    def varint(i):
        v, shift = 0, 0
        while True:
            if i >= n:
                raise PBError("truncated varint")
            b = buf[i]
            i += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v, i
            shift += 7
            if shift > 63:
                raise PBError("varint too long")

    while i < n:
        key, i = varint(i)
        f, wt = key >> 3, key & 7
        if f == 0:
            raise PBError("field 0")
        if wt == 0:
            v, i = varint(i)
        elif wt == 2:
            ln, i = varint(i)
            if i + ln > n:
                raise PBError("truncated bytes")
            v, i = bytes(buf[i:i + ln]), i + ln
        elif wt == 1:
            if i + 8 > n:
                raise PBError("truncated fixed64")
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 5:
            if i + 4 > n:
                raise PBError("truncated fixed32")
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise PBError("wire type %d" % wt)
        out.setdefault(f, []).append(v)
    return out


def pb_str(m, f, default=""):
    return m[f][-1].decode() if f in m else default


def pb_int(m, f, default=0):
    return m[f][-1] if f in m else default


# ---------------------------------------------------------------- parsers
def upd(venue, symbol, oid, cid, side, status, price, qty, filled):
    return {"venue": venue, "symbol": symbol, "order_id": str(oid), "client_order_id": cid,
            "side": side.upper(), "status": status, "price": canon(price),
            "quantity": canon(qty), "filled_quantity": canon(filled)}


def parse_binance(m):
    ev = m.get("event")
    if not isinstance(ev, dict) or ev.get("e") != "executionReport":
        return None
    cid = ev["C"] if ev["x"] == "CANCELED" and ev["C"] else ev["c"]
    return [upd("binance", ev["s"], ev["i"], cid, ev["S"], ev["X"], ev["p"], ev["q"], ev["z"])]


OKX_ST = {"live": "NEW", "partially_filled": "PARTIALLY_FILLED", "filled": "FILLED", "canceled": "CANCELED"}


def parse_okx(m):
    if not isinstance(m, dict) or m.get("arg", {}).get("channel") != "orders" or "data" not in m:
        return None
    return [upd("okx", d["instId"], d["ordId"], d["clOrdId"], d["side"], OKX_ST[d["state"]],
                d["px"], d["sz"], d["accFillSz"]) for d in m["data"]]


BY_ST = {"New": "NEW", "PartiallyFilled": "PARTIALLY_FILLED", "Filled": "FILLED", "Cancelled": "CANCELED",
         "PartiallyFilledCanceled": "CANCELED", "Rejected": "REJECTED"}


def parse_bybit(m):
    if not isinstance(m, dict) or m.get("topic") != "order":
        return None
    return [upd("bybit", d["symbol"], d["orderId"], d["orderLinkId"], d["side"], BY_ST[d["orderStatus"]],
                d["price"], d["qty"], d["cumExecQty"]) for d in m["data"]]


def parse_gate(m):
    if not isinstance(m, dict) or m.get("channel") != "spot.orders" or m.get("event") != "update":
        return None
    out = []
    for d in m["result"]:
        filled = Decimal(d["filled_amount"])
        if d["event"] == "put":
            st = "NEW"
        elif d["event"] == "update":
            st = "PARTIALLY_FILLED" if filled > 0 else "NEW"
        else:
            st = {"filled": "FILLED", "cancelled": "CANCELED", "ioc": "EXPIRED"}[d["finish_as"]]
        # market buys count amount and left in quote currency (trap 15)
        cum = str(Decimal(d["amount"]) - Decimal(d["left"])) if d["type"] == "market" else d["filled_amount"]
        out.append(upd("gate", d["currency_pair"], d["id"], d["text"], d["side"], st, d["price"],
                       d["amount"], cum))
    return out


def parse_coinbase(m):
    if not isinstance(m, dict) or m.get("channel") != "user":
        return None
    out = []
    for e in m["events"]:
        for d in e.get("orders", []):
            st = d["status"]
            if st == "OPEN":
                st = "PARTIALLY_FILLED" if Decimal(d["cumulative_quantity"]) > 0 else "NEW"
            else:
                st = {"FILLED": "FILLED", "CANCELLED": "CANCELED", "EXPIRED": "EXPIRED", "FAILED": "REJECTED"}[st]
            # No order-quantity field: leaves + cumulative while open (or
            # rejected); a closed order's quantity comes from its open updates.
            qty = str(Decimal(d["leaves_quantity"]) + Decimal(d["cumulative_quantity"]))
            u = upd("coinbase", d["product_id"], d["order_id"], d["client_order_id"], d["order_side"],
                    st, d["limit_price"], qty, d["cumulative_quantity"])
            if st in ("FILLED", "CANCELED", "EXPIRED"):
                u["quantity"] = None
            out.append(u)
    return out


MEXC_ST = {1: "NEW", 2: "FILLED", 3: "PARTIALLY_FILLED", 4: "CANCELED", 5: "CANCELED"}


def parse_mexc_bin(buf):
    w = pb_fields(buf)
    ch = pb_str(w, 1)
    if ch == "spot@private.deals.v3.api.pb":
        if 306 not in w:
            raise PBError("deals without body")
        pb_fields(w[306][-1])
        return []
    if ch != "spot@private.orders.v3.api.pb" or 304 not in w:
        raise PBError("not an order push")
    o = pb_fields(w[304][-1])
    return [upd("mexc", pb_str(w, 3), pb_str(o, 1), pb_str(o, 2), "BUY" if pb_int(o, 8) == 1 else "SELL",
                MEXC_ST[pb_int(o, 15)], pb_str(o, 3, "0"), pb_str(o, 4, "0"), pb_str(o, 13, "0"))], w


PARSERS = {"binance": parse_binance, "okx": parse_okx, "bybit": parse_bybit, "gate": parse_gate,
           "coinbase": parse_coinbase}


def merge(state, u):
    k = u["order_id"]
    old = state.get(k)
    if old is None:
        state[k] = u
        return
    # A field a message did not carry (None) never overwrites a known one.
    qty = u["quantity"] if u["quantity"] is not None else old["quantity"]
    u = dict(u, quantity=qty)
    old["quantity"] = qty
    newer = (RANK[u["status"]], Decimal(u["filled_quantity"])) > (RANK[old["status"]], Decimal(old["filled_quantity"]))
    if newer:
        state[k] = u


# ---------------------------------------------------------------- sessions
def sign_hex(msg, algo=hashlib.sha256):
    """Hex HMAC of msg under SECRET (--secret overrides it)."""
    return hmac.new(SECRET.encode(), msg.encode(), algo).hexdigest()


def signed_query(q):
    """Binance/MEXC REST: timestamp, then HMAC-SHA256 hex of the query."""
    q = (q + "&" if q else "") + "timestamp=%d" % int(time.time() * 1000)
    return q + "&signature=" + sign_hex(q)


def mexc_listen_key(port, ctx):
    req = urllib.request.Request("https://127.0.0.1:%d/mexc/api/v3/userDataStream?%s" % (port, signed_query("")),
                                 method="POST", headers={"X-MEXC-APIKEY": KEY}, data=b"")
    with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
        return json.loads(r.read())["listenKey"]




def is_push(venue, j):
    """A stream message (order update, trade, heartbeat), not a session reply."""
    if not isinstance(j, dict):
        return False
    if venue == "binance":
        return "subscriptionId" in j
    if venue == "okx":
        return "data" in j and "arg" in j
    if venue == "bybit":
        return "topic" in j
    if venue == "gate":
        return j.get("event") == "update"
    if venue == "coinbase":
        return j.get("channel") in ("user", "heartbeats")
    return False


async def login(ws, venue, trades, res, backlog):
    """Authenticate, subscribe and ping; records the answers in res.  Stream
    messages that arrive meanwhile are kept in backlog for the reader."""
    ms = int(time.time() * 1000)

    async def recv_json():
        while True:
            m = await asyncio.wait_for(ws.recv(), 5)
            if m == "pong":
                return m
            try:
                j = None if isinstance(m, bytes) else json.loads(m)
            except ValueError:
                j = None
            if j is None or is_push(venue, j):
                backlog.append(m)
                continue
            return j

    if venue == "binance":
        # App pings go before the subscribe: once the stream starts a
        # stall fault may silence the session at any moment.
        await ws.send(json.dumps({"id": 7, "method": "ping"}))
        a = await recv_json()
        res["pong_ok"] = a.get("id") == 7 and a.get("status") == 200
        sig = sign_hex("apiKey=%s&timestamp=%d" % (KEY, ms))
        await ws.send(json.dumps({"id": "sub-1", "method": "userDataStream.subscribe.signature",
                                  "params": {"apiKey": KEY, "timestamp": ms, "signature": sig}}))
        a = await recv_json()
        res["auth_ok"] = res["subscribed"] = a.get("status") == 200 and a.get("id") == "sub-1"
    elif venue == "okx":
        ts = str(int(time.time()))
        sig = base64.b64encode(hmac.new(SECRET.encode(), (ts + "GET/users/self/verify").encode(),
                                        hashlib.sha256).digest()).decode()
        await ws.send(json.dumps({"op": "login", "args": [{"apiKey": KEY, "passphrase": "p", "timestamp": ts,
                                                           "sign": sig}]}))
        a = await recv_json()
        res["auth_ok"] = a.get("event") == "login" and a.get("code") == "0"
        await ws.send("ping")
        res["pong_ok"] = await recv_json() == "pong"
        await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "orders", "instType": "SPOT"}]}))
        a = await recv_json()
        res["subscribed"] = a.get("event") == "subscribe" and a["arg"]["channel"] == "orders"
    elif venue == "bybit":
        exp = ms + 10000
        await ws.send(json.dumps({"req_id": "a1", "op": "auth", "args": [KEY, exp, sign_hex("GET/realtime%d" % exp)]}))
        a = await recv_json()
        res["auth_ok"] = a.get("success") is True and a.get("op") == "auth"
        await ws.send(json.dumps({"req_id": "p1", "op": "ping"}))
        a = await recv_json()
        res["pong_ok"] = a.get("op") == "pong" and a.get("req_id") == "p1"
        await ws.send(json.dumps({"op": "subscribe", "args": ["order", "execution"] if trades else ["order"]}))
        a = await recv_json()
        res["subscribed"] = a.get("success") is True and a.get("op") == "subscribe"
    elif venue == "gate":
        t = int(time.time())
        await ws.send(json.dumps({"time": t, "channel": "spot.ping"}))
        a = await recv_json()
        res["pong_ok"] = a.get("channel") == "spot.pong"
        # trades first: the order stream starts with the spot.orders subscribe
        chans = (["spot.usertrades"] if trades else []) + ["spot.orders"]
        ok = True
        for ch in chans:
            sig = sign_hex("channel=%s&event=subscribe&time=%d" % (ch, t), hashlib.sha512)
            await ws.send(json.dumps({"time": t, "id": 5, "channel": ch, "event": "subscribe", "payload": ["!all"],
                                      "auth": {"method": "api_key", "KEY": KEY, "SIGN": sig}}))
            a = await recv_json()
            ok = ok and a.get("error") is None and a["result"]["status"] == "success" and a["channel"] == ch
        res["auth_ok"] = res["subscribed"] = ok
    elif venue == "coinbase":
        await ws.send(json.dumps({"type": "subscribe", "channel": "heartbeats", "jwt": "h.e.y"}))
        a = await recv_json()
        hb = a.get("channel") == "subscriptions"
        await ws.send(json.dumps({"type": "subscribe", "channel": "user", "jwt": "h.e.y"}))
        a = await recv_json()
        res["auth_ok"] = res["subscribed"] = hb and a.get("channel") == "subscriptions" and "user" in a["events"][0]["subscriptions"]
        res["pong_ok"] = True  # Coinbase has no app ping; heartbeats are checked while streaming
        res["seq"] = a["sequence_num"]
    elif venue == "mexc":
        await ws.send(json.dumps({"method": "PING"}))
        a = await recv_json()
        res["pong_ok"] = a.get("msg") == "PONG"
        topics = (["spot@private.deals.v3.api.pb"] if trades else []) + ["spot@private.orders.v3.api.pb"]
        await ws.send(json.dumps({"method": "SUBSCRIPTION", "params": topics}))
        ok = True
        for tp in topics:
            a = await recv_json()
            ok = ok and a.get("code") == 0 and a.get("msg") == tp
        res["auth_ok"] = res["subscribed"] = ok


async def stream(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    res = {"venue": args.venue, "auth_ok": False, "subscribed": False, "pong_ok": False, "messages": 0,
           "updates": 0, "malformed": 0, "closed": False, "close_code": None, "stamped": 0,
           "bad_stamp": 0, "seq_gaps": 0, "heartbeats": 0, "trades": 0, "snapshot_orders": 0, "errors": []}
    state = {}
    url = "wss://127.0.0.1:%d%s" % (args.port, PATHS[args.venue])
    if args.venue == "mexc":
        url += "?listenKey=" + mexc_listen_key(args.port, ctx)
    deadline = time.monotonic() + args.timeout
    try:
        async with websockets.connect(url, ssl=ctx, max_size=1 << 22, ping_interval=None,
                                      server_hostname="localhost") as ws:
            backlog = []
            await login(ws, args.venue, args.trades, res, backlog)
            last_upd = time.monotonic()
            seq = res.get("seq")
            while time.monotonic() < deadline:
                left = min(args.idle - (time.monotonic() - last_upd), deadline - time.monotonic())
                if left <= 0:
                    break
                if backlog:
                    m = backlog.pop(0)
                else:
                    try:
                        m = await asyncio.wait_for(ws.recv(), left)
                    except asyncio.TimeoutError:
                        break
                res["messages"] += 1
                try:
                    if isinstance(m, bytes):
                        if args.venue != "mexc":
                            raise ValueError("binary frame on a text venue")
                        r = parse_mexc_bin(m)
                        if r == []:
                            res["trades"] += 1
                            last_upd = time.monotonic()
                            continue
                        ups, w = r
                        ts = w.get(99, [None])[-1]
                    else:
                        j = json.loads(m)
                        if args.venue == "coinbase" and isinstance(j, dict) and "sequence_num" in j:
                            if seq is not None and j["sequence_num"] != seq + 1:
                                res["seq_gaps"] += 1
                            seq = j["sequence_num"]
                            if j.get("channel") == "heartbeats":
                                res["heartbeats"] += 1
                            for e in j.get("events", []) if j.get("channel") == "user" else []:
                                if e.get("type") == "snapshot":
                                    res["snapshot_orders"] += len(e.get("orders", []))
                        if isinstance(j, dict) and (j.get("topic") == "execution" or j.get("channel") == "spot.usertrades"):
                            res["trades"] += 1
                            last_upd = time.monotonic()
                            continue
                        ups = PARSERS[args.venue](j)
                        ts = j.get("ose_ts") if isinstance(j, dict) else None
                    if ups is None:
                        continue
                except (ValueError, KeyError, PBError, UnicodeDecodeError, TypeError, AttributeError) as e:
                    res["malformed"] += 1
                    if len(res["errors"]) < 5:
                        res["errors"].append("%s: %r" % (type(e).__name__, (m[:80] if m else m)))
                    continue
                res["updates"] += 1
                last_upd = time.monotonic()
                if ts is not None:
                    res["stamped"] += 1
                    if abs(ts - time.time_ns()) > 60 * 10**9:
                        res["bad_stamp"] += 1
                for u in ups:
                    merge(state, u)
            # RFC 6455 ping: a live server answers with a pong; a half-open
            # (stalled) one does not.
            try:
                w = await ws.ping(b"sim-client")
                await asyncio.wait_for(w, 1.0)
                res["ws_pong"] = True
            except asyncio.TimeoutError:
                res["ws_pong"] = False
    except websockets.ConnectionClosed as e:
        res["closed"] = True
        res["close_code"] = e.rcvd.code if e.rcvd else (e.sent.code if e.sent else 1006)
    except (OSError, asyncio.TimeoutError) as e:
        res["errors"].append("connect/login: %r" % e)
    res["orders"] = sorted(state.values(), key=lambda u: u["order_id"])
    with open(args.out, "w") as f:
        json.dump(res, f, indent=0)
    return 0


FIELDS = ["symbol", "client_order_id", "side", "status", "price", "quantity", "filled_quantity"]


def check(args):
    truth = json.load(open(args.truth))["orders"]
    st = json.load(open(args.state))
    if args.venue:
        truth = [o for o in truth if o["venue"] == args.venue]
    # an ose-dump --json document works as a state too: filter by venue
    got = {o["order_id"]: o for o in st["orders"] if not args.venue or o.get("venue", args.venue) == args.venue}
    bad = []
    for o in truth:
        for f in ("price", "quantity", "filled_quantity"):
            if canon(o[f]) != o[f]:
                bad.append("truth %s %s=%r is not canonical" % (o["order_id"], f, o[f]))
        g = got.pop(o["order_id"], None)
        if g is None:
            if not args.subset:
                bad.append("order %s (%s) never streamed" % (o["order_id"], o["status"]))
            continue
        for f in FIELDS:
            if g[f] != o[f]:
                bad.append("order %s: %s truth=%r stream=%r" % (o["order_id"], f, o[f], g[f]))
    for k in got:
        bad.append("order %s streamed but not in truth" % k)
    # what the session looked like
    sim = json.load(open(args.truth)).get("sim", {})
    if args.clean:
        for f in ("auth_ok", "subscribed", "pong_ok", "ws_pong"):
            if st.get(f) is not True:
                bad.append("session: %s is %r" % (f, st.get(f)))
        for f in ("malformed", "bad_stamp", "seq_gaps"):
            if st.get(f):
                bad.append("session: %s=%r" % (f, st[f]))
        if st.get("closed"):
            bad.append("session: closed with %r" % st.get("close_code"))
        if args.stamped and st["stamped"] != st["updates"]:
            bad.append("session: %d of %d updates carry ose_ts" % (st["stamped"], st["updates"]))
    if args.min_malformed and st["malformed"] < args.min_malformed:
        bad.append("malformed: client saw %d, expected >= %d" % (st["malformed"], args.min_malformed))
    if args.min_dups and sim.get("duplicates", 0) < args.min_dups:
        bad.append("duplicates: sim sent %r, expected >= %d" % (sim.get("duplicates"), args.min_dups))
    if args.subset and len(st["orders"]) == 0:
        bad.append("late joiner saw no orders at all")
    if args.min_snapshot and st["snapshot_orders"] < args.min_snapshot:
        bad.append("snapshot held %d open orders, expected >= %d" % (st["snapshot_orders"], args.min_snapshot))
    if args.min_trades and st["trades"] < args.min_trades:
        bad.append("trades: %d trade messages, expected >= %d" % (st["trades"], args.min_trades))
    for b in bad[:20]:
        print(b)
    print("check: %d truth orders, %d differences" % (len(truth), len(bad)))
    return 1 if bad or not truth else 0


def session(args):
    """Assertions on a stream state alone (fault runs whose truth differs)."""
    st = json.load(open(args.state))
    bad = []
    if args.auth_fail:
        if st.get("auth_ok") or st.get("subscribed") or st["updates"]:
            bad.append("a bad signature was accepted: auth_ok=%r subscribed=%r updates=%d" %
                       (st.get("auth_ok"), st.get("subscribed"), st["updates"]))
    elif st.get("subscribed") is not True:
        bad.append("not subscribed: %r" % st.get("errors"))
    if args.closed_after is not None:
        if not st["closed"]:
            bad.append("connection not closed")
        if st["updates"] != args.closed_after:
            bad.append("closed after %d updates, expected %d" % (st["updates"], args.closed_after))
    if args.close_code is not None and st["close_code"] != args.close_code:
        bad.append("close code %r, expected %d" % (st["close_code"], args.close_code))
    if args.stalled_after is not None:
        if st["closed"] or st.get("ws_pong") is not False or st["updates"] != args.stalled_after:
            bad.append("not half-open after %d: closed=%r ws_pong=%r updates=%d" %
                       (args.stalled_after, st["closed"], st.get("ws_pong"), st["updates"]))
    if args.min_malformed and st["malformed"] < args.min_malformed:
        bad.append("malformed %d < %d" % (st["malformed"], args.min_malformed))
    if args.min_heartbeats and st["heartbeats"] < args.min_heartbeats:
        bad.append("heartbeats %d < %d" % (st["heartbeats"], args.min_heartbeats))
    for b in bad:
        print(b)
    print("session: %d differences" % len(bad))
    return 1 if bad else 0


def rest(args):
    """Every truth order fetched by id over REST must agree on status and fills."""
    ctx = ssl.create_default_context(cafile=args.ca)
    truth = [o for o in json.load(open(args.truth))["orders"] if o["venue"] == args.venue]
    hdr = {"binance": "X-MBX-APIKEY", "okx": "OK-ACCESS-KEY", "bybit": "X-BAPI-API-KEY", "gate": "KEY",
           "coinbase": "Authorization", "mexc": "X-MEXC-APIKEY"}[args.venue]
    bad = 0
    for o in truth[:args.limit]:
        path = {"binance": "/binance/api/v3/order?" + signed_query("symbol=%s&orderId=%s" % (o["symbol"], o["order_id"])),
                "mexc": "/mexc/api/v3/order?" + signed_query("symbol=%s&orderId=%s" % (o["symbol"], o["order_id"])),
                "okx": "/okx/api/v5/trade/order?instId=%s&ordId=%s" % (o["symbol"], o["order_id"]),
                "bybit": "/bybit/v5/order/realtime?category=spot&orderId=%s" % o["order_id"],
                "gate": "/gate/api/v4/spot/orders/%s?currency_pair=%s" % (o["order_id"], o["symbol"]),
                "coinbase": "/coinbase/api/v3/brokerage/orders/historical/%s" % o["order_id"]}[args.venue]
        req = urllib.request.Request("https://127.0.0.1:%d%s" % (args.port, path), headers={hdr: KEY})
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            j = json.loads(r.read())
        if args.venue in ("binance", "mexc"):
            filled, oid = j["executedQty"], str(j["orderId"])
        elif args.venue == "okx":
            filled, oid = j["data"][0]["accFillSz"], j["data"][0]["ordId"]
        elif args.venue == "bybit":
            filled, oid = j["result"]["list"][0]["cumExecQty"], j["result"]["list"][0]["orderId"]
        elif args.venue == "gate":
            filled, oid = j["filled_amount"], j["id"]
            if j["type"] == "market":  # quote currency, like the truth
                filled = str(Decimal(j["amount"]) - Decimal(j["left"]))
        else:
            filled, oid = j["order"]["filled_size"], j["order"]["order_id"]
        if oid != o["order_id"] or canon(filled) != o["filled_quantity"]:
            print("rest %s: id=%s filled=%s truth=%s" % (o["order_id"], oid, filled, o["filled_quantity"]))
            bad += 1
    # an unknown id answers the venue's "not found"
    try:
        path = {"binance": "/binance/api/v3/order?" + signed_query("symbol=X&orderId=1"),
                "mexc": "/mexc/api/v3/order?" + signed_query("symbol=X&orderId=1"),
                "okx": "/okx/api/v5/trade/order?instId=X&ordId=1", "bybit": "/bybit/v5/order/realtime?orderId=nope",
                "gate": "/gate/api/v4/spot/orders/1?currency_pair=X",
                "coinbase": "/coinbase/api/v3/brokerage/orders/historical/nope"}[args.venue]
        req = urllib.request.Request("https://127.0.0.1:%d%s" % (args.port, path), headers={hdr: KEY})
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            j = json.loads(r.read())
            nf = (args.venue == "okx" and j["code"] == "51603") or (args.venue == "bybit" and j["result"]["list"] == [])
    except urllib.error.HTTPError as e:
        nf = e.code in (400, 404)
    if not nf:
        print("rest: unknown order id was not answered 'not found'")
        bad += 1
    print("rest: %d orders checked, %d differences" % (min(len(truth), args.limit), bad))
    return 1 if bad or not truth else 0


async def garbage(args):
    """Hostile input: truncated, oversized and random requests on every
    venue's WebSocket (text and binary), then broken HTTP and raw bytes.
    The simulator must answer or drop them, never crash."""
    import os
    import random
    ctx = ssl.create_default_context(cafile=args.ca)
    rnd = random.Random(args.seed)
    seeds = ["", "{", "}", "[", "\"", "{\"op\":", "{\"method\":\"SUBSCRIPTION\",\"params\":[\"",
             "{\"op\":\"auth\",\"args\":[", "{\"op\":\"auth\",\"args\":[\"k\",\"\",",
             "{\"id\":\"\\\"\",\"method\":\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":\"a\\\\\",\"timestamp\":,",
             "{\"op\":\"login\",\"args\":[{\"apiKey\":\"", "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"orders\"",
             "{\"channel\":\"spot.orders\",\"event\":\"subscribe\",\"auth\":{\"KEY\":\"",
             "{\"type\":\"subscribe\",\"channel\":\"user\",\"jwt\":", "x" * 200000, "\x00\x01", "ping"]

    async def one(v):
        url = "wss://127.0.0.1:%d%s%s" % (args.port, PATHS[v], "?listenKey=x" if v == "mexc" else "")
        async with websockets.connect(url, ssl=ctx, ping_interval=None, max_size=1 << 22) as ws:
            for _ in range(150):
                m = rnd.choice(seeds)
                if rnd.random() < 0.5:
                    m += "".join(chr(rnd.randint(1, 0x2ff)) for _ in range(rnd.randint(0, 40)))
                await ws.send(m if rnd.random() < 0.8 else m.encode())
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 0.3)
            except (asyncio.TimeoutError, websockets.ConnectionClosed):
                pass

    res = await asyncio.gather(*(one(v) for v in args.venues.split(",")), return_exceptions=True)
    for payload in [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
                    os.urandom(5000), b"GET /binance/api/v3/order?symbol HTTP/1.1\r\nX-MBX-APIKEY: k\r\n\r\n",
                    b"GET /gate/api/v4/spot/orders/" + b"9" * 500 + b" HTTP/1.1\r\nKEY: k\r\n\r\n",
                    b"GET /okx/ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"]:
        try:
            r, w = await asyncio.open_connection("127.0.0.1", args.port, ssl=ctx, server_hostname="localhost")
            w.write(payload)
            await w.drain()
            await asyncio.wait_for(r.read(200), 0.5)
            w.close()
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            pass
    r, w = await asyncio.open_connection("127.0.0.1", args.port)  # not TLS at all
    w.write(os.urandom(3000))
    await w.drain()
    w.close()
    # the simulator still serves a normal login afterwards
    ok = {}
    async with websockets.connect("wss://127.0.0.1:%d%s" % (args.port, PATHS["bybit"]), ssl=ctx,
                                  ping_interval=None) as ws:
        await ws.send(json.dumps({"req_id": "p", "op": "ping"}))
        ok = json.loads(await asyncio.wait_for(ws.recv(), 5))
    print("garbage: %d sessions, %d ended with an exception; pong after: %r" %
          (len(res), sum(isinstance(x, Exception) for x in res), ok.get("op")))
    return 0 if ok.get("op") == "pong" else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stream")
    s.add_argument("--venue", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ca", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--idle", type=float, default=1.5)
    s.add_argument("--timeout", type=float, default=20)
    s.add_argument("--trades", action="store_true")
    s.add_argument("--secret", help="sign with this secret instead of the test one")
    c = sub.add_parser("check")
    c.add_argument("--truth", required=True)
    c.add_argument("--state", required=True)
    c.add_argument("--venue")
    c.add_argument("--clean", action="store_true", help="no faults: session must be spotless")
    c.add_argument("--stamped", action="store_true", help="every update carries ose_ts")
    c.add_argument("--min-malformed", type=int, default=0)
    c.add_argument("--min-dups", type=int, default=0)
    c.add_argument("--min-trades", type=int, default=0)
    c.add_argument("--subset", action="store_true", help="joined late: orders it never saw are fine")
    c.add_argument("--min-snapshot", type=int, default=0)
    e = sub.add_parser("session")
    e.add_argument("--state", required=True)
    e.add_argument("--closed-after", type=int)
    e.add_argument("--close-code", type=int)
    e.add_argument("--stalled-after", type=int)
    e.add_argument("--min-malformed", type=int, default=0)
    e.add_argument("--min-heartbeats", type=int, default=0)
    e.add_argument("--auth-fail", action="store_true")
    r = sub.add_parser("rest")
    r.add_argument("--venue", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--ca", required=True)
    r.add_argument("--truth", required=True)
    r.add_argument("--limit", type=int, default=50)
    g = sub.add_parser("garbage")
    g.add_argument("--port", type=int, required=True)
    g.add_argument("--ca", required=True)
    g.add_argument("--venues", default="binance,okx,bybit,gate,coinbase,mexc")
    g.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "garbage":
        return asyncio.run(garbage(a))
    if a.cmd == "stream":
        if a.secret:
            global SECRET
            SECRET = a.secret
        return asyncio.run(stream(a))
    if a.cmd == "check":
        return check(a)
    if a.cmd == "session":
        return session(a)
    return rest(a)


if __name__ == "__main__":
    sys.exit(main())
