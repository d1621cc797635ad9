// The browser tests (BrowserTest.java): test/drive.mjs opens tests.html in headless Chromium and
// calls window.runBrowserTests, which runs every case with three clients: the official grpc-web
// runtime in text mode, and connect-web's gRPC-Web (binary) and Connect (JSON) transports.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { BrowserTest, EchoRequestSchema, CountRequestSchema, AckRequestSchema, HangRequestSchema }
  from "../gen/browser_test_pb.js";
import { grpcWebTextClient } from "./grpc-web-methods.js";

const TOKEN = "AQL/"; // base64 of 01 02 ff
const STREAM_COUNT = 100;
const STREAM_WAIT_AFTER = 50;

/** One client's calls as promises and async iterables, with a uniform error: {code, message, metadata}. */
function officialGrpcWeb(baseUrl) {
  const calls = grpcWebTextClient(BrowserTest, baseUrl);
  const meta = (headers, timeoutMs) => {
    const m = { ...headers };
    if (timeoutMs) m.deadline = String(Date.now() + timeoutMs);
    return m;
  };
  const error = (e) => ({ code: e.code, message: e.message, metadata: e.metadata || {} });
  return {
    async unary(name, request, { headers = {}, timeoutMs } = {}) {
      try {
        return { reply: await calls[name](request, meta(headers, timeoutMs)) };
      } catch (e) {
        return { error: error(e) };
      }
    },
    // onMessage(message, cancel) for each message; resolves with {messages, error?, cancelled?}.
    stream(name, request, { headers = {} } = {}, onMessage) {
      return new Promise((resolve) => {
        const stream = calls[name](request, meta(headers));
        const messages = [];
        let done = false;
        const finish = (result) => { if (!done) { done = true; resolve({ messages, ...result }); } };
        const cancel = () => { stream.cancel(); finish({ cancelled: true }); };
        stream.on("data", (m) => { messages.push(m); onMessage(m, cancel); });
        stream.on("error", (e) => finish({ error: error(e) }));
        stream.on("end", () => finish({}));
      });
    },
  };
}

function connectWeb(transport) {
  const client = createClient(BrowserTest, transport);
  const error = (e) => {
    const err = ConnectError.from(e);
    const metadata = {};
    err.metadata.forEach((v, k) => { metadata[k] = v; });
    // Rich error details (google.rpc.Status): from the Connect error JSON's "details", or from
    // gRPC-Web's grpc-status-details-bin trailer; the official grpc-web runtime has no such API.
    const details = err.details.map((d) => ({ type: d.type, text: new TextDecoder().decode(d.value) }));
    return { code: err.code, message: err.rawMessage, metadata, details };
  };
  return {
    async unary(name, request, { headers = {}, timeoutMs } = {}) {
      try {
        return { reply: await client[name](request, { headers, timeoutMs }) };
      } catch (e) {
        return { error: error(e) };
      }
    },
    async stream(name, request, { headers = {} } = {}, onMessage) {
      const abort = new AbortController();
      const messages = [];
      let cancelled = false;
      const cancel = () => { cancelled = true; abort.abort(); };
      try {
        for await (const m of client[name](request, { headers, signal: abort.signal })) {
          messages.push(m);
          onMessage(m, cancel);
          if (cancelled) break;
        }
        return cancelled ? { messages, cancelled } : { messages };
      } catch (e) {
        if (cancelled && ConnectError.from(e).code === Code.Canceled) return { messages, cancelled };
        return { messages, error: error(e) };
      }
    },
  };
}

