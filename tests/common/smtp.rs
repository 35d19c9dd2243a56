//! A real SMTP server for the mail tests: `end2end/smtp-sink.mjs` under node (npm's
//! `smtp-server`, installed by `make tools` into `end2end/node_modules`), stopped on drop.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, ChildStdin, Command, Stdio},
    sync::{mpsc, Arc, Mutex},
    time::{Duration, Instant},
};

/// How long a test waits for mail before it fails.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(30);

/// One message as the sink received it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`).
    pub from: Option<String>,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The whole RFC 5322 message, headers and encoded parts.
    pub raw: String,
    /// Decoded by mailparser.
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// Its answer is withheld (`hold_next`).
    #[serde(default)]
    pub held: bool,
}

pub struct SmtpSink {
    pub port: u16,
    child: Child,
    /// Held open: the sink exits when it closes, even if this process dies without dropping.
    stdin: Option<ChildStdin>,
    received: Arc<Mutex<Vec<Received>>>,
    /// Reads the sink's lines into `received` until it exits.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl SmtpSink {
    /// A sink on a free port.
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(0)
    }

    /// A sink on `port` (0: any free port).
    pub fn start_on(port: u16) -> SmtpSink {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(
            root.join("end2end/node_modules/smtp-server").is_dir(),
            "the SMTP sink needs end2end's npm packages: run `make tools` (or `npm ci` in end2end/)"
        );
        let mut child = Command::new("node")
            .arg("end2end/smtp-sink.mjs")
            .arg(port.to_string())
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node end2end/smtp-sink.mjs (is node installed?)");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (ready, listening) = mpsc::channel();
        let sink = received.clone();
        let reader = std::thread::spawn(move || {
            let first = lines.next().and_then(Result::ok).unwrap_or_default();
            let _ = ready.send(first);
            for line in lines.map_while(Result::ok) {
                let message: Received =
                    serde_json::from_str(&line).unwrap_or_else(|e| panic!("sink printed {line} ({e})"));
                sink.lock().unwrap().push(message);
            }
        });
        let first = listening
            .recv_timeout(Duration::from_secs(20))
            .expect("the SMTP sink did not start within 20 s");
        let port = first
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: '{first}'"));
        SmtpSink {
            port,
            child,
            stdin: Some(stdin),
            received,
            reader: Some(reader),
        }
    }

    /// The `ROSTER_SMTP_URL` of this sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Withholds the answer to the next message the sink receives, forever: its client never
    /// learns that the message was accepted (it is `held` in `received`).
    pub fn hold_next(&self) {
        use std::io::Write;
        let mut stdin = self.stdin.as_ref().unwrap();
        stdin.write_all(b"hold\n").and_then(|()| stdin.flush()).unwrap();
    }

    /// Stops the sink and returns every message it received, to the last.
    pub fn stop(mut self) -> Vec<Received> {
        drop(self.stdin.take()); // the sink exits when its input closes
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the sink's reader");
        }
        self.received()
    }

    /// Waits until at least `count` messages have arrived, and returns all of them.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                start.elapsed() < MAIL_TIMEOUT,
                "waited {MAIL_TIMEOUT:?} for {count} emails, got {}: {received:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on which nothing listens (for now): an SMTP server that is down.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
