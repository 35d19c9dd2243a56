//! Delivers the outbox by SMTP. A background worker sends every pending row (`db::outbox`)
//! whose time has come: at start-up (so mail queued before a crash or a restart goes out), when
//! woken after a transaction that queued mail commits, and every few seconds (for retries and
//! for mail queued by another instance). A failed attempt is retried after 30 s, 2 min,
//! 10 min, then hourly; after `MAX_ATTEMPTS` the message is given up (`failed_at`).
//!
//! Any number of workers (one per instance) can share a database: each attempt is claimed
//! in the database first, so a message goes out once. Delivery is at least once, not exactly
//! once: a process that dies after the SMTP server accepted a message but before recording
//! it sends the message again when the claim's lease ends (and so does a worker whose attempt
//! timed out after the server had the message). A worker sends one message at a time, and
//! records how it went in the write that claims the next message, so a dead one leaves at
//! most that message to repeat, under its unchanged Message-ID, by which
//! receivers can drop the second copy (tests/crash.rs kills the server mid-delivery).

use super::{
    config::Config,
    db::{now_ms, outbox, Db},
    metrics,
};
use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::{watch, Notify};

/// How often the worker looks for due mail without being woken.
pub const POLL: Duration = Duration::from_secs(5);
/// How long a claimed message is kept from other workers while one sends it: well above
/// `SEND_TIMEOUT`, so it ends only for a worker that died.
pub const LEASE: Duration = Duration::from_secs(5 * 60);
/// The longest one attempt may take, from connecting to the server's answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(2 * 60);
/// Attempts before a message is given up: about six hours of retries.
pub const MAX_ATTEMPTS: i64 = 10;
/// Messages read per query.
const BATCH: i64 = 50;

/// Counts an attempt in the metrics once its end is recorded: counted when sent, a scrape
/// could see an email sent and still pending while its record waited for the next claim.
fn count(attempt: &outbox::Attempt) {
    match &attempt.outcome {
        outbox::Outcome::Sent => metrics::email_sent(),
        outbox::Outcome::Failed { then, .. } => {
            metrics::email_failed(matches!(then, outbox::AfterFailure::GiveUp))
        }
    }
}

/// The wait before the next attempt, after `attempts` failed ones.
pub fn retry_delay(attempts: i64) -> Duration {
    match attempts {
        ..=1 => Duration::from_secs(30),
        2 => Duration::from_secs(2 * 60),
        3 => Duration::from_secs(10 * 60),
        _ => Duration::from_secs(60 * 60),
    }
}

/// The handle the rest of the server keeps (in `AppState`): `wake` after committing a
/// transaction that queued mail. Without a worker (no `ROSTER_SMTP_URL`) waking does nothing.
#[derive(Debug, Clone, Default)]
pub struct Mailer {
    wake: Arc<Notify>,
    /// Set while the delivery worker runs (`/readyz`).
    running: Arc<AtomicBool>,
}

impl Mailer {
    /// Starts the delivery worker on the current Tokio runtime when `config.smtp_url` is set,
    /// and returns the handle with the worker (None without SMTP: mail stays in the outbox).
    /// Fails only on an SMTP URL that `Config` would have refused.
    pub fn start(
        db: Db,
        config: &Config,
    ) -> Result<(Mailer, Option<MailerWorker>), lettre::transport::smtp::Error> {
        let mailer = Mailer::default();
        let Some(url) = &config.smtp_url else {
            tracing::info!("ROSTER_SMTP_URL is not set: emails stay in the outbox, unsent");
            return Ok((mailer, None));
        };
        // Connections are kept and reused (lettre's pool): a connection per message waits for
        // a greeting each time, which servers may delay (the tests' sink by 100 ms: 500
        // invitations took over a minute to go out).
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let delivery = Delivery {
            db,
            transport,
            from: config.mail_from.clone(),
        };
        let (stop, stopped) = watch::channel(false);
        let server = server_of(url);
        mailer.running.store(true, Ordering::Relaxed);
        let (running, wake) = (Running(mailer.running.clone()), mailer.wake.clone());
        let task = tokio::spawn(async move {
            // Dropped when the worker ends, however it ends (stopped, aborted, panicked).
            let _running = running;
            delivery.run(wake, stopped, server).await;
        });
        Ok((
            mailer,
            Some(MailerWorker {
                stop,
                task: Some(task),
            }),
        ))
    }

