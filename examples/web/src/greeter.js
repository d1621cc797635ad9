// The browser example: helloworld.Greeter/SayHello from a page the Conduit server itself serves,
// over three protocols at once, with no proxy: gRPC-Web text (the official grpc-web runtime),
// gRPC-Web binary and Connect JSON (connect-web).
import { create } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Greeter, HelloRequestSchema } from "../gen/helloworld_pb.js";
import { grpcWebTextClient } from "./grpc-web-methods.js";

const base = window.location.origin;
const clients = [
  ["gRPC-Web text (grpc-web)", (req) => grpcWebTextClient(Greeter, base).sayHello(req)],
  ["gRPC-Web binary (connect-web)",
    (req) => createClient(Greeter, createGrpcWebTransport({ baseUrl: base, useBinaryFormat: true })).sayHello(req)],
  ["Connect JSON (connect-web)",
    (req) => createClient(Greeter, createConnectTransport({ baseUrl: base })).sayHello(req)],
];

async function greet(event) {
  event.preventDefault();
  const name = document.getElementById("name").value;
  const list = document.getElementById("replies");
  list.replaceChildren();
  for (const [protocol, sayHello] of clients) {
    const item = document.createElement("li");
    const started = performance.now();
    try {
      const reply = await sayHello(create(HelloRequestSchema, { name }));
      item.textContent = `${reply.message}`;
      item.className = "ok";
    } catch (e) {
      item.textContent = `failed: ${e instanceof ConnectError ? e.message : e.message || e}`;
      item.className = "failed";
    }
    const label = document.createElement("span");
    label.textContent = `${protocol} · ${Math.round(performance.now() - started)} ms`;
    item.prepend(label);
    list.append(item);
  }
  document.body.dataset.done = "true";
}

document.getElementById("form").addEventListener("submit", greet);
