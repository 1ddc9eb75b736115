//! A live input (a pipe, a terminal, a followed file) read on a thread of
//! its own, so that its reader can take at once whatever has arrived: one
//! piece when the stream is quiet (its lines are hunted as they come),
//! many when it is busy (large chunks, as a file's). Blocking reads give no
//! way to ask "is more waiting?"; a thread that keeps reading ahead does.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::time::Duration;

/// How much one read asks for (a pipe's buffer).
const PIECE: usize = 64 << 10;

/// Pieces read ahead at most (4 MiB).
const AHEAD: usize = 64;

/// Pieces of bytes sent on a channel (by a thread reading ahead, or a
/// subscription's messages), read as one stream: it ends when the channel
/// is closed; an error sent is returned in its place.
#[derive(Debug)]
pub struct Received {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// The piece being read, and how far.
    cur: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Received {
    /// The stream of what comes on `rx`.
    pub fn new(rx: Receiver<io::Result<Vec<u8>>>) -> Self {
        Self {
            rx,
            cur: Vec::new(),
            at: 0,
            ended: false,
        }
    }
}

impl Read for Received {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.cur.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(piece)) => {
                    self.cur = piece;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    self.ended = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.cur.len() - self.at);
        out[..n].copy_from_slice(&self.cur[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A live input's pieces as they come.
#[derive(Debug)]
pub struct Pieces {
    got: Received,
    /// Pieces handed back to the reading thread, to be read into again.
    back: SyncSender<Vec<u8>>,
    /// Once set, the input ends where it is (what has arrived is taken).
    until: Option<Arc<AtomicBool>>,
}

/// How often a wait for more looks at the flag that ends it.
const LOOK: Duration = Duration::from_millis(100);

/// How far [`Pieces::fill`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// Lines are waiting to be hunted; more may come.
    More,
    /// The input ended.
    End,
}

impl Pieces {
    /// Starts reading `input` ahead on a thread, until its end or `until`
    /// is set. The thread ends at the input's end or error, or, once these
    /// pieces are dropped, after its read under way returns.
    pub fn spawn(
        mut input: Box<dyn Read + Send>,
        until: Option<Arc<AtomicBool>>,
    ) -> io::Result<Self> {
        let (tx, rx) = sync_channel(AHEAD);
        let (back, used) = sync_channel::<Vec<u8>>(AHEAD);
        std::thread::Builder::new()
            .name("yagura-live-read".into())
            .spawn(move || {
                loop {
                    let mut piece = used.try_recv().unwrap_or_default();
                    // Zeroes only what the piece's last read left short.
                    piece.resize(PIECE, 0);
                    let sent = match input.read(&mut piece) {
                        Ok(0) => return,
                        Ok(n) => {
                            piece.truncate(n);
                            tx.send(Ok(piece))
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            // A followed file's turnover is passed on and
                            // the reading goes on; any other error ends it.
                            let go_on = super::follow::is_turnover(&e);
                            if tx.send(Err(e)).is_err() || !go_on {
                                return;
                            }
                            continue;
                        }
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            })?;
        Ok(Self {
            got: Received::new(rx),
            back,
            until,
        })
    }

    /// Appends to `buf` what has arrived, waiting for the first piece if
    /// none has: until `buf` holds a line end with nothing more waiting,
    /// or holds `limit` bytes or more (at most one piece more), or the
    /// input ends. A followed file's turnover is an error (see
    /// [`super::follow::is_turnover`]) once the pieces before it are in
    /// `buf`.
    pub fn fill(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<Filled> {
        // What `read` left of its piece.
        let got = &mut self.got;
        let mut wait = true;
        if got.at < got.cur.len() {
            let rest = &got.cur[got.at..];
            wait = memchr::memchr(b'\n', rest).is_none();
            buf.extend_from_slice(rest);
            got.at = got.cur.len();
        }
        while buf.len() < limit {
            let next = match (&self.until, wait) {
                (_, false) => got.rx.try_recv(),
                (None, true) => got.rx.recv().map_err(|_| TryRecvError::Disconnected),
                (Some(until), true) => match got.rx.recv_timeout(LOOK) {
                    Ok(piece) => Ok(piece),
                    Err(RecvTimeoutError::Disconnected) => Err(TryRecvError::Disconnected),
                    Err(RecvTimeoutError::Timeout) => {
                        if until.load(Ordering::Relaxed) {
                            // Told to stop: the input ends here.
                            got.ended = true;
                            return Ok(Filled::End);
                        }
                        continue;
                    }
                },
            };
            match next {
                Ok(Ok(piece)) => {
                    let line_end = memchr::memchr(b'\n', &piece).is_some();
                    buf.extend_from_slice(&piece);
                    let _ = self.back.try_send(piece);
                    // Once a line end is in, only what is already here is
                    // taken.
                    wait &= !line_end;
                }
                Ok(Err(e)) => return Err(e),
                Err(TryRecvError::Empty) => return Ok(Filled::More),
                Err(TryRecvError::Disconnected) => {
                    got.ended = true;
                    return Ok(Filled::End);
                }
            }
        }
        Ok(Filled::More)
    }
}

impl Read for Pieces {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.got.read(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_quiet_stream_gives_each_line_as_it_comes_and_a_busy_one_large_fills() {
        let (r, mut w) = std::io::pipe().expect("pipe");
        let mut p = Pieces::spawn(Box::new(r), None).expect("spawn");
        let mut buf = Vec::new();
        w.write_all(b"one\n").expect("write");
        assert_eq!(p.fill(&mut buf, 1 << 20).expect("fill"), Filled::More);
        assert_eq!(buf, b"one\n");
        // A part line waits for its end.
        buf.clear();
        w.write_all(b"tw").expect("write");
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            w.write_all(b"o\n").expect("write");
            // Then, once that line was taken, much at once, and the end.
            std::thread::sleep(std::time::Duration::from_millis(300));
            for _ in 0..200 {
                w.write_all(&[b'x'; 1023]).expect("write");
                w.write_all(b"\n").expect("write");
            }
        });
        assert_eq!(p.fill(&mut buf, 1 << 20).expect("fill"), Filled::More);
        assert!(buf == b"two\n", "{} bytes", buf.len());
        writer.join().expect("writer");
        buf.clear();
        let mut fills = 0;
        while p.fill(&mut buf, 1 << 20).expect("fill") == Filled::More {
            fills += 1;
        }
        assert_eq!(buf.len(), 200 * 1024);
        // Read ahead while the writer wrote: fewer fills than pieces.
        assert!(fills < 200, "{fills}");
        let mut rest = Vec::new();
        p.read_to_end(&mut rest).expect("read");
        assert!(rest.is_empty());
    }

    #[test]
    fn a_stream_told_to_stop_ends_where_it_is() {
        let (r, mut w) = std::io::pipe().expect("pipe");
        let until = Arc::new(AtomicBool::new(false));
        let mut p = Pieces::spawn(Box::new(r), Some(until.clone())).expect("spawn");
        let mut buf = Vec::new();
        w.write_all(b"one\n").expect("write");
        assert_eq!(p.fill(&mut buf, 1 << 20).expect("fill"), Filled::More);
        // The writer stays open; the flag ends the waiting.
        let stop = std::thread::spawn(move || {
            std::thread::sleep(LOOK * 3);
            until.store(true, Ordering::Relaxed);
        });
        assert_eq!(p.fill(&mut buf, 1 << 20).expect("fill"), Filled::End);
        assert_eq!(buf, b"one\n");
        stop.join().expect("stop");
        drop(w);
    }
}