    /// Asks the worker to look for due mail now (a wake while it is busy is kept for later).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Whether the delivery worker is running.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }
}

/// Clears the worker's running flag when dropped.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// The running worker. `stop` lets the message in flight finish; dropping it aborts the
/// worker at once (a message cut off mid-send is retried when its lease ends).
#[derive(Debug)]
pub struct MailerWorker {
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MailerWorker {
    /// Stops after the message in flight, if any.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MailerWorker {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// `host:port` of an SMTP URL, for the log: never the URL, which may hold a password.
fn server_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}", u.scheme(), u.host_str().unwrap_or_default())
        })
        .unwrap_or_default()
}

struct Delivery {
    db: Db,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why an attempt failed, and whether trying again could help.
struct Failure {
    error: String,
    permanent: bool,
}

impl Delivery {
    async fn run(self, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>, server: String) {
        tracing::info!(%server, from = %self.from, "delivering the outbox by SMTP");
        loop {
            self.deliver_due(&stopped).await;
            if *stopped.borrow() {
                break;
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stopped.changed() => break,
            }
        }
        tracing::info!("outbox delivery stopped");
    }

    /// Sends due messages until none is left or `stopped` is set. Each message's claim is
    /// written with the record of the attempt before it (`outbox::record_and_claim`).
    async fn deliver_due(&self, stopped: &watch::Receiver<bool>) {
        let mut ended = None;
        if let Err(error) = self.deliver_batches(stopped, &mut ended).await {
            tracing::warn!(%error, "could not read or update the outbox");
        }
        if let Some(attempt) = ended {
            match outbox::record_and_claim(&self.db, Some(&attempt), None, now_ms(), 0).await {
                Ok(_) => count(&attempt),
                Err(error) => tracing::warn!(%error, "could not update the outbox"),
            }
        }
    }