function check(condition, what, detail) {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

const CASES = {
  async unary(c, id) {
    const r = await c.unary("echo", create(EchoRequestSchema, { text: "hello" }),
      { headers: { "x-case": id, "x-user": "alice", "x-token-bin": TOKEN } });
    check(!r.error && r.reply.text === "hello", "unary reply", r);
    check(r.reply.user === "alice" && r.reply.tokenHex === "0102ff", "request metadata seen by the handler", r);
    return r.reply;
  },
  async error(c, id) {
    const r = await c.unary("echo", create(EchoRequestSchema, { text: "x", fail: true }),
      { headers: { "x-case": id } });
    check(r.error, "an error", r);
    check(r.error.code === 3, "INVALID_ARGUMENT (3)", r);
    check(r.error.message === "no greeting for “x”: 100% refused", "the status message", r);
    check(r.error.metadata["x-reason"] === "testing", "the custom trailer x-reason", r);
    if (r.error.details) {
      check(r.error.details.length === 1 && r.error.details[0].type === "google.rpc.ErrorInfo"
          && r.error.details[0].text.includes("NO_GREETING"), "the ErrorInfo detail", r);
    }
    return r.error;
  },
  async stream(c, id) {
    const arrivals = [];
    let acked = null;
    const r = await c.stream("count",
      create(CountRequestSchema, { id, count: STREAM_COUNT, waitAfter: STREAM_WAIT_AFTER }),
      { headers: { "x-case": id } },
      (m) => {
        arrivals.push(m.n);
        if (m.n === STREAM_WAIT_AFTER) {
          // Only this receipt releases the handler, which is still sending.
          acked = c.unary("ack", create(AckRequestSchema, { id }), { headers: { "x-case": id + "/ack" } });
        }
      });
    check(!r.error && !r.cancelled, "the stream ends OK", r.error || r);
    const expected = Array.from({ length: STREAM_COUNT }, (_, i) => i + 1);
    check(JSON.stringify(arrivals) === JSON.stringify(expected), "100 messages in order", arrivals);
    check(acked, "an ack sent on message " + STREAM_WAIT_AFTER, arrivals);
    const ack = await acked;
    check(!ack.error, "the ack call", ack);
    return { received: arrivals.length };
  },
  async deadline(c, id) {
    const started = performance.now();
    const r = await c.unary("hang", create(HangRequestSchema, { id }), { headers: { "x-case": id }, timeoutMs: 500 });
    check(r.error && r.error.code === 4, "DEADLINE_EXCEEDED (4)", r);
    return { code: r.error.code, message: r.error.message, afterMs: Math.round(performance.now() - started) };
  },
  async cancel(c, id) {
    const r = await c.stream("count", create(CountRequestSchema, { id, count: STREAM_COUNT, waitAfter: 1 }),
      { headers: { "x-case": id } }, (m, cancel) => { if (m.n === 1) cancel(); });
    check(r.cancelled && r.messages.length === 1, "cancelled after the first message", r);
    return { received: r.messages.length };
  },
};

/** An Echo from an origin the server does not allow: the browser must refuse it (CORS). */
async function refused(c, id) {
  const r = await c.unary("echo", create(EchoRequestSchema, { text: "hello" }), { headers: { "x-case": id } });
  check(r.error, "the browser refuses the call", r);
  return r.error;
}

/**
 * Runs the cases against baseUrl ("" for this page's origin); `prefix` starts every case id, which
 * the handler records. `only` limits the cases (e.g. ["refused"]).
 */
window.runBrowserTests = async function ({ baseUrl = "", prefix, only }) {
  const base = baseUrl || window.location.origin;
  const clients = {
    "grpc-web-text": officialGrpcWeb(base),
    "connect-grpc-web": connectWeb(createGrpcWebTransport({ baseUrl: base, useBinaryFormat: true })),
    "connect-json": connectWeb(createConnectTransport({ baseUrl: base })),
  };
  const cases = only ? Object.fromEntries(only.map((n) => [n, n === "refused" ? refused : CASES[n]])) : CASES;
  const results = [];
  for (const [clientName, client] of Object.entries(clients)) {
    for (const [caseName, run] of Object.entries(cases)) {
      const id = `${prefix}/${clientName}/${caseName}`;
      try {
        results.push({ id, ok: true, detail: await run(client, id) });
      } catch (e) {
        results.push({ id, ok: false, detail: String(e && e.message || e) });
      }
    }
  }
  return results;
};
window.browserTestsLoaded = true;
