//! The server's connections: at most a bound of them open at once (the others wait in the
//! kernel's queue until one closes), and one with nothing read or written for [`IDLE`] is
//! closed. Without them one client could open connections until the process ran out of file
//! descriptors (20,000 silent sockets, in an attack on a test server: pages then failed with
//! "Too many open files" and SQLite could not open its file) and keep them open forever.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};

/// How long a connection may stay silent both ways. A live stream writes every 15 s.
pub const IDLE: Duration = Duration::from_secs(60);

/// Descriptors kept for everything but connections: the database's files and pool, logs.
const KEPT_FOR_THE_REST: u64 = 256;

/// The default bound: what the process's open-file limit leaves after [`KEPT_FOR_THE_REST`].
pub fn default_max_open() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let files = if known { limit.rlim_cur } else { 1024 };
    files.saturating_sub(KEPT_FOR_THE_REST).max(64) as usize
}

/// A TCP listener that keeps at most `max_open` connections open and closes idle ones.
pub struct Capped {
    listener: TcpListener,
    places: Arc<Semaphore>,
    idle: Duration,
}

impl Capped {
    pub fn new(listener: TcpListener, max_open: usize, idle: Duration) -> Capped {
        Capped {
            listener,
            places: Arc::new(Semaphore::new(max_open)),
            idle,
        }
    }
}

impl axum::serve::Listener for Capped {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        // The semaphore is never closed.
        let place = self.places.clone().acquire_owned().await.expect("open");
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        let connection = Connection {
            stream,
            _place: place,
            idle: self.idle,
            deadline: Box::pin(tokio::time::sleep(self.idle)),
        };
        (connection, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// An accepted connection: its place among the open ones, and when it will count as idle.
pub struct Connection {
    stream: TcpStream,
    _place: OwnedSemaphorePermit,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Connection {
    fn active(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.active();
                }
                Poll::Ready(result)
            }
            // Waiting to read is where a silent connection sits; past its deadline it ends.
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::ErrorKind::TimedOut.into())),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.active();
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.active();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener;
    use tokio::io::AsyncReadExt;

    async fn capped(max_open: usize, idle: Duration) -> (Capped, SocketAddr) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (Capped::new(listener, max_open, idle), addr)
    }

    #[tokio::test]
    async fn a_connection_past_the_bound_is_accepted_only_once_another_closes() {
        let (mut listener, addr) = capped(1, IDLE).await;
        let _first = TcpStream::connect(addr).await.unwrap();
        let _second = TcpStream::connect(addr).await.unwrap();
        let (open, _) = listener.accept().await;
        let waiting = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(waiting.is_err(), "the second waits while the first is open");
        drop(open);
        let _ = listener.accept().await;
    }

    #[tokio::test]
    async fn a_connection_silent_both_ways_is_closed_once_idle() {
        let (mut listener, addr) = capped(4, Duration::from_millis(100)).await;
        let _client = TcpStream::connect(addr).await.unwrap();
        let (mut connection, _) = listener.accept().await;
        let mut byte = [0u8; 1];
        let read = connection.read(&mut byte).await;
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn the_default_bound_leaves_descriptors_for_the_rest() {
        assert!(default_max_open() >= 64);
    }
}
