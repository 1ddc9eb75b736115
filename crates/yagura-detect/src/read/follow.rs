//! A file read as it grows, as `tail -F` reads it: at its end the reader
//! waits for more instead of ending; when the file at the path is replaced
//! (log rotation: a new inode) the old one is read to its end and the new
//! one from its start; when it is truncated (copy-truncate rotation) it is
//! read again from its start. Between the old file and the new, one read
//! fails with [`TurnedOver`] (see [`is_turnover`]), so that the reader of
//! its lines can count them from 1 again. It ends when one of its flags is
//! set (the hunt stopped, or the user asked to stop following).

use std::fs::File;
use std::io::{self, Read, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long the reader waits at the end of the file before looking again.
pub const POLL: Duration = Duration::from_millis(100);

/// The error between a followed file's end and its successor's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnedOver;

impl std::fmt::Display for TurnedOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the followed file was rotated or truncated")
    }
}

impl std::error::Error for TurnedOver {}

/// Whether `e` is a followed file's [`TurnedOver`].
pub fn is_turnover(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<TurnedOver>())
}

/// A followed file.
#[derive(Debug)]
pub struct Follow {
    path: PathBuf,
    file: File,
    /// The open file's inode and device.
    id: (u64, u64),
    /// Bytes read from the open file.
    pos: u64,
    /// Set, either of them, to end the reading at the file's end.
    until: [Arc<AtomicBool>; 2],
}

impl Follow {
    /// Opens `path`, to be followed until either flag is set.
    pub fn open(path: PathBuf, until: [Arc<AtomicBool>; 2]) -> io::Result<Self> {
        let file = File::open(&path)?;
        let m = file.metadata()?;
        Ok(Self {
            path,
            file,
            id: (m.ino(), m.dev()),
            pos: 0,
            until,
        })
    }

    fn ended(&self) -> bool {
        self.until.iter().any(|f| f.load(Ordering::Relaxed))
    }

    /// At the open file's end: whether the path now names another file
    /// (reopened from its start) or a shorter one (read again from its
    /// start).
    fn turned_over(&mut self) -> io::Result<bool> {
        let Ok(m) = std::fs::metadata(&self.path) else {
            // Moved away and not yet replaced: wait for the new file.
            return Ok(false);
        };
        if (m.ino(), m.dev()) != self.id {
            // Rotated: the old file has been read to its end already.
            match File::open(&self.path) {
                Ok(f) => {
                    self.file = f;
                    self.id = (m.ino(), m.dev());
                    self.pos = 0;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        if m.len() < self.pos {
            self.file.seek(SeekFrom::Start(0))?;
            self.pos = 0;
            return Ok(true);
        }
        Ok(false)
    }
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = self.file.read(buf)?;
            if n > 0 {
                self.pos += n as u64;
                return Ok(n);
            }
            if self.turned_over()? {
                return Err(io::Error::other(TurnedOver));
            }
            if self.ended() {
                return Ok(0);
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn flags() -> [Arc<AtomicBool>; 2] {
        [
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        ]
    }

    /// Reads `f` until `want` bytes came.
    fn read_n(f: &mut Follow, want: usize) -> Vec<u8> {
        let mut out = vec![0u8; want];
        f.read_exact(&mut out).expect("read");
        out
    }

    /// The next read is the turnover between two files.
    fn turnover(f: &mut Follow) {
        let e = f.read(&mut [0u8; 8]).expect_err("the turnover");
        assert!(is_turnover(&e), "{e}");
    }

    #[test]
    fn growth_rotation_and_truncation_are_followed_until_told_to_stop() {
        let dir = std::env::temp_dir().join(format!("yagura-follow-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("app.log");
        std::fs::write(&path, b"one\n").expect("write");
        let until = flags();
        let mut f = Follow::open(path.clone(), until.clone()).expect("open");
        assert_eq!(read_n(&mut f, 4), b"one\n");
        // Growth while the reader waits at the end.
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(POLL * 3);
                let mut w = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .expect("append");
                w.write_all(b"two\n").expect("write");
            })
        };
        assert_eq!(read_n(&mut f, 4), b"two\n");
        writer.join().expect("writer");
        // Rotation: the old file renamed, a new one at the path.
        std::fs::rename(&path, dir.join("app.log.1")).expect("rename");
        std::fs::write(&path, b"three\n").expect("new file");
        turnover(&mut f);
        assert_eq!(read_n(&mut f, 6), b"three\n");
        // Truncation, then shorter content.
        std::fs::write(&path, b"4\n").expect("truncate");
        turnover(&mut f);
        assert_eq!(read_n(&mut f, 2), b"4\n");
        // Told to stop: the reader ends at the file's end.
        until[1].store(true, Ordering::Relaxed);
        let mut rest = Vec::new();
        f.read_to_end(&mut rest).expect("end");
        assert!(rest.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
