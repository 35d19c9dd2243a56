// An SMTP server for tests: accepts every message and prints it, nothing else.
//
//   node end2end/smtp-sink.mjs <port>      (0: any free port)
//
// Listens on 127.0.0.1 without authentication or TLS. Prints `listening <port>` once ready,
// then one JSON line per message received, before answering the client:
//   {"from": envelope sender, "to": [envelope recipients], "raw": the RFC 5322 message,
//    "subject", "text", "html": the message decoded by mailparser, "held": see below}
// A line `hold` on standard input withholds the answer to the next message: it is printed
// (with "held": true) and never answered, so a test can kill the client once this server
// has the message and before the client has heard so.
// Exits when its standard input closes, so it dies with the test process that started it.

import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import { createInterface } from "node:readline";

const port = Number(process.argv[2] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: node smtp-sink.mjs <port>, not '${process.argv[2]}'`);
  process.exit(2);
}

let hold = false;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  // No DNS in tests: the client's name is not looked up.
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", async () => {
      try {
        const raw = Buffer.concat(chunks).toString("utf8");
        const parsed = await simpleParser(raw);
        const line = JSON.stringify({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: parsed.subject ?? null,
          text: parsed.text ?? null,
          html: parsed.html || null,
          held: hold,
        });
        process.stdout.write(line + "\n");
        if (hold) {
          hold = false;
          return;
        }
        callback();
      } catch (error) {
        callback(error);
      }
    });
  },
});

// Until it listens, an error (the port taken) ends the sink. After that the errors are a
// client's connection's (a client killed mid-message resets it): the sink serves on, or the
// next client (a restarted server) would find nobody listening.
let listening = false;
server.on("error", (error) => {
  console.error(`smtp-sink: ${error.message}`);
  if (!listening) process.exit(1);
});

server.listen(port, "127.0.0.1", () => {
  listening = true;
  process.stdout.write(`listening ${server.server.address().port}\n`);
});

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() === "hold") hold = true;
  })
  .on("close", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