    /// Claims and sends due messages, leaving the last attempt's end in `ended` to record.
    async fn deliver_batches(
        &self,
        stopped: &watch::Receiver<bool>,
        ended: &mut Option<outbox::Attempt>,
    ) -> Result<(), sqlx::Error> {
        loop {
            let batch = outbox::due(&self.db, now_ms(), BATCH).await?;
            let full = batch.len() as i64 == BATCH;
            for message in batch {
                if *stopped.borrow() {
                    return Ok(());
                }
                let now = now_ms();
                let lease = now + LEASE.as_millis() as i64;
                // Recorded with this claim, taken or not; kept for the next one if it fails.
                let last = ended.take();
                match outbox::record_and_claim(&self.db, last.as_ref(), Some(&message), now, lease).await {
                    Ok(claimed) => {
                        last.iter().for_each(count);
                        if claimed {
                            *ended = Some(self.attempt(message).await);
                        } else {
                            tracing::debug!(id = message.id, "another worker took this email");
                        }
                    }
                    Err(error) => {
                        *ended = last;
                        return Err(error);
                    }
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// One attempt at a message this worker claimed: how it ended (counted in the metrics
    /// once recorded, see [`count`]).
    async fn attempt(&self, message: outbox::Pending) -> outbox::Attempt {
        let attempt = message.attempts + 1;
        let (id, kind, to) = (message.id, message.kind.as_str(), message.to_email.as_str());
        let outcome = match self.send(&message).await {
            Ok(()) => {
                tracing::info!(id, kind, to, attempt, "email sent");
                outbox::Outcome::Sent
            }
            Err(Failure { error, permanent }) => {
                let give_up = permanent || attempt >= MAX_ATTEMPTS;
                let then = if give_up {
                    tracing::error!(id, kind, to, attempt, %error, "email not sent, and given up");
                    outbox::AfterFailure::GiveUp
                } else {
                    let delay = retry_delay(attempt);
                    tracing::warn!(id, kind, to, attempt, %error, retry_in = ?delay, "email not sent; will retry");
                    outbox::AfterFailure::RetryAt(now_ms() + delay.as_millis() as i64)
                };
                outbox::Outcome::Failed { error, then }
            }
        };
        outbox::Attempt { id, attempt, outcome }
    }

    async fn send(&self, message: &outbox::Pending) -> Result<(), Failure> {
        let email = compose(&self.from, message).map_err(|error| Failure {
            error,
            permanent: true,
        })?;
        let temporary = |error: String| Failure {
            error,
            permanent: false,
        };
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(email)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(error)) => Err(temporary(truncate(error.to_string()))),
            Err(_) => Err(temporary(format!("no answer within {SEND_TIMEOUT:?}"))),
        }
    }
}

/// The email of an outbox row: text and HTML alternatives, from `from` to its recipient.
/// Its Message-ID is the row's, the same for every attempt, so a receiver can recognise a
/// message that arrives twice. An error is permanent (the row itself is unusable).
pub fn compose(from: &Mailbox, message: &outbox::Pending) -> Result<lettre::Message, String> {
    let to: Mailbox = message
        .to_email
        .parse()
        .map_err(|e| format!("'{}' is not a mailbox: {e}", message.to_email))?;
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&message.subject)
        .message_id(Some(format!(
            "<roster.outbox.{}.{}@{}>",
            message.id,
            message.created_at,
            from.email.domain()
        )))
        .multipart(MultiPart::alternative_plain_html(
            message.text_body.clone(),
            message.html_body.clone(),
        ))
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// Keeps a stored error message to a sensible length.
fn truncate(mut error: String) -> String {
    const MAX: usize = 1000;
    if error.len() > MAX {
        let mut end = MAX;
        while !error.is_char_boundary(end) {
            end -= 1;
        }
        error.truncate(end);
        error.push('…');
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(to: &str) -> outbox::Pending {
        outbox::Pending {
            id: 1,
            kind: "account_setup".into(),
            to_email: to.into(),
            subject: "Set up your Acme account on Roster".into(),
            text_body: "Hello\n\nSet your password: https://r.example/welcome/abc\n".into(),
            html_body: "<p>Hello</p><p><a href=\"https://r.example/welcome/abc\">Set</a></p>".into(),
            created_at: 1_700_000_000_000,
            attempts: 0,
        }
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let waits: Vec<u64> = (1..=6).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(waits, [30, 120, 600, 3600, 3600, 3600]);
        let total: u64 = (1..MAX_ATTEMPTS).map(|n| retry_delay(n).as_secs()).sum();
        assert!((5 * 3600..7 * 3600).contains(&total), "{total} s of retries");
    }

    #[test]
    fn an_email_has_sender_recipient_subject_and_text_and_html_alternatives() {
        let from: Mailbox = "Roster <roster@r.example>".parse().unwrap();
        let raw =
            String::from_utf8(compose(&from, &pending("ana@acme.example")).unwrap().formatted()).unwrap();
        assert!(raw.contains("From: Roster <roster@r.example>\r\n"), "{raw}");
        assert!(raw.contains("To: ana@acme.example\r\n"), "{raw}");
        assert!(
            raw.contains("Subject: Set up your Acme account on Roster\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("Message-ID: <roster.outbox.1.1700000000000@r.example>\r\n"),
            "{raw}"
        );
        assert!(raw.contains("Content-Type: multipart/alternative;"), "{raw}");
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"), "{raw}");
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"), "{raw}");
    }

    #[test]
    fn an_unusable_recipient_is_an_error_to_give_up_on() {
        let from: Mailbox = "roster@r.example".parse().unwrap();
        assert!(compose(&from, &pending("not an address")).is_err());
    }

    #[test]
    fn the_log_names_the_smtp_server_without_its_password() {
        assert_eq!(
            server_of("smtps://ana:secret@mail.example.com"),
            "smtps://mail.example.com"
        );
        assert_eq!(server_of("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(truncate("short".into()), "short");
        assert_eq!(truncate("é".repeat(600)).chars().count(), 501);
    }
}
